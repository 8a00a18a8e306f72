// The portal's records as the store keeps them, whichever engine keeps them (issue 21).
//
// The portal owns the rules (who may do what, validation, deadlines, messages); the store owns
// the rows and the SQL. A portal action is one unit of work: `PortalStore.write { tx in … }` runs
// its reads, its writes and its audit entry (`appendAudit`) in one transaction, so an action
// without its record cannot happen, and a failure anywhere in the body leaves nothing.
//
// Records are plain values with public inits; nothing here names GRDB. Roles, token kinds and
// feedback categories travel as their stored text: their meaning is the portal's.
//
// Every portal file reads and writes through here; Portal imports no GRDB. The open-data list's,
// the workflow's and the harvest's operations are declared beside their records
// (`PortalOpenDataListRecords`, `PortalWorkflowRecords`, `PortalHarvestRecords`).
public import Foundation

/// A unit of work over the portal's records. Every call blocks: make it from a `BlockingPool`
/// thread.
///
/// ```swift
/// let id = try store.write { tx in
///     let id = try tx.insertAgency(slug: "so-xd", name: "Sở Xây dựng")
///     try tx.appendAudit(AuditAction(at: now, username: "command-line", role: "administrator",
///                                    action: "agency.create", agencyID: id))
///     return id
/// }
/// ```
public protocol PortalStore: Sendable {
    /// Runs `body` over one consistent snapshot of the records.
    func read<T>(_ body: (any PortalReading) throws -> T) throws -> T
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func write<T>(_ body: (any PortalTransaction) throws -> T) throws -> T
}

/// A unique name is already in use. Thrown by the inserts it names, so that the portal says
/// "name taken" and not "something failed", however two requests raced.
public struct PortalNameTaken: Error, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// An agency's slug.
        case agency
        /// An account's user name (case-insensitive).
        case account
        /// An identity: the issuer and subject, or the issuer and waiting e-mail, of another link.
        case identity
    }
    public var kind: Kind
    public var name: String
    public init(kind: Kind, name: String) { self.kind = kind; self.name = name }
}

// MARK: - Records

/// A dataset as the portal's rules need it: who owns it and which version is current.
public struct DatasetRef: Sendable, Equatable {
    public var id: Int64
    public var slug: String
    public var agencyID: Int64?
    public var currentVersionID: Int64?
    public init(id: Int64, slug: String, agencyID: Int64?, currentVersionID: Int64?) {
        self.id = id; self.slug = slug; self.agencyID = agencyID; self.currentVersionID = currentVersionID
    }
}

/// A version as the portal's workflow needs it, with its dataset's owner and current version.
public struct VersionRef: Sendable, Equatable {
    public var id: Int64
    public var datasetID: Int64
    public var datasetSlug: String
    public var agencyID: Int64?
    public var number: Int
    /// As stored: a `VersionStatus` unless the store was edited by hand.
    public var status: String
    public var checksum: String?
    public var currentVersionID: Int64?
    public init(id: Int64, datasetID: Int64, datasetSlug: String, agencyID: Int64?, number: Int, status: String,
                checksum: String?, currentVersionID: Int64?) {
        self.id = id; self.datasetID = datasetID; self.datasetSlug = datasetSlug; self.agencyID = agencyID
        self.number = number; self.status = status; self.checksum = checksum; self.currentVersionID = currentVersionID
    }
}

/// A staff account.
public struct AccountRecord: Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var displayName: String
    /// The portal's role, as stored (`administrator`, `editor`, …).
    public var role: String
    public var agencyID: Int64?
    public var agencySlug: String?
    /// nil: the account signs in through an identity provider only.
    public var passwordHash: String?
    public var disabled: Bool
    public init(id: Int64, username: String, displayName: String, role: String, agencyID: Int64?, agencySlug: String?,
                passwordHash: String?, disabled: Bool) {
        self.id = id; self.username = username; self.displayName = displayName; self.role = role
        self.agencyID = agencyID; self.agencySlug = agencySlug; self.passwordHash = passwordHash; self.disabled = disabled
    }
}

/// An account to create.
public struct NewAccount: Sendable, Equatable {
    public var username: String
    public var displayName: String
    public var role: String
    public var agencyID: Int64?
    public var passwordHash: String?
    public var at: Date
    public init(username: String, displayName: String, role: String, agencyID: Int64?, passwordHash: String?, at: Date) {
        self.username = username; self.displayName = displayName; self.role = role; self.agencyID = agencyID
        self.passwordHash = passwordHash; self.at = at
    }
}

