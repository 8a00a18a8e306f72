import Foundation
import Testing
import PublicErrors
import GeoModel
import TestSupport
import GRDB
@testable import Features

/// Each CQL2 operator run against SpatiaLite through `FeatureQueries`, compared with answers
/// computed another way: OGR SQL on the fixture file (attributes) or brute-force SpatiaLite
/// predicates without the index (spatial).
@Suite(.serialized) struct FilterQueryTests {
    let store: TestStore
    let communes: FeatureCollectionInfo
    let queries: FeatureQueries

    init() throws {
        store = try TestStore()
        communes = try store.publish("communes", geoJSON: Fixture.communes)
        queries = FeatureQueries(reader: store.pool)
    }

    func ids(_ filter: String, lang: String = "text") async throws -> [Int64] {
        let expr = lang == "text" ? try CQL2Text.parse(filter) : try CQL2JSON.parse(filter)
        let page = try await queries.items(communes, ItemsQuery(filter: expr, limit: 10_000))
        let arr = try #require(try JSONSerialization.jsonObject(with: Data(page.featuresJSON)) as? [[String: Any]])
        #expect(page.numberReturned == arr.count)
        return arr.map { ($0["id"] as! NSNumber).int64Value }
    }

    /// The 1-based positions of the fixture's features that OGR's own SQL selects.
    func ogrIDs(_ whereClause: String) throws -> [Int64] {
        let r = try Run.process("ogr2ogr", ["-f", "CSV", "/vsistdout/", Fixture.communes.path, "-dialect", "SQLite",
                                            "-sql", "SELECT rowid FROM communes WHERE \(whereClause) ORDER BY rowid"])
        #expect(r.succeeded, "\(r.stderr)")
        // OGR's SQLite dialect numbers GeoJSON features from 0.
        return r.stdout.split(separator: "\n").dropFirst().compactMap { Int64($0.trimmingCharacters(in: CharacterSet(charactersIn: "\",\r\n "))) }.map { $0 + 1 }
    }

    @Test func equalityAndOrdering() async throws {
        let one = try await ids("commune_vn = 'Phường Phú Hội'")
        #expect(one.count == 1)
        #expect(try await ids("population > 15000") == ogrIDs("population > 15000"))
        #expect(try await ids("population <= 3000 AND district_vn = 'Huyện A Lưới'") == ogrIDs("population <= 3000 AND district_vn = 'Huyện A Lưới'"))
        #expect(try await ids("district_vn <> 'Thành phố Huế'") == ogrIDs("district_vn <> 'Thành phố Huế'"))
        #expect(try await ids("NOT (population >= 5000 OR area < 10)") == ogrIDs("NOT (population >= 5000 OR area < 10)"))
    }

    @Test func likeIsCaseSensitiveWithCQL2Wildcards() async throws {
        let phu = try await ids("commune_vn LIKE 'Xã Phú%'")
        #expect(!phu.isEmpty)
        #expect(try phu == ogrIDs("commune_vn GLOB 'Xã Phú*'"))
        #expect(try await ids("commune_vn LIKE 'xã phú%'").isEmpty)
        #expect(try await ids("commune_vn LIKE 'Xã H_ơng%'") == ogrIDs("commune_vn GLOB 'Xã H?ơng*'"))
    }

    @Test func betweenInAndNull() async throws {
        #expect(try await ids("population BETWEEN 4000 AND 6000") == ogrIDs("population BETWEEN 4000 AND 6000"))
        #expect(try await ids("population NOT BETWEEN 4000 AND 6000") == ogrIDs("population NOT BETWEEN 4000 AND 6000"))
        #expect(try await ids("district_vn IN ('Huyện Nam Đông', 'Huyện A Lưới')") == ogrIDs("district_vn IN ('Huyện Nam Đông', 'Huyện A Lưới')"))
        #expect(try await ids("commune_vn IS NULL") == ogrIDs("commune_vn IS NULL"))
        #expect(try await ids("commune_vn IS NOT NULL").count == 152)
    }

