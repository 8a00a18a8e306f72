import Foundation
import Testing
import PublicErrors
import GeoModel
import TestSupport
import GRDB
import GeoStore
@testable import Features

/// The `/items` query: parameters, paging, bbox, CRS, time limits.
@Suite(.serialized) struct ItemsQueryTests {
    let store: TestStore
    let communes: FeatureCollectionInfo
    let api: OGCFeaturesAPI

    init() throws {
        store = try TestStore()
        communes = try store.publish("communes", geoJSON: Fixture.communes)
        api = OGCFeaturesAPI(directory: StoreCollectionDirectory(store: store.store), queries: FeatureQueries(store: store.store))
    }

    func items(_ query: String) async throws -> [String: Any] {
        let r = try await api.items("communes", query: QueryString(query), base: "http://h/ogc", html: false)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }

    func error(_ query: String) async -> FeaturesError? {
        do { _ = try await api.items("communes", query: QueryString(query), base: "http://h/ogc", html: false); return nil }
        catch { return error }
    }

    @Test func bboxMatchesExactIntersection() async throws {
        let doc = try await items("bbox=107.55,16.42,107.65,16.50&limit=100")
        let features = try #require(doc["features"] as? [[String: Any]])
        let expected = try GEOS.ids(Fixture.communes, "intersects", "POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))")
        #expect(expected.count == 39)
        #expect(features.map { ($0["id"] as! NSNumber).int64Value } == expected)
        #expect(doc["numberMatched"] as? Int == expected.count)
        #expect(doc["numberReturned"] as? Int == expected.count)
    }

    @Test func pagingWithNextAndPrevLinks() async throws {
        let first = try await items("limit=50")
        #expect(first["numberMatched"] as? Int == 152)
        #expect(first["numberReturned"] as? Int == 50)
        let links = try #require(first["links"] as? [[String: Any]])
        let next = try #require(links.first { $0["rel"] as? String == "next" }?["href"] as? String)
        #expect(next.contains("offset=50") && next.hasPrefix("http://h/ogc/collections/communes/items?"))
        #expect(!links.contains { $0["rel"] as? String == "prev" })
        var seen: [Int64] = []
        var query = "limit=50"
        while true {
            let page = try await items(query)
            seen += (page["features"] as! [[String: Any]]).map { ($0["id"] as! NSNumber).int64Value }
            guard let n = (page["links"] as! [[String: Any]]).first(where: { $0["rel"] as? String == "next" })?["href"] as? String else { break }
            let hasPrev = (page["links"] as! [[String: Any]]).contains { $0["rel"] as? String == "prev" }
            #expect(hasPrev == (seen.count > 50))
            query = String(n.split(separator: "?", maxSplits: 1)[1])
        }
        #expect(seen == Array(1...152))
    }

    @Test func propertyEqualityFilter() async throws {
        let doc = try await items("district_vn=Huyện%20A%20Lưới")
        let expected = try store.fids("SELECT fid FROM \(communes.table.name) WHERE district_vn = 'Huyện A Lưới' ORDER BY fid")
        #expect((doc["features"] as! [[String: Any]]).map { ($0["id"] as! NSNumber).int64Value } == expected)
        #expect(!expected.isEmpty)
    }

    @Test func badInputIsRefusedWithTheParameterNamed() async throws {
        #expect(await error("bbox=1,2,3")?.parameter == "bbox")
        #expect(await error("bbox=107.6,16.5,107.5,16.4")?.parameter == "bbox")
        #expect(await error("limit=10001")?.message.description.contains("maximum of 10000") == true)
        #expect(await error("limit=0")?.parameter == "limit")
        #expect(await error("crs=EPSG:999999")?.parameter == "crs")
        let syntax = await error("filter=population%20%3E")
        #expect(syntax?.parameter == "filter" && syntax?.message.description.contains("character 13") == true)
        #expect(await error("foo=1")?.message.description.contains("Unknown parameter 'foo'") == true)
        #expect(await error("datetime=2024-01-01")?.message.description.contains("no date or time field") == true)
        let missing: FeaturesError?
        do { _ = try await api.items("nope", query: QueryString(nil), base: "", html: false); missing = nil } catch { missing = error }
        #expect(missing?.kind == .notFound)
    }

