import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import Portal
import Tiles
@testable import App

/// Issue 20 in process: the sign-in page's SSO button, the administrators' `/admin/identities`,
/// and the sign-on pages when the provider cannot be reached or the callback is not one this
/// server started. The flow against a real provider is `MapPageTests/SignOnTests`.
@Suite struct SignOnPagesTests {
    /// The staff fixture's store behind a router with one provider nobody listens for (port 9
    /// on loopback: refused at once).
    static func router(_ f: StaffFixture) throws -> Router<BandoRequestContext> {
        let tiles = try TileService(store: f.store, configuration: .init(cacheMegabytes: 0))
        let provider = OpenIDIssuerConfiguration(id: "1", issuer: "http://127.0.0.1:9", clientID: "bando", clientSecret: "bi-mat",
                                                 name: "SSO Huế")
        return buildRouter(store: f.store, tiles: tiles, uploadDirectory: f.scratch.url, openIDIssuers: [provider])
    }

    @Test func theSignInPageOffersTheProviderAndAnUnreachableOneIsAClearPage() async throws {
        let f = try StaffFixture()
        try await Application(router: Self.router(f)).test(.router) { c in
            var b = StaffBrowser()
            let (s0, _, page) = try await b.get(c, "/signin?lang=vi&next=%2Fapprovals")
            #expect(s0 == .ok && page.contains("href=\"/signin/oidc/1?next=%2Fapprovals&amp;lang=vi\"") && page.contains("Đăng nhập qua SSO Huế"))
            // The password form stays.
            #expect(page.contains("autocomplete=\"current-password\""))
            let (s1, _, down) = try await b.get(c, "/signin/oidc/1?lang=en")
            #expect(s1 == .badGateway && down.contains("cannot be reached right now") && b.session == nil, "\(down)")
            let (s2, _, unknown) = try await b.get(c, "/signin/oidc/7?lang=en")
            #expect(s2 == .notFound && unknown.contains("No such sign-in provider"))
            // A callback this server did not start (no state, or a made-up one): refused, no session.
            let (s3, h3, forged) = try await b.get(c, "/signin/oidc/1/callback?code=abc&state=made-up&lang=en")
            #expect(s3 == .badRequest && forged.contains("expired or was already used") && b.session == nil)
            #expect(h3[values: .setCookie].allSatisfy { !$0.hasPrefix(portalSessionCookie + "=bando") })
        }
        // Without a provider configured the page is as before: no SSO section.
        try await f.app.test(.router) { c in
            var b = StaffBrowser()
            let (_, _, page) = try await b.get(c, "/signin?lang=vi")
            #expect(!page.contains("/signin/oidc/"))
        }
    }

