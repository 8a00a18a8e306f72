import Foundation
import Testing
import GeoModel
import TestSupport
import GRDB
@testable import Features

/// Analysis answers against the same question asked of SpatiaLite in plain SQL.
@Suite(.serialized) struct AnalysisTests {
    let store: TestStore
    let communes: FeatureCollectionInfo
    let points: FeatureCollectionInfo
    let analysis: Analysis

    init() throws {
        store = try TestStore()
        communes = try store.publish("communes", geoJSON: Fixture.communes)
        points = try store.publish("points", geoJSON: Fixture.points)
        analysis = Analysis(queries: FeatureQueries(reader: store.pool))
    }

    @Test func pointInAreaMatchesSTContains() async throws {
        // A deterministic scatter over the province's extent, some outside every commune.
        var rng = SplitMix(seed: 42)
        let box = try #require(communes.extent)
        let pts = (0..<400).map { _ in Position(box.minX + rng.unit() * box.width, box.minY + rng.unit() * box.height) }
        let got = try await analysis.areasContaining(pts, in: communes)
        var outside = 0
        for (p, m) in zip(pts, got) {
            let expected = try store.fids("SELECT fid FROM \(communes.table.name) WHERE ST_Contains(geom, MakePoint(?, ?, 4326)) = 1 ORDER BY fid", [p.x, p.y])
            #expect(m.map(\.fid) == expected, "point \(p)")
            if expected.isEmpty { outside += 1 }
        }
        #expect(outside > 0 && outside < 400)
        // The matched area's attributes come along.
        let hue = try await analysis.areasContaining([Position(107.5900, 16.4600)], in: communes)
        let names = hue[0].compactMap { m in m.values[communes.table.fields.firstIndex { $0.name == "district_vn" }!] }
        #expect(names == [.text("Thành phố Huế")])
    }

    @Test func tooManyPointsIsRefused() async throws {
        let many = [Position](repeating: Position(107.6, 16.4), count: Analysis.maximumPoints + 1)
        await #expect(throws: FeaturesError.self) { _ = try await analysis.areasContaining(many, in: communes) }
    }

    @Test func withinDistanceIsGeodesicAndSorted() async throws {
        let centre = Position(107.5900, 16.4600)
        let got = try await analysis.withinDistance(of: .point(centre), metres: 5_000, in: points)
        let expected = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT fid, ST_Distance(geom, MakePoint(?, ?, 4326), 1) AS d FROM \(points.table.name) WHERE d <= 5000 ORDER BY d, fid", arguments: [centre.x, centre.y])
                .map { ($0[0] as Int64, $0[1] as Double) }
        }
        #expect(!expected.isEmpty)
        #expect(got.map(\.fid) == expected.map(\.0))
        for (m, e) in zip(got, expected) { #expect(abs(m.distance! - e.1) < 0.001) }
        #expect(got.map { $0.distance! } == got.map { $0.distance! }.sorted())
        // Geodesic, not degrees: 0.05° of latitude is about 5.5 km.
        let north = try await analysis.withinDistance(of: .point(Position(centre.x, centre.y + 0.05)), metres: 10, in: communes)
        #expect(north.allSatisfy { $0.distance! <= 10 })
    }

    @Test func nearestEqualsFullSort() async throws {
        for (p, k) in [(Position(107.59, 16.46), 5), (Position(106.0, 15.0), 3), (Position(107.9, 16.2), 1)] {
            let got = try await analysis.nearest(to: p, k: k, in: points)
            let expected = try store.fids("SELECT fid FROM \(points.table.name) ORDER BY ST_Distance(geom, MakePoint(?, ?, 4326), 1), fid LIMIT ?", [p.x, p.y, k])
            #expect(got.map(\.fid) == expected, "nearest \(k) to \(p)")
        }
    }

    @Test func aggregatePerArea() async throws {
        let figures = try await analysis.aggregate(points, field: "population", per: communes, includeGeometry: false)
        #expect(figures.count == 152)
        let expected = try await store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT b.fid, count(a.fid), sum(a.population) FROM \(communes.table.name) b
                LEFT JOIN \(points.table.name) a ON ST_Contains(b.geom, a.geom) = 1 GROUP BY b.fid ORDER BY b.fid
                """).map { ($0[0] as Int64, $0[1] as Int, $0[2] as Double?) }
        }
        #expect(figures.map(\.fid) == expected.map(\.0))
        #expect(figures.map(\.count) == expected.map(\.1))
        #expect(figures.map { $0.sum ?? 0 } == expected.map { $0.2 ?? 0 })
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