    @Test func jsonEncodingGivesTheSameRows() async throws {
        let text = try await ids("population > 8000 AND district_vn = 'Thị xã Hương Thủy'")
        let json = try await ids(#"{"op":"and","args":[{"op":">","args":[{"property":"population"},8000]},{"op":"=","args":[{"property":"district_vn"},"Thị xã Hương Thủy"]}]}"#, lang: "json")
        #expect(!text.isEmpty && text == json)
    }

    /// Spatial answers through the R*Tree equal brute force over every row.
    @Test(arguments: [
        ("S_INTERSECTS", "POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))"),
        ("S_INTERSECTS", "POINT(107.5900 16.4600)"),
        ("S_INTERSECTS", "LINESTRING(107.3 16.2, 107.8 16.6)"),
        ("S_WITHIN", "POLYGON((107.45 16.35, 107.75 16.35, 107.75 16.60, 107.45 16.60, 107.45 16.35))"),
        ("S_CONTAINS", "POINT(107.5900 16.4600)"),
        ("S_DISJOINT", "POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))"),
        ("S_TOUCHES", "POINT(107.5900 16.4600)"),
        ("S_CROSSES", "LINESTRING(107.3 16.2, 107.8 16.6)"),
        ("S_OVERLAPS", "POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))"),
        ("S_EQUALS", "POINT(107.5900 16.4600)"),
    ])
    func spatialOperators(op: String, wkt: String) async throws {
        let got = try await ids("\(op)(geometry, \(wkt))")
        let fn = ["S_INTERSECTS": "ST_Intersects", "S_WITHIN": "ST_Within", "S_CONTAINS": "ST_Contains", "S_DISJOINT": "ST_Disjoint", "S_TOUCHES": "ST_Touches",
                  "S_CROSSES": "ST_Crosses", "S_OVERLAPS": "ST_Overlaps", "S_EQUALS": "ST_Equals"][op]!
        let expected = try store.fids("SELECT fid FROM \(communes.table.name) WHERE \(fn)(geom, GeomFromText(?, 4326)) = 1 ORDER BY fid", [wkt])
        #expect(got == expected)
        if op == "S_CONTAINS" { #expect(got.count == 1) }
        if op == "S_DISJOINT" { #expect(got.count > 100) }
        if op == "S_CROSSES" || op == "S_OVERLAPS" { #expect(!got.isEmpty) }
    }

    @Test func bboxLiteralAndSwappedArguments() async throws {
        let viaBox = try await ids("S_INTERSECTS(geometry, BBOX(107.55, 16.42, 107.65, 16.50))")
        let viaPolygon = try await ids("S_INTERSECTS(geometry, POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42)))")
        #expect(viaBox == viaPolygon && !viaBox.isEmpty)
        // S_WITHIN(point, geometry) means the geometry contains the point.
        #expect(try await ids("S_WITHIN(POINT(107.59 16.46), geometry)") == ids("S_CONTAINS(geometry, POINT(107.59 16.46))"))
    }

    @Test func unknownPropertyNamesTheQueryables() async throws {
        do {
            _ = try await ids("populaton > 5")
            Issue.record("an unknown property must be refused")
        } catch let e as FeaturesError {
            #expect(e.kind == .invalidParameter)
            let text = e.message.description
            #expect(text.contains("'populaton'") && text.contains("population") && text.contains("commune_vn"))
        }
        await #expect(throws: FeaturesError.self) { _ = try await ids("population = 'many'") }
    }

    @Test func hostileTextStaysAValue() async throws {
        // Quotes and SQL in a literal are bound as a value: no rows, no error, table intact.
        #expect(try await ids("commune_vn = 'x''; DROP TABLE datasets; --'").isEmpty)
        #expect(try store.fids("SELECT count(*) FROM datasets") == [1])
    }
}
