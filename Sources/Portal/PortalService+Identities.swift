// Identities at OpenID Connect providers (issue 20). A person is known to a provider by issuer +
// subject; an administrator links that pair to one account, or names the e-mail the provider
// will vouch for (`email_verified`), which links itself at the first sign-in. An identity nobody
// linked opens nothing and creates nothing: the sign-in page tells the person whom to ask.
// The signature and claims of the ID token are checked before anything here is called
// (`OpenIDProvider.verify`): this file trusts `VerifiedIdentity`; the records are GeoStore's.
import Foundation
import GeoStore
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
        return try records.write { tx in
            let account = try self.account(tx, username)
            let id: Int64
            do { id = try tx.insertIdentity(accountID: account.id, issuer: issuer, subject: subject, email: email, at: now()) }
            catch is PortalNameTaken { throw PortalError.conflict("portal.identity.exists") }
            try audit(tx, actor, "identity.link", detail: "\(username): \(issuer) \(subject ?? "e-mail " + (email ?? ""))")
            return IdentityLink(id: id, username: username, issuer: issuer, subject: subject, email: email, lastSignedInAt: nil)
        }
    }

    public func identityLinks(by actor: Actor) throws -> [IdentityLink] {
        try Permissions.authorize(actor, .manageUsers)
        return try records.read { tx in
            try tx.identities().map { i in
                IdentityLink(id: i.id, username: i.username, issuer: i.issuer, subject: i.subject, email: i.email,
                             lastSignedInAt: i.lastSignedInAt.map(PortalCalendar.timestamp), hasPassword: i.accountHasPassword)
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
        return try records.write { tx in
            guard let link = try tx.identity(id: id) else {
                throw PortalError.notFound("portal.identity.notFound", ["id": String(id)])
            }
            try tx.setPasswordHash(accountID: link.accountID, nil, at: now())
            try tx.revokeTokens(accountID: link.accountID, .passwordSessions, at: now())
            try audit(tx, actor, "user.remove-password", detail: link.username)
            return link.username
        }
    }

    /// Removes a link and ends the sessions it opened.
    public func unlinkIdentity(id: Int64, by actor: Actor) throws {
        try Permissions.authorize(actor, .manageUsers)
        try records.write { tx in
            guard let link = try tx.identity(id: id) else {
                throw PortalError.notFound("portal.identity.notFound", ["id": String(id)])
            }
            // The sessions this provider opened for the account end with the link.
            try tx.revokeTokens(accountID: link.accountID, .signOnSessions(issuer: link.issuer), at: now())
            try tx.deleteIdentity(id: id)
            try audit(tx, actor, "identity.unlink", detail: "\(link.username): \(link.issuer) \(link.subject ?? "e-mail " + (link.email ?? ""))")
        }
    }

    /// Opens a session for the account linked to `identity` (linking a waiting e-mail on the
    /// first sign-in). `idToken` is kept for the provider's sign-out. An identity nobody linked
    /// throws `portal.signOn.unknownIdentity` and writes nothing.
    public func signIn(identity: VerifiedIdentity, idToken: String) throws -> SignIn {
        let t = now()
        let token = SecretToken.generate(prefix: "bando_ses_")
        let expires = t.addingTimeInterval(sessionLifetime)
        let user = try records.write { tx -> UserInfo in
            var link = try tx.identity(issuer: identity.issuer, subject: identity.subject)
            if link == nil, let email = identity.verifiedEmail {
                link = try tx.waitingIdentity(issuer: identity.issuer, email: email)
                if let link { try tx.setIdentitySubject(id: link.id, subject: identity.subject, at: t) }
            }
            guard let link, let account = try tx.account(id: link.accountID) else {
                throw PortalError.forbidden("portal.signOn.unknownIdentity")
            }
            let user = Self.userInfo(account)
            guard !user.disabled else { throw PortalError.unauthenticated("portal.signIn.disabled", ["user": user.username]) }
            try tx.noteSignIn(identityID: link.id, at: t)
            let tokenID = try tx.insertToken(NewToken(accountID: user.id, kind: .session, digest: token.digest, createdAt: t, expiresAt: expires))
            try tx.insertSignOnSession(tokenID: tokenID, issuer: identity.issuer, idToken: idToken)
            let actor = Actor(userID: user.id, username: user.username, role: user.role, agencyID: account.agencyID)
            try audit(tx, actor, "signin.openid", detail: identity.issuer)
            return user
        }
        return SignIn(token: token.plaintext, expiresAt: PortalCalendar.timestamp(expires), user: user)
    }

    /// The provider and ID token a session was opened with (nil: a password session), for the
    /// provider's sign-out. Read before `logout(token:)` ends the session.
    public func signOnSession(token: String) throws -> (issuer: String, idToken: String)? {
        try records.read { tx in try tx.signOnSession(digest: SecretToken.digest(of: token)) }
    }
}

extension String {
    var nilIfBlank: String? { isEmpty ? nil : self }
}
