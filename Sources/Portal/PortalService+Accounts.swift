// Agencies, accounts, sign-in and tokens. The first administrator comes from the command line
// (`bando users add --role administrator`), never from a default password.
import Foundation
import GRDB
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
        return try db.write { db in
            if try Int64.fetchOne(db, sql: "SELECT id FROM agencies WHERE slug = ?", arguments: [slug]) != nil {
                throw PortalError.conflict("portal.agency.exists", ["agency": slug])
            }
            try db.execute(sql: "INSERT INTO agencies (slug, name) VALUES (?, ?)", arguments: [slug, name])
            let id = db.lastInsertedRowID
            try audit(db, actor, "agency.create", agencyID: id, detail: name)
            return AgencyInfo(id: id, slug: slug, name: name)
        }
    }

    public func agencies() throws -> [AgencyInfo] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT id, slug, name FROM agencies ORDER BY slug").map {
                AgencyInfo(id: $0["id"], slug: $0["slug"], name: $0["name"])
            }
        }
    }

    // MARK: Users

    /// `password` nil: the account signs in only through an identity provider (linked on
    /// `/admin/identities`); no password will ever match it.
    @discardableResult
    public func createUser(username: String, password: String?, role: Role, agency: String?, displayName: String = "",
                           by actor: Actor) throws -> UserInfo {
        if actor.role == .agencyAdministrator {
            let target = try agency.map { slug in try db.read { db in try self.agencyID(db, slug: slug) } }
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
        return try db.write { db in
            let agencyID = try agency.map { try self.agencyID(db, slug: $0) }
            if try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE username = ?", arguments: [username]) != nil {
                throw PortalError.conflict("portal.user.exists", ["user": username])
            }
            let t = now()
            try db.execute(sql: """
                INSERT INTO users (username, display_name, role, agency_id, password_hash, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [username, displayName, role.rawValue, agencyID, hash, stamp(t), stamp(t)])
            let id = db.lastInsertedRowID
            try audit(db, actor, "user.create", agencyID: agencyID, detail: "\(username) as \(role.rawValue)")
            return UserInfo(id: id, username: username, displayName: displayName, role: role, agency: agency, disabled: false)
        }
    }

    /// The accounts (of `agency` when given); an agency administrator sees their agency's only.
    public func users(agency: String? = nil, by actor: Actor) throws -> [UserInfo] {
        if actor.role != .agencyAdministrator { try Permissions.authorize(actor, .manageUsers) }
        return try db.read { db in
            var agency = agency
            if actor.role == .agencyAdministrator {
                agency = try String.fetchOne(db, sql: "SELECT slug FROM agencies WHERE id = ?", arguments: [actor.agencyID])
                if agency == nil { return [] }
            }
            return try Row.fetchAll(db, sql: """
                SELECT u.*, a.slug AS agency_slug FROM users u LEFT JOIN agencies a ON a.id = u.agency_id
                WHERE (? IS NULL OR a.slug = ?) ORDER BY u.username
                """, arguments: [agency, agency]).map(Self.userInfo)
        }
    }

    static func userInfo(_ r: Row) -> UserInfo {
        UserInfo(id: r["id"], username: r["username"], displayName: r["display_name"],
                 role: Role(rawValue: r["role"]) ?? .editor, agency: r["agency_slug"], disabled: r["disabled"])
    }

    /// Disabling also ends every session and revokes every token of the user.
    public func setDisabled(username: String, _ disabled: Bool, by actor: Actor) throws {
        if actor.role != .agencyAdministrator { try Permissions.authorize(actor, .manageUsers) }
        try db.write { db in
            let id = try userID(db, username)
            try authorizeAccount(db, id, by: actor)
            try db.execute(sql: "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", arguments: [disabled, stamp(now()), id])
            if disabled {
                try db.execute(sql: "UPDATE auth_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", arguments: [stamp(now()), id])
            }
            try audit(db, actor, disabled ? "user.disable" : "user.enable", detail: username)
        }
    }

    /// Sets a new password and ends the user's sessions (not their API tokens, which scripts hold).
    public func resetPassword(username: String, newPassword: String, by actor: Actor) throws {
        if actor.role != .agencyAdministrator { try Permissions.authorize(actor, .manageUsers) }
        let hash = try hasher.hash(newPassword)
        try db.write { db in
            let id = try userID(db, username)
            try authorizeAccount(db, id, by: actor)
            try db.execute(sql: "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", arguments: [hash, stamp(now()), id])
            try db.execute(sql: "UPDATE auth_tokens SET revoked_at = ? WHERE user_id = ? AND kind = 'session' AND revoked_at IS NULL", arguments: [stamp(now()), id])
            try audit(db, actor, "user.reset-password", detail: username)
        }
    }

    /// For an agency administrator: the account `id` is an editor or approver of their agency.
    func authorizeAccount(_ db: Database, _ id: Int64, by actor: Actor) throws {
        guard actor.role == .agencyAdministrator else { return }
        let r = try Row.fetchOne(db, sql: "SELECT role, agency_id FROM users WHERE id = ?", arguments: [id])
        try Permissions.authorize(actor, .manageAccount(agencyID: r?["agency_id"], role: Role(rawValue: r?["role"] ?? "") ?? .administrator))
    }

    func userID(_ db: Database, _ username: String) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE username = ?", arguments: [username]) else {
            throw PortalError.notFound("portal.user.notFound", ["user": username])
        }
        return id
    }

    // MARK: Sign-in

    /// Checks the password (slowed down after repeated failures: see `SignInThrottle`) and
    /// opens a session. `client`: who is asking, as the HTTP edge tells clients apart.
    public func login(username: String, password: String, client: String) throws -> SignIn {
        try loginThrottle.check(account: username, client: client, now: now())
        let row = try db.read { db in
            try Row.fetchOne(db, sql: """
                SELECT u.*, a.slug AS agency_slug FROM users u LEFT JOIN agencies a ON a.id = u.agency_id WHERE u.username = ?
                """, arguments: [username])
        }
        // Verify against a real hash even for an unknown user, or one without a password, so
        // timing does not reveal which names exist or how they sign in.
        let stored: String? = row?["password_hash"]
        let ok = hasher.verify(password, hash: stored ?? hasher.decoy) && stored != nil
        guard ok, let row, !(row["disabled"] as Bool) else {
            loginThrottle.recordFailure(account: username, client: client, now: now())
            if ok { throw PortalError.unauthenticated("portal.signIn.disabled", ["user": username]) }
            throw PortalError.unauthenticated("portal.signIn.wrong")
        }
        loginThrottle.recordSuccess(account: username, client: client)
        let token = SecretToken.generate(prefix: "bando_ses_")
        let expires = now().addingTimeInterval(sessionLifetime)
        let user = Self.userInfo(row)
        try db.write { db in
            try db.execute(sql: "INSERT INTO auth_tokens (user_id, kind, digest, created_at, expires_at) VALUES (?, 'session', ?, ?, ?)",
                           arguments: [user.id, token.digest, stamp(now()), stamp(expires)])
        }
        return SignIn(token: token.plaintext, expiresAt: PortalCalendar.timestamp(expires), user: user)
    }

    /// The user behind a session or API token, or `.unauthenticated`.
    public func authenticate(token: String) throws -> Actor {
        let digest = SecretToken.digest(of: token)
        let t = now()
        let row = try db.read { db in
            try Row.fetchOne(db, sql: """
                SELECT t.id AS token_id, t.kind, t.expires_at, u.id, u.username, u.role, u.agency_id, u.disabled
                FROM auth_tokens t JOIN users u ON u.id = t.user_id
                WHERE t.digest = ? AND t.revoked_at IS NULL
                """, arguments: [digest])
        }
        guard let row, !(row["disabled"] as Bool) else {
            throw PortalError.unauthenticated("portal.session.unknown")
        }
        if let exp = row["expires_at"] as Date?, exp <= t {
            throw PortalError.unauthenticated("portal.session.expired")
        }
        if row["kind"] as String == "api" {
            // Noted in memory and written a moment later with others: checking a token never waits for the writer.
            tokenUses.record(token: row["token_id"], at: t)
        }
        return Actor(userID: row["id"], username: row["username"], role: Role(rawValue: row["role"]) ?? .editor, agencyID: row["agency_id"])
    }

    public func logout(token: String) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE auth_tokens SET revoked_at = ? WHERE digest = ? AND revoked_at IS NULL",
                           arguments: [stamp(now()), SecretToken.digest(of: token)])
        }
    }

    /// A long-lived token for scripts; the plaintext is returned once.
    public func createAPIToken(name: String, for actor: Actor) throws -> (token: String, info: APITokenInfo) {
        let token = SecretToken.generate(prefix: "bando_pat_")
        let t = now()
        let id = try db.write { db in
            try db.execute(sql: "INSERT INTO auth_tokens (user_id, kind, digest, name, created_at) VALUES (?, 'api', ?, ?, ?)",
                           arguments: [actor.userID, token.digest, name, stamp(t)])
            let id = db.lastInsertedRowID
            try audit(db, actor, "token.create", detail: name)
            return id
        }
        return (token.plaintext, APITokenInfo(id: id, name: name, createdAt: PortalCalendar.timestamp(t), lastUsedAt: nil, revoked: false))
    }

    public func apiTokens(for actor: Actor) throws -> [APITokenInfo] {
        try tokenUses.flush()
        return try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM auth_tokens WHERE user_id = ? AND kind = 'api' ORDER BY id", arguments: [actor.userID]).map {
                APITokenInfo(id: $0["id"], name: $0["name"], createdAt: PortalCalendar.timestamp($0["created_at"] as Date),
                             lastUsedAt: ($0["last_used_at"] as Date?).map(PortalCalendar.timestamp), revoked: $0["revoked_at"] != nil)
            }
        }
    }

    /// Users revoke their own tokens; administrators anyone's.
    public func revokeAPIToken(id: Int64, by actor: Actor) throws {
        try db.write { db in
            guard let owner = try Int64.fetchOne(db, sql: "SELECT user_id FROM auth_tokens WHERE id = ? AND kind = 'api'", arguments: [id]) else {
                throw PortalError.notFound("portal.token.notFound", ["id": String(id)])
            }
            guard owner == actor.userID || actor.role == .administrator else {
                throw PortalError.forbidden("portal.token.otherUser")
            }
            try db.execute(sql: "UPDATE auth_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", arguments: [stamp(now()), id])
            try audit(db, actor, "token.revoke", detail: String(id))
        }
    }
}
