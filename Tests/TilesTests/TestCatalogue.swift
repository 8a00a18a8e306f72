import Foundation
import GRDB
import GeoModel
import GeoStore
import TestSupport

/// A catalogue with the store's schema for what tiles read (datasets, dataset_versions, one
/// feature table per version), kept in a plain SQLite file: geometries are stored as WKB and
/// `AsBinary` is registered as the identity, so the Tiles queries run unchanged without
/// SpatiaLite. Publishing a version switches `current_version_id` as the store does.
final class TestCatalogue: @unchecked Sendable {
    let dir = ScratchDirectory("tiles-catalogue")
    let pool: DatabasePool
    /// For `CurrentVersions` (see TestCatalogue+CurrentVersions.swift).
    let publications = PublicationEvents()

    init() throws {
        var config = Configuration()
        config.prepareDatabase { db in
            db.add(function: DatabaseFunction("AsBinary", argumentCount: 1, pure: true) { $0[0] })
        }
        pool = try DatabasePool(path: dir.path("store.sqlite"), configuration: config)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE datasets(id INTEGER PRIMARY KEY, slug TEXT UNIQUE NOT NULL, title TEXT, description TEXT,
                                      licence TEXT, attribution TEXT, current_version_id INTEGER);
                CREATE TABLE dataset_versions(id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL, number INTEGER, status TEXT,
                                      feature_table TEXT, feature_count INTEGER, min_x REAL, min_y REAL, max_x REAL, max_y REAL,
                                      fields_json TEXT, geometry_types TEXT NOT NULL DEFAULT '');
                """)
        }
    }

    /// Publishes a new version of `slug` holding `features`; returns its version id.
    @discardableResult
    func publish(_ slug: String, fields: [FieldDefinition], features: [Feature], title: String = "Test data",
                 attribution: String = "Administrative boundaries: censusVN2009 (Marc Choisy, MIT licence)") throws -> Int64 {
        try pool.write { db in
            var datasetId = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE slug = ?", arguments: [slug])
            if datasetId == nil {
                try db.execute(sql: "INSERT INTO datasets(slug, title, description, attribution) VALUES (?, ?, ?, ?)",
                               arguments: [slug, title, "About \(title)", attribution])
                datasetId = db.lastInsertedRowID
            }
            var box = BoundingBox.empty
            for f in features { if let b = f.geometry?.boundingBox { box.extend(b) } }
            let fieldsJSON = String(decoding: try JSONEncoder().encode(fields), as: UTF8.self)
            // As the store records them: the geometry types found, comma-separated.
            var types: [String] = []
            for f in features {
                guard let g = f.geometry else { continue }
                let t = g.family == .polygon ? "Polygon" : g.family == .line ? "LineString" : "Point"
                if !types.contains(t) { types.append(t) }
            }
            try db.execute(sql: "INSERT INTO dataset_versions(dataset_id, status, feature_count, min_x, min_y, max_x, max_y, fields_json, geometry_types) VALUES (?, 'published', ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [datasetId, features.count, box.minX, box.minY, box.maxX, box.maxY, fieldsJSON, types.joined(separator: ",")])
            let version = db.lastInsertedRowID
            let table = "features_\(version)"
            let columns = fields.map { "\"\($0.name)\" \($0.type == .integer || $0.type == .boolean ? "INTEGER" : $0.type == .real ? "REAL" : "TEXT")" }
            try db.execute(sql: "CREATE TABLE \(table)(fid INTEGER PRIMARY KEY, \((columns + ["geom BLOB"]).joined(separator: ", ")))")
            let placeholders = Array(repeating: "?", count: fields.count + 2).joined(separator: ", ")
            for f in features {
                var args: [(any DatabaseValueConvertible)?] = [f.id]
                for v in f.values {
                    switch v {
                    case .null: args.append(nil)
                    case .integer(let i): args.append(i)
                    case .real(let d): args.append(d)
                    case .text(let s): args.append(s)
                    case .boolean(let b): args.append(b ? 1 : 0)
                    }
                }
                args.append(f.geometry.map { Data(WKB.encode($0)) })
                try db.execute(sql: "INSERT INTO \(table) VALUES (\(placeholders))", arguments: StatementArguments(args))
            }
            try db.execute(sql: "UPDATE dataset_versions SET feature_table = ? WHERE id = ?", arguments: [table, version])
            try db.execute(sql: "UPDATE datasets SET current_version_id = ? WHERE id = ?", arguments: [version, datasetId])
            return version
        }
    }

    /// Publishes the Huế communes fixture (or the first `limit` communes) as `slug`.
    @discardableResult
    func publishHue(_ slug: String = "hue-communes", limit: Int? = nil, rename: ((String) -> String)? = nil) throws -> Int64 {
        let fields = [FieldDefinition(name: "commune_id", type: .integer), FieldDefinition(name: "commune_vn", type: .text),
                      FieldDefinition(name: "district_vn", type: .text), FieldDefinition(name: "population", type: .integer),
                      FieldDefinition(name: "area", type: .real)]
        var features = HueFixture.source.features.map { Feature(id: $0.id, geometry: $0.geometry, values: $0.values) }
        if let limit { features = Array(features.prefix(limit)) }
        if let rename {
            features = features.map { f in
                var f = f
                if case .text(let s) = f.values[1] { f.values[1] = .text(rename(s)) }
                return f
            }
        }
        return try publish(slug, fields: fields, features: features, title: "Communes of Thừa Thiên Huế")
    }
}