public enum TokenKind: String, Sendable, Equatable {
    /// Opened by a sign-in; expires.
    case session
    /// A script's long-lived token.
    case api
}

/// A session or API token; the secret itself is never stored, only its digest.
public struct AuthTokenRecord: Sendable, Equatable {
    public var id: Int64
    public var accountID: Int64
    public var kind: TokenKind
    public var name: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var revoked: Bool
    public init(id: Int64, accountID: Int64, kind: TokenKind, name: String, createdAt: Date, expiresAt: Date?,
                lastUsedAt: Date?, revoked: Bool) {
        self.id = id; self.accountID = accountID; self.kind = kind; self.name = name; self.createdAt = createdAt
        self.expiresAt = expiresAt; self.lastUsedAt = lastUsedAt; self.revoked = revoked
    }
}

/// A token to store.
public struct NewToken: Sendable, Equatable {
    public var accountID: Int64
    public var kind: TokenKind
    public var digest: String
    public var name: String
    public var createdAt: Date
    public var expiresAt: Date?
    public init(accountID: Int64, kind: TokenKind, digest: String, name: String = "", createdAt: Date, expiresAt: Date? = nil) {
        self.accountID = accountID; self.kind = kind; self.digest = digest; self.name = name
        self.createdAt = createdAt; self.expiresAt = expiresAt
    }
}

/// Which of an account's live tokens to revoke.
public enum TokenSelection: Sendable, Equatable {
    /// Every session and API token.
    case all
    /// Every session (API tokens go on: scripts hold them).
    case sessions
    /// The sessions a password opened (those an identity provider opened go on).
    case passwordSessions
    /// The sessions `issuer` opened.
    case signOnSessions(issuer: String)
}

/// An identity at an OpenID Connect provider, linked to an account.
public struct IdentityRecord: Sendable, Equatable {
    public var id: Int64
    public var accountID: Int64
    public var username: String
    public var issuer: String
    /// nil: waiting for the first sign-in with `email`.
    public var subject: String?
    public var email: String?
    public var lastSignedInAt: Date?
    /// Whether the account still has a password.
    public var accountHasPassword: Bool
    public init(id: Int64, accountID: Int64, username: String, issuer: String, subject: String?, email: String?,
                lastSignedInAt: Date?, accountHasPassword: Bool) {
        self.id = id; self.accountID = accountID; self.username = username; self.issuer = issuer; self.subject = subject
        self.email = email; self.lastSignedInAt = lastSignedInAt; self.accountHasPassword = accountHasPassword
    }
}

/// One row of the audit log as stored.
public struct AuditRecord: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var username: String
    public var role: String
    public var action: String
    public var agencySlug: String?
    public var datasetSlug: String?
    public var versionNumber: Int?
    public var checksum: String?
    public var comment: String?
    public var detail: String?
    public init(id: Int64, at: Date, username: String, role: String, action: String, agencySlug: String?,
                datasetSlug: String?, versionNumber: Int?, checksum: String?, comment: String?, detail: String?) {
        self.id = id; self.at = at; self.username = username; self.role = role; self.action = action
        self.agencySlug = agencySlug; self.datasetSlug = datasetSlug; self.versionNumber = versionNumber
        self.checksum = checksum; self.comment = comment; self.detail = detail
    }
}

/// Which audit entries to find. nil members do not filter.
public struct AuditFilter: Sendable, Equatable {
    /// The dataset's slug, exactly.
    public var dataset: String?
    /// The user name, letters in any case.
    public var username: String?
    /// The action exactly, or its family: `catalogue` finds `catalogue.*` too.
    public var action: String?
    /// Entries at or after this instant.
    public var from: Date?
    /// Entries before this instant.
    public var before: Date?
    public init(dataset: String? = nil, username: String? = nil, action: String? = nil, from: Date? = nil, before: Date? = nil) {
        self.dataset = dataset; self.username = username; self.action = action; self.from = from; self.before = before
    }
}

/// What an audit entry records: who did what, to what. The store chains and seals it.
public struct AuditAction: Sendable, Equatable {
    public var at: Date
    /// nil for the command line, which is no account.
    public var userID: Int64?
    public var username: String
    public var role: String
    public var action: String
    public var agencyID: Int64?
    public var datasetSlug: String?
    public var versionID: Int64?
    public var versionNumber: Int?
    public var checksum: String?
    public var comment: String?
    public var detail: String?
    public init(at: Date, userID: Int64? = nil, username: String, role: String, action: String, agencyID: Int64? = nil,
                datasetSlug: String? = nil, versionID: Int64? = nil, versionNumber: Int? = nil, checksum: String? = nil,
                comment: String? = nil, detail: String? = nil) {
        self.at = at; self.userID = userID; self.username = username; self.role = role; self.action = action
        self.agencyID = agencyID; self.datasetSlug = datasetSlug; self.versionID = versionID
        self.versionNumber = versionNumber; self.checksum = checksum; self.comment = comment; self.detail = detail
    }
}