    @Test func crsParametersTransformAndAreAnnounced() async throws {
        let r84 = try await api.items("communes", query: QueryString("limit=1"), base: "", html: false)
        #expect(r84.contentCRS == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
        let r4326 = try await api.items("communes", query: QueryString("limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/4326"), base: "", html: false)
        #expect(r4326.contentCRS == "<http://www.opengis.net/def/crs/EPSG/0/4326>")
        func firstPosition(_ body: [UInt8]) throws -> [Double] {
            let doc = try JSONSerialization.jsonObject(with: Data(body)) as! [String: Any]
            let g = (doc["features"] as! [[String: Any]])[0]["geometry"] as! [String: Any]
            var c: Any = g["coordinates"]!
            while let a = c as? [Any], !(a.first is NSNumber) { c = a[0] }
            return (c as! [NSNumber]).map(\.doubleValue)
        }
        let lonLat = try firstPosition(r84.body), latLon = try firstPosition(r4326.body)
        #expect(lonLat == [latLon[1], latLon[0]])
        // EPSG:3857 against PROJ's own cs2cs, not our WebMercator.
        let merc = try firstPosition(try await api.items("communes", query: QueryString("limit=1&crs=EPSG:3857"), base: "", html: false).body)
        let proj = try Run.process("cs2cs", ["-f", "%.6f", "OGC:CRS84", "EPSG:3857"], stdin: Data("\(lonLat[0]) \(lonLat[1])\n".utf8))
        try #require(proj.succeeded, "cs2cs: \(proj.stderr)")
        let expected = proj.stdout.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).prefix(2).compactMap { Double($0) }
        try #require(expected.count == 2, "cs2cs answered \(proj.stdout)")
        #expect(abs(merc[0] - expected[0]) < 0.002 && abs(merc[1] - expected[1]) < 0.002, "\(merc) vs cs2cs \(expected)")
        #expect(merc[0] > 11_900_000 && merc[1] > 1_800_000, "metres, not degrees: \(merc)")
        // A bbox given in EPSG:4326 (lat, lon order) selects what the CRS84 box selects.
        let a = try await items("bbox=107.55,16.42,107.65,16.50&limit=100")
        let b = try await items("bbox=16.42,107.55,16.50,107.65&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326&limit=100")
        func ids(_ doc: [String: Any]) -> [Int] { (doc["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int } }
        #expect(a["numberMatched"] as? Int == 39 && ids(a).count == 39)
        #expect(ids(b) == ids(a))
    }

    @Test func singleFeatureAndQueryables() async throws {
        let r = try await api.item("communes", featureID: "7", query: QueryString(nil), base: "http://h/ogc", html: false)
        let f = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        #expect(f["id"] as? Int == 7 && f["type"] as? String == "Feature")
        #expect((f["links"] as? [[String: Any]])?.contains { $0["rel"] as? String == "collection" } == true)
        await #expect(throws: FeaturesError.self) { _ = try await api.item("communes", featureID: "9999", query: QueryString(nil), base: "", html: false) }
        let q = try await api.queryables("communes", base: "http://h/ogc", html: false)
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(q.body)) as? [String: Any])
        let props = try #require(schema["properties"] as? [String: Any])
        #expect((props["population"] as? [String: Any])?["type"] as? String == "integer")
        #expect((props["commune_vn"] as? [String: Any])?["type"] as? String == "string")
        #expect(props["geometry"] != nil)
    }

    @Test func aRunawayQueryIsStopped() async throws {
        // A cross join of the communes with themselves three times (3.5 million geometry
        // tests), under a time limit already over when it starts: SQLite's progress handler
        // interrupts it at its first call (after 10,000 steps), whatever the machine's speed.
        // No clock decides the outcome: a query this size cannot end within 10,000 steps.
        let slow = SQLiteFeatureQueries(reader: store.pool)
        let table = communes.table.name
        do {
            _ = try slow.run { db throws(FeaturesError) in
                try SQLiteFeatureQueries.withTimeLimit(db, seconds: 0) { () throws(FeaturesError) -> Int in
                    try SQLiteFeatureQueries.count(db, sql: "SELECT count(*) FROM \(table) a, \(table) b, \(table) c WHERE ST_Intersects(a.geom, b.geom) + c.fid > 0", arguments: [])
                }
            }
            Issue.record("the query should have been stopped")
        } catch {
            #expect(error.kind == .timeout)
        }
        // The connection is usable again afterwards.
        #expect(try await items("limit=1")["numberReturned"] as? Int == 1)
    }
}
