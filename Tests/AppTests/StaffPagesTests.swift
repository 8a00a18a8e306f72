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

/// Two agencies with one catalogued dataset each, their staff and the Department's administrator,
/// behind the real router (page cache on, as `bando serve` runs it).
struct StaffFixture {
    let scratch = ScratchDirectory("staff-pages")
    let store: Store
    let portal: PortalService
    let router: Router<BandoRequestContext>
    static let password = "mat-khau-thu-nghiem"

    init() throws {
        store = try Store(path: scratch.path("s.sqlite"))
        // Cheap hashes: the sign-ins verify with the cost each hash carries.
        portal = PortalService(db: store.pool, hasher: PasswordHasher(cost: 4))
        let cli = PortalService.commandLine
        try portal.createAgency(slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường", by: cli)
        try portal.createAgency(slug: "so-xd", name: "Sở Xây dựng", by: cli)
        for (user, role, agency, name) in [("quan-tri", Role.administrator, nil, "Trần Quản Trị"),
                                           ("bien-tap", .editor, "so-tnmt", "Nguyễn Biên Tập"),
                                           ("lanh-dao", .approver, "so-tnmt", "Lê Lãnh Đạo"),
                                           ("bien-tap-xd", .editor, "so-xd", "Phạm Xây Dựng")] as [(String, Role, String?, String)] {
            try portal.createUser(username: user, password: Self.password, role: role, agency: agency, displayName: name, by: cli)
        }
        try portal.addToCatalogue(agency: "so-tnmt", slug: "xa-hue", title: "Xã, phường Huế", theme: "Ranh giới", by: cli)
        try portal.addToCatalogue(agency: "so-xd", slug: "quy-hoach", title: "Quy hoạch xây dựng", theme: "Xây dựng", by: cli)
        let tiles = try TileService(reader: store.pool, configuration: .init(cacheMegabytes: 0))
        router = buildRouter(store: store, tiles: tiles, requests: RequestPolicy(pageCacheSeconds: 5), uploadDirectory: scratch.url)
    }

    var app: some ApplicationProtocol { Application(router: router) }
}

/// A browser's view of one person: the cookies it holds.
struct StaffBrowser {
    var cookies: [String: String] = [:]

