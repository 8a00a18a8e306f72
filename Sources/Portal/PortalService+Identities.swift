// Identities at OpenID Connect providers (issue 20). A person is known to a provider by issuer +
// subject; an administrator links that pair to one account, or names the e-mail the provider
// will vouch for (`email_verified`), which links itself at the first sign-in. An identity nobody
// linked opens nothing and creates nothing: the sign-in page tells the person whom to ask.
// The signature and claims of the ID token are checked before anything here is called
// (`OpenIDProvider.verify`): this file trusts `VerifiedIdentity` and owns the SQL.
import Foundation
import GRDB
import PublicErrors

/// Who the provider says signed in, after the ID token's signature and claims were checked.
public struct VerifiedIdentity: Sendable, Equatable {
    public var issuer: String
    public var subject: String
    /// Only when the provider vouches for it (`email_verified`): else nil.
    public var verifiedEmail: String?
    public var name: String?

    public init(issuer: String, subject: String, verifiedEmail: String? = nil, name: String? = nil) {
        self.issuer = issuer; self.subject = subject; self.verifiedEmail = verifiedEmail; self.name = name
    }
}

/// A link of the administrators' list (`/admin/identities`).
public struct IdentityLink: Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var issuer: String
    /// nil: waiting for the first sign-in with `email`.
    public var subject: String?
    public var email: String?
    public var lastSignedInAt: String?
    /// Whether the account still has a password (it may then sign in either way).
    public var hasPassword = true
}

extension PortalService {
    /// Links an identity to the account `username`: by `subject` when the administrator knows
    /// it, else by the `email` the provider will vouch for at the first sign-in.
    @discardableResult
    public func linkIdentity(username: String, issuer: String, subject: String?, email: String?, by actor: Actor) throws -> IdentityLink {
        try Permissions.authorize(actor, .manageUsers)
        let subject = subject?.trimmingCharacters(in: .whitespaces).nilIfBlank
        let email = email?.trimmingCharacters(in: .whitespaces).nilIfBlank
        guard subject != nil || email != nil else { throw PortalError.invalid("portal.identity.subjectOrEmail") }
        if let email, (try? /^[^@\s]+@[^@\s]+$/.wholeMatch(in: email)) == nil {
            throw PortalError.invalid("portal.identity.email", ["value": email])
        }
        return try db.write { db in
            let userID = try self.userID(db, username)
            if let subject, try Int64.fetchOne(db, sql: "SELECT id FROM user_identities WHERE issuer = ? AND subject = ?",
                                               arguments: [issuer, subject]) != nil {
                throw PortalError.conflict("portal.identity.exists")
            }
            if subject == nil, let email, try Int64.fetchOne(db, sql: """
                SELECT id FROM user_identities WHERE issuer = ? AND subject IS NULL AND email = ?
                """, arguments: [issuer, email]) != nil {
                throw PortalError.conflict("portal.identity.exists")
            }
            let t = stamp(now())
            try db.execute(sql: """
                INSERT INTO user_identities (user_id, issuer, subject, email, created_at, linked_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [userID, issuer, subject, email, t, subject == nil ? nil : t])
            let id = db.lastInsertedRowID
            try audit(db, actor, "identity.link", detail: "\(username): \(issuer) \(subject ?? "e-mail " + (email ?? ""))")
            return IdentityLink(id: id, username: username, issuer: issuer, subject: subject, email: email, lastSignedInAt: nil)
        }
    }

    public func identityLinks(by actor: Actor) throws -> [IdentityLink] {
        try Permissions.authorize(actor, .manageUsers)
        return try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.*, u.username, u.password_hash IS NOT NULL AS has_password
                FROM user_identities i JOIN users u ON u.id = i.user_id ORDER BY u.username, i.id
                """).map { r in
                IdentityLink(id: r["id"], username: r["username"], issuer: r["issuer"], subject: r["subject"], email: r["email"],
                             lastSignedInAt: (r["last_signed_in_at"] as Date?).map(PortalCalendar.timestamp), hasPassword: r["has_password"])
            }
        }
    }

