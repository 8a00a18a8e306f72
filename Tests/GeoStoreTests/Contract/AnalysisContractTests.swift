import Foundation
import Testing
import TestSupport
import FeatureQuery
import Features
import GeoModel
import GeoStore
import PublicErrors

/// The analysis API on every engine (issue 21): the Huế communes and their points loaded into
/// each backend give the same areas for the same points, the same features within a distance
/// and nearest (distances equal within 1e-9 relative: one formula, SpatiaLite's geodesic length
/// of the shortest line, see `AnalysisReading`), and the same figures per area.
@Suite struct AnalysisContractTests {
    let scratch = ScratchDirectory("geostore-analysis")

    struct Engine {
        let name: String
        let store: any GeoStoreBackend
        let analysis: Analysis
        let communes: FeatureCollectionInfo
        let points: FeatureCollectionInfo
    }

    /// Every engine, each holding the two fixture files as published datasets.
    func engines() throws -> [Engine] {
        let communes = try FixtureLayer(TestPaths.fixture("features/hue_communes.geojson"))
        let points = try FixtureLayer(TestPaths.fixture("features/hue_commune_points.geojson"))
        return try Backend.all.map { backend in
            let store = try backend.make(scratch.path("contract_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)))
            return Engine(name: backend.name, store: store, analysis: Analysis(queries: FeatureQueries(store: store)),
                          communes: try communes.publish(as: "xa-phuong", in: store), points: try points.publish(as: "diem-xa", in: store))
        }
    }

    static func sameDistance(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return false }
        return abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
    }

    @Test func pointInAreaFindsTheSameAreasOnEveryEngine() async throws {
        let engines = try engines()
        // A deterministic scatter over the province and beyond it, and each commune's own point.
        var state: UInt64 = 42
        func unit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        let box = try #require(engines[0].communes.extent)
        var points = (0..<400).map { _ in Position(box.minX - 0.05 + unit() * (box.width + 0.1), box.minY - 0.05 + unit() * (box.height + 0.1)) }
        points += try FixtureLayer(TestPaths.fixture("features/hue_commune_points.geojson")).positions
        var answers: [[[Analysis.Match]]] = []
        for e in engines {
            answers.append(try await e.analysis.areasContaining(points, in: e.communes))
        }
        let first = answers[0]
        let found = first.filter { !$0.isEmpty }.count
        #expect(found > 152 && found < points.count, "\(found) of \(points.count) points in a commune")
        for (e, answer) in zip(engines, answers).dropFirst() {
            #expect(answer == first, "\(e.name) finds other areas than \(engines[0].name)")
        }
        // The area's values come along: the centre of Huế is in the city.
        for e in engines {
            let hue = try await e.analysis.areasContaining([Position(107.5900, 16.4600)], in: e.communes)
            let district = try #require(e.communes.table.fields.firstIndex { $0.name == "district_vn" })
            #expect(hue[0].map { $0.values[district] } == [.text("Thành phố Huế")], "\(e.name)")
        }
    }

    @Test func withinDistanceAndNearestGiveTheSameFeaturesAndMetresOnEveryEngine() async throws {
        let engines = try engines()
        let centre = Position(107.5900, 16.4600)
        // From a point, a line and a polygon, to points and to polygons: the shortest line's
        // geodesic length in every case.
        let line = Geometry.lineString([Position(107.50, 16.40), Position(107.62, 16.52), Position(107.70, 16.47)])
        let polygon = Geometry.polygon([[Position(107.55, 16.42), Position(107.62, 16.42), Position(107.62, 16.48), Position(107.55, 16.42)]])
        let questions: [(String, Geometry, Double, KeyPath<Engine, FeatureCollectionInfo>)] = [
            ("points within 5 km of a point", .point(centre), 5_000, \.points),
            ("points within 3 km of a line", line, 3_000, \.points),
            ("points within 2 km of a polygon", polygon, 2_000, \.points),
            ("communes within 1.5 km of a point", .point(centre), 1_500, \.communes),
            ("communes within 500 m of a line", line, 500, \.communes),
        ]
        for (name, geometry, metres, layer) in questions {
            var first: [Analysis.Match]?
            for e in engines {
                let got = try await e.analysis.withinDistance(of: geometry, metres: metres, in: e[keyPath: layer])
                #expect(!got.isEmpty, "\(e.name): \(name)")
                #expect(got.allSatisfy { ($0.distance ?? .infinity) <= metres }, "\(e.name): \(name)")
                if let first {
                    #expect(got.map(\.fid) == first.map(\.fid), "\(e.name): \(name)")
                    #expect(got.map(\.values) == first.map(\.values), "\(e.name): \(name)")
                    for (a, b) in zip(got, first) {
                        #expect(Self.sameDistance(a.distance, b.distance), "\(e.name): \(name), fid \(a.fid): \(String(describing: a.distance)) m against \(String(describing: b.distance)) m")
                    }
                } else {
                    first = got
                }
            }
        }
        // geod (GeographicLib) finds 27 of the fixture's points within 5 km of the centre.
        for e in engines {
            #expect(try await e.analysis.withinDistance(of: .point(centre), metres: 5_000, in: e.points).count == 27, "\(e.name)")
            #expect(try await e.analysis.withinDistance(of: .point(centre), metres: 5_000, in: e.points, limit: 4).count == 4, "\(e.name)")
        }
        for (p, k) in [(centre, 5), (Position(106.0, 15.0), 3), (Position(107.9, 16.2), 1), (Position(107.3, 16.7), 40)] {
            var first: [Analysis.Match]?
            for e in engines {
                let got = try await e.analysis.nearest(to: p, k: k, in: e.points)
                #expect(got.count == k, "\(e.name): \(k) nearest to \(p)")
                if let first {
                    #expect(got.map(\.fid) == first.map(\.fid), "\(e.name): \(k) nearest to \(p)")
                    #expect(zip(got, first).allSatisfy { Self.sameDistance($0.distance, $1.distance) }, "\(e.name): \(k) nearest to \(p)")
                } else {
                    first = got
                }
            }
        }
    }

    @Test func figuresPerAreaAreTheSameOnEveryEngine() async throws {
        let engines = try engines()
        // Points per commune with an integer field; communes per commune (a point on each
        // polygon's surface) with a real one; a count alone.
        let questions: [(String, KeyPath<Engine, FeatureCollectionInfo>, String?)] = [
            ("population of the points", \.points, "population"),
            ("shape_area of the communes", \.communes, "shape_area"),
            ("points", \.points, nil),
        ]
        for (name, counted, field) in questions {
            var first: [Analysis.AreaFigures]?
            for e in engines {
                let got = try await e.analysis.aggregate(e[keyPath: counted], field: field, per: e.communes, includeGeometry: true)
                #expect(got.count == 152, "\(e.name): \(name)")
                #expect(got.map(\.count).reduce(0, +) > 100, "\(e.name): \(name)")
                if let first {
                    #expect(got.map(\.fid) == first.map(\.fid), "\(e.name): \(name)")
                    #expect(got.map(\.values) == first.map(\.values), "\(e.name): \(name)")
                    #expect(got.map(\.geometry) == first.map(\.geometry), "\(e.name): \(name)")
                    #expect(got.map(\.count) == first.map(\.count), "\(e.name): \(name)")
                    for (a, b) in zip(got, first) {
                        for (x, y) in [(a.sum, b.sum), (a.average, b.average), (a.minimum, b.minimum), (a.maximum, b.maximum)] {
                            #expect((x == nil && y == nil) || Self.sameDistance(x, y), "\(e.name): \(name), area \(a.fid): \(String(describing: x)) against \(String(describing: y))")
                        }
                    }
                } else {
                    first = got
                }
            }
        }
        // Sums of a text field are refused alike.
        for e in engines {
            let error = #expect(throws: FeaturesError.self, "\(e.name)") {
                try e.store.areaTotals(counting: e.points.table, field: FieldDefinition(name: "commune_vn", type: .text),
                                       perAreaOf: e.communes.table, includeGeometry: false, timeLimit: 10)
            }
            #expect(error?.message.key == "analysis.field.notNumeric", "\(e.name)")
        }
    }

