import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import Ingest
import Tiles
@testable import App

/// Issue 22, the HTTP edge and OGC API for real clients, through the real router over a store
/// the real ingest filled from the Huế fixtures: CORS (errors too, never on the portal),
/// preflights, HEAD on GET routes, gzip, reals with their decimal point, CASEI/ACCENTI with
/// Vietnamese letters, `cql-text`, `sortby`, `properties`, the schema and the tilesets links.
/// Expected values come from the fixture files, never from our own code.
@Suite struct OpenWebTests {
    typealias Site = HueRouterSite

    /// One URI of each class of public route, with the status it answers.
    static let publicGETs: [(String, HTTPResponse.Status)] = [
        ("/ogc", .ok), ("/ogc/api", .ok), ("/ogc/collections/xa-hue", .ok), ("/ogc/collections/xa-hue/items?limit=5", .ok),
        ("/ogc/collections/xa-hue/items/1", .ok), ("/ogc/collections/xa-hue/queryables", .ok),
        ("/api/datasets", .ok), ("/api/catalog", .ok), ("/catalog.jsonld", .ok), ("/api/3/action/package_list", .ok),
        ("/downloads/xa-hue/latest.geojson", .ok), ("/api/datasets/xa-hue/downloads", .ok),
        ("/api/analysis/point-in-area?dataset=xa-hue&lon=107.58&lat=16.48", .ok),
        ("/tiles/xa-hue.json", .ok), ("/tiles/xa-hue/12/3272/1857.mvt", .ok), ("/collections/xa-hue/tiles", .ok),
        ("/", .ok), ("/datasets", .ok), ("/map", .ok), ("/styles/default.json", .ok),
        // Errors, which a page on another site must be able to read too.
        ("/ogc/collections/khong-co/items", .notFound), ("/ogc/collections/xa-hue/items?filter=population%20%3E", .badRequest),
        ("/khong-co-trang-nay", .notFound),
    ]

    static func fold(_ s: String) -> String {
        s.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
    }