/// An item of public feedback, with the names of its dataset and handling agency.
public struct FeedbackRecord: Sendable, Equatable {
    public var id: Int64
    public var datasetSlug: String?
    public var agencyID: Int64?
    public var agencySlug: String?
    public var agencyName: String?
    /// The portal's category, as stored.
    public var category: String
    public var message: String
    public var contactEmail: String?
    public var receivedAt: Date
    /// The last day an answer is on time (`yyyy-MM-dd`, Vietnam).
    public var dueDay: String
    public var answer: String?
    public var answeredAt: Date?
    public init(id: Int64, datasetSlug: String?, agencyID: Int64?, agencySlug: String?, agencyName: String?, category: String,
                message: String, contactEmail: String?, receivedAt: Date, dueDay: String, answer: String?, answeredAt: Date?) {
        self.id = id; self.datasetSlug = datasetSlug; self.agencyID = agencyID; self.agencySlug = agencySlug
        self.agencyName = agencyName; self.category = category; self.message = message; self.contactEmail = contactEmail
        self.receivedAt = receivedAt; self.dueDay = dueDay; self.answer = answer; self.answeredAt = answeredAt
    }
}

/// Feedback to store.
public struct NewFeedback: Sendable, Equatable {
    public var datasetID: Int64?
    public var agencyID: Int64?
    public var category: String
    public var message: String
    public var contactEmail: String?
    public var receivedAt: Date
    public var dueDay: String
    public init(datasetID: Int64?, agencyID: Int64?, category: String, message: String, contactEmail: String?,
                receivedAt: Date, dueDay: String) {
        self.datasetID = datasetID; self.agencyID = agencyID; self.category = category; self.message = message
        self.contactEmail = contactEmail; self.receivedAt = receivedAt; self.dueDay = dueDay
    }
}

/// Which feedback to list.
public struct FeedbackFilter: Sendable, Equatable {
    /// true: answered only; false: waiting only; nil: both.
    public var answered: Bool?
    public var datasetSlug: String?
    /// Only the items this agency handles; nil: every item.
    public var agencyID: Int64?
    public init(answered: Bool? = nil, datasetSlug: String? = nil, agencyID: Int64? = nil) {
        self.answered = answered; self.datasetSlug = datasetSlug; self.agencyID = agencyID
    }
}

/// A dataset of the open-data list, for the compliance rules.
public struct ListedDatasetDutyRecord: Sendable, Equatable {
    public var datasetID: Int64
    public var slug: String
    public var title: String
    public var agencyID: Int64
    /// The portal's update frequency, as stored.
    public var updateFrequency: String
    public var addedAt: Date
    public init(datasetID: Int64, slug: String, title: String, agencyID: Int64, updateFrequency: String, addedAt: Date) {
        self.datasetID = datasetID; self.slug = slug; self.title = title; self.agencyID = agencyID
        self.updateFrequency = updateFrequency; self.addedAt = addedAt
    }
}

/// A version that was published (it may be superseded since).
public struct PublishedVersionRecord: Sendable, Equatable {
    public var datasetID: Int64
    public var number: Int
    public var publishedAt: Date
    public var featureCount: Int
    public init(datasetID: Int64, number: Int, publishedAt: Date, featureCount: Int) {
        self.datasetID = datasetID; self.number = number; self.publishedAt = publishedAt; self.featureCount = featureCount
    }
}

// MARK: - Operations

/// What a portal action may read.
public protocol PortalReading: PortalOpenDataListReading, PortalWorkflowReading, PortalHarvestReading {
    func agency(slug: String) throws -> AgencyRecord?
    func agency(id: Int64) throws -> AgencyRecord?
    /// Every agency, by slug.
    func agencies() throws -> [AgencyRecord]
    func dataset(slug: String) throws -> DatasetRef?
    /// Version `number` of the dataset `dataset`.
    func version(dataset: String, number: Int) throws -> VersionRef?

    func account(username: String) throws -> AccountRecord?
    func account(id: Int64) throws -> AccountRecord?
    /// The accounts of the agency `agencySlug` (every account when nil), by user name.
    func accounts(agencySlug: String?) throws -> [AccountRecord]