    @Test func administratorsLinkIdentitiesAndMakeAccountsWithoutAPassword() async throws {
        let f = try StaffFixture()
        try await Application(router: Self.router(f)).test(.router) { c in
            var admin = StaffBrowser()
            _ = try await admin.signIn(c, "quan-tri")
            let (s0, _, page) = try await admin.get(c, "/admin/identities?lang=vi")
            #expect(s0 == .ok && page.contains("Chưa có danh tính nào được gắn.") && page.contains("<option value=\"1\">SSO Huế</option>"))
            let token = try #require(StaffBrowser.formToken(page))
            let (s1, h1, _) = try await admin.post(c, "/admin/identities?lang=vi", [("csrf", token), ("username", "bien-tap"), ("provider", "1"),
                                                                                  ("email", "bien.tap@hue.gov.vn"), ("subject", "")])
            #expect(s1 == .seeOther && h1[.location] == "/admin/identities?done=identity_linked&lang=vi")
            let (s2, _, _) = try await admin.post(c, "/admin/identities?lang=vi", [("csrf", token), ("new_account", "1"), ("username", "chi-sso"),
                                                                                 ("display_name", "Hồ Chỉ SSO"), ("role", "approver"), ("agency", "so-tnmt"),
                                                                                 ("provider", "1"), ("subject", "hue-sso-77"), ("email", "")])
            #expect(s2 == .seeOther)
            let (_, _, after) = try await admin.get(c, "/admin/identities?lang=vi")
            #expect(after.contains("chờ lần đăng nhập đầu tiên của bien.tap@hue.gov.vn") && after.contains("hue-sso-77") && after.contains("chi-sso"))
            // The new account has no password: no password signs it in.
            var sso = StaffBrowser()
            let (s3, _, _) = try await sso.signIn(c, "chi-sso", password: "")
            #expect(s3 == .unauthorized && sso.session == nil)
            // Removed: the list no longer has it.
            let id = try #require(after.range(of: #"/admin/identities/(\d+)/remove"#, options: .regularExpression).map { String(after[$0]) })
            let (s4, h4, _) = try await admin.post(c, id + "?lang=vi", [("csrf", token)])
            #expect(s4 == .seeOther && h4[.location] == "/admin/identities?done=identity_removed&lang=vi")
            let (_, _, last) = try await admin.get(c, "/admin/identities?lang=vi")
            #expect(last.components(separatedBy: "/remove").count == 2, "one link left")
            // Only the Department's administrators.
            var editor = StaffBrowser()
            _ = try await editor.signIn(c, "bien-tap")
            let (s5, _, _) = try await editor.get(c, "/admin/identities?lang=vi")
            #expect(s5 == .forbidden)
        }
    }

    /// A password is optional per account, existing ones included: once the editor's identity is
    /// linked, the administrator removes the password; the password no longer signs in, the
    /// session it had opened ends, the page says the account has none, and the audit log says who.
    @Test func anExistingAccountCanBeMadeSingleSignOnOnly() async throws {
        let f = try StaffFixture()
        let portal = f.portal
        try await Application(router: Self.router(f)).test(.router) { c in
            var editor = StaffBrowser()
            let (s0, _, _) = try await editor.signIn(c, "bien-tap")
            #expect(s0 == .seeOther && editor.session != nil)
            var admin = StaffBrowser()
            _ = try await admin.signIn(c, "quan-tri")
            let (_, _, page) = try await admin.get(c, "/admin/identities?lang=vi")
            let token = try #require(StaffBrowser.formToken(page))
            _ = try await admin.post(c, "/admin/identities?lang=vi", [("csrf", token), ("username", "bien-tap"), ("provider", "1"),
                                                                     ("subject", "hue-sso-15"), ("email", "")])
            let (_, _, linked) = try await admin.get(c, "/admin/identities?lang=vi")
            #expect(linked.contains("Chỉ đăng nhập một lần (bỏ mật khẩu)"))
            let action = try #require(linked.range(of: #"/admin/identities/(\d+)/password-off"#, options: .regularExpression).map { String(linked[$0]) })
            let (s1, h1, _) = try await admin.post(c, action + "?lang=vi", [("csrf", token)])
            #expect(s1 == .seeOther && h1[.location] == "/admin/identities?done=identity_password_off&lang=vi")
            let (_, _, after) = try await admin.get(c, h1[.location] ?? "/admin/identities?lang=vi")
            #expect(after.contains("Đã bỏ mật khẩu") && after.contains("Không dùng mật khẩu") && !after.contains("/password-off"))
            // The password signs in no more, and the session it had opened is over.
            var again = StaffBrowser()
            let (s2, _, _) = try await again.signIn(c, "bien-tap")
            #expect(s2 == .unauthorized && again.session == nil)
            let (s3, _, _) = try await editor.get(c, "/workspace?lang=vi")
            #expect(s3 == .seeOther, "the old password session still opens the workspace (\(s3))")
            let audit = try portal.auditLog(by: PortalService.commandLine(by: "kiem-tra"))
            #expect(audit.contains { $0.action == "user.remove-password" && $0.detail == "bien-tap" && $0.username == "quan-tri" })
        }
    }
}
