import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
import PublicErrors
import TestSupport
import App
@testable import Portal

/// The portal API in process: a router holding only the portal routes over a fresh store (of `engine`).
struct PortalHTTPFixture {
    let f: ServiceFixture
    let router: Router<BandoRequestContext>
    let scratch = ScratchDirectory("portal-http")

    init(_ engine: Engine = .sqlite, maxUpload: Int = UploadCheck.defaultLimit, clients: ClientIdentification = ClientIdentification(),
         harvestFetcher: HarvestFetcher = HarvestFetcher()) throws {
        let f = try ServiceFixture(engine)
        self.f = f
        router = Router(context: BandoRequestContext.self)
        let deps = PortalRouteDependencies(
            portal: f.portal, maxUploadBytes: maxUpload, uploadDirectory: scratch.url, clients: clients,
            ingestDraft: { file, kind, dataset in
                // Stands in for Ingest: the number of features decides the version's count.
                let features: Int
                if kind == .geojson {
                    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
                    guard let list = obj?["features"] as? [Any] else { throw PortalError(.invalid, SafeMessage("portal.harvest.notGeoJSON")) }
                    features = list.count
                } else { features = 1 }
                return try f.ingestDraft(dataset, features: features)
            }, harvestFetcher: harvestFetcher)
        addPortalRoutes(to: router, deps)
    }

    var app: some ApplicationProtocol { Application(router: router) }
}

/// A signed-in client: its cookie or token goes on every request.
struct As: Sendable {
    var headers: HTTPFields
    static let nobody = As(headers: [:])
    static func cookie(_ setCookie: String?) -> As {
        let v = setCookie?.split(separator: ";").first.map(String.init) ?? ""
        return As(headers: [.cookie: v])
    }
    static func bearer(_ t: String) -> As { As(headers: [.authorization: "Bearer \(t)"]) }
}

