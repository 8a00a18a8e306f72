import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import Ingest
import Portal
import Tiles
@testable import App

/// One error shape over every route family: the status and stable code, the message in
/// Vietnamese by default and in English when asked, the request id in the body equal to the
/// `X-Request-Id` header, and nothing inside the server (paths, SQL, library messages) shown.
@Suite struct ErrorResponseTests {
    struct Case: Sendable {
        var name: String
        var method: HTTPRequest.Method = .get
        var uri: String
        var signedIn = false
        var upload: Data? = nil
        var status: HTTPResponse.Status
        var code: String
        /// A part of the message in each language.
        var vi: String
        var en: String
        /// CKAN's envelope rather than the OGC exception document.
        var ckan = false
    }

    static let cases: [Case] = [
        Case(name: "unknown OGC collection", uri: "/ogc/collections/khong-co", status: .notFound, code: "NotFound",
             vi: "Không có lớp dữ liệu 'khong-co'", en: "There is no collection 'khong-co'"),
        Case(name: "bad bbox", uri: "/ogc/collections/xa-hue/items?bbox=107,16,108", status: .badRequest, code: "InvalidParameterValue",
             vi: "bbox phải gồm bốn số", en: "bbox must be four numbers"),
        Case(name: "bbox south of north", uri: "/ogc/collections/xa-hue/items?bbox=107,17,108,16", status: .badRequest, code: "InvalidParameterValue",
             vi: "bbox có cạnh phía nam (17.0)", en: "bbox has its south edge (17.0)"),
        Case(name: "bad CQL2 text filter", uri: "/ogc/collections/xa-hue/items?filter=population%20%3E", status: .badRequest,
             code: "InvalidParameterValue", vi: "Lỗi cú pháp CQL2 tại ký tự thứ 13: cần một thuộc tính hoặc một giá trị, nhưng gặp kết thúc bộ lọc",
             en: "CQL2 syntax error at character 13: expected a property or a value, found the end of the filter"),
        Case(name: "filter on an unknown property", uri: "/ogc/collections/xa-hue/items?filter=populaton%3D1", status: .badRequest,
             code: "InvalidParameterValue", vi: "Bộ lọc dùng thuộc tính 'populaton'", en: "The filter uses the property 'populaton'"),
        Case(name: "bad CQL2 JSON filter", uri: "/ogc/collections/xa-hue/items?filter-lang=cql2-json&filter=%7Bnot%20json",
             status: .badRequest, code: "InvalidParameterValue", vi: "bộ lọc không phải là JSON hợp lệ", en: "the filter is not valid JSON"),
        Case(name: "analysis with a bad k", uri: "/api/analysis/nearest?dataset=xa-hue&lon=107.6&lat=16.46&k=nhieu", status: .badRequest,
             code: "InvalidParameterValue", vi: "k phải là một số nguyên từ 1 đến 1000, không phải 'nhieu'", en: "k must be a whole number from 1 to 1000, not 'nhieu'"),
        Case(name: "analysis of an unknown dataset", uri: "/api/analysis/nearest?dataset=khong-co&lon=107.6&lat=16.46", status: .badRequest,
             code: "InvalidParameterValue", vi: "Không có tập dữ liệu đã công bố nào tên 'khong-co'", en: "There is no published dataset 'khong-co'"),
        Case(name: "unknown CKAN action", uri: "/api/3/action/khong_co", status: .badRequest, code: "Bad Request",
             vi: "không có thao tác tên khong_co", en: "Action name not known: khong_co", ckan: true),
        Case(name: "unknown CKAN package", uri: "/api/3/action/package_show?id=khong-co", status: .notFound, code: "Not Found Error",
             vi: "Không tìm thấy: không có tập dữ liệu 'khong-co'", en: "Not found: no dataset 'khong-co'", ckan: true),
        Case(name: "unknown catalogue entry", uri: "/api/catalog/khong-co", status: .notFound, code: "NotFound",
             vi: "Không có tập dữ liệu đã công bố nào tên 'khong-co'", en: "No published dataset named 'khong-co'"),
        Case(name: "download of an unknown dataset", uri: "/downloads/khong-co/latest.csv", status: .notFound, code: "NotFound",
             vi: "Không có tập dữ liệu đã công bố nào tên 'khong-co'", en: "No published dataset named 'khong-co'"),
        Case(name: "download in an unknown format", uri: "/downloads/xa-hue/latest.docx", status: .notFound, code: "NotFound",
             vi: "Định dạng '.docx' không được hỗ trợ", en: "Unknown format '.docx'"),
        Case(name: "tile beyond the quad tree", uri: "/tiles/xa-hue/3/99/1.mvt", status: .notFound, code: "NotFound",
             vi: "Ô bản đồ 3/99/1 không tồn tại", en: "Tile 3/99/1 does not exist"),
        Case(name: "tile coordinates that are not numbers", uri: "/tiles/xa-hue/a/b/c.mvt", status: .badRequest, code: "InvalidParameterValue",
             vi: "Tọa độ ô bản đồ phải là số nguyên", en: "Tile coordinates must be whole numbers"),
        Case(name: "unknown tileset", uri: "/tiles/khong-co/1/1/1.mvt", status: .notFound, code: "NotFound",
             vi: "Không có bộ ô bản đồ nào tên \"khong-co\"", en: "No tileset named \"khong-co\""),
        Case(name: "portal call without signing in", uri: "/api/portal/audit", status: .unauthorized, code: "Unauthenticated",
             vi: "Vui lòng đăng nhập trước", en: "Sign in first"),
        Case(name: "upload of a broken file", method: .post, uri: "/api/portal/datasets/xa-hue/uploads", signedIn: true,
             upload: Data(#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[107.5,16.4],"#.utf8),
             status: .unprocessableContent, code: "UnprocessableFile",
             vi: "Không thể nạp tệp: Tệp kết thúc giữa chừng ở đối tượng thứ 1", en: "The file could not be loaded: The file ends in the middle of feature 1"),
        Case(name: "no such route", uri: "/khong-co-gi", status: .notFound, code: "NotFound",
             vi: "Không có tài nguyên nào tại địa chỉ này", en: "There is nothing at this address"),
    ]

    /// What no error body may hold: the server's folders, SQL, the libraries' names, a trace.
    static let leaks = ["/tmp", "/work", "/var/", "SELECT", "sqlite", "SQLite", "GDAL", "gdal", ".swift:", "Fatal error", "bando-upload-"]

    func object(_ r: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]) ?? [:]
    }

    func multipart(_ content: Data) -> (ByteBuffer, String) {
        let boundary = "bando-errors-boundary"
        var d = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"xa.geojson\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        d.append(content)
        d.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (ByteBuffer(bytes: d), "multipart/form-data; boundary=\(boundary)")
    }

    @Test func everyRouteFamilyAnswersOneSafeShape() async throws {
        let scratch = ScratchDirectory("error-shape")
        let store = try Store(path: scratch.path("s.sqlite"))
        let portal = PortalService(store: store)
        let cli = PortalService.commandLine
        _ = try portal.createAgency(slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường", by: cli)
        _ = try portal.createUser(username: "bien-tap", password: "mat-khau-bien-tap", role: .editor, agency: "so-tnmt", by: cli)
        _ = try portal.addToOpenDataList(agency: "so-tnmt", slug: "xa-hue", title: "Xã, phường Huế", theme: "boundaries",
                                      frequency: .quarterly, description: "", by: cli)
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path,
                                           metadata: DatasetMetadata(slug: "xa-hue"), publish: true), into: store)
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0, checkInterval: .zero))
        let router = buildRouter(store: store, tiles: tiles)

        try await Application(router: router).test(.router) { client in
            let login = try await client.execute(uri: "/api/portal/login", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"username":"bien-tap","password":"mat-khau-bien-tap"}"#))
            #expect(login.status == .ok, "\(String(buffer: login.body))")
            let cookie = login.headers[.setCookie]?.split(separator: ";").first.map(String.init) ?? ""

            for c in Self.cases {
                // Vietnamese by default, English by header, English by ?lang= over a Vietnamese header.
                let asks: [(language: String, headers: HTTPFields, query: String)] = [
                    ("vi", [:], ""),
                    ("en", [.acceptLanguage: "en-US,en;q=0.9"], ""),
                    ("en", [.acceptLanguage: "vi-VN"], "lang=en"),
                ]
                for ask in asks {
                    var headers = ask.headers
                    if c.signedIn { headers[.cookie] = cookie }
                    var body: ByteBuffer? = nil
                    if let upload = c.upload {
                        let (b, type) = multipart(upload)
                        body = b
                        headers[.contentType] = type
                    }
                    let uri = ask.query.isEmpty ? c.uri : c.uri + (c.uri.contains("?") ? "&" : "?") + ask.query
                    let r = try await client.execute(uri: uri, method: c.method, headers: headers, body: body)
                    let text = String(buffer: r.body)
                    let label = "\(c.name) [\(ask.language) \(uri)]: \(text)"
                    #expect(r.status == c.status, "\(label)")
                    #expect(r.headers[.contentLanguage] == ask.language, "\(label)")
                    let requestID = r.headers[HTTPField.Name("X-Request-Id")!]
                    #expect(requestID?.isEmpty == false, "\(label)")

                    let doc = object(r)
                    let code: String?, message: String?, bodyID: String?
                    if c.ckan {
                        let error = doc["error"] as? [String: Any]
                        #expect(doc["success"] as? Bool == false, "\(label)")
                        code = error?["__type"] as? String
                        message = error?["message"] as? String
                        bodyID = error?["request_id"] as? String
                    } else {
                        code = doc["code"] as? String
                        message = doc["description"] as? String
                        bodyID = doc["request_id"] as? String
                    }
                    #expect(code == c.code, "\(label)")
                    #expect(message?.contains(ask.language == "vi" ? c.vi : c.en) == true, "\(label)")
                    #expect(bodyID == requestID, "\(label)")
                    for leak in Self.leaks { #expect(!text.contains(leak), "\(label) shows '\(leak)'") }
                }
            }
        }
    }

    /// The unauthenticated answer tells clients how to authenticate, as before.
    @Test func refusalsKeepTheirHeaders() async throws {
        let scratch = ScratchDirectory("error-headers")
        let store = try Store(path: scratch.path("s.sqlite"))
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0, checkInterval: .zero))
        try await Application(router: buildRouter(store: store, tiles: tiles)).test(.router) { client in
            let r = try await client.execute(uri: "/api/portal/audit", method: .get)
            #expect(r.status == .unauthorized)
            #expect(r.headers[.wwwAuthenticate] == "Bearer realm=\"bando\"")
        }
    }

    struct Unexpected: Error, CustomStringConvertible {
        var description: String { "SELECT * FROM users WHERE path = '/tmp/bando-upload-1.part' (sqlite3 error 11)" }
    }

    /// An error nobody described is a plain 500 with the generic message and the request id;
    /// its text goes to the log only.
    @Test func unexpectedErrorsShowOnlyTheGenericMessage() async throws {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        router.get("boom") { _, _ -> Response in throw Unexpected() }
        try await Application(router: router).test(.router) { client in
            let asks: [(HTTPFields, String)] = [([:], "Máy chủ gặp sự cố khi xử lý yêu cầu"),
                                                ([.acceptLanguage: "en"], "Something went wrong on the server")]
            for (headers, expected) in asks {
                let r = try await client.execute(uri: "/boom", method: .get, headers: headers)
                let text = String(buffer: r.body)
                #expect(r.status == .internalServerError)
                let doc = object(r)
                #expect(doc["code"] as? String == "ServerError")
                #expect((doc["description"] as? String)?.hasPrefix(expected) == true, "\(text)")
                #expect(doc["request_id"] as? String == r.headers[HTTPField.Name("X-Request-Id")!])
                for leak in Self.leaks { #expect(!text.contains(leak), "shows '\(leak)': \(text)") }
            }
        }
    }
}
