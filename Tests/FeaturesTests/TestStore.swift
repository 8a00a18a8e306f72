import Foundation
import GRDB
import GeoStore
import GeoModel
import GeoStore
import TestSupport
@testable import Features

/// A store made as `bando` makes one (`Store(path:)`, its real migrations, SpatiaLite) whose
/// datasets are GeoJSON fixtures published through `writeVersion`, as an ingest publishes them:
/// these tests check the SQL Features writes against real SpatiaLite without going through
/// ingest's readers, and against the schema the store really has.
final class TestStore: @unchecked Sendable {
    let scratch = ScratchDirectory("features-test")
    let store: Store
    /// What the feature queries read through.
    var pool: DatabasePool { store.pool }

    init() throws {
        store = try Store(path: scratch.path("store.sqlite"))
    }

    /// Loads a GeoJSON FeatureCollection as the published version of dataset `slug`; feature
    /// ids are 1, 2, … in file order. Integral numbers become integer columns.
    @discardableResult
    func publish(_ slug: String, geoJSON url: URL) throws -> FeatureCollectionInfo {
        let doc = try JSONValue.parse(Data(contentsOf: url))
        let features = doc["features"]?.array ?? []
        var names: [String] = []
        var types: [String: FieldType] = [:]
        for f in features {
            guard case .object(let props)? = f["properties"] else { continue }
            for (k, v) in props.sorted(by: { $0.key < $1.key }) {
                if types[k] == nil { names.append(k) }
                let t: FieldType? = switch v {
                case .integer: .integer
                case .number(let d): d == d.rounded() ? .integer : .real
                case .string: .text
                case .bool: .boolean
                default: nil
                }
                if let t {
                    if let old = types[k], old != t { types[k] = (old == .integer && t == .real) || (old == .real && t == .integer) ? .real : .text }
                    else { types[k] = t }
                }
            }
        }
        let fields = names.map { FieldDefinition(name: $0, type: types[$0] ?? .text) }
        /// A property as a value of its field's type (a column holds one type, as ingest makes it).
        func value(_ json: JSONValue?, _ type: FieldType) -> FieldValue {
            switch (json, type) {
            case (.integer(let v)?, .real): .real(Double(v))
            case (.integer(let v)?, .text): .text(String(v))
            case (.integer(let v)?, _): .integer(v)
            case (.number(let d)?, .integer): .integer(Int64(d))
            case (.number(let d)?, .text): .text(String(d))
            case (.number(let d)?, _): .real(d)
            case (.string(let s)?, _): .text(s)
            case (.bool(let b)?, .text): .text(b ? "true" : "false")
            case (.bool(let b)?, _): .boolean(b)
            default: .null
            }
        }
        let metadata = DatasetMetadata(slug: slug, title: "Dataset \(slug)")
        let version = try store.writeVersion(metadata, fields: fields, publish: true) { sink in
            for f in features {
                let geometry = try f["geometry"].flatMap { $0 == .null ? nil : try CQL2JSON.geoJSONGeometry($0) }
                try sink.insert(geometry: geometry, values: fields.map { value(f["properties"]?[$0.name], $0.type) })
            }
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: url.lastPathComponent)
        }
        return FeatureCollectionInfo(id: slug, title: "Dataset \(slug)", table: FeatureTable(name: version.featureTable, fields: version.fields),
                                     extent: version.bbox, featureCount: version.featureCount, geometryTypes: version.geometryTypes,
                                     versionID: version.id)
    }

    /// Runs SQL and returns the first column of each row as Int64 (the reference answers).
    func fids(_ sql: String, _ arguments: StatementArguments = []) throws -> [Int64] {
        try pool.read { db in try Int64.fetchAll(db, sql: sql, arguments: arguments) }
    }
}

enum Fixture {
    static let communes = TestPaths.fixture("features/hue_communes.geojson")
    static let points = TestPaths.fixture("features/hue_commune_points.geojson")
}

/// Spatial references computed by GEOS through shapely (in the test virtualenv) on a GeoJSON
/// file: no SpatiaLite, no SQL, no index. Features are numbered 1, 2, … in file order, as
/// `TestStore.publish` numbers them.
enum GEOS {
    /// The features of `file` for which `predicate(feature, wkt)` holds (shapely's names:
    /// intersects, within, contains, disjoint, touches, crosses, overlaps, equals).
    static func ids(_ file: URL, _ predicate: String, _ wkt: String) throws -> [Int64] {
        try decode(Run.python("""
            import json, sys
            from shapely.geometry import shape
            from shapely import wkt
            other = wkt.loads(sys.argv[3])
            features = json.load(open(sys.argv[1]))["features"]
            print(json.dumps([i + 1 for i, f in enumerate(features)
                              if f["geometry"] is not None and getattr(shape(f["geometry"]), sys.argv[2])(other)]))
            """, [file.path, predicate, wkt]))
    }

    /// For each point, the features of `file` that contain it.
    static func containing(_ file: URL, _ points: [Position]) throws -> [[Int64]] {
        let list = "[" + points.map { "[\($0.x),\($0.y)]" }.joined(separator: ",") + "]"
        return try decode(Run.python("""
            import json, sys
            from shapely.geometry import shape, Point
            from shapely.prepared import prep
            areas = [prep(shape(f["geometry"])) for f in json.load(open(sys.argv[1]))["features"]]
            points = [Point(p) for p in json.loads(sys.argv[2])]
            print(json.dumps([[i + 1 for i, a in enumerate(areas) if a.contains(p)] for p in points]))
            """, [file.path, list]))
    }

    private static func decode<T: Decodable>(_ r: ProcessResult) throws -> T {
        guard r.succeeded else { throw TestSupportError("shapely: \(r.stderr)") }
        return try JSONDecoder().decode(T.self, from: Data(r.stdout.utf8))
    }
}
