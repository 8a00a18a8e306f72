// The portal's records on PostgreSQL: `PortalStore` with every action in one transaction on one
// connection (issue 21). Where the SQLite store relied on its single writer, this one takes a
// lock: the audit chain's append waits on an advisory lock held to the commit, so two processes
// appending at once still make one chain. A unique clash turns into `PortalNameTaken` and, as
// on SQLite, leaves the transaction usable (a savepoint takes the failed insert back alone).
import Foundation
public import GeoStore
import Logging
import PostgresNIO

extension PostGISStore: PortalStore {
    /// One snapshot for the whole body (REPEATABLE READ), read-only.
    public func read<T>(_ body: (any PortalReading) throws -> T) throws -> T {
        try connections.withConnection { c in
            let tx = PostGISPortalTransaction(c, store: self)
            try tx.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "read the portal's records")
            do {
                let value = try body(tx)
                try tx.execute("COMMIT", "read the portal's records")
                return value
            } catch {
                _ = try? tx.execute("ROLLBACK", "read the portal's records")
                throw error
            }
        }
    }

    /// READ COMMITTED, as `publish` and `writeVersion` are: each statement sees what other
    /// processes committed before it, which the audit chain's lock relies on. What `tx.publish`
    /// returns is the caller's to post on `publications` after the commit (as on SQLite; other
    /// processes hear it from the `pg_notify` committed with it).
    public func write<T>(_ body: (any PortalTransaction) throws -> T) throws -> T {
        try connections.withConnection { c in
            let tx = PostGISPortalTransaction(c, store: self)
            try tx.execute("BEGIN", "write the portal's records")
            do {
                let value = try body(tx)
                try tx.execute("COMMIT", "write the portal's records")
                return value
            } catch {
                _ = try? tx.execute("ROLLBACK", "write the portal's records")
                throw error
            }
        }
    }
}

extension PostGISStore: AuditChainReading {
    public func verifyAuditChain() throws -> [AuditChainProblem] {
        try read { reading in
            let tx = reading as! PostGISPortalTransaction
            var problems: [AuditChainProblem] = []
            var previousHash = AuditChain.genesis
            var previousID: Int64? = nil
            for row in try tx.execute(PostgresQuery(unsafeSQL: "SELECT \(PostGISPortalTransaction.auditHashColumns) FROM audit_log ORDER BY id"),
                                      "verify the audit log") {
                let r = row.makeRandomAccess()
                let id = try r["id"].decode(Int64.self)
                let stored = try r["row_hash"].decode(String?.self)
                let prev = try r["prev_hash"].decode(String?.self)
                if stored == nil {
                    problems.append(AuditChainProblem(rowID: id, kind: .unsealed))
                } else if try PostGISPortalTransaction.auditHash(r) != stored {
                    problems.append(AuditChainProblem(rowID: id, kind: .changed))
                }
                if prev != previousHash { problems.append(AuditChainProblem(rowID: id, kind: .unchained(after: previousID))) }
                previousHash = stored ?? ""
                previousID = id
            }
            return problems
        }
    }

    public func auditChainHead() throws -> (id: Int64, hash: String)? {
        try rows("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1", "read the audit log's head").first.map { row in
            let (id, hash) = try row.decode((Int64, String?).self)
            return (id, hash ?? "")
        }
    }
}

/// A portal transaction on one PostgreSQL connection, between the BEGIN and COMMIT of
/// `PostGISStore.read` or `write`. The catalogue's, the workflow's and the harvest's operations
/// are in `PostGISStore+PortalOpenDataList` and `PostGISStore+PortalWorkflow`.
final class PostGISPortalTransaction: PortalTransaction {
    let c: PostgresConnection
    let store: PostGISStore

    init(_ c: PostgresConnection, store: PostGISStore) { self.c = c; self.store = store }

    /// Runs one statement; a unique violation is thrown as `PortalNameTaken` when `clash` names it.
    @discardableResult
    func execute(_ query: PostgresQuery, _ operation: String, clash: PortalNameTaken? = nil) throws -> [PostgresRow] {
        let c = self.c, logger = store.connections.logger
        do {
            return try waitFor(on: c.eventLoop) { try await c.query(query, logger: logger).collect() }
        } catch let error as PSQLError where clash != nil && error.serverInfo?[.sqlState] == "23505" {
            throw clash!
        } catch {
            throw PostGISError.wrapping(error, operation)
        }
    }