extension TestClientProtocol {
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, as who: As = .nobody, json: String? = nil,
              body: ByteBuffer? = nil, contentType: String? = nil) async throws -> TestResponse {
        var h = who.headers
        if json != nil { h[.contentType] = "application/json" }
        if let contentType { h[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: h, body: json.map { ByteBuffer(string: $0) } ?? body)
    }

    func login(_ user: String, _ password: String) async throws -> As {
        let r = try await send(.post, "/api/portal/login", json: #"{"username":"\#(user)","password":"\#(password)"}"#)
        #expect(r.status == .ok, "login \(user): \(String(buffer: r.body))")
        #expect(r.headers[.setCookie]?.contains("HttpOnly") == true)
        return .cookie(r.headers[.setCookie])
    }
}

func multipart(_ filename: String, _ content: Data, boundary: String = "bando-test-boundary") -> (ByteBuffer, String) {
    var d = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
    d.append(content)
    d.append(Data("\r\n--\(boundary)--\r\n".utf8))
    return (ByteBuffer(bytes: d), "multipart/form-data; boundary=\(boundary)")
}

func featureCollection(_ n: Int) -> Data {
    let features = (0..<n).map { #"{"type":"Feature","properties":{"ten":"Đường \#($0)"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}"# }
    return Data(#"{"type":"FeatureCollection","features":[\#(features.joined(separator: ","))]}"#.utf8)
}

func json(_ r: TestResponse) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) }

@Suite struct PortalHTTPTests {
    /// In process, and over a real socket with the same requests, on either engine's store.
    @Test(arguments: ["router", "live"], Engine.all)
    func theWholeJourney(_ mode: String, _ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try await fx.app.test(mode == "live" ? .live : .router) { c in
            let admin = try await c.login("admin", "password-admin")
            #expect(try await c.send(.post, "/api/portal/agencies", as: admin, json: #"{"slug":"so-xd","name":"Sở Xây dựng"}"#).status == .created)
            for (u, role) in [("bien-tap", "editor"), ("lanh-dao", "approver")] {
                let r = try await c.send(.post, "/api/portal/users", as: admin,
                                         json: #"{"username":"\#(u)","password":"mat-khau-\#(u)","role":"\#(role)","agency":"so-xd"}"#)
                #expect(r.status == .created)
            }
            #expect(try await c.send(.post, "/api/portal/catalogue", as: admin,
                                     json: #"{"agency":"so-xd","slug":"quy-hoach","title":"Quy hoạch xây dựng","frequency":"quarterly"}"#).status == .created)
            let editor = try await c.login("bien-tap", "mat-khau-bien-tap")
            let approver = try await c.login("lanh-dao", "mat-khau-lanh-dao")

            let (body, type) = multipart("quy-hoach.geojson", featureCollection(3))
            let up = try await c.send(.post, "/api/portal/datasets/quy-hoach/uploads", as: editor, body: body, contentType: type)
            #expect(up.status == .created, "\(String(buffer: up.body))")
            #expect((json(up) as? [String: Any])?["status"] as? String == "draft")
            // A draft is not public.
            #expect((json(try await c.send(.get, "/api/portal/catalogue")) as? [[String: Any]])?.first?["currentVersion"] == nil)

            #expect(try await c.send(.post, "/api/portal/datasets/quy-hoach/versions/1/submit", as: editor).status == .ok)
            #expect(try await c.send(.post, "/api/portal/datasets/quy-hoach/versions/1/return", as: approver,
                                     json: #"{"comment":"Thiếu lớp ranh giới"}"#).status == .ok)
            let versions = json(try await c.send(.get, "/api/portal/datasets/quy-hoach/versions", as: editor)) as? [[String: Any]]
            #expect(versions?.first?["returnComment"] as? String == "Thiếu lớp ranh giới")
            #expect(try await c.send(.post, "/api/portal/datasets/quy-hoach/versions/1/submit", as: editor).status == .ok)
            let ok = try await c.send(.post, "/api/portal/datasets/quy-hoach/versions/1/approve", as: approver)
            #expect(ok.status == .ok && (json(ok) as? [String: Any])?["status"] as? String == "published")
            #expect((json(try await c.send(.get, "/api/portal/catalogue")) as? [[String: Any]])?.first?["currentVersion"] as? Int == 1)

            let csv = try await c.send(.get, "/api/portal/audit?format=csv&dataset=quy-hoach", as: admin)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let actions = String(buffer: csv.body).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[4] }
            #expect(actions == ["catalogue.add", "upload", "submit", "return", "submit", "approve"])

            let report = try await c.send(.get, "/api/portal/reports/quarterly?quarter=2026Q3", as: admin)
            #expect(report.status == .ok)
            let agencies = (json(report) as? [String: Any])?["agencies"] as? [[String: Any]]
            let xd = agencies?.first { $0["slug"] as? String == "so-xd" }
            #expect(((xd?["datasets"] as? [[String: Any]])?.first?["status"]) as? String == "on-time")
            #expect(try await c.send(.get, "/api/portal/reports/quarterly?quarter=2026Q9", as: admin).status == .badRequest)
        }
    }

    @Test func everyWriteRouteRefusesStrangers() async throws {
        let fx = try PortalHTTPFixture()
        try fx.f.portal.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: fx.f.admin)
        try fx.f.ingestDraft("land-use")
        try await fx.app.test(.router) { c in
            let editorA = try await c.login("editor-tnmt", "password-editor-tnmt")
            let editorB = try await c.login("editor-gtvt", "password-editor-gtvt")
            let approverB = try await c.login("leader-gtvt", "password-leader-gtvt")
            let (body, type) = multipart("x.geojson", featureCollection(1))
            // (route, body, who may not: as whom and the status expected)
            let routes: [(HTTPRequest.Method, String, String?, [(As, HTTPResponse.Status)])] = [
                (.post, "/api/portal/agencies", #"{"slug":"x","name":"X"}"#, [(.nobody, .unauthorized), (editorA, .forbidden)]),
                (.post, "/api/portal/users", #"{"username":"eve","password":"0123456789ab","role":"approver","agency":"so-tnmt"}"#, [(.nobody, .unauthorized), (editorA, .forbidden)]),
                (.post, "/api/portal/users/editor-tnmt/disable", nil, [(.nobody, .unauthorized), (editorB, .forbidden)]),
                (.post, "/api/portal/users/editor-tnmt/password", #"{"password":"0123456789ab"}"#, [(.nobody, .unauthorized), (approverB, .forbidden)]),
                (.post, "/api/portal/catalogue", #"{"agency":"so-tnmt","slug":"y","title":"Y"}"#, [(.nobody, .unauthorized), (editorA, .forbidden)]),
                (.post, "/api/portal/proposals", #"{"agency":"so-tnmt","slug":"z","title":"Z"}"#, [(.nobody, .unauthorized), (editorB, .forbidden)]),
                (.post, "/api/portal/datasets/land-use/versions/1/submit", nil, [(.nobody, .unauthorized), (editorB, .forbidden)]),
                (.post, "/api/portal/datasets/land-use/versions/1/approve", nil, [(.nobody, .unauthorized), (editorA, .forbidden), (approverB, .forbidden)]),
                (.post, "/api/portal/datasets/land-use/versions/1/return", #"{"comment":"no"}"#, [(.nobody, .unauthorized), (editorA, .forbidden), (approverB, .forbidden)]),
                (.get, "/api/portal/datasets/land-use/versions", nil, [(.nobody, .unauthorized), (editorB, .forbidden)]),
                (.get, "/api/portal/audit", nil, [(.nobody, .unauthorized), (editorA, .forbidden)]),
                (.get, "/api/portal/reports/quarterly?quarter=2026Q3", nil, [(.nobody, .unauthorized), (editorA, .forbidden)]),
                (.post, "/api/portal/tokens", #"{"name":"t"}"#, [(.nobody, .unauthorized)]),
                (.get, "/api/portal/feedback/queue", nil, [(.nobody, .unauthorized)]),
                (.put, "/api/portal/datasets/land-use/harvest-source", #"{"url":"http://127.0.0.1:9/x.geojson","kind":"geojson"}"#, [(.nobody, .unauthorized), (editorB, .forbidden), (approverB, .forbidden)]),
                (.post, "/api/portal/datasets/land-use/harvest", nil, [(.nobody, .unauthorized), (editorB, .forbidden)]),
            ]
            for (method, uri, payload, refusals) in routes {
                for (who, status) in refusals {
                    let r = try await c.send(method, uri, as: who, json: payload)
                    #expect(r.status == status, "\(method) \(uri): \(String(buffer: r.body))")
                }
            }
            for (who, status) in [(As.nobody, HTTPResponse.Status.unauthorized), (editorB, .forbidden), (approverB, .forbidden)] {
                let r = try await c.send(.post, "/api/portal/datasets/land-use/uploads", as: who, body: body, contentType: type)
                #expect(r.status == status)
            }
            // A forged or revoked token is no better than none.
            #expect(try await c.send(.post, "/api/portal/datasets/land-use/versions/1/submit", as: .bearer("bando_pat_forged")).status == .unauthorized)
        }
        // Nothing moved.
        #expect(try fx.f.portal.versions(dataset: "land-use", by: fx.f.admin).first?.status == .draft)
        #expect(try fx.f.portal.agencies().count == 2)
    }

    @Test(arguments: Engine.all) func badUploadsAreRefusedAndNothingIsCreated(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine, maxUpload: 2048)
        try fx.f.portal.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: fx.f.admin)
        let evil = URL(fileURLWithPath: fx.scratch.path("evil.zip"))
        let r = try Run.process("/usr/bin/python3", ["-c", "import sys,zipfile\nwith zipfile.ZipFile(sys.argv[1],'w') as z: z.writestr('../../etc/cron.d/x','x')", evil.path])
        #expect(r.succeeded)
        try await fx.app.test(.router) { c in
            let editor = try await c.login("editor-tnmt", "password-editor-tnmt")
            let cases: [(Data, String, HTTPResponse.Status, String)] = [
                // Vietnamese unless the client asks for English.
                (featureCollection(100), "big.geojson", .contentTooLarge, "vượt quá giới hạn"),
                (Data("PDF-1.7 not data".utf8), "report.pdf", .badRequest, "không phải là tệp zip"),
                (try Data(contentsOf: evil), "evil.zip", .badRequest, "nằm ngoài thư mục"),
            ]
            for (content, name, status, message) in cases {
                let (body, type) = multipart(name, content)
                let resp = try await c.send(.post, "/api/portal/datasets/land-use/uploads", as: editor, body: body, contentType: type)
                #expect(resp.status == status, "\(name)")
                #expect(String(buffer: resp.body).contains(message), "\(String(buffer: resp.body))")
            }
            // Raw bodies work as well as forms.
            let raw = try await c.send(.post, "/api/portal/datasets/land-use/uploads?filename=a.geojson", as: editor,
                                       body: ByteBuffer(bytes: featureCollection(2)), contentType: "application/geo+json")
            #expect(raw.status == .created)
        }
        #expect(try fx.f.portal.versions(dataset: "land-use", by: fx.f.admin).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fx.scratch.url.path).filter { $0.hasPrefix("bando-upload") }.isEmpty)
    }

    @Test(arguments: Engine.all) func signInTokensAndThrottling(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try await fx.app.test(.router) { c in
            let wrong = try await c.send(.post, "/api/portal/login", json: #"{"username":"editor-tnmt","password":"not-the-password"}"#)
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            let editor = try await c.login("editor-tnmt", "password-editor-tnmt")
            let t = try await c.send(.post, "/api/portal/tokens", as: editor, json: #"{"name":"cron"}"#)
            #expect(t.status == .created)
            let token = try #require((json(t) as? [String: Any])?["token"] as? String)
            let me = try await c.send(.get, "/api/portal/me", as: .bearer(token))
            #expect((json(me) as? [String: Any])?["username"] as? String == "editor-tnmt")
            #expect(try await c.send(.post, "/api/portal/logout", as: editor).status == .noContent)
            #expect(try await c.send(.get, "/api/portal/me", as: editor).status == .unauthorized)
            for _ in 0..<6 { try await c.send(.post, "/api/portal/login", json: #"{"username":"leader-tnmt","password":"guess-guess-1"}"#) }
            let slowed = try await c.send(.post, "/api/portal/login", json: #"{"username":"leader-tnmt","password":"password-leader-tnmt"}"#)
            #expect(slowed.status == .tooManyRequests && slowed.headers[.retryAfter] != nil)
        }
    }

    @Test(arguments: Engine.all) func feedbackNeedsNoAccountAndKeepsTheEmailPrivate(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try fx.f.portal.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: fx.f.admin)
        try await fx.app.test(.router) { c in
            let sent = try await c.send(.post, "/api/portal/feedback",
                                        json: #"{"dataset":"land-use","category":"quality","message":"Sai tên xã","contactEmail":"dan@example.vn"}"#)
            #expect(sent.status == .created)
            let id = try #require((json(sent) as? [String: Any])?["id"] as? Int)
            #expect(try await c.send(.post, "/api/portal/feedback", json: #"{"category":"gossip","message":"x"}"#).status == .badRequest)
            let editor = try await c.login("editor-tnmt", "password-editor-tnmt")
            let queue = try await c.send(.get, "/api/portal/feedback/queue", as: editor)
            #expect(String(buffer: queue.body).contains("dan@example.vn"))
            let other = try await c.login("editor-gtvt", "password-editor-gtvt")
            #expect(try await c.send(.post, "/api/portal/feedback/\(id)/answer", as: other, json: #"{"answer":"no"}"#).status == .forbidden)
            #expect(try await c.send(.post, "/api/portal/feedback/\(id)/answer", as: editor, json: #"{"answer":"Đã sửa"}"#).status == .ok)
            let pub = try await c.send(.get, "/api/portal/feedback?dataset=land-use")
            #expect(String(buffer: pub.body).contains("Đã sửa"))
            #expect(!String(buffer: pub.body).contains("dan@example.vn"))
        }
    }
}
