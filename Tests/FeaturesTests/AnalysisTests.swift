import Foundation
import Testing
import GeoModel
import TestSupport
import GRDB
@testable import Features

/// Analysis answers against the same question asked another way, on the fixture files: GEOS
/// through shapely (areas), PROJ's `geod` (distances); never the SpatiaLite calls the code makes.
@Suite(.serialized) struct AnalysisTests {
    let store: TestStore
    let communes: FeatureCollectionInfo
    let points: FeatureCollectionInfo
    let analysis: Analysis

    init() throws {
        store = try TestStore()
        communes = try store.publish("communes", geoJSON: Fixture.communes)
        points = try store.publish("points", geoJSON: Fixture.points)
        analysis = Analysis(queries: FeatureQueries(store: store.store))
    }

    @Test func pointInAreaMatchesSTContains() async throws {
        // A deterministic scatter over the province's extent, some outside every commune.
        var rng = SplitMix(seed: 42)
        let box = try #require(communes.extent)
        let pts = (0..<400).map { _ in Position(box.minX + rng.unit() * box.width, box.minY + rng.unit() * box.height) }
        let got = try await analysis.areasContaining(pts, in: communes)
        let reference = try GEOS.containing(Fixture.communes, pts)
        #expect(got.count == pts.count)
        for (p, (m, expected)) in try zipNonEmpty(pts, Array(zip(got, reference)), "points and their answers") {
            #expect(m.map(\.fid) == expected, "point \(p)")
        }
        let outside = reference.filter(\.isEmpty).count
        #expect(outside > 0 && outside < 400, "\(outside) of 400 points outside every commune")
        // The matched area's attributes come along.
        let hue = try await analysis.areasContaining([Position(107.5900, 16.4600)], in: communes)
        let names = hue[0].compactMap { m in m.values[communes.table.fields.firstIndex { $0.name == "district_vn" }!] }
        #expect(names == [.text("Thành phố Huế")])
    }

    @Test func tooManyPointsIsRefused() async throws {
        let many = [Position](repeating: Position(107.6, 16.4), count: Analysis.maximumPoints + 1)
        await #expect(throws: FeaturesError.self) { _ = try await analysis.areasContaining(many, in: communes) }
    }

    /// Geodesic distances (WGS 84 ellipsoid, metres) from `from` to each of `to`, by PROJ's
    /// `geod` (GeographicLib's algorithm), printed to the millimetre.
    func geodesicMetres(from: Position, to: [Position]) throws -> [Double] {
        let lines = to.map { "\(from.y) \(from.x) \($0.y) \($0.x)" }.joined(separator: "\n") + "\n"
        let r = try Run.process("geod", ["+ellps=WGS84", "-I", "+units=m", "-f", "%.9f"], stdin: Data(lines.utf8))
        try #require(r.succeeded, "geod: \(r.stderr)")
        let metres = r.stdout.split(separator: "\n").compactMap { $0.split(whereSeparator: { $0 == "\t" || $0 == " " }).last.flatMap { Double($0) } }
        try #require(metres.count == to.count, "geod answered \(metres.count) lines for \(to.count) points")
        return metres
    }

    /// The points of the fixture file, read from the file itself (fid = position in the file).
    func fixturePoints() throws -> [Position] {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Fixture.points)) as? [String: Any])
        let features = try #require(doc["features"] as? [[String: Any]])
        return try features.map { f in
            let c = try #require((f["geometry"] as? [String: Any])?["coordinates"] as? [NSNumber])
            return Position(c[0].doubleValue, c[1].doubleValue)
        }
    }

    /// The points within 5 km, with their distances, are those `geod` finds over the fixture
    /// file, in metres to the centimetre: an answer in degrees, or on a sphere, fails.
    @Test func withinDistanceIsGeodesicAndSorted() async throws {
        let centre = Position(107.5900, 16.4600)
        let got = try await analysis.withinDistance(of: .point(centre), metres: 5_000, in: points)
        let all = try fixturePoints()
        let metres = try geodesicMetres(from: centre, to: all)
        let expected = metres.enumerated().map { (fid: Int64($0.offset + 1), metres: $0.element) }
            .filter { $0.metres <= 5_000 }.sorted { ($0.metres, $0.fid) < ($1.metres, $1.fid) }
        #expect(expected.count == 27, "geod finds \(expected.count) points within 5 km")
        #expect(got.map(\.fid) == expected.map(\.fid))
        for (m, e) in try zipNonEmpty(got, expected, "our matches and geod's") {
            let distance = try #require(m.distance)
            #expect(abs(distance - e.metres) < 0.01, "fid \(e.fid): \(distance) m, geod says \(e.metres) m")
        }
        // 0.05° north of a fixture point is about 5.5 km from it (not 0.05, not 5.6 km on a sphere).
        let target = all[0]
        let north = Position(target.x, target.y + 0.05)
        let far = try #require(try geodesicMetres(from: north, to: [target]).first)
        #expect(far > 5_500 && far < 5_560, "geod: \(far) m")
        let around = try await analysis.withinDistance(of: .point(north), metres: 6_000, in: points)
        let match = try #require(around.first { $0.fid == 1 }, "the point 5.5 km south is within 6 km")
        let distance = try #require(match.distance)
        #expect(abs(distance - far) < 0.01, "\(distance) m, geod says \(far) m")
        let near = try await analysis.withinDistance(of: .point(north), metres: 5_000, in: points)
        #expect(!near.contains { $0.fid == 1 }, "5.5 km is not within 5 km")
    }

    @Test func nearestEqualsFullSort() async throws {
        let all = try fixturePoints()
        for (p, k) in [(Position(107.59, 16.46), 5), (Position(106.0, 15.0), 3), (Position(107.9, 16.2), 1)] {
            let got = try await analysis.nearest(to: p, k: k, in: points)
            let metres = try geodesicMetres(from: p, to: all)
            let expected = metres.enumerated().sorted { ($0.element, $0.offset) < ($1.element, $1.offset) }.prefix(k).map { Int64($0.offset + 1) }
            #expect(got.map(\.fid) == expected, "nearest \(k) to \(p)")
        }
    }

    @Test func aggregatePerArea() async throws {
        let figures = try await analysis.aggregate(points, field: "population", per: communes, includeGeometry: false)
        #expect(figures.count == 152)
        // The reference: which commune GEOS puts each point of the file in, and the file's populations.
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Fixture.points)) as? [String: Any])
        let features = try #require(doc["features"] as? [[String: Any]])
        let population = features.map { (($0["properties"] as? [String: Any])?["population"] as? NSNumber)?.doubleValue ?? 0 }
        let inside = try GEOS.containing(Fixture.communes, try fixturePoints())
        var count = [Int64: Int](), sum = [Int64: Double]()
        for (i, areas) in inside.enumerated() {
            for a in areas { count[a, default: 0] += 1; sum[a, default: 0] += population[i] }
        }
        #expect(figures.map(\.fid) == Array(1...152))
        #expect(figures.map(\.count) == (1...152).map { count[Int64($0)] ?? 0 })
        #expect(figures.map { $0.sum ?? 0 } == (1...152).map { sum[Int64($0)] ?? 0 })
        #expect(figures.reduce(0) { $0 + $1.count } == 152)
        await #expect(throws: FeaturesError.self) { _ = try await analysis.aggregate(points, field: "commune_vn", per: communes, includeGeometry: false) }
    }
}

/// A tiny deterministic generator, so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