    /// The live (unrevoked) token with this digest and its account.
    func liveToken(digest: String) throws -> (token: AuthTokenRecord, account: AccountRecord)?
    func apiToken(id: Int64) throws -> AuthTokenRecord?
    /// The API tokens of an account, oldest first, revoked ones too.
    func apiTokens(accountID: Int64) throws -> [AuthTokenRecord]

    func identity(id: Int64) throws -> IdentityRecord?
    func identity(issuer: String, subject: String) throws -> IdentityRecord?
    /// A link waiting for its first sign-in with `email` (case-insensitive).
    func waitingIdentity(issuer: String, email: String) throws -> IdentityRecord?
    /// Every link, by user name.
    func identities() throws -> [IdentityRecord]
    /// The provider and ID token the session with this digest was opened with.
    func signOnSession(digest: String) throws -> (issuer: String, idToken: String)?

    /// The audit log oldest first: about `dataset` or version `versionID` when given.
    func auditLog(dataset: String?, versionID: Int64?, limit: Int) throws -> [AuditRecord]
    /// How many entries match `filter`.
    func auditCount(_ filter: AuditFilter) throws -> Int
    /// The entries matching `filter`, newest first or oldest first, `limit` of them after skipping `offset`.
    func auditSearch(_ filter: AuditFilter, newestFirst: Bool, limit: Int, offset: Int) throws -> [AuditRecord]
    /// The distinct actions logged so far, alphabetically.
    func auditActions() throws -> [String]

    func feedback(id: Int64) throws -> FeedbackRecord?
    /// Feedback in the order it was stored.
    func feedback(_ filter: FeedbackFilter) throws -> [FeedbackRecord]

    /// The listed datasets that have an agency.
    func listedDatasetDuties() throws -> [ListedDatasetDutyRecord]
    /// Every version ever published.
    func publishedVersions() throws -> [PublishedVersionRecord]
    /// The declared changes of "on change" datasets: dataset id and the day (`yyyy-MM-dd`).
    func declaredChanges() throws -> [(datasetID: Int64, day: String)]
}

/// What a portal action may write, in its transaction.
public protocol PortalTransaction: PortalReading, PortalOpenDataListWriting, PortalWorkflowWriting, PortalHarvestWriting {
    /// Throws `PortalNameTaken` when the slug is in use.
    func insertAgency(slug: String, name: String) throws -> Int64
    /// Throws `PortalNameTaken` when the user name is in use (case-insensitive).
    func insertAccount(_ account: NewAccount) throws -> Int64
    func setDisabled(accountID: Int64, _ disabled: Bool, at: Date) throws
    /// nil: the account signs in through an identity provider only.
    func setPasswordHash(accountID: Int64, _ hash: String?, at: Date) throws

    func insertToken(_ token: NewToken) throws -> Int64
    func revokeTokens(accountID: Int64, _ which: TokenSelection, at: Date) throws
    func revokeToken(digest: String, at: Date) throws
    /// Revokes token `id` (kept as first revoked when it already was).
    func revokeToken(id: Int64, at: Date) throws
    /// When each token was last used; an earlier use never overwrites a later one.
    func noteTokenUses(_ uses: [Int64: Date]) throws

    /// Throws `PortalNameTaken` when the issuer and subject, or the issuer and waiting e-mail, are linked already.
    func insertIdentity(accountID: Int64, issuer: String, subject: String?, email: String?, at: Date) throws -> Int64
    /// Links a waiting identity to the subject its e-mail signed in as.
    func setIdentitySubject(id: Int64, subject: String, at: Date) throws
    func noteSignIn(identityID: Int64, at: Date) throws
    func deleteIdentity(id: Int64) throws
    /// Remembers which provider, with which ID token, opened session `tokenID`.
    func insertSignOnSession(tokenID: Int64, issuer: String, idToken: String) throws

    func insertFeedback(_ feedback: NewFeedback) throws -> Int64
    /// `accountID` nil: answered from the command line.
    func answerFeedback(id: Int64, answer: String, at: Date, accountID: Int64?) throws

    /// Makes `versionID` its dataset's current version (the one before superseded) in this
    /// transaction, beside the action's audit entry: an approval publishes through here. Returns
    /// what to post on the store's `publications` after the commit, never before.
    func publish(versionID: Int64, at: Date) throws -> Publication

    /// Appends an entry to the audit log, chained to the one before it and sealed in this
    /// transaction. Returns its id.
    @discardableResult
    func appendAudit(_ entry: AuditAction) throws -> Int64
}