    /// The rows of `query`, each made a record by `record`.
    func all<T>(_ query: PostgresQuery, _ operation: String, _ record: (PostgresRandomAccessRow) throws -> T) throws -> [T] {
        try execute(query, operation).map { try record($0.makeRandomAccess()) }
    }

    func one<T>(_ query: PostgresQuery, _ operation: String, _ record: (PostgresRandomAccessRow) throws -> T) throws -> T? {
        try all(query, operation, record).first
    }

    /// Runs an insert returning one id; a unique clash is `clash`, and only the insert is taken
    /// back (PostgreSQL would otherwise refuse every later statement of the transaction, where
    /// SQLite lets the action go on).
    func insert(_ query: PostgresQuery, _ operation: String, clash: PortalNameTaken? = nil) throws -> Int64 {
        if let clash {
            try execute("SAVEPOINT portal_unique", operation)
            do {
                let id = try execute(query, operation, clash: clash)[0].decode(Int64.self)
                try execute("RELEASE SAVEPOINT portal_unique", operation)
                return id
            } catch let error as PortalNameTaken {
                try execute("ROLLBACK TO SAVEPOINT portal_unique", operation)
                try execute("RELEASE SAVEPOINT portal_unique", operation)
                throw error
            }
        }
        return try execute(query, operation)[0].decode(Int64.self)
    }

    /// `date` to the millisecond, as SQLite's text keeps it, so both engines give equal records.
    static func stored(_ date: Date) -> Date { Timestamp.parse(Timestamp.format(date)) ?? date }
    static func stored(_ date: Date?) -> Date? { date.map(stored) }

    /// A stored date as the SQLite store reads its text back (GRDB: the text's fields, the
    /// milliseconds as nanoseconds, through a UTC Gregorian calendar), so that both engines
    /// give equal `Date`s to the last bit, not merely to the millisecond.
    static func date(_ cell: PostgresCell) throws -> Date {
        let date = try cell.decode(Date.self)
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (ms / 1000).rounded(.down)
        var c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        c.nanosecond = Int(ms - seconds * 1000) * 1_000_000
        return utc.date(from: c) ?? date
    }

