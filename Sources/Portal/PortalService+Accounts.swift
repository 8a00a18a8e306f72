// Agencies, accounts, sign-in and tokens. The first administrator comes from the command line
// (`bando users add --role administrator`), never from a default password.
import Foundation
import GeoStore
import PublicErrors

public struct AgencyInfo: Sendable, Codable, Equatable {
    public var id: Int64
    public var slug: String
    public var name: String
}

public struct UserInfo: Sendable, Codable, Equatable {
    public var id: Int64
    public var username: String
    public var displayName: String
    public var role: Role
    public var agency: String?
    public var disabled: Bool
}

public struct SignIn: Sendable, Codable {
    /// The session secret: goes into the cookie, shown once.
    public var token: String
    public var expiresAt: String
    public var user: UserInfo
}

public struct APITokenInfo: Sendable, Codable, Equatable {
    public var id: Int64
    public var name: String
    public var createdAt: String
    public var lastUsedAt: String?
    public var revoked: Bool
}

extension PortalService {
    static func checkSlug(_ slug: String, what: String) throws(PortalError) {
        guard (try? /^[a-z0-9][a-z0-9-]{0,62}$/.wholeMatch(in: slug)) != nil else {
            throw .invalid(what == "agency" ? "portal.slug.agency" : "portal.slug.dataset", ["value": slug])
        }
        if what == "dataset", reservedDatasetSlugs.contains(slug) {
            throw .invalid("portal.slug.reserved", ["value": slug])
        }
    }

    /// Names the staff pages use under `/workspace/` (`/workspace/harvest`, …): a dataset called
    /// so could not be reached there.
    static let reservedDatasetSlugs: Set<String> = ["harvest", "datasets", "propose"]

    // MARK: Agencies

