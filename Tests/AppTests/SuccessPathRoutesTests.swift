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

/// Issue 24: the success path of routes no test called — the CKAN root and POSTed actions,
/// the analysis routes by GET and POST, `/tileMatrixSets/{id}`, `/map.js` — through the real
/// router (`buildRouter`) over a store the real ingest filled from the Huế fixtures. Distances
/// are checked against PROJ's `geod` (Karney's geodesics) and containment against a ray-casting
/// count over the fixture's own coordinates, never against our own code.
@Suite struct SuccessPathRoutesTests {
    typealias Site = HueRouterSite

    static func object(_ r: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any], "not a JSON object: \(String(buffer: r.body))")
    }

    /// The fixture's features: properties and the [lon, lat] of a point, or the rings of a (multi)polygon.
    static func fixtureFeatures(_ file: String) throws -> [[String: Any]] {
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture(file))) as? [String: Any]
        let features = try #require(obj?["features"] as? [[String: Any]])
        try #require(features.count == 152)
        return features
    }

    static func point(_ feature: [String: Any]) -> (Double, Double) {
        let c = (feature["geometry"] as! [String: Any])["coordinates"] as! [Double]
        return (c[0], c[1])
    }

    static func communeID(_ properties: Any?) -> Int? {
        ((properties as? [String: Any])?["commune_id"] as? NSNumber)?.intValue
    }

    /// Geodesic metres on WGS 84 from (lon, lat) to each point, by PROJ's `geod -I` (proj-bin).
    static func geodesicMetres(from lon: Double, _ lat: Double, to points: [(Double, Double)]) throws -> [Double] {
        let input = points.map { "\(lat) \(lon) \($0.1) \($0.0)" }.joined(separator: "\n") + "\n"
        let r = try Run.process("geod", ["+ellps=WGS84", "-I", "+units=m", "-f", "%.6f"], stdin: Data(input.utf8))
        try #require(r.succeeded, "geod failed: \(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        try #require(lines.count == points.count, "geod answered \(lines.count) lines for \(points.count) points")
        return try lines.map { line in
            let cols = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return try #require(cols.last.flatMap { Double($0) }, "geod line '\(line)'")
        }
    }

    /// Even-odd ray casting over every ring of a Polygon or MultiPolygon (holes included).
    static func contains(_ geometry: [String: Any], _ p: (Double, Double)) -> Bool {
        let polygons: [[[[Double]]]]
        switch geometry["type"] as? String {
        case "Polygon": polygons = [geometry["coordinates"] as! [[[Double]]]]
        case "MultiPolygon": polygons = geometry["coordinates"] as! [[[[Double]]]]
        default: return false
        }
        var inside = false
        for ring in polygons.flatMap({ $0 }) {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let (xi, yi, xj, yj) = (ring[i][0], ring[i][1], ring[j][0], ring[j][1])
                if (yi > p.1) != (yj > p.1), p.0 < (xj - xi) * (p.1 - yi) / (yj - yi) + xi { inside.toggle() }
                j = i
            }
        }
        return inside
    }

    // MARK: CKAN

    @Test func ckanRootAnswersItsVersion() async throws {
        let site = try Site()
        try await site.app.test(.router) { c in
            let r = try await c.execute(uri: "/api/3", method: .get)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(try Self.object(r)["version"] as? Int == 3)
        }
    }

    /// ckanapi and CKAN harvesters POST their actions, as JSON or as a form.
    @Test func ckanActionsAnswerPostedJSONAndForms() async throws {
        let site = try Site()
        try await site.app.test(.router) { c in
            let list = try await c.execute(uri: "/api/3/action/package_list", method: .post,
                                           headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(list.status == .ok)
            let listed = try Self.object(list)
            #expect(listed["success"] as? Bool == true)
            #expect(listed["result"] as? [String] == ["diem-xa", "xa-hue"])

            let form = try await c.execute(uri: "/api/3/action/package_show", method: .post,
                                           headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "id=xa-hue"))
            #expect(form.status == .ok)
            let shown = try #require(try Self.object(form)["result"] as? [String: Any])
            #expect(shown["name"] as? String == "xa-hue")
            #expect(shown["title"] as? String == "Xã, phường Huế")

            let json = try await c.execute(uri: "/api/action/package_show", method: .post,
                                           headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"id":"diem-xa"}"#))
            #expect(json.status == .ok)
            #expect((try Self.object(json)["result"] as? [String: Any])?["title"] as? String == "Điểm xã Huế")

            let search = try await c.execute(uri: "/api/3/action/package_search", method: .post,
                                             headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"q":"Điểm"}"#))
            let found = try #require(try Self.object(search)["result"] as? [String: Any])
            #expect((found["results"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["diem-xa"])
        }
    }

    // MARK: analysis

    /// GET and POST within-distance: exactly the points PROJ's geodesic puts within the radius,
    /// each with its geodesic distance in metres.
    @Test func withinDistanceByGetAndPostMatchesGeodesicDistances() async throws {
        let site = try Site()
        let points = try Self.fixtureFeatures("features/hue_commune_points.geojson")
        let (lon, lat, radius) = (107.58, 16.46, 3000.0)
        let metres = try Self.geodesicMetres(from: lon, lat, to: points.map(Self.point))
        var expected: [Int: Double] = [:]
        for (f, m) in zip(points, metres) where m <= radius { expected[try #require(Self.communeID(f["properties"]))] = m }
        try #require(expected.count >= 3 && expected.count < points.count, "the radius should hold some points, not all: \(expected.count)")
        let within = expected

        try await site.app.test(.router) { c in
            let get = try await c.execute(uri: "/api/analysis/within-distance?dataset=diem-xa&lon=\(lon)&lat=\(lat)&distance=\(Int(radius))", method: .get)
            let post = try await c.execute(uri: "/api/analysis/within-distance", method: .post, headers: [.contentType: "application/json"],
                                           body: ByteBuffer(string: #"{"dataset":"diem-xa","geometry":{"type":"Point","coordinates":[\#(lon),\#(lat)]},"distance":\#(radius)}"#))
            for (how, r) in [("GET", get), ("POST", post)] {
                #expect(r.status == .ok, "\(how): \(String(buffer: r.body))")
                let results = try #require(try Self.object(r)["results"] as? [[String: Any]], "\(how)")
                var got: [Int: Double] = [:]
                for m in results { got[try #require(Self.communeID(m["properties"]))] = (m["distance_m"] as? NSNumber)?.doubleValue }
                #expect(Set(got.keys) == Set(within.keys), "\(how): ids differ from geod's")
                for (id, m) in within {
                    let d = try #require(got[id], "\(how): \(id) missing")
                    #expect(abs(d - m) < 0.01, "\(how): commune \(id) at \(d) m, geod says \(m) m")
                }
                let distances = results.compactMap { ($0["distance_m"] as? NSNumber)?.doubleValue }
                #expect(distances == distances.sorted(), "\(how): not nearest first")
            }
        }
    }

    /// POST and GET nearest: the k points geod finds nearest, in its order, with its distances.
    @Test func nearestByGetAndPostMatchesGeodesicOrder() async throws {
        let site = try Site()
        let points = try Self.fixtureFeatures("features/hue_commune_points.geojson")
        let (lon, lat, k) = (107.6, 16.45, 5)
        let metres = try Self.geodesicMetres(from: lon, lat, to: points.map(Self.point))
        let ranked = try zip(points, metres).map { (try #require(Self.communeID($0.0["properties"])), $0.1) }.sorted { $0.1 < $1.1 }
        try #require(ranked[k].1 - ranked[k - 1].1 > 1, "the k-th and next neighbours should not tie")

        try await site.app.test(.router) { c in
            let post = try await c.execute(uri: "/api/analysis/nearest", method: .post, headers: [.contentType: "application/json"],
                                           body: ByteBuffer(string: #"{"dataset":"diem-xa","lon":\#(lon),"lat":\#(lat),"k":\#(k)}"#))
            let get = try await c.execute(uri: "/api/analysis/nearest?dataset=diem-xa&lon=\(lon)&lat=\(lat)&k=\(k)", method: .get)
            for (how, r) in [("POST", post), ("GET", get)] {
                #expect(r.status == .ok, "\(how): \(String(buffer: r.body))")
                let results = try #require(try Self.object(r)["results"] as? [[String: Any]], "\(how)")
                try #require(results.count == k, "\(how)")
                for (i, m) in results.enumerated() {
                    #expect(Self.communeID(m["properties"]) == ranked[i].0, "\(how): neighbour \(i + 1)")
                    let d = try #require((m["distance_m"] as? NSNumber)?.doubleValue)
                    #expect(abs(d - ranked[i].1) < 0.01, "\(how): neighbour \(i + 1) at \(d) m, geod says \(ranked[i].1) m")
                }
            }
        }
    }

    /// POST and GET aggregate: per commune polygon, the number of commune points inside it, as an even-odd
    /// count over the fixture's rings finds; every polygon listed, the empty ones with 0.
    @Test func aggregateByGetAndPostCountsWhatRayCastingCounts() async throws {
        let site = try Site()
        let areas = try Self.fixtureFeatures("features/hue_communes.geojson")
        let points = try Self.fixtureFeatures("features/hue_commune_points.geojson").map(Self.point)
        var expected: [Int: Int] = [:]
        var population: [Int: Double] = [:]
        let pointFeatures = try Self.fixtureFeatures("features/hue_commune_points.geojson")
        for a in areas {
            let id = try #require(Self.communeID(a["properties"]))
            let geometry = try #require(a["geometry"] as? [String: Any])
            let inside = points.indices.filter { Self.contains(geometry, points[$0]) }
            expected[id] = inside.count
            population[id] = inside.reduce(0.0) { $0 + (((pointFeatures[$1]["properties"] as? [String: Any])?["population"] as? NSNumber)?.doubleValue ?? 0) }
        }
        try #require(expected.values.reduce(0, +) > 100, "the fixture's points should mostly lie in their communes")
        let (counts, sums, areaCount) = (expected, population, areas.count)

        try await site.app.test(.router) { c in
            let post = try await c.execute(uri: "/api/analysis/aggregate", method: .post, headers: [.contentType: "application/json"],
                                           body: ByteBuffer(string: #"{"dataset":"diem-xa","areas":"xa-hue","field":"population"}"#))
            let get = try await c.execute(uri: "/api/analysis/aggregate?dataset=diem-xa&areas=xa-hue&field=population", method: .get)
            for (how, r) in [("POST", post), ("GET", get)] {
                #expect(r.status == .ok, "\(how): \(String(buffer: r.body))")
                let features = try #require(try Self.object(r)["features"] as? [[String: Any]], "\(how)")
                #expect(features.count == areaCount, "\(how)")
                var got: [Int: Int] = [:]
                for f in features {
                    let p = try #require(f["properties"] as? [String: Any])
                    let id = try #require(Self.communeID(p))
                    got[id] = (p["count"] as? NSNumber)?.intValue
                    if let want = sums[id], want > 0 {
                        #expect(abs(((p["sum_population"] as? NSNumber)?.doubleValue ?? -1) - want) < 0.001, "\(how): population in \(id)")
                    }
                }
                #expect(got == counts, "\(how): counts per commune differ from ray casting")
            }
        }
    }

    // MARK: OGC API - Features

    /// One feature by id, and the queryables: what the fixture holds for that feature and its fields.
    @Test func oneFeatureAndTheQueryablesMatchTheFixture() async throws {
        let site = try Site()
        let communes = try Self.fixtureFeatures("features/hue_communes.geojson")
        let fifth = communes[4]
        let fifthProperties = try #require(fifth["properties"] as? [String: Any])
        let (name, id) = (try #require(fifthProperties["commune_vn"] as? String), try #require(Self.communeID(fifthProperties)))
        let firstVertex = try #require(Self.firstPosition((fifth["geometry"] as? [String: Any])?["coordinates"]))
        let fieldNames = Set(fifthProperties.keys)
        try await site.app.test(.router) { c in
            let r = try await c.execute(uri: "/ogc/collections/xa-hue/items/5", method: .get)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/geo+json") == true)
            let f = try Self.object(r)
            #expect(f["type"] as? String == "Feature")
            #expect((f["id"] as? NSNumber)?.intValue == 5)
            let p = try #require(f["properties"] as? [String: Any])
            #expect(p["commune_vn"] as? String == name)
            #expect(Self.communeID(p) == id)
            let vertex = try #require(Self.firstPosition((f["geometry"] as? [String: Any])?["coordinates"]))
            #expect(abs(vertex[0] - firstVertex[0]) < 1e-7 && abs(vertex[1] - firstVertex[1]) < 1e-7, "\(vertex) vs \(firstVertex)")
            #expect(try await c.execute(uri: "/ogc/collections/xa-hue/items/153", method: .get).status == .notFound)

            let q = try await c.execute(uri: "/ogc/collections/xa-hue/queryables", method: .get)
            #expect(q.status == .ok)
            let queryables = try #require(try Self.object(q)["properties"] as? [String: Any])
            #expect(fieldNames.isSubset(of: Set(queryables.keys)), "missing: \(fieldNames.subtracting(queryables.keys))")
        }
    }

    static func firstPosition(_ coordinates: Any?) -> [Double]? {
        if let pair = coordinates as? [Double] { return pair }
        return (coordinates as? [Any])?.first.flatMap { firstPosition($0) }
    }

    // MARK: downloads

    /// HEAD of a download: the headers a GET would carry (length, checksum ETag, type), no body.
    @Test func headOfADownloadDescribesTheFileWithoutIt() async throws {
        let site = try Site()
        try await site.app.test(.router) { c in
            let get = try await c.execute(uri: "/downloads/xa-hue/latest.geojson", method: .get)
            #expect(get.status == .ok)
            let head = try await c.execute(uri: "/downloads/xa-hue/latest.geojson", method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentLength] == String(get.body.readableBytes))
            #expect(head.headers[.eTag] != nil)
            #expect(head.headers[.eTag] == get.headers[.eTag])
            #expect(head.headers[.contentType] == get.headers[.contentType])
            // The ETag is the file's SHA-256, as the .sha256 file next to it says.
            let sum = try await c.execute(uri: "/downloads/xa-hue/latest.geojson.sha256", method: .get)
            let digest = String(buffer: sum.body).split(separator: " ").first.map(String.init) ?? ""
            let reference = try Run.process("sha256sum", [], stdin: Data(get.body.readableBytesView)).stdout.prefix(64)
            #expect(digest.count == 64 && digest == String(reference))
            #expect(head.headers[.eTag] == "\"\(digest.prefix(32))\"")
        }
    }

    // MARK: tiles and the map

    /// OGC API - Tiles: every matrix set the list names answers; any other id is a 404 naming it.
    @Test func tileMatrixSetsBeyondWebMercatorQuad() async throws {
        let site = try Site()
        try await site.app.test(.router) { c in
            let list = try await c.execute(uri: "/tileMatrixSets", method: .get)
            let sets = try #require(try Self.object(list)["tileMatrixSets"] as? [[String: Any]])
            let ids = sets.compactMap { $0["id"] as? String }
            #expect(ids == ["WebMercatorQuad"])
            for id in ids {
                let r = try await c.execute(uri: "/tileMatrixSets/\(id)", method: .get)
                #expect(r.status == .ok)
                #expect(try Self.object(r)["id"] as? String == id)
            }
            for other in ["WorldCRS84Quad", "VN2000Quad"] {
                let r = try await c.execute(uri: "/tileMatrixSets/\(other)?lang=en", method: .get)
                #expect(r.status == .notFound)
                let doc = try Self.object(r)
                #expect(doc["code"] as? String == "NotFound")
                #expect((doc["description"] as? String)?.contains(other) == true, "\(doc)")
            }
        }
    }

    /// The map page's script: served as JavaScript, and the page loads it from there.
    /// `/map` in the reader's language, its script and stylesheet: the words the script shows
    /// come from the page (data attributes), so a Vietnamese page has no English in it.
    @Test func mapScriptIsServedAndThePageLoadsIt() async throws {
        let site = try Site()
        try await site.app.test(.router) { c in
            let page = try await c.execute(uri: "/map", method: .get)
            let html = String(buffer: page.body)
            #expect(html.contains(#"<script src="/map.js"></script>"#))
            #expect(html.contains(#"<link rel="stylesheet" href="/web/map.css">"#))
            #expect(html.contains(#"<html lang="vi">"#))
            #expect(html.contains("Lớp dữ liệu"))
            #expect(html.contains("data-msg-start=\"Không mở được bản đồ:\""))
            let english = String(buffer: try await c.execute(uri: "/map?lang=en", method: .get).body)
            #expect(english.contains(#"<html lang="en">"#))
            #expect(english.contains("Data layers"))
            #expect(!english.contains("Lớp dữ liệu"))
            let script = try await c.execute(uri: "/map.js", method: .get)
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            let text = String(buffer: script.body)
            #expect(text.hasPrefix(#""use strict";"#))
            #expect(text.contains("maplibregl.Map"))
            #expect(text.contains("words.msgStart"))
            let css = try await c.execute(uri: "/web/map.css", method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(String(buffer: css.body).contains("#panel"))
        }
    }
}

/// A store with the Huế communes (`xa-hue`, 152 polygons) and their points (`diem-xa`, 152
/// points), filled by the real ingest, and the real router over it (tile cache off).
final class HueRouterSite: @unchecked Sendable {
    let scratch: ScratchDirectory
    let store: Store
    let router: Router<BandoRequestContext>
    init(_ name: String = "hue-routes") throws {
        scratch = ScratchDirectory(name)
        store = try Store(path: scratch.path("s.sqlite"))
        for (file, slug, title) in [("features/hue_communes.geojson", "xa-hue", "Xã, phường Huế"),
                                    ("features/hue_commune_points.geojson", "diem-xa", "Điểm xã Huế")] {
            _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture(file).path, metadata: DatasetMetadata(slug: slug, title: title)), into: store)
        }
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0, checkInterval: .zero))
        router = buildRouter(store: store, tiles: tiles, uploadDirectory: scratch.url)
    }
    var app: some ApplicationProtocol { Application(router: router) }
}
