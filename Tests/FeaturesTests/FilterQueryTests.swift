import Foundation
import Testing
import PublicErrors
import GeoModel
import TestSupport
import GRDB
@testable import Features

/// Each CQL2 operator run against SpatiaLite through `FeatureQueries`, compared with answers
/// computed another way: OGR SQL on the fixture file (attributes) and GEOS through shapely on
/// the same file (spatial), neither going through the SQL this code writes. The fixture is the
/// Huế communes plus a point feature whose name and population are null, so that `IS NULL`
/// and `S_EQUALS(POINT)` have a real feature to find; every reference is checked non-empty
/// where the operator should find something, so that `[] == []` cannot pass.
@Suite(.serialized) struct FilterQueryTests {
    let store: TestStore
    let communes: FeatureCollectionInfo
    let queries: FeatureQueries
    /// The fixture as loaded: Fixtures/features/hue_communes.geojson with `Self.extra` appended.
    let fixture: URL

    /// A point at a place no commune vertex is, with a null name and population.
    static let lonePoint = "POINT(107.4 16.3)"
    /// A vertex four communes share: a point there touches each of them (on the boundary, not inside).
    static let sharedVertex = "POINT(107.5851955 16.4790451)"
    static let extra = #"{"type":"Feature","properties":{"commune_vn":null,"district_vn":"Huyện Phong Điền","population":null},"geometry":{"type":"Point","coordinates":[107.4,16.3]}}"#

    init() throws {
        store = try TestStore()
        fixture = store.scratch.url.appendingPathComponent("communes.geojson")
        var text = try String(contentsOf: Fixture.communes, encoding: .utf8)
        let end = try #require(text.range(of: "]", options: .backwards))
        let lastFeature = try #require(text[..<end.lowerBound].range(of: "}", options: .backwards))
        text.insert(contentsOf: ",\n" + Self.extra + "\n", at: lastFeature.upperBound)
        try text.write(to: fixture, atomically: true, encoding: .utf8)
        communes = try store.publish("communes", geoJSON: fixture)
        queries = FeatureQueries(store: store.store)
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
        let r = try Run.process("ogr2ogr", ["-f", "CSV", "/vsistdout/", fixture.path, "-dialect", "SQLite",
                                            "-sql", "SELECT rowid FROM communes WHERE \(whereClause) ORDER BY rowid"])
        #expect(r.succeeded, "\(r.stderr)")
        // OGR's SQLite dialect numbers GeoJSON features from 0.
        return r.stdout.split(separator: "\n").dropFirst().compactMap { Int64($0.trimmingCharacters(in: CharacterSet(charactersIn: "\",\r\n "))) }.map { $0 + 1 }
    }

    /// Our answer to `filter` equals OGR's to `whereClause` (the same text by default), and
    /// OGR's is not empty.
    func expectSameAsOGR(_ filter: String, _ whereClause: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let expected = try ogrIDs(whereClause ?? filter)
        #expect(!expected.isEmpty, "OGR finds nothing for \(whereClause ?? filter): the comparison would prove nothing", sourceLocation: sourceLocation)
        #expect(try await ids(filter) == expected, "\(filter)", sourceLocation: sourceLocation)
    }

    @Test func equalityAndOrdering() async throws {
        let one = try await ids("commune_vn = 'Phường Phú Hội'")
        #expect(one.count == 1)
        try await expectSameAsOGR("population > 15000")
        try await expectSameAsOGR("population <= 3000 AND district_vn = 'Huyện A Lưới'")
        try await expectSameAsOGR("district_vn <> 'Thành phố Huế'")
        // CQL2 is two-valued here (CQL2NormalForm): NOT of a comparison with NULL is true, so the
        // lone point, whose population and area are null, is in; OGR is told the same with
        // `IS NOT 1` (its plain NOT is SQL's three-valued one).
        try await expectSameAsOGR("NOT (population >= 5000 OR area < 10)", "(population >= 5000 OR area < 10) IS NOT 1")
        #expect(try await ids("NOT (population >= 5000 OR area < 10)").last == 153)
    }