    /// Makes the account of identity link `id` sign in through its provider only (a password
    /// becomes optional per account, issue 20): its password is removed, and the sessions a
    /// password opened end (those its provider opened go on). Reached through a link, so the
    /// account always keeps a way in. Returns the account's name.
    @discardableResult
    public func removePassword(identity id: Int64, by actor: Actor) throws -> String {
        try Permissions.authorize(actor, .manageUsers)
        return try db.write { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT u.id, u.username FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.id = ?
                """, arguments: [id]) else {
                throw PortalError.notFound("portal.identity.notFound", ["id": String(id)])
            }
            let userID: Int64 = r["id"], username: String = r["username"]
            try db.execute(sql: "UPDATE users SET password_hash = NULL, updated_at = ? WHERE id = ?", arguments: [stamp(now()), userID])
            try db.execute(sql: """
                UPDATE auth_tokens SET revoked_at = ? WHERE user_id = ? AND kind = 'session' AND revoked_at IS NULL
                AND id NOT IN (SELECT token_id FROM signon_sessions)
                """, arguments: [stamp(now()), userID])
            try audit(db, actor, "user.remove-password", detail: username)
            return username
        }
    }

    /// Removes a link and ends the sessions it opened.
    public func unlinkIdentity(id: Int64, by actor: Actor) throws {
        try Permissions.authorize(actor, .manageUsers)
        try db.write { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT i.issuer, i.subject, i.email, u.username FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.id = ?
                """, arguments: [id]) else {
                throw PortalError.notFound("portal.identity.notFound", ["id": String(id)])
            }
            let issuer: String = r["issuer"], subject: String? = r["subject"]
            // The sessions this provider opened for the account end with the link.
            try db.execute(sql: """
                UPDATE auth_tokens SET revoked_at = ? WHERE revoked_at IS NULL
                AND id IN (SELECT token_id FROM signon_sessions WHERE issuer = ?)
                AND user_id = (SELECT user_id FROM user_identities WHERE id = ?)
                """, arguments: [stamp(now()), issuer, id])
            try db.execute(sql: "DELETE FROM user_identities WHERE id = ?", arguments: [id])
            try audit(db, actor, "identity.unlink", detail: "\(r["username"] as String): \(issuer) \(subject ?? "e-mail " + ((r["email"] as String?) ?? ""))")
        }
    }

    /// Opens a session for the account linked to `identity` (linking a waiting e-mail on the
    /// first sign-in). `idToken` is kept for the provider's sign-out. An identity nobody linked
    /// throws `portal.signOn.unknownIdentity` and writes nothing.
    public func signIn(identity: VerifiedIdentity, idToken: String) throws -> SignIn {
        let t = now()
        let token = SecretToken.generate(prefix: "bando_ses_")
        let expires = t.addingTimeInterval(sessionLifetime)
        let user = try db.write { db -> UserInfo in
            var linkID = try Int64.fetchOne(db, sql: "SELECT id FROM user_identities WHERE issuer = ? AND subject = ?",
                                            arguments: [identity.issuer, identity.subject])
            if linkID == nil, let email = identity.verifiedEmail {
                linkID = try Int64.fetchOne(db, sql: """
                    SELECT id FROM user_identities WHERE issuer = ? AND subject IS NULL AND email = ?
                    """, arguments: [identity.issuer, email])
                if let linkID {
                    try db.execute(sql: "UPDATE user_identities SET subject = ?, linked_at = ? WHERE id = ?",
                                   arguments: [identity.subject, stamp(t), linkID])
                }
            }
            guard let linkID, let row = try Row.fetchOne(db, sql: """
                SELECT u.*, a.slug AS agency_slug FROM user_identities i JOIN users u ON u.id = i.user_id
                LEFT JOIN agencies a ON a.id = u.agency_id WHERE i.id = ?
                """, arguments: [linkID]) else {
                throw PortalError.forbidden("portal.signOn.unknownIdentity")
            }
            let user = Self.userInfo(row)
            guard !user.disabled else { throw PortalError.unauthenticated("portal.signIn.disabled", ["user": user.username]) }
            try db.execute(sql: "UPDATE user_identities SET last_signed_in_at = ? WHERE id = ?", arguments: [stamp(t), linkID])
            try db.execute(sql: "INSERT INTO auth_tokens (user_id, kind, digest, created_at, expires_at) VALUES (?, 'session', ?, ?, ?)",
                           arguments: [user.id, token.digest, stamp(t), stamp(expires)])
            try db.execute(sql: "INSERT INTO signon_sessions (token_id, issuer, id_token) VALUES (?, ?, ?)",
                           arguments: [db.lastInsertedRowID, identity.issuer, idToken])
            let actor = Actor(userID: user.id, username: user.username, role: user.role, agencyID: row["agency_id"])
            try audit(db, actor, "signin.openid", detail: identity.issuer)
            return user
        }
        return SignIn(token: token.plaintext, expiresAt: PortalCalendar.timestamp(expires), user: user)
    }

    /// The provider and ID token a session was opened with (nil: a password session), for the
    /// provider's sign-out. Read before `logout(token:)` ends the session.
    public func signOnSession(token: String) throws -> (issuer: String, idToken: String)? {
        try db.read { db in
            try Row.fetchOne(db, sql: """
                SELECT s.issuer, s.id_token FROM signon_sessions s JOIN auth_tokens t ON t.id = s.token_id WHERE t.digest = ?
                """, arguments: [SecretToken.digest(of: token)]).map { r -> (issuer: String, idToken: String) in (r["issuer"], r["id_token"]) }
        }
    }
}

extension String {
    var nilIfBlank: String? { isEmpty ? nil : self }
}