    var cookieHeader: String { cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

    /// Keeps the cookies an answer sets (and forgets those it expires).
    mutating func take(_ headers: HTTPFields) {
        for set in headers[values: .setCookie] {
            let first = set.split(separator: ";").first.map(String.init) ?? ""
            let parts = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { continue }
            if set.contains("Max-Age=0") || parts[1].isEmpty { cookies[parts[0]] = nil } else { cookies[parts[0]] = parts[1] }
        }
    }

    var session: String? { cookies[portalSessionCookie] }

    func headers(_ extra: HTTPFields = [:]) -> HTTPFields {
        var h: HTTPFields = [.accept: "text/html"]
        if !cookies.isEmpty { h[.cookie] = cookieHeader }
        h.append(contentsOf: extra)
        return h
    }

    /// GET `uri` as this browser.
    mutating func get(_ c: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        let r = try await c.execute(uri: uri, method: .get, headers: headers(), body: nil)
        take(r.headers)
        return (r.status, r.headers, String(buffer: r.body))
    }

    /// POST an urlencoded form as this browser.
    mutating func post(_ c: some TestClientProtocol, _ uri: String, _ fields: [(String, String)]) async throws
        -> (HTTPResponse.Status, HTTPFields, String) {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        let r = try await c.execute(uri: uri, method: .post, headers: headers([.contentType: "application/x-www-form-urlencoded"]),
                                    body: ByteBuffer(string: body))
        take(r.headers)
        return (r.status, r.headers, String(buffer: r.body))
    }

    /// Signs in through the form, as a person does: open /signin, type, send.
    @discardableResult
    mutating func signIn(_ c: some TestClientProtocol, _ user: String, password: String = StaffFixture.password, next: String = "",
                         language: String = "vi") async throws -> (HTTPResponse.Status, HTTPFields, String) {
        let (_, _, form) = try await get(c, "/signin?lang=\(language)")
        return try await post(c, "/signin?lang=\(language)", [("csrf", Self.formToken(form) ?? ""), ("next", next),
                                                               ("username", user), ("password", password)])
    }

    /// The anti-forgery token of the first form of `page`.
    static func formToken(_ page: String) -> String? {
        guard let r = page.range(of: #"name="csrf" value="([^"]*)""#, options: .regularExpression) else { return nil }
        return String(page[r].split(separator: "\"")[3])
    }
}

@Suite struct StaffPagesTests {
    /// The sign-in form opens the same session as the JSON API (the `bando_session` cookie,
    /// HttpOnly and SameSite=Strict), sends each role to its own page or to the local `next`
    /// page (never to another site), and a wrong password gets the form back with the reason.
    /// Signing out ends the session for the API too.
    @Test func signInOpensTheSessionAndSignOutEndsIt() async throws {
        let f = try StaffFixture()
        try await f.app.test(.router) { c in
            var b = StaffBrowser()
            let (s0, _, form) = try await b.get(c, "/signin?lang=vi")
            #expect(s0 == .ok && form.contains("<html lang=\"vi\">") && form.contains("action=\"/signin?lang=vi\""))
            #expect(form.contains("autocomplete=\"current-password\"") && StaffBrowser.formToken(form)?.isEmpty == false)

            let (s1, h1, wrong) = try await b.signIn(c, "bien-tap", password: "sai-mat-khau-roi")
            #expect(s1 == .unauthorized && b.session == nil && h1[values: .setCookie].allSatisfy { !$0.hasPrefix(portalSessionCookie) })
            #expect(wrong.contains("role=\"alert\"") && wrong.contains("value=\"bien-tap\""), "\(wrong)")

            let (s2, h2, _) = try await b.signIn(c, "bien-tap")
            #expect(s2 == .seeOther && h2[.location] == "/workspace?lang=vi")
            let cookie = try #require(h2[values: .setCookie].first { $0.hasPrefix(portalSessionCookie + "=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
            let me = try await c.execute(uri: "/api/portal/me", method: .get, headers: [.cookie: "\(portalSessionCookie)=\(b.session ?? "")"])
            #expect(me.status == .ok && String(buffer: me.body).contains("\"username\":\"bien-tap\""))

            // The page shows who is signed in, their agency and role, and sign-out.
            let (s3, h3, inbox) = try await b.get(c, "/inbox?lang=vi")
            #expect(s3 == .ok && h3[.cacheControl] == "no-store")
            for text in ["Nguyễn Biên Tập", "Sở Tài nguyên và Môi trường", "Cán bộ đầu mối (biên tập)", "action=\"/signout?lang=vi\"",
                         "href=\"/workspace?lang=vi\"", "href=\"/inbox?lang=vi\" aria-current=\"page\""] {
                #expect(inbox.contains(text), "the inbox lacks \(text)")
            }
            // An editor is not offered the approvers' or the Department's sections.
            #expect(!inbox.contains("href=\"/approvals") && !inbox.contains("href=\"/admin"))

            let (s4, h4, _) = try await b.post(c, "/signout?lang=vi", [("csrf", StaffBrowser.formToken(inbox) ?? "")])
            #expect(s4 == .seeOther && h4[.location] == "/signin?out=1&lang=vi" && b.session == nil)
            let after = try await c.execute(uri: "/api/portal/me", method: .get, headers: [.cookie: "\(portalSessionCookie)=\(try #require(cookie.split(separator: ";").first?.split(separator: "=").last))"])
            #expect(after.status == .unauthorized)

            // Back to the page asked for, when it is on this server.
            var a = StaffBrowser()
            let (_, h5, _) = try await a.signIn(c, "lanh-dao", next: "/inbox?lang=en")
            #expect(h5[.location] == "/inbox?lang=en")
            var x = StaffBrowser()
            let (_, h6, _) = try await x.signIn(c, "quan-tri", next: "//evil.example/phish")
            #expect(h6[.location] == "/admin?lang=vi")
        }
    }

    /// A staff page asked without a session is the sign-in page, which then returns to it; a
    /// sign-in form sent without the form's cookie (from another site) is refused.
    @Test func strangersAreSentToSignInAndBack() async throws {
        let f = try StaffFixture()
        try await f.app.test(.router) { c in
            var b = StaffBrowser()
            let (s, h, _) = try await b.get(c, "/inbox?lang=en")
            #expect(s == .seeOther && h[.location] == "/signin?next=%2Finbox%3Flang%3Den&lang=en")
            let (_, _, form) = try await b.get(c, try #require(h[.location]))
            #expect(form.contains("name=\"next\" value=\"/inbox?lang=en\"") && form.contains("<html lang=\"en\">"))
            let (s2, h2, _) = try await b.post(c, "/signin?lang=en", [("csrf", StaffBrowser.formToken(form) ?? ""), ("next", "/inbox?lang=en"),
                                                                       ("username", "bien-tap"), ("password", StaffFixture.password)])
            #expect(s2 == .seeOther && h2[.location] == "/inbox?lang=en")

            // Posted without the form's own cookie: the form again, 403, nobody signed in.
            var other = StaffBrowser()
            let (s3, _, again) = try await other.post(c, "/signin?lang=en", [("csrf", "made-up"), ("username", "bien-tap"),
                                                                               ("password", StaffFixture.password)])
            #expect(s3 == .forbidden && again.contains("role=\"alert\"") && other.session == nil)
            // A form posted by nobody is not run: it leads to the sign-in page.
            let (s4, h4, _) = try await other.post(c, "/inbox/1/answer?lang=en", [("answer", "x")])
            #expect(s4 == .seeOther && h4[.location]?.hasPrefix("/signin") == true)
        }
    }

    /// Every staff form carries its session's token: without it, or with another session's, the
    /// answer is a 403 page in the staff layout and nothing happens; with it the answer is
    /// published and the public feedback page shows it.
    @Test func aFormWithoutItsTokenIsRefused() async throws {
        let f = try StaffFixture()
        let item = try f.portal.submitFeedback(.init(datasetSlug: "xa-hue", category: .quality, message: "Thiếu phường Thuận Hòa", contactEmail: nil),
                                               client: "test").id
        let portal = f.portal
        try await f.app.test(.router) { c in
            var editor = StaffBrowser(), other = StaffBrowser()
            try await editor.signIn(c, "bien-tap")
            try await other.signIn(c, "lanh-dao")
            let (_, _, inbox) = try await editor.get(c, "/inbox?lang=vi")
            #expect(inbox.contains("Thiếu phường Thuận Hòa") && inbox.contains("action=\"/inbox/\(item)/answer?lang=vi\""))
            let token = try #require(StaffBrowser.formToken(inbox))
            let (_, _, otherPage) = try await other.get(c, "/inbox?lang=vi")
            let otherToken = try #require(StaffBrowser.formToken(otherPage))
            #expect(token != otherToken)

            let (s1, h1, p1) = try await editor.post(c, "/inbox/\(item)/answer?lang=vi", [("answer", "Đã bổ sung")])
            #expect(s1 == .forbidden && h1[.contentType] == "text/html; charset=utf-8")
            #expect(p1.contains("mã bảo vệ") && p1.contains("Nguyễn Biên Tập") && p1.contains("role=\"alert\""), "\(p1)")
            let (s2, _, _) = try await editor.post(c, "/inbox/\(item)/answer?lang=vi", [("csrf", otherToken), ("answer", "Đã bổ sung")])
            #expect(s2 == .forbidden)
            #expect(try portal.publicFeedback(dataset: nil).isEmpty)

            let (s3, h3, _) = try await editor.post(c, "/inbox/\(item)/answer?lang=vi", [("csrf", token), ("answer", "Đã bổ sung phường Thuận Hòa")])
            #expect(s3 == .seeOther && h3[.location] == "/inbox?done=answered&lang=vi")
            let (_, _, done) = try await editor.get(c, try #require(h3[.location]))
            #expect(done.contains("Câu trả lời đã được công bố.") && done.contains("Đã bổ sung phường Thuận Hòa"))
            var citizen = StaffBrowser()
            let (_, _, public_) = try await citizen.get(c, "/feedback?lang=vi")
            #expect(public_.contains("Đã bổ sung phường Thuận Hòa"))
        }
    }

    /// An editor of another agency, with a valid session and token, cannot answer the item
    /// (a 403 page in their language) and does not see it in their inbox.
    @Test func anotherAgencysFeedbackIsRefused() async throws {
        let f = try StaffFixture()
        let item = try f.portal.submitFeedback(.init(datasetSlug: "xa-hue", category: .quality, message: "Sai ranh giới xã Phú Mậu", contactEmail: nil),
                                               client: "test").id
        let portal = f.portal
        try await f.app.test(.router) { c in
            var b = StaffBrowser()
            try await b.signIn(c, "bien-tap-xd", language: "en")
            let (_, _, inbox) = try await b.get(c, "/inbox?lang=en")
            #expect(!inbox.contains("Sai ranh giới xã Phú Mậu") && inbox.contains("Nothing is waiting."))
            let (s, _, page) = try await b.post(c, "/inbox/\(item)/answer?lang=en", [("csrf", StaffBrowser.formToken(inbox) ?? ""), ("answer", "x")])
            #expect(s == .forbidden && page.contains("<html lang=\"en\">") && page.contains("Phạm Xây Dựng"), "\(page)")
            #expect(try portal.publicFeedback(dataset: nil).isEmpty)
        }
    }

    /// With the page cache on, each person gets their own page, never another's; staff pages
    /// are `no-store` and carry no CORS header.
    @Test func staffPagesAreNeitherCachedNorShared() async throws {
        let f = try StaffFixture()
        try await f.app.test(.router) { c in
            var a = StaffBrowser(), b = StaffBrowser()
            try await a.signIn(c, "bien-tap")
            try await b.signIn(c, "bien-tap-xd")
            let (_, ha, pa) = try await a.get(c, "/inbox?lang=vi")
            let (_, hb, pb) = try await b.get(c, "/inbox?lang=vi")
            #expect(pa.contains("Nguyễn Biên Tập") && !pa.contains("Phạm Xây Dựng"))
            #expect(pb.contains("Phạm Xây Dựng") && !pb.contains("Nguyễn Biên Tập"))
            for h in [ha, hb] { #expect(h[.cacheControl] == "no-store" && h[.accessControlAllowOrigin] == nil) }
            var stranger = StaffBrowser()
            let (_, hs, _) = try await stranger.get(c, "/signin")
            #expect(hs[.accessControlAllowOrigin] == nil && hs[.cacheControl] == "no-store")
        }
    }
}