    @Test func anAnalysisPastItsTimeLimitIsATimeoutOnEveryEngine() throws {
        // 20,000 points to count per commune: far more work than any limit below lets through.
        var many: [Feature] = []
        for i in 1...20_000 {
            let x: Double = 107.0 + Double(i % 200) / 200 * 1.0
            let y: Double = 16.0 + Double(i / 200) / 100 * 0.8
            many.append(Feature(id: Int64(i), geometry: .point(Position(x, y)), values: [.integer(Int64(i))]))
        }
        let communes = try FixtureLayer(TestPaths.fixture("features/hue_communes.geojson"))
        for backend in Backend.all {
            let store = try backend.make(scratch.path("contract_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)))
            let areas = try communes.publish(as: "xa-phuong", in: store).table
            let counted = try store.write(many, fields: [FieldDefinition(name: "so", type: .integer)],
                                          metadata: DatasetMetadata(slug: "diem", title: "Điểm"), publish: true)
            let table = FeatureTable(name: counted.featureTable, fields: counted.fields)
            let error = #expect(throws: FeaturesError.self, "\(backend.name)") {
                try store.areaTotals(counting: table, field: table.fields[0], perAreaOf: areas, includeGeometry: false, timeLimit: 0)
            }
            #expect(error?.kind == .timeout && error?.message.key == "analysis.timeout", "\(backend.name) gave \(String(describing: error))")
            // With time to run it answers, and the connection is usable afterwards.
            let totals = try store.areaTotals(counting: table, field: table.fields[0], perAreaOf: areas, includeGeometry: false, timeLimit: 120)
            #expect(totals.count == 152 && totals.map(\.count).reduce(0, +) > 1_000, "\(backend.name)")
        }
    }
}

/// A GeoJSON fixture as features and fields: integral numbers become integer fields, others
/// real, strings text (as the Features tests' store types them); ids 1, 2, … in file order.
struct FixtureLayer {
    let fields: [FieldDefinition]
    let features: [Feature]

