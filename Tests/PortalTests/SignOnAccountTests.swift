import Foundation
import Testing
import PublicErrors
@testable import Portal

/// Issue 20, the store's side of single sign-on: accounts without a password, identities linked
/// by subject or by a verified e-mail, unknown identities that open nothing and write nothing,
/// and the sign-ins under way that can be finished once, in the browser that started them.
@Suite struct SignOnAccountTests {
    static let issuer = "https://sso.hue.gov.vn"

    func count(_ f: ServiceFixture, _ table: String) throws -> Int {
        try f.inspect("SELECT COUNT(*) FROM \(table)").first.flatMap { $0.flatMap(Int.init) } ?? 0
    }

    @Test(arguments: Engine.all) func anAccountWithoutAPasswordRefusesEveryPassword(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        try f.portal.createUser(username: "sso-only", password: nil, role: .editor, agency: "so-tnmt", by: f.admin)
        for attempt in ["", "password-sso-only", f.portal.hasher.decoy] {
            #expect(throws: PortalError.self) { _ = try f.portal.login(username: "sso-only", password: attempt, client: "t") }
        }
        // Stored as no password at all, not as an empty hash; an empty one cannot be written.
        let stored = try f.inspect("SELECT password_hash FROM users WHERE username = 'sso-only'")
        #expect(stored == [nil])
        #expect(throws: (any Error).self) {
            try f.inspect("UPDATE users SET password_hash = '' WHERE username = 'sso-only'")
        }
        // Accounts with a password still sign in with it.
        #expect(try f.portal.login(username: "editor-tnmt", password: "password-editor-tnmt", client: "t").user.username == "editor-tnmt")
    }

    @Test(arguments: Engine.all) func aPreRegisteredEmailLinksAtTheFirstSignInAndThenTheSubjectIsEnough(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        try f.portal.linkIdentity(username: "editor-tnmt", issuer: Self.issuer, subject: nil, email: "bien.tap@hue.gov.vn", by: f.admin)
        // The same e-mail from an unverified claim (nil) or from another provider links nothing.
        #expect(throws: PortalError.self) {
            _ = try f.portal.signIn(identity: VerifiedIdentity(issuer: Self.issuer, subject: "s-1", verifiedEmail: nil), idToken: "t")
        }
        #expect(throws: PortalError.self) {
            _ = try f.portal.signIn(identity: VerifiedIdentity(issuer: "https://other.example", subject: "s-1",
                                                               verifiedEmail: "bien.tap@hue.gov.vn"), idToken: "t")
        }
        let first = try f.portal.signIn(identity: VerifiedIdentity(issuer: Self.issuer, subject: "s-1", verifiedEmail: "BIEN.TAP@hue.gov.vn"),
                                        idToken: "id-token-1")
        #expect(first.user.username == "editor-tnmt")
        #expect(try f.portal.authenticate(token: first.token).username == "editor-tnmt")
        #expect(try f.portal.signOnSession(token: first.token)?.idToken == "id-token-1")
        // Linked now by subject: a later sign-in needs no e-mail.
        let again = try f.portal.signIn(identity: VerifiedIdentity(issuer: Self.issuer, subject: "s-1"), idToken: "id-token-2")
        #expect(again.user.username == "editor-tnmt")
        let links = try f.portal.identityLinks(by: f.admin)
        #expect(links.count == 1 && links[0].subject == "s-1")
        // Removing the link ends the sessions it opened; the password session stays.
        let password = try f.portal.login(username: "editor-tnmt", password: "password-editor-tnmt", client: "t")
        try f.portal.unlinkIdentity(id: links[0].id, by: f.admin)
        #expect(throws: PortalError.self) { _ = try f.portal.authenticate(token: again.token) }
        #expect(try f.portal.authenticate(token: password.token).username == "editor-tnmt")
    }

    @Test(arguments: Engine.all) func anUnknownIdentityOpensNothingAndWritesNothing(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let before = try (count(f, "users"), count(f, "user_identities"), count(f, "auth_tokens"), count(f, "audit_log"))
        do {
            _ = try f.portal.signIn(identity: VerifiedIdentity(issuer: Self.issuer, subject: "nobody", verifiedEmail: "x@hue.gov.vn"), idToken: "t")
            Issue.record("an unknown identity signed in")
        } catch let e as PortalError {
            #expect(e.message.key == "portal.signOn.unknownIdentity")
        }
        let after = try (count(f, "users"), count(f, "user_identities"), count(f, "auth_tokens"), count(f, "audit_log"))
        #expect(before == after)
        // Only the Department's administrators link identities.
        #expect(throws: PortalError.self) {
            try f.portal.linkIdentity(username: "editor-tnmt", issuer: Self.issuer, subject: "s-9", email: nil, by: f.editorA)
        }
    }

    @Test func aSignInUnderWayIsFinishedOnceInTheBrowserThatStartedIt() {
        let attempts = SignOnAttempts()
        let started = attempts.start(provider: "1", next: "/workspace")
        #expect(attempts.finish(state: started.state, browserSecret: "another browser") == nil)
        // Even the right browser cannot use a state a wrong one has burnt.
        #expect(attempts.finish(state: started.state, browserSecret: started.browserSecret) == nil)
        let second = attempts.start(provider: "1", next: "")
        let finished = attempts.finish(state: second.state, browserSecret: second.browserSecret)
        #expect(finished?.nonce == second.nonce && finished?.provider == "1")
        #expect(finished.map { SignOnAttempts.challenge(for: $0.codeVerifier) } == second.codeChallenge)
        #expect(attempts.finish(state: second.state, browserSecret: second.browserSecret) == nil, "a state is used once")
        // RFC 7636 appendix B.
        #expect(SignOnAttempts.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        // Ten minutes to come back.
        let late = attempts.start(provider: "1", next: "", now: Date().addingTimeInterval(-601))
        #expect(attempts.finish(state: late.state, browserSecret: late.browserSecret) == nil)
    }
}