    @Test func likeIsCaseSensitiveWithCQL2Wildcards() async throws {
        let phu = try await ids("commune_vn LIKE 'Xã Phú%'")
        #expect(!phu.isEmpty)
        #expect(try phu == ogrIDs("commune_vn GLOB 'Xã Phú*'"))
        #expect(try await ids("commune_vn LIKE 'xã phú%'").isEmpty)
        try await expectSameAsOGR("commune_vn LIKE 'Xã H_ơng%'", "commune_vn GLOB 'Xã H?ơng*'")
    }

    @Test func betweenInAndNull() async throws {
        try await expectSameAsOGR("population BETWEEN 4000 AND 6000")
        try await expectSameAsOGR("population NOT BETWEEN 4000 AND 6000", "(population BETWEEN 4000 AND 6000) IS NOT 1")
        try await expectSameAsOGR("district_vn IN ('Huyện Nam Đông', 'Huyện A Lưới')")
        #expect(try await ids("commune_vn IS NULL") == [153])
        #expect(try ogrIDs("commune_vn IS NULL") == [153])
        #expect(try await ids("commune_vn IS NOT NULL") == Array(1...152))
        try await expectSameAsOGR("population IS NULL OR commune_vn IS NULL")
    }

    @Test func jsonEncodingGivesTheSameRows() async throws {
        let text = try await ids("population > 8000 AND district_vn = 'Thị xã Hương Thủy'")
        let json = try await ids(#"{"op":"and","args":[{"op":">","args":[{"property":"population"},8000]},{"op":"=","args":[{"property":"district_vn"},"Thị xã Hương Thủy"]}]}"#, lang: "json")
        #expect(!text.isEmpty && text == json)
    }

    func geosIDs(_ predicate: String, _ wkt: String) throws -> [Int64] { try GEOS.ids(fixture, predicate, wkt) }

    /// Spatial answers through the R*Tree equal GEOS's over every feature of the file. The
    /// number each should find is written down, so an empty answer on both sides fails.
    @Test(arguments: [
        ("S_INTERSECTS", "POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))", 39),
        ("S_INTERSECTS", "POINT(107.5900 16.4600)", 1),
        ("S_INTERSECTS", "LINESTRING(107.3 16.2, 107.8 16.6)", 18),
        ("S_WITHIN", "POLYGON((107.45 16.35, 107.75 16.35, 107.75 16.60, 107.45 16.60, 107.45 16.35))", 59),
        ("S_CONTAINS", "POINT(107.5900 16.4600)", 1),
        ("S_DISJOINT", "POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))", 114),
        ("S_TOUCHES", sharedVertex, 4),
        ("S_TOUCHES", "POINT(107.5900 16.4600)", 0),
        ("S_CROSSES", "LINESTRING(107.3 16.2, 107.8 16.6)", 18),
        ("S_OVERLAPS", "POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))", 17),
        ("S_EQUALS", lonePoint, 1),
        ("S_EQUALS", "POINT(107.5900 16.4600)", 0),
    ])
    func spatialOperators(op: String, wkt: String, found: Int) async throws {
        let got = try await ids("\(op)(geometry, \(wkt))")
        let predicate = ["S_INTERSECTS": "intersects", "S_WITHIN": "within", "S_CONTAINS": "contains", "S_DISJOINT": "disjoint",
                         "S_TOUCHES": "touches", "S_CROSSES": "crosses", "S_OVERLAPS": "overlaps", "S_EQUALS": "equals"][op]!
        let expected = try geosIDs(predicate, wkt)
        #expect(got == expected, "\(op) \(wkt)")
        #expect(expected.count == found, "\(op) \(wkt): GEOS finds \(expected.count) features")
        if op == "S_EQUALS" && !expected.isEmpty { #expect(got == [153], "the lone point is the last feature") }
    }

    @Test func bboxLiteralAndSwappedArguments() async throws {
        let viaBox = try await ids("S_INTERSECTS(geometry, BBOX(107.55, 16.42, 107.65, 16.50))")
        let viaPolygon = try await ids("S_INTERSECTS(geometry, POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42)))")
        #expect(viaBox == viaPolygon && !viaBox.isEmpty)
        // S_WITHIN(point, geometry) means the geometry contains the point.
        let containing = try await ids("S_CONTAINS(geometry, POINT(107.59 16.46))")
        let reference = try geosIDs("contains", "POINT(107.59 16.46)")
        #expect(containing == reference && containing.count == 1)
        #expect(try await ids("S_WITHIN(POINT(107.59 16.46), geometry)") == containing)
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