    static func optionalDate(_ cell: PostgresCell) throws -> Date? {
        try cell.decode(Date?.self) == nil ? nil : try date(cell)
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.locale = Locale(identifier: "en_US_POSIX")
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    // MARK: Agencies and datasets

    func agency(slug: String) throws -> AgencyRecord? {
        try one("SELECT id, slug, name FROM agencies WHERE slug = \(slug)", "read an agency", Self.agency)
    }

    func agency(id: Int64) throws -> AgencyRecord? {
        try one("SELECT id, slug, name FROM agencies WHERE id = \(id)", "read an agency", Self.agency)
    }

    func agencies() throws -> [AgencyRecord] {
        try all("SELECT id, slug, name FROM agencies ORDER BY slug COLLATE \"C\"", "read the agencies", Self.agency)
    }

    static func agency(_ r: PostgresRandomAccessRow) throws -> AgencyRecord {
        AgencyRecord(id: try r["id"].decode(Int64.self), slug: try r["slug"].decode(String.self), name: try r["name"].decode(String.self))
    }

    func dataset(slug: String) throws -> DatasetRef? {
        try one("SELECT id, slug, agency_id, current_version_id FROM datasets WHERE slug = \(slug)", "read a dataset") {
            DatasetRef(id: try $0["id"].decode(Int64.self), slug: try $0["slug"].decode(String.self),
                       agencyID: try $0["agency_id"].decode(Int64?.self), currentVersionID: try $0["current_version_id"].decode(Int64?.self))
        }
    }

    func version(dataset: String, number: Int) throws -> VersionRef? {
        try one("""
            SELECT v.id, v.dataset_id, v.number, v.status, v.checksum, d.slug, d.agency_id, d.current_version_id
            FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE d.slug = \(dataset) AND v.number = \(number)
            """, "read a version") {
            VersionRef(id: try $0["id"].decode(Int64.self), datasetID: try $0["dataset_id"].decode(Int64.self),
                       datasetSlug: try $0["slug"].decode(String.self), agencyID: try $0["agency_id"].decode(Int64?.self),
                       number: try $0["number"].decode(Int.self), status: try $0["status"].decode(String.self),
                       checksum: try $0["checksum"].decode(String?.self), currentVersionID: try $0["current_version_id"].decode(Int64?.self))
        }
    }

    func insertAgency(slug: String, name: String) throws -> Int64 {
        try insert("INSERT INTO agencies (slug, name) VALUES (\(slug), \(name)) RETURNING id", "create an agency",
                   clash: PortalNameTaken(kind: .agency, name: slug))
    }

    // MARK: Accounts

    static let accountSelect = """
        SELECT u.id, u.username, u.display_name, u.role, u.agency_id, u.password_hash, u.disabled, a.slug AS agency_slug
        FROM users u LEFT JOIN agencies a ON a.id = u.agency_id
        """

    func account(username: String) throws -> AccountRecord? {
        try one(PostgresQuery(unsafeSQL: Self.accountSelect + " WHERE lower(u.username) = lower($1)", binds: binds(username)),
                "read an account", Self.account)
    }

    func account(id: Int64) throws -> AccountRecord? {
        try one(PostgresQuery(unsafeSQL: Self.accountSelect + " WHERE u.id = $1", binds: binds(id)), "read an account", Self.account)
    }

    func accounts(agencySlug: String?) throws -> [AccountRecord] {
        // SQLite orders by the NOCASE column: letters in any case together.
        let order = " ORDER BY lower(u.username) COLLATE \"C\", u.id"
        if let agencySlug {
            return try all(PostgresQuery(unsafeSQL: Self.accountSelect + " WHERE a.slug = $1" + order, binds: binds(agencySlug)),
                           "read the accounts", Self.account)
        }
        return try all(PostgresQuery(unsafeSQL: Self.accountSelect + order), "read the accounts", Self.account)
    }

    static func account(_ r: PostgresRandomAccessRow) throws -> AccountRecord {
        AccountRecord(id: try r["id"].decode(Int64.self), username: try r["username"].decode(String.self),
                      displayName: try r["display_name"].decode(String.self), role: try r["role"].decode(String.self),
                      agencyID: try r["agency_id"].decode(Int64?.self), agencySlug: try r["agency_slug"].decode(String?.self),
                      passwordHash: try r["password_hash"].decode(String?.self), disabled: try r["disabled"].decode(Bool.self))
    }

    func insertAccount(_ a: NewAccount) throws -> Int64 {
        let at = Self.stored(a.at)
        return try insert("""
            INSERT INTO users (username, display_name, role, agency_id, password_hash, created_at, updated_at)
            VALUES (\(a.username), \(a.displayName), \(a.role), \(a.agencyID), \(a.passwordHash), \(at), \(at)) RETURNING id
            """, "create an account", clash: PortalNameTaken(kind: .account, name: a.username))
    }

    func setDisabled(accountID: Int64, _ disabled: Bool, at: Date) throws {
        try execute("UPDATE users SET disabled = \(disabled), updated_at = \(Self.stored(at)) WHERE id = \(accountID)", "change an account")
    }

    func setPasswordHash(accountID: Int64, _ hash: String?, at: Date) throws {
        try execute("UPDATE users SET password_hash = \(hash), updated_at = \(Self.stored(at)) WHERE id = \(accountID)", "change a password")
    }

    // MARK: Tokens

    func liveToken(digest: String) throws -> (token: AuthTokenRecord, account: AccountRecord)? {
        try one(PostgresQuery(unsafeSQL: """
            SELECT t.id AS token_id, t.kind AS token_kind, t.name AS token_name, t.created_at AS token_created_at,
                   t.expires_at AS token_expires_at, t.last_used_at AS token_last_used_at,
                   u.id, u.username, u.display_name, u.role, u.agency_id, u.password_hash, u.disabled, a.slug AS agency_slug
            FROM auth_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN agencies a ON a.id = u.agency_id
            WHERE t.digest = $1 AND t.revoked_at IS NULL
            """, binds: binds(digest)), "read a token") { r in
            let token = AuthTokenRecord(
                id: try r["token_id"].decode(Int64.self), accountID: try r["id"].decode(Int64.self),
                kind: TokenKind(rawValue: try r["token_kind"].decode(String.self)) ?? .session, name: try r["token_name"].decode(String.self),
                createdAt: try Self.date(r["token_created_at"]), expiresAt: try Self.optionalDate(r["token_expires_at"]),
                lastUsedAt: try Self.optionalDate(r["token_last_used_at"]), revoked: false)
            return (token, try Self.account(r))
        }
    }

    static let tokenColumns = "id, user_id, kind, name, created_at, expires_at, last_used_at, revoked_at"

    func apiToken(id: Int64) throws -> AuthTokenRecord? {
        try one(PostgresQuery(unsafeSQL: "SELECT \(Self.tokenColumns) FROM auth_tokens WHERE id = $1 AND kind = 'api'", binds: binds(id)),
                "read a token", Self.token)
    }

    func apiTokens(accountID: Int64) throws -> [AuthTokenRecord] {
        try all(PostgresQuery(unsafeSQL: "SELECT \(Self.tokenColumns) FROM auth_tokens WHERE user_id = $1 AND kind = 'api' ORDER BY id",
                              binds: binds(accountID)), "read the tokens", Self.token)
    }

    static func token(_ r: PostgresRandomAccessRow) throws -> AuthTokenRecord {
        AuthTokenRecord(id: try r["id"].decode(Int64.self), accountID: try r["user_id"].decode(Int64.self),
                        kind: TokenKind(rawValue: try r["kind"].decode(String.self)) ?? .session, name: try r["name"].decode(String.self),
                        createdAt: try Self.date(r["created_at"]), expiresAt: try Self.optionalDate(r["expires_at"]),
                        lastUsedAt: try Self.optionalDate(r["last_used_at"]), revoked: try Self.optionalDate(r["revoked_at"]) != nil)
    }

    func insertToken(_ t: NewToken) throws -> Int64 {
        try insert("""
            INSERT INTO auth_tokens (user_id, kind, digest, name, created_at, expires_at)
            VALUES (\(t.accountID), \(t.kind.rawValue), \(t.digest), \(t.name), \(Self.stored(t.createdAt)), \(Self.stored(t.expiresAt)))
            RETURNING id
            """, "create a token")
    }

    func revokeTokens(accountID: Int64, _ which: TokenSelection, at: Date) throws {
        let live = "UPDATE auth_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
        let t = Self.stored(at)
        let query: PostgresQuery = switch which {
        case .all: PostgresQuery(unsafeSQL: live, binds: binds(t, accountID))
        case .sessions: PostgresQuery(unsafeSQL: live + " AND kind = 'session'", binds: binds(t, accountID))
        case .passwordSessions:
            PostgresQuery(unsafeSQL: live + " AND kind = 'session' AND id NOT IN (SELECT token_id FROM signon_sessions)",
                          binds: binds(t, accountID))
        case .signOnSessions(let issuer):
            PostgresQuery(unsafeSQL: live + " AND id IN (SELECT token_id FROM signon_sessions WHERE issuer = $3)",
                          binds: binds(t, accountID, issuer))
        }
        try execute(query, "revoke tokens")
    }

    func revokeToken(digest: String, at: Date) throws {
        try execute("UPDATE auth_tokens SET revoked_at = \(Self.stored(at)) WHERE digest = \(digest) AND revoked_at IS NULL", "revoke a token")
    }

    func revokeToken(id: Int64, at: Date) throws {
        try execute("UPDATE auth_tokens SET revoked_at = COALESCE(revoked_at, \(Self.stored(at))) WHERE id = \(id)", "revoke a token")
    }

    func noteTokenUses(_ uses: [Int64: Date]) throws {
        for (id, date) in uses {
            let t = Self.stored(date)
            try execute("""
                UPDATE auth_tokens SET last_used_at = \(t) WHERE id = \(id) AND (last_used_at IS NULL OR last_used_at < \(t))
                """, "note a token's use")
        }
    }

    // MARK: Identities

    static let identitySelect = """
        SELECT i.id, i.user_id, i.issuer, i.subject, i.email, i.last_signed_in_at, u.username,
               u.password_hash IS NOT NULL AS has_password
        FROM user_identities i JOIN users u ON u.id = i.user_id
        """

    func identity(id: Int64) throws -> IdentityRecord? {
        try one(PostgresQuery(unsafeSQL: Self.identitySelect + " WHERE i.id = $1", binds: binds(id)), "read an identity", Self.identity)
    }

    func identity(issuer: String, subject: String) throws -> IdentityRecord? {
        try one(PostgresQuery(unsafeSQL: Self.identitySelect + " WHERE i.issuer = $1 AND i.subject = $2", binds: binds(issuer, subject)),
                "read an identity", Self.identity)
    }

    func waitingIdentity(issuer: String, email: String) throws -> IdentityRecord? {
        try one(PostgresQuery(unsafeSQL: Self.identitySelect + " WHERE i.issuer = $1 AND i.subject IS NULL AND lower(i.email) = lower($2)",
                              binds: binds(issuer, email)), "read an identity", Self.identity)
    }

    func identities() throws -> [IdentityRecord] {
        try all(PostgresQuery(unsafeSQL: Self.identitySelect + " ORDER BY lower(u.username) COLLATE \"C\", i.id"),
                "read the identities", Self.identity)
    }

    static func identity(_ r: PostgresRandomAccessRow) throws -> IdentityRecord {
        IdentityRecord(id: try r["id"].decode(Int64.self), accountID: try r["user_id"].decode(Int64.self),
                       username: try r["username"].decode(String.self), issuer: try r["issuer"].decode(String.self),
                       subject: try r["subject"].decode(String?.self), email: try r["email"].decode(String?.self),
                       lastSignedInAt: try Self.optionalDate(r["last_signed_in_at"]),
                       accountHasPassword: try r["has_password"].decode(Bool.self))
    }

    func insertIdentity(accountID: Int64, issuer: String, subject: String?, email: String?, at: Date) throws -> Int64 {
        let t = Self.stored(at)
        return try insert("""
            INSERT INTO user_identities (user_id, issuer, subject, email, created_at, linked_at)
            VALUES (\(accountID), \(issuer), \(subject), \(email), \(t), \(subject == nil ? nil : t)) RETURNING id
            """, "link an identity", clash: PortalNameTaken(kind: .identity, name: "\(issuer) \(subject ?? email ?? "")"))
    }

    func setIdentitySubject(id: Int64, subject: String, at: Date) throws {
        try execute("UPDATE user_identities SET subject = \(subject), linked_at = \(Self.stored(at)) WHERE id = \(id)", "link an identity")
    }

    func noteSignIn(identityID: Int64, at: Date) throws {
        try execute("UPDATE user_identities SET last_signed_in_at = \(Self.stored(at)) WHERE id = \(identityID)", "note a sign-in")
    }

    func deleteIdentity(id: Int64) throws {
        try execute("DELETE FROM user_identities WHERE id = \(id)", "unlink an identity")
    }

    func signOnSession(digest: String) throws -> (issuer: String, idToken: String)? {
        try one("""
            SELECT s.issuer, s.id_token FROM signon_sessions s JOIN auth_tokens t ON t.id = s.token_id WHERE t.digest = \(digest)
            """, "read a sign-on session") { r -> (issuer: String, idToken: String) in
            (try r["issuer"].decode(String.self), try r["id_token"].decode(String.self))
        }
    }

    func insertSignOnSession(tokenID: Int64, issuer: String, idToken: String) throws {
        try execute("INSERT INTO signon_sessions (token_id, issuer, id_token) VALUES (\(tokenID), \(issuer), \(idToken))",
                    "record a sign-on session")
    }

    // MARK: -

    /// Bindings for a statement written with `$1`, `$2`… (where a statement is put together
    /// from parts, which string interpolation cannot number).
    func binds(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
        var b = PostgresBindings()
        for v in values { b.append(v) }
        return b
    }
}
