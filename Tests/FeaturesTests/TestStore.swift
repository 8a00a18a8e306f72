import Foundation
import GRDB
import GRDBSQLite
import GeoModel
import GeoStore
import TestSupport
@testable import Features

/// A SpatiaLite file laid out as GeoStore lays it out (catalogue tables, one feature table per
/// version with `geom` and its R*Tree), filled from GeoJSON fixtures. It lets these tests check
/// the SQL Features writes against real SpatiaLite without going through ingest.
final class TestStore: @unchecked Sendable {
    let scratch = ScratchDirectory("features-test")
    let pool: DatabasePool

    static func openSpatiaLite(_ db: Database) throws {
        sqlite3_enable_load_extension(db.sqliteConnection, 1)
        var err: UnsafeMutablePointer<CChar>?
        guard sqlite3_load_extension(db.sqliteConnection, "mod_spatialite", nil, &err) == SQLITE_OK else {
            let message = err.map { String(cString: $0) } ?? "unknown"
            sqlite3_free(err)
            throw TestSupportError("mod_spatialite could not be loaded: \(message)")
        }
    }

    init() throws {
        var config = Configuration()
        config.prepareDatabase { db in try TestStore.openSpatiaLite(db) }
        pool = try DatabasePool(path: scratch.path("store.sqlite"), configuration: config)
        // InitSpatialMetadata opens its own transaction.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "SELECT InitSpatialMetadata(1)") }
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE datasets (id INTEGER PRIMARY KEY, slug TEXT UNIQUE, title TEXT, description TEXT,
                  licence TEXT, attribution TEXT, current_version_id INTEGER, updated_at TEXT);
                CREATE TABLE dataset_versions (id INTEGER PRIMARY KEY, dataset_id INTEGER, status TEXT, feature_table TEXT,
                  feature_count INTEGER, min_x REAL, min_y REAL, max_x REAL, max_y REAL, fields_json TEXT, geometry_types TEXT);
                """)
        }
    }

    /// Loads a GeoJSON FeatureCollection as the published version of dataset `slug`; feature
    /// ids are 1, 2, … in file order. Integral numbers become integer columns.
    @discardableResult
    func publish(_ slug: String, geoJSON url: URL, status: String = "published") throws -> FeatureCollectionInfo {
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
        return try pool.write { db in
            let n = try Int.fetchOne(db, sql: "SELECT count(*) FROM dataset_versions")! + 1
            let table = "features_\(n)"
            let cols = fields.map { f in
                "\(quoteIdentifier(f.name)) \(f.type == .integer || f.type == .boolean ? "INTEGER" : f.type == .real ? "REAL" : "TEXT")"
            }
            try db.execute(sql: "CREATE TABLE \(table) (fid INTEGER PRIMARY KEY\(cols.map { ", " + $0 }.joined()))")
            try db.execute(sql: "SELECT AddGeometryColumn('\(table)', 'geom', 4326, 'GEOMETRY', 'XY')")
            try db.execute(sql: "SELECT CreateSpatialIndex('\(table)', 'geom')")
            let insert = try db.makeStatement(sql: "INSERT INTO \(table) (fid\(fields.map { ", " + quoteIdentifier($0.name) }.joined()), geom) VALUES (?\(String(repeating: ", ?", count: fields.count)), GeomFromWKB(?, 4326))")
            var extent = BoundingBox.empty
            var geometryTypes = Set<String>()
            for (i, f) in features.enumerated() {
                var args: [(any DatabaseValueConvertible)?] = [Int64(i + 1)]
                for fd in fields {
                    switch f["properties"]?[fd.name] {
                    case .integer(let v)?: args.append(v)
                    case .number(let d)?: args.append(fd.type == .integer ? Int64(d) as (any DatabaseValueConvertible) : d)
                    case .string(let s)?: args.append(s)
                    case .bool(let b)?: args.append(b)
                    default: args.append(nil)
                    }
                }
                if let gj = f["geometry"], gj != .null {
                    let g = try CQL2JSON.geoJSONGeometry(gj)
                    if let b = g.boundingBox { extent.extend(b) }
                    geometryTypes.insert(g.typeName)
                    args.append(Data(WKB.encode(g)))
                } else {
                    args.append(nil)
                }
                try insert.execute(arguments: StatementArguments(args))
            }
            let fieldsJSON = String(decoding: try JSONEncoder().encode(fields), as: UTF8.self)
            try db.execute(sql: "INSERT INTO datasets (slug, title, current_version_id) VALUES (?, ?, ?)", arguments: [slug, "Dataset \(slug)", n])
            let datasetID = db.lastInsertedRowID
            try db.execute(sql: """
                INSERT INTO dataset_versions (id, dataset_id, status, feature_table, feature_count, min_x, min_y, max_x, max_y, fields_json, geometry_types)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [n, datasetID, status, table, features.count, extent.minX, extent.minY, extent.maxX, extent.maxY,
                                 fieldsJSON, geometryTypes.sorted().joined(separator: ",")])
            return FeatureCollectionInfo(id: slug, title: "Dataset \(slug)", table: FeatureTable(name: table, fields: fields),
                                         extent: extent, featureCount: features.count, geometryTypes: geometryTypes.sorted(), versionID: Int64(n))
        }
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