    @discardableResult
    public func createAgency(slug: String, name: String, by actor: Actor) throws -> AgencyInfo {
        try Permissions.authorize(actor, .manageAgencies)
        try Self.checkSlug(slug, what: "agency")
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw PortalError.invalid("portal.agency.name") }
        return try records.write { tx in
            let id: Int64
            do { id = try tx.insertAgency(slug: slug, name: name) }
            catch is PortalNameTaken { throw PortalError.conflict("portal.agency.exists", ["agency": slug]) }
            try audit(tx, actor, "agency.create", agencyID: id, detail: name)
            return AgencyInfo(id: id, slug: slug, name: name)
        }
    }

    public func agencies() throws -> [AgencyInfo] {
        try records.read { tx in try tx.agencies().map { AgencyInfo(id: $0.id, slug: $0.slug, name: $0.name) } }
    }

    // MARK: Users

    /// `password` nil: the account signs in only through an identity provider (linked on
    /// `/admin/identities`); no password will ever match it.
    @discardableResult
    public func createUser(username: String, password: String?, role: Role, agency: String?, displayName: String = "",
                           by actor: Actor) throws -> UserInfo {
        if actor.role == .agencyAdministrator {
            let target = try agency.map { slug in try records.read { tx in try self.agencyID(tx, slug: slug) } }
            try Permissions.authorize(actor, .manageAccount(agencyID: target, role: role))
        } else {
            try Permissions.authorize(actor, .manageUsers)
        }
        let username = username.trimmingCharacters(in: .whitespaces)
        guard (try? /^[A-Za-z0-9._@-]{3,64}$/.wholeMatch(in: username)) != nil else {
            throw PortalError.invalid("portal.user.name", ["value": username])
        }
        if role.belongsToAgency, agency == nil {
            throw PortalError.invalid("portal.user.needsAgency", ["role": role.rawValue])
        }
        if role == .administrator, agency != nil {
            throw PortalError.invalid("portal.user.administratorAgency")
        }
        let hash = try password.map { try hasher.hash($0) }
        return try records.write { tx in
            let agencyID = try agency.map { try self.agencyID(tx, slug: $0) }
            let id: Int64
            do {
                id = try tx.insertAccount(NewAccount(username: username, displayName: displayName, role: role.rawValue,
                                                     agencyID: agencyID, passwordHash: hash, at: now()))
            } catch is PortalNameTaken {
                throw PortalError.conflict("portal.user.exists", ["user": username])
            }
            try audit(tx, actor, "user.create", agencyID: agencyID, detail: "\(username) as \(role.rawValue)")
            return UserInfo(id: id, username: username, displayName: displayName, role: role, agency: agency, disabled: false)
        }
    }

    /// The accounts (of `agency` when given); an agency administrator sees their agency's only.
    public func users(agency: String? = nil, by actor: Actor) throws -> [UserInfo] {
        if actor.role != .agencyAdministrator { try Permissions.authorize(actor, .manageUsers) }
        return try records.read { tx in
            var agency = agency
            if actor.role == .agencyAdministrator {
                agency = try actor.agencyID.flatMap { try tx.agency(id: $0) }?.slug
                if agency == nil { return [] }
            }
            return try tx.accounts(agencySlug: agency).map(Self.userInfo)
        }
    }

    static func userInfo(_ a: AccountRecord) -> UserInfo {
        UserInfo(id: a.id, username: a.username, displayName: a.displayName, role: Role(rawValue: a.role) ?? .editor,
                 agency: a.agencySlug, disabled: a.disabled)
    }

    /// Disabling also ends every session and revokes every token of the user.
    public func setDisabled(username: String, _ disabled: Bool, by actor: Actor) throws {
        if actor.role != .agencyAdministrator { try Permissions.authorize(actor, .manageUsers) }
        try records.write { tx in
            let account = try self.account(tx, username)
            try authorizeAccount(account, by: actor)
            try tx.setDisabled(accountID: account.id, disabled, at: now())
            if disabled { try tx.revokeTokens(accountID: account.id, .all, at: now()) }
            try audit(tx, actor, disabled ? "user.disable" : "user.enable", detail: username)
        }
    }

    /// Sets a new password and ends the user's sessions (not their API tokens, which scripts hold).
    public func resetPassword(username: String, newPassword: String, by actor: Actor) throws {
        if actor.role != .agencyAdministrator { try Permissions.authorize(actor, .manageUsers) }
        let hash = try hasher.hash(newPassword)
        try records.write { tx in
            let account = try self.account(tx, username)
            try authorizeAccount(account, by: actor)
            try tx.setPasswordHash(accountID: account.id, hash, at: now())
            try tx.revokeTokens(accountID: account.id, .sessions, at: now())
            try audit(tx, actor, "user.reset-password", detail: username)
        }
    }

    /// For an agency administrator: `account` is an editor or approver of their agency.
    func authorizeAccount(_ account: AccountRecord, by actor: Actor) throws {
        guard actor.role == .agencyAdministrator else { return }
        try Permissions.authorize(actor, .manageAccount(agencyID: account.agencyID, role: Role(rawValue: account.role) ?? .administrator))
    }

    func account(_ tx: any PortalReading, _ username: String) throws -> AccountRecord {
        guard let account = try tx.account(username: username) else {
            throw PortalError.notFound("portal.user.notFound", ["user": username])
        }
        return account
    }

    // MARK: Sign-in

    /// Checks the password (slowed down after repeated failures: see `SignInThrottle`) and
    /// opens a session. `client`: who is asking, as the HTTP edge tells clients apart.
    public func login(username: String, password: String, client: String) throws -> SignIn {
        try loginThrottle.check(account: username, client: client, now: now())
        let account = try records.read { tx in try tx.account(username: username) }
        // Verify against a real hash even for an unknown user, or one without a password, so
        // timing does not reveal which names exist or how they sign in.
        let stored = account?.passwordHash
        let ok = hasher.verify(password, hash: stored ?? hasher.decoy) && stored != nil
        guard ok, let account, !account.disabled else {
            loginThrottle.recordFailure(account: username, client: client, now: now())
            if ok { throw PortalError.unauthenticated("portal.signIn.disabled", ["user": username]) }
            throw PortalError.unauthenticated("portal.signIn.wrong")
        }
        loginThrottle.recordSuccess(account: username, client: client)
        let token = SecretToken.generate(prefix: "bando_ses_")
        let expires = now().addingTimeInterval(sessionLifetime)
        let user = Self.userInfo(account)
        _ = try records.write { tx in
            try tx.insertToken(NewToken(accountID: user.id, kind: .session, digest: token.digest, createdAt: now(), expiresAt: expires))
        }
        return SignIn(token: token.plaintext, expiresAt: PortalCalendar.timestamp(expires), user: user)
    }

    /// The user behind a session or API token, or `.unauthenticated`.
    public func authenticate(token: String) throws -> Actor {
        let digest = SecretToken.digest(of: token)
        let t = now()
        let live = try records.read { tx in try tx.liveToken(digest: digest) }
        guard let live, !live.account.disabled else {
            throw PortalError.unauthenticated("portal.session.unknown")
        }
        if let exp = live.token.expiresAt, exp <= t {
            throw PortalError.unauthenticated("portal.session.expired")
        }
        if live.token.kind == .api {
            // Noted in memory and written a moment later with others: checking a token never waits for the writer.
            tokenUses.record(token: live.token.id, at: t)
        }
        let a = live.account
        return Actor(userID: a.id, username: a.username, role: Role(rawValue: a.role) ?? .editor, agencyID: a.agencyID)
    }

    public func logout(token: String) throws {
        try records.write { tx in try tx.revokeToken(digest: SecretToken.digest(of: token), at: now()) }
    }

    /// A long-lived token for scripts; the plaintext is returned once.
    public func createAPIToken(name: String, for actor: Actor) throws -> (token: String, info: APITokenInfo) {
        let token = SecretToken.generate(prefix: "bando_pat_")
        let t = now()
        let id = try records.write { tx in
            let id = try tx.insertToken(NewToken(accountID: actor.userID, kind: .api, digest: token.digest, name: name, createdAt: t))
            try audit(tx, actor, "token.create", detail: name)
            return id
        }
        return (token.plaintext, APITokenInfo(id: id, name: name, createdAt: PortalCalendar.timestamp(t), lastUsedAt: nil, revoked: false))
    }

    public func apiTokens(for actor: Actor) throws -> [APITokenInfo] {
        try tokenUses.flush()
        return try records.read { tx in
            try tx.apiTokens(accountID: actor.userID).map {
                APITokenInfo(id: $0.id, name: $0.name, createdAt: PortalCalendar.timestamp($0.createdAt),
                             lastUsedAt: $0.lastUsedAt.map(PortalCalendar.timestamp), revoked: $0.revoked)
            }
        }
    }

    /// Users revoke their own tokens; administrators anyone's.
    public func revokeAPIToken(id: Int64, by actor: Actor) throws {
        try records.write { tx in
            guard let token = try tx.apiToken(id: id) else {
                throw PortalError.notFound("portal.token.notFound", ["id": String(id)])
            }
            guard token.accountID == actor.userID || actor.role == .administrator else {
                throw PortalError.forbidden("portal.token.otherUser")
            }
            try tx.revokeToken(id: id, at: now())
            try audit(tx, actor, "token.revoke", detail: String(id))
        }
    }
}