    static func fixtureProperties(_ file: String) throws -> [[String: Any]] {
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture(file))) as? [String: Any]
        return try #require(obj?["features"] as? [[String: Any]]).map { $0["properties"] as! [String: Any] }
    }

    static func object(_ r: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any], "not JSON: \(String(buffer: r.body).prefix(200))")
    }

    static func communeIDs(_ r: TestResponse) throws -> Set<Int> {
        let features = try #require(try object(r)["features"] as? [[String: Any]])
        return Set(features.map { (($0["properties"] as! [String: Any])["commune_id"] as! NSNumber).intValue })
    }

    // MARK: CORS

    @Test func everyPublicAnswerAndItsErrorsAllowOtherOrigins() async throws {
        let site = try Site()
        try await site.app.test(.router) { client in
            for (uri, status) in Self.publicGETs {
                try await client.execute(uri: uri, method: .get, headers: [.origin: "http://ban-do.example"]) { r in
                    #expect(r.status == status, "\(uri)")
                    #expect(r.headers[.accessControlAllowOrigin] == "*", "\(uri): no Access-Control-Allow-Origin")
                }
            }
            // A POST API, and its error.
            try await client.execute(uri: "/api/analysis/point-in-area?dataset=xa-hue", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"points": [[107.58, 16.48]]}"#)) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.accessControlAllowOrigin] == "*")
            }
            try await client.execute(uri: "/api/analysis/point-in-area?dataset=xa-hue", method: .post, body: ByteBuffer(string: "not json")) { r in
                #expect(r.status == .badRequest)
                #expect(r.headers[.accessControlAllowOrigin] == "*")
                #expect(r.headers[.accessControlExposeHeaders]?.contains("X-Request-Id") == true)
            }
        }
    }

    @Test func thePortalsCookieRoutesNeverAllowOtherOrigins() async throws {
        let site = try Site()
        try await site.app.test(.router) { client in
            for uri in ["/api/portal/me", "/api/portal/datasets/xa-hue/versions"] {
                try await client.execute(uri: uri, method: .get, headers: [.origin: "http://ban-do.example"]) { r in
                    #expect(r.status == .unauthorized, "\(uri)")
                    #expect(r.headers[.accessControlAllowOrigin] == nil, "\(uri)")
                }
            }
            try await client.execute(uri: "/api/portal/login", method: .options,
                                     headers: [.origin: "http://ban-do.example", .accessControlRequestMethod: "POST"]) { r in
                #expect(r.status == .notFound)
                #expect(r.headers[.accessControlAllowOrigin] == nil)
                #expect(r.headers[.accessControlAllowMethods] == nil)
            }
            // A public route asked with the session cookie: no CORS either.
            try await client.execute(uri: "/api/datasets", method: .get, headers: [.origin: "http://ban-do.example", .cookie: "lang=vi; bando_session=abc"]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func preflightsAllowThePublicPostAPIs() async throws {
        let site = try Site()
        try await site.app.test(.router) { client in
            for uri in ["/api/analysis/point-in-area", "/api/analysis/aggregate", "/api/3/action/package_search"] {
                try await client.execute(uri: uri, method: .options, headers: [
                    .origin: "http://ban-do.example", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type"]) { r in
                    #expect(r.status == .noContent, "\(uri)")
                    #expect(r.headers[.accessControlAllowOrigin] == "*", "\(uri)")
                    #expect(r.headers[.accessControlAllowMethods]?.contains("POST") == true, "\(uri)")
                    #expect(r.headers[.accessControlAllowHeaders]?.lowercased() == "content-type", "\(uri)")
                }
            }
            try await client.execute(uri: "/ogc/collections/xa-hue/items", method: .options, headers: [
                .origin: "http://ban-do.example", .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "accept-language"]) { r in
                #expect(r.status == .noContent)
                #expect(r.headers[.accessControlAllowMethods]?.contains("POST") == false)
                #expect(r.headers[.accessControlAllowMethods]?.contains("GET") == true)
            }
        }
    }

    // MARK: HEAD

    @Test func headAnswersEveryGETRouteWithItsHeadersAndNoBody() async throws {
        let site = try Site()
        try await site.app.test(.router) { client in
            for (uri, status) in Self.publicGETs {
                let get = try await client.execute(uri: uri, method: .get) { $0 }
                let head = try await client.execute(uri: uri, method: .head) { $0 }
                #expect(head.status == status, "HEAD \(uri)")
                #expect(head.status == get.status, "HEAD \(uri)")
                #expect(head.body.readableBytes == 0, "HEAD \(uri) sent a body")
                #expect(head.headers[.contentType] == get.headers[.contentType], "HEAD \(uri)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "HEAD \(uri): Content-Length \(head.headers[.contentLength] ?? "none"), GET sent \(get.body.readableBytes)")
            }
        }
    }

    // MARK: gzip

    @Test func jsonGeoJSONAndHTMLAreGzippedWhenAsked() async throws {
        let site = try Site()
        try await site.app.test(.router) { client in
            for uri in ["/ogc/collections/xa-hue/items?limit=20", "/api/datasets", "/catalog.jsonld", "/ogc/api", "/", "/datasets/xa-hue",
                        "/api/analysis/point-in-area?dataset=xa-hue&lon=107.58&lat=16.48"] {
                let plain = try await client.execute(uri: uri, method: .get) { $0 }
                #expect(plain.headers[.contentEncoding] == nil, "\(uri)")
                #expect(plain.headers[values: .vary].joined(separator: ",").contains("Accept-Encoding"), "\(uri)")
                try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip, deflate, br"]) { r in
                    #expect(r.status == .ok, "\(uri)")
                    #expect(r.headers[.contentEncoding] == "gzip", "\(uri) not gzipped")
                    #expect(r.headers[.contentLength] == String(r.body.readableBytes), "\(uri)")
                    let inflated = try Gzip.decompress(Array(r.body.readableBytesView))
                    #expect(inflated.count == plain.body.readableBytes, "\(uri)")
                    #expect(r.body.readableBytes < plain.body.readableBytes, "\(uri)")
                }
                // q=0 refuses gzip.
                try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip;q=0"]) { r in
                    #expect(r.headers[.contentEncoding] == nil, "\(uri)")
                }
            }
            // A tile keeps its own encoding (already gzipped), and a download its own (ETag, ranges).
            try await client.execute(uri: "/tiles/xa-hue/12/3272/1857.mvt", method: .get, headers: [.acceptEncoding: "gzip"]) { r in
                let bytes = Array(r.body.readableBytesView)
                #expect(r.headers[.contentEncoding] == "gzip")
                let inner = try Gzip.decompress(bytes)
                #expect(Gzip.isGzip(bytes) && !Gzip.isGzip(inner), "a tile was gzipped twice")
            }
        }
    }

    // MARK: Field types

    @Test func realFieldsKeepTheirDecimalPointOnEveryJSONPath() async throws {
        let site = try Site()
        try await site.app.test(.router) { client in
            // population is a real field (7657.0 for the fixture's first commune) whose values are whole.
            func reals(_ text: String) -> (whole: Int, withPoint: Int) {
                (text.matches(of: /"population":[0-9]+[,}]/).count, text.matches(of: /"population":[0-9]+\.0[,}]/).count)
            }
            try await client.execute(uri: "/ogc/collections/xa-hue/items?limit=30", method: .get) { r in
                let n = reals(String(buffer: r.body))
                #expect(n.whole == 0 && n.withPoint == 30, "\(String(buffer: r.body).prefix(300))")
            }
            try await client.execute(uri: "/ogc/collections/xa-hue/items/1", method: .get) { r in
                #expect(String(buffer: r.body).contains(#""population":7657.0"#))
            }
            try await client.execute(uri: "/api/analysis/point-in-area?dataset=xa-hue&lon=107.58&lat=16.48", method: .get) { r in
                let n = reals(String(buffer: r.body))
                #expect(n.whole == 0 && n.withPoint == 1, "\(String(buffer: r.body).prefix(300))")
            }
            try await client.execute(uri: "/api/analysis/aggregate?dataset=diem-xa&areas=xa-hue&field=population", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains(#""sum_population":9939.0"#), "\(String(buffer: r.body).prefix(400))")
            }
        }
    }

    @Test func eachCollectionPublishesItsSchemaAndTilesets() async throws {
        let site = try Site()
        try await site.app.test(.router) { client in
            let collection = try await client.execute(uri: "/ogc/collections/xa-hue", method: .get) { try Self.object($0) }
            let links = try #require(collection["links"] as? [[String: String]])
            let schema = try #require(links.first { $0["rel"] == "describedby" })
            #expect(schema["type"] == "application/schema+json")
            let tilesets = try #require(links.first { $0["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector" })
            let path = try #require(tilesets["href"].flatMap { URL(string: $0)?.path })
            try await client.execute(uri: path, method: .get) { r in #expect(r.status == .ok, "\(path)") }
            try await client.execute(uri: "/ogc/collections/xa-hue/schema", method: .get) { r in
                #expect(r.headers[.contentType] == "application/schema+json")
                let doc = try Self.object(r)
                let props = try #require(((doc["properties"] as? [String: Any])?["properties"] as? [String: Any])?["properties"] as? [String: [String: Any]])
                #expect(props["population"]?["type"] as? String == "number")
                #expect(props["commune_vn"]?["type"] as? String == "string")
                #expect(Set(props.keys) == Set(try Self.fixtureProperties("features/hue_communes.geojson")[0].keys))
            }
            let conformance = try await client.execute(uri: "/ogc/conformance", method: .get) { try Self.object($0)["conformsTo"] as! [String] }
            #expect(conformance.contains("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core"))
            #expect(conformance.contains("http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison"))
            let landing = try await client.execute(uri: "/ogc", method: .get) { try Self.object($0)["links"] as! [[String: String]] }
            #expect(landing.contains { $0["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes" })
        }
    }

    // MARK: Filters

    @Test func caseAndAccentInsensitiveFiltersFindTheBinhCommunes() async throws {
        let site = try Site()
        let fixture = try Self.fixtureProperties("features/hue_communes.geojson")
        let binh = Set(fixture.filter { Self.fold($0["commune_vn"] as! String).contains("binh") }.map { ($0["commune_id"] as! NSNumber).intValue })
        let dien = Set(fixture.filter { Self.fold($0["district_vn"] as! String) == "huyen phong dien" }.map { ($0["commune_id"] as! NSNumber).intValue })
        try #require(binh.count >= 4 && !dien.isEmpty)
        @Sendable func items(_ filter: String, lang: String = "cql2-text") -> String {
            "/ogc/collections/xa-hue/items?limit=500&filter-lang=\(lang)&filter=" + filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        }
        try await site.app.test(.router) { client in
            // Plain LIKE is exact: 'binh' is not 'Bình'.
            try await client.execute(uri: items("commune_vn LIKE '%binh%'"), method: .get) { r in let ids = try Self.communeIDs(r)
                #expect(ids.isEmpty) }
            for filter in ["ACCENTI(CASEI(commune_vn)) LIKE '%binh%'", "CASEI(ACCENTI(commune_vn)) LIKE CASEI(ACCENTI('%BÌNH%'))",
                           "accenti(casei(commune_vn)) like casei('%Binh%')"] {
                try await client.execute(uri: items(filter), method: .get) { r in
                    #expect(r.status == .ok, "\(filter): \(String(buffer: r.body).prefix(300))")
                    let ids = try Self.communeIDs(r)
                #expect(ids == binh, "\(filter)")
                }
            }
            // đ/Đ: "Điền" folds to "dien".
            try await client.execute(uri: items("ACCENTI(CASEI(district_vn)) = 'huyen phong dien'"), method: .get) { r in
                let ids = try Self.communeIDs(r)
                #expect(ids == dien)
            }
            try await client.execute(uri: items("CASEI(district_vn) = CASEI('HUYỆN PHONG ĐIỀN')"), method: .get) { r in
                let ids = try Self.communeIDs(r)
                #expect(ids == dien)
            }
            let json = #"{"op": "like", "args": [{"op": "accenti", "args": [{"op": "casei", "args": [{"property": "commune_vn"}]}]}, "%binh%"]}"#
            try await client.execute(uri: items(json, lang: "cql2-json"), method: .get) { r in
                let ids = try Self.communeIDs(r)
                #expect(ids == binh)
            }
            // CASEI of a number is refused with a message, not a server error.
            try await client.execute(uri: items("CASEI(population) = 'x'"), method: .get) { r in #expect(r.status == .badRequest) }
        }
    }

    @Test func cqlTextIsTheLegacyNameOfCQL2Text() async throws {
        let site = try Site()
        let fixture = try Self.fixtureProperties("features/hue_communes.geojson")
        let big = Set(fixture.filter { ($0["population"] as! NSNumber).doubleValue > 12000 }.map { ($0["commune_id"] as! NSNumber).intValue })
        try #require(!big.isEmpty)
        let xaBinh = Set(fixture.filter { ($0["commune_vn"] as! String).lowercased().hasPrefix("xã bình") }.map { ($0["commune_id"] as! NSNumber).intValue })
        try await site.app.test(.router) { client in
            try await client.execute(uri: "/ogc/collections/xa-hue/items?limit=500&filter-lang=cql-text&filter=population%20%3E%2012000", method: .get) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body).prefix(300))")
                let ids = try Self.communeIDs(r)
                #expect(ids == big)
            }
            // GDAL 3.6 sends ILIKE in cql-text.
            try await client.execute(uri: "/ogc/collections/xa-hue/items?limit=500&filter-lang=cql-text&filter=commune_vn%20ILIKE%20%27x%C3%A3%20b%C3%ACnh%25%27", method: .get) { r in
                #expect(!xaBinh.isEmpty)
                let ids = try Self.communeIDs(r)
                #expect(ids == xaBinh)
            }
            let api = try await client.execute(uri: "/ogc/api", method: .get) { try Self.object($0) }
            let params = try #require(((((api["paths"] as? [String: Any])?["/collections/xa-hue/items"] as? [String: Any])?["get"] as? [String: Any])?["parameters"] as? [[String: Any]]))
            let lang = try #require(params.first { $0["name"] as? String == "filter-lang" })
            #expect(((lang["schema"] as? [String: Any])?["enum"] as? [String])?.contains("cql-text") == true)
        }
    }

    @Test func sortbyAndPropertiesShapeThePage() async throws {
        let site = try Site()
        let fixture = try Self.fixtureProperties("features/hue_communes.geojson")
        let byPopulation = fixture.map { ($0["population"] as! NSNumber).doubleValue }.sorted(by: >)
        let names = fixture.map { $0["commune_vn"] as! String }
        try await site.app.test(.router) { client in
            try await client.execute(uri: "/ogc/collections/xa-hue/items?limit=500&sortby=-population&properties=commune_vn,population", method: .get) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body).prefix(300))")
                let features = try #require(try Self.object(r)["features"] as? [[String: Any]])
                let props = features.map { $0["properties"] as! [String: Any] }
                #expect(props.map { ($0["population"] as! NSNumber).doubleValue } == byPopulation)
                #expect(props.allSatisfy { Set($0.keys) == ["commune_vn", "population"] })
            }
            // Ascending by name, paged: the pages join up into the sorted list.
            var seen: [String] = []
            for offset in stride(from: 0, to: names.count, by: 50) {
                try await client.execute(uri: "/ogc/collections/xa-hue/items?limit=50&offset=\(offset)&sortby=%2Bcommune_vn,id&properties=commune_vn", method: .get) { r in
                    let features = try #require(try Self.object(r)["features"] as? [[String: Any]])
                    seen += features.map { ($0["properties"] as! [String: Any])["commune_vn"] as! String }
                }
            }
            #expect(seen.count == names.count)
            #expect(Set(seen) == Set(names))
            #expect(zip(seen, seen.dropFirst()).allSatisfy { !$1.utf8.lexicographicallyPrecedes($0.utf8) }, "not in order")
            try await client.execute(uri: "/ogc/collections/xa-hue/items?sortby=khong_co", method: .get) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/ogc/collections/xa-hue/items?properties=khong_co", method: .get) { r in #expect(r.status == .badRequest) }
        }
    }
}