    init(_ url: URL) throws {
        let doc = try JSONValue.parse(Data(contentsOf: url))
        let objects = doc["features"]?.array ?? []
        var names: [String] = [], types: [String: FieldType] = [:]
        for f in objects {
            guard case .object(let properties)? = f["properties"] else { continue }
            for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
                if types[name] == nil { names.append(name) }
                let type: FieldType? = switch value {
                case .integer: .integer
                case .number(let d): d == d.rounded() ? .integer : .real
                case .string: .text
                default: nil
                }
                guard let type else { continue }
                if let old = types[name], old != type { types[name] = [old, type].allSatisfy { $0 != .text } ? .real : .text } else { types[name] = type }
            }
        }
        let fields = names.map { FieldDefinition(name: $0, type: types[$0] ?? .text) }
        self.fields = fields
        features = try objects.enumerated().map { i, f in
            let values: [FieldValue] = fields.map { field in
                switch (f["properties"]?[field.name], field.type) {
                case (.integer(let v)?, .real): .real(Double(v))
                case (.integer(let v)?, _): .integer(v)
                case (.number(let d)?, .integer): .integer(Int64(d))
                case (.number(let d)?, _): .real(d)
                case (.string(let s)?, _): .text(s)
                default: .null
                }
            }
            let geometry = try f["geometry"].flatMap { $0 == .null ? nil : try CQL2JSON.geoJSONGeometry($0) }
            return Feature(id: Int64(i + 1), geometry: geometry, values: values)
        }
    }

    /// The first position of each feature (the points' own positions).
    var positions: [Position] {
        features.compactMap { f in
            var first: Position?
            f.geometry?.forEachPosition { p in if first == nil { first = p } }
            return first
        }
    }

    /// Published as dataset `slug` of `store`, as the analysis API sees it.
    func publish(as slug: String, in store: any GeoStoreBackend) throws -> FeatureCollectionInfo {
        let version = try store.write(features, fields: fields, metadata: DatasetMetadata(slug: slug, title: slug), publish: true)
        return FeatureCollectionInfo(id: slug, title: slug, table: FeatureTable(name: version.featureTable, fields: version.fields),
                                     extent: version.bbox, featureCount: version.featureCount, geometryTypes: version.geometryTypes,
                                     versionID: version.id)
    }
}
