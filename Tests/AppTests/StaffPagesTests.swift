import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import Portal
import PublicErrors
import Tiles
@testable import Web
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
        portal = PortalService(store: store, hasher: PasswordHasher(cost: 4))
        let cli = PortalService.commandLine
        try portal.createAgency(slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường", by: cli)
        try portal.createAgency(slug: "so-xd", name: "Sở Xây dựng", by: cli)
        for (user, role, agency, name) in [("quan-tri", Role.administrator, nil, "Trần Quản Trị"),
                                           ("bien-tap", .editor, "so-tnmt", "Nguyễn Biên Tập"),
                                           ("lanh-dao", .approver, "so-tnmt", "Lê Lãnh Đạo"),
                                           ("bien-tap-xd", .editor, "so-xd", "Phạm Xây Dựng")] as [(String, Role, String?, String)] {
            try portal.createUser(username: user, password: Self.password, role: role, agency: agency, displayName: name, by: cli)
        }
        try portal.addToOpenDataList(agency: "so-tnmt", slug: "xa-hue", title: "Xã, phường Huế", theme: "Ranh giới", by: cli)
        try portal.addToOpenDataList(agency: "so-xd", slug: "quy-hoach", title: "Quy hoạch xây dựng", theme: "Xây dựng", by: cli)
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0))
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

    /// Sends a file with the multipart form at `action` (as the page wrote it) as this browser.
    mutating func upload(_ c: some TestClientProtocol, _ action: String, filename: String, _ content: Data) async throws
        -> (HTTPResponse.Status, HTTPFields, String) {
        let boundary = "staff-page-boundary"
        var d = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        d.append(content)
        d.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let r = try await c.execute(uri: action, method: .post, headers: headers([.contentType: "multipart/form-data; boundary=\(boundary)"]),
                                    body: ByteBuffer(bytes: d))
        take(r.headers)
        return (r.status, r.headers, String(buffer: r.body))
    }

    /// The `action` of the first form of `page` whose action starts with `prefix`, unescaped.
    static func action(_ page: String, startingWith prefix: String) -> String? {
        guard let r = page.range(of: #"action="\#(prefix)[^"]*""#, options: .regularExpression) else { return nil }
        return String(page[r].dropFirst(8).dropLast()).replacingOccurrences(of: "&amp;", with: "&")
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

    /// The editor uploads the Huế communes through the workspace's form, reviews what the ingest
    /// read and submits; the approver returns it with a comment the editor then sees; the editor
    /// uploads again and submits; the approver approves and the public pages serve it. An editor
    /// cannot approve. A later upload that drops a field is flagged on its review page.
    @Test func uploadSubmitReturnAndApproveThroughThePages() async throws {
        let f = try StaffFixture()
        let communes = try Data(contentsOf: TestPaths.fixture("hue/communes.geojson"))
        let portal = f.portal
        try await f.app.test(.router) { c in
            var editor = StaffBrowser(), approver = StaffBrowser()
            try await editor.signIn(c, "bien-tap")
            try await approver.signIn(c, "lanh-dao")
            let (s0, _, ws) = try await editor.get(c, "/workspace?lang=vi")
            #expect(s0 == .ok && ws.contains("Xã, phường Huế") && !ws.contains("Quy hoạch xây dựng") && ws.contains("chưa công bố phiên bản nào"))
            #expect(ws.contains("<progress") && ws.contains("/web/staff-upload.js"))
            let action = try #require(StaffBrowser.action(ws, startingWith: "/workspace/xa-hue/upload"))
            #expect(action.contains("csrf="))

            func uploadAndSubmit(_ number: Int) async throws {
                let (s1, h1, _) = try await editor.upload(c, action, filename: "communes.geojson", communes)
                #expect(s1 == .seeOther && h1[.location] == "/workspace/xa-hue/versions/\(number)?done=uploaded&lang=vi")
                let (s2, _, review) = try await editor.get(c, try #require(h1[.location]))
                #expect(s2 == .ok)
                for text in ["Đã đọc tệp.", "Số đối tượng đã đọc</th><td>152", "cả 152 đối tượng đều là mới", "commune_vn", "tải lên",
                             "Gửi lãnh đạo phê duyệt"] {
                    #expect(review.contains(text), "the review page lacks \(text)")
                }
                #expect(!review.contains("Phê duyệt và công bố"))
                // How the CRS was decided, in Vietnamese (the ingest writes English).
                #expect(review.contains("do tệp khai báo đầy đủ") && !review.contains("declared"))
                #expect(review.contains("data-geojson=\"/workspace/xa-hue/versions/\(number)/features.geojson\"") && review.contains("/web/staff-review-map.js"))
                let submit = try #require(StaffBrowser.action(review, startingWith: "/workspace/xa-hue/versions/\(number)/submit"))
                let (s3, h3, _) = try await editor.post(c, submit, [("csrf", StaffBrowser.formToken(review) ?? "")])
                #expect(s3 == .seeOther && h3[.location] == "/workspace?done=submitted&lang=vi")
            }
            try await uploadAndSubmit(1)
            // The draft's features for the review map (a draft has no public tiles).
            let features = try await c.execute(uri: "/workspace/xa-hue/versions/1/features.geojson", method: .get,
                                               headers: [.cookie: editor.cookieHeader])
            #expect(features.status == .ok && features.headers[.contentType] == "application/geo+json")
            let collection = try JSONSerialization.jsonObject(with: Data(features.body.readableBytesView)) as? [String: Any]
            #expect((collection?["features"] as? [Any])?.count == 152 && (collection?["bbox"] as? [Double])?.count == 4)
            let script = try await c.execute(uri: "/web/staff-review-map.js", method: .get)
            #expect(script.status == .ok && String(buffer: script.body).contains("review-draft"))

            // The editor cannot approve, even with a good token.
            let (_, _, mine) = try await editor.get(c, "/workspace?lang=vi")
            let (s4, _, refused) = try await editor.post(c, "/approvals/xa-hue/versions/1/approve?lang=vi", [("csrf", StaffBrowser.formToken(mine) ?? "")])
            #expect(s4 == .forbidden && refused.contains("role=\"alert\""))
            let (s4b, h4b, _) = try await editor.get(c, "/approvals?lang=vi")
            #expect(s4b == .forbidden && h4b[.contentType] == "text/html; charset=utf-8")

            // The approver's queue, the same review page, and a return with a comment.
            let (_, _, queue) = try await approver.get(c, "/approvals?lang=vi")
            #expect(queue.contains("Xã, phường Huế") && queue.contains("href=\"/workspace/xa-hue/versions/1?lang=vi\"") && queue.contains("bien-tap"))
            let (_, _, review1) = try await approver.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            #expect(review1.contains("Phê duyệt và công bố") && review1.contains("gửi duyệt"))
            let back = try #require(StaffBrowser.action(review1, startingWith: "/approvals/xa-hue/versions/1/return"))
            let (s5, h5, _) = try await approver.post(c, back, [("csrf", StaffBrowser.formToken(review1) ?? ""), ("comment", "Thiếu phường Thuận Hòa")])
            #expect(s5 == .seeOther && h5[.location] == "/approvals?done=returned&lang=vi")
            let (_, _, returned) = try await editor.get(c, "/workspace?lang=vi")
            #expect(returned.contains("bị trả lại") && returned.contains("Thiếu phường Thuận Hòa"))

            // Again, then approved: published, and the public page shows it.
            try await uploadAndSubmit(2)
            let (_, _, review2) = try await approver.get(c, "/workspace/xa-hue/versions/2?lang=vi")
            let approve = try #require(StaffBrowser.action(review2, startingWith: "/approvals/xa-hue/versions/2/approve"))
            let (s6, h6, _) = try await approver.post(c, approve, [("csrf", StaffBrowser.formToken(review2) ?? "")])
            #expect(s6 == .seeOther && h6[.location] == "/approvals?done=approved&lang=vi")
            #expect(try portal.versions(dataset: "xa-hue", by: PortalService.commandLine).first?.status == .published)
            var citizen = StaffBrowser()
            let (s7, _, page) = try await citizen.get(c, "/datasets/xa-hue?lang=vi")
            #expect(s7 == .ok && page.contains("Xã, phường Huế"))
            let items = try await c.execute(uri: "/ogc/collections/xa-hue/items?limit=1", method: .get)
            #expect(items.status == .ok && String(buffer: items.body).contains("\"numberMatched\":152"))

            // A version without `population`: the review page says which field is dropped.
            let smaller = Data(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"commune_vn":"Phường Phú Thuận"},"geometry":{"type":"Point","coordinates":[107.58,16.47]}}]}"#.utf8)
            let (_, h8, _) = try await editor.upload(c, action, filename: "mot-xa.geojson", smaller)
            let (_, _, review3) = try await editor.get(c, try #require(h8[.location]))
            #expect(review3.contains("Các trường khác với phiên bản 2") && review3.contains("population"), "\(review3)")
            #expect(review3.contains("So với phiên bản 2: thêm"))
        }
    }

    /// An editor of another agency cannot open the agency's version page nor post its forms
    /// (403 pages); nothing is uploaded or submitted.
    @Test func anotherAgencysDatasetPagesAndFormsAreRefused() async throws {
        let f = try StaffFixture()
        let communes = try Data(contentsOf: TestPaths.fixture("hue/communes.geojson"))
        let portal = f.portal
        try await f.app.test(.router) { c in
            var owner = StaffBrowser(), stranger = StaffBrowser()
            try await owner.signIn(c, "bien-tap")
            try await stranger.signIn(c, "bien-tap-xd", language: "en")
            let (_, _, ws) = try await owner.get(c, "/workspace?lang=vi")
            let (_, h, _) = try await owner.upload(c, try #require(StaffBrowser.action(ws, startingWith: "/workspace/xa-hue/upload")),
                                                   filename: "communes.geojson", communes)
            #expect(h[.location]?.hasPrefix("/workspace/xa-hue/versions/1") == true)

            let (_, _, own) = try await stranger.get(c, "/workspace?lang=en")
            #expect(own.contains("Quy hoạch xây dựng") && !own.contains("Xã, phường Huế"))
            let token = try #require(StaffBrowser.formToken(own))
            let (s1, _, p1) = try await stranger.get(c, "/workspace/xa-hue/versions/1?lang=en")
            #expect(s1 == .forbidden && p1.contains("<html lang=\"en\">") && p1.contains("role=\"alert\"") && !p1.contains("commune_vn"))
            let (s1b, _, _) = try await stranger.get(c, "/workspace/xa-hue/versions/1/features.geojson")
            #expect(s1b == .forbidden)
            let (s2, _, _) = try await stranger.post(c, "/workspace/xa-hue/versions/1/submit?lang=en", [("csrf", token)])
            #expect(s2 == .forbidden)
            let (s3, _, _) = try await stranger.upload(c, "/workspace/xa-hue/upload?lang=en&csrf=\(token)", filename: "communes.geojson", communes)
            #expect(s3 == .forbidden)
            let versions = try portal.versions(dataset: "xa-hue", by: PortalService.commandLine)
            #expect(versions.map(\.number) == [1] && versions.first?.status == .draft)
        }
    }

    /// The Department's administrator creates an agency and an agency administrator through the
    /// admin page; the agency administrator sees only their agency's accounts, creates an editor
    /// there, disables one, and is refused (403 page) for another agency's account.
    @Test func accountsAreManagedThroughTheAdminPage() async throws {
        let f = try StaffFixture()
        try await f.app.test(.router) { c in
            var admin = StaffBrowser()
            let (_, h0, _) = try await admin.signIn(c, "quan-tri")
            #expect(h0[.location] == "/admin?lang=vi")
            let (s1, _, page) = try await admin.get(c, "/admin?lang=vi")
            #expect(s1 == .ok && page.contains("Sở Xây dựng") && page.contains("Tạo cơ quan") && page.contains("bien-tap-xd"))
            let token = try #require(StaffBrowser.formToken(page))
            let (s2, h2, _) = try await admin.post(c, "/admin/agencies?lang=vi", [("csrf", token), ("name", "Sở Giao thông Vận tải"), ("slug", "so-gtvt")])
            #expect(s2 == .seeOther && h2[.location] == "/admin?done=agency_created&lang=vi")
            let (s3, _, _) = try await admin.post(c, "/admin/users?lang=vi", [("csrf", token), ("username", "qt-tnmt"), ("displayName", "Võ Quản Lý"),
                                                                           ("password", StaffFixture.password), ("role", "agency-administrator"),
                                                                           ("agency", "so-tnmt")])
            #expect(s3 == .seeOther)
            let (_, _, after) = try await admin.get(c, "/admin?lang=vi")
            #expect(after.contains("Sở Giao thông Vận tải") && after.contains("Võ Quản Lý") && after.contains("Quản trị viên cơ quan"))

            var manager = StaffBrowser()
            let (_, h4, _) = try await manager.signIn(c, "qt-tnmt")
            #expect(h4[.location] == "/admin?lang=vi")
            let (_, _, own) = try await manager.get(c, "/admin?lang=vi")
            #expect(own.contains("bien-tap") && own.contains("lanh-dao") && !own.contains("bien-tap-xd") && !own.contains("quan-tri"))
            #expect(!own.contains("Tạo cơ quan") && !own.contains("value=\"administrator\""))
            // The agency administrator works on accounts only: no inbox, no workspace in the navigation.
            #expect(!own.contains("href=\"/inbox") && !own.contains("href=\"/workspace"))
            let mine = try #require(StaffBrowser.formToken(own))
            let (s5, _, _) = try await manager.post(c, "/admin/users?lang=vi", [("csrf", mine), ("username", "bien-tap-2"), ("password", StaffFixture.password),
                                                                             ("role", "editor"), ("agency", "so-tnmt")])
            #expect(s5 == .seeOther)
            let (s6, _, p6) = try await manager.post(c, "/admin/users?lang=vi", [("csrf", mine), ("username", "bien-tap-3"), ("password", StaffFixture.password),
                                                                              ("role", "editor"), ("agency", "so-xd")])
            #expect(s6 == .forbidden && p6.contains("role=\"alert\""))
            let (s7, _, _) = try await manager.post(c, "/admin/users/bien-tap-xd/disable?lang=vi", [("csrf", mine)])
            #expect(s7 == .forbidden)
            let (s8, h8, _) = try await manager.post(c, "/admin/users/bien-tap/disable?lang=vi", [("csrf", mine)])
            #expect(s8 == .seeOther && h8[.location] == "/admin?done=user_disabled&lang=vi")
            var disabled = StaffBrowser()
            let (s9, _, _) = try await disabled.signIn(c, "bien-tap")
            #expect(s9 == .unauthorized)
            let (s9b, _, _) = try await manager.post(c, "/admin/users/bien-tap/enable?lang=vi", [("csrf", mine)])
            #expect(s9b == .seeOther)
            let (s9c, _, _) = try await disabled.signIn(c, "bien-tap")
            #expect(s9c == .seeOther)
            let (s9d, h9d, _) = try await manager.post(c, "/admin/users/lanh-dao/password?lang=vi", [("csrf", mine), ("password", "mat-khau-moi-cua-lanh-dao")])
            #expect(s9d == .seeOther && h9d[.location] == "/admin?done=password_reset&lang=vi")
            var leader = StaffBrowser()
            let (s9e, _, _) = try await leader.signIn(c, "lanh-dao", password: "mat-khau-moi-cua-lanh-dao")
            #expect(s9e == .seeOther)
            var editor = StaffBrowser()
            try await editor.signIn(c, "bien-tap-2")
            let (s10, _, _) = try await editor.get(c, "/admin?lang=vi")
            #expect(s10 == .forbidden)
        }
    }

    /// Every staff page, in Vietnamese, for each role that opens it: no English text of the
    /// page catalogue left on it, no unfilled placeholder, no Swift "nil".
    @Test func noEnglishTextIsLeftOnAVietnameseStaffPage() async throws {
        let f = try StaffFixture()
        let communes = try Data(contentsOf: TestPaths.fixture("hue/communes.geojson"))
        _ = try f.portal.submitFeedback(.init(datasetSlug: "xa-hue", category: .quality, message: "Thiếu xã", contactEmail: "a@b.vn"), client: "t")
        try f.portal.createUser(username: "qt-tnmt", password: StaffFixture.password, role: .agencyAdministrator, agency: "so-tnmt",
                                by: PortalService.commandLine)
        let vi = PageTexts.shared.all(.vi), en = PageTexts.shared.all(.en)
        let english = en.filter { key, text in !key.hasPrefix("fmt_") && text != vi[key] && text.count >= 4 }
        try await f.app.test(.router) { c in
            var editor = StaffBrowser()
            try await editor.signIn(c, "bien-tap")
            let (_, _, ws) = try await editor.get(c, "/workspace?lang=vi")
            _ = try await editor.upload(c, try #require(StaffBrowser.action(ws, startingWith: "/workspace/xa-hue/upload")), filename: "x.geojson", communes)
            let pages: [(String, [String])] = [
                ("bien-tap", ["/workspace", "/workspace/xa-hue/versions/1", "/inbox"]),
                ("lanh-dao", ["/approvals", "/workspace/xa-hue/versions/1"]),
                ("quan-tri", ["/admin", "/inbox", "/approvals"]),
                ("qt-tnmt", ["/admin"]),
            ]
            var stranger = StaffBrowser()
            let (_, _, signIn) = try await stranger.get(c, "/signin?lang=vi")
            var seen: [(String, String)] = [("/signin", signIn)]
            for (user, paths) in pages {
                var b = StaffBrowser()
                try await b.signIn(c, user)
                for path in paths {
                    let (status, _, html) = try await b.get(c, path + "?lang=vi")
                    #expect(status == .ok, "\(path) as \(user): \(status)")
                    seen.append(("\(path) as \(user)", html))
                }
            }
            for (page, html) in seen {
                let problems = VietnamesePages.problems(html, page: page, english: english, vietnamese: vi)
                #expect(problems.isEmpty, "\(problems)")
            }
        }
    }
}
