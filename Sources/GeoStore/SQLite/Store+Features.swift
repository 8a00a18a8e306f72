public import GRDB
public import GeoModel
import Foundation

extension Store {
    // `forEachFeature` comes from `FeatureReading`, built on this.

    /// One page of a version's table: `select` of the rows with id greater than `after`, in id
    /// order, those whose index box meets `bbox` when one is given.
    private static func pageQuery(_ version: DatasetVersionRecord, select: String, bbox: BoundingBox?, after: Int64,
                                  limit: Int) -> (String, StatementArguments) {
        var sql = "SELECT \(select) FROM \(quoteIdentifier(version.featureTable)) WHERE fid > ?"
        var args: [any DatabaseValueConvertible] = [after]
        if let bbox {
            sql += " AND fid IN (SELECT pkid FROM \(quoteIdentifier("idx_\(version.featureTable)_geom")) WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)"
            args += [bbox.maxX, bbox.minX, bbox.maxY, bbox.minY]
        }
        sql += " ORDER BY fid LIMIT ?"
        args.append(limit)
        return (sql, StatementArguments(args))
    }

    /// Up to `limit` features with id greater than `after`, in id order.
    public func featurePage(of version: DatasetVersionRecord, bbox: BoundingBox? = nil, after: Int64 = 0, limit: Int) throws -> [Feature] {
        let (sql, args) = Self.pageQuery(version, select: Self.selectList(version.fields), bbox: bbox, after: after, limit: limit)
        let fields = version.fields
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: args).map { try Self.feature($0, fields: fields) }
        }
    }

    /// Up to `limit` features with id greater than `after`, in id order, with only the fields
    /// `names` (what a tileset draws): one page of a table read with a short-lived statement, the
    /// geometry decoded from SQLite's own buffer without a copy.
    public func featurePage(of version: DatasetVersionRecord, fields names: [String], bbox: BoundingBox?, after: Int64,
                            limit: Int) throws -> [Feature] {
        let fields = try version.fields(named: names)
        let select = (["fid", "AsBinary(geom)"] + fields.map { quoteIdentifier($0.name) }).joined(separator: ", ")
        let (sql, args) = Self.pageQuery(version, select: select, bbox: bbox, after: after, limit: limit)
        return try pool.read { db in
            var page: [Feature] = []
            page.reserveCapacity(min(limit, 10_000))
            let rows = try Row.fetchCursor(db, sql: sql, arguments: args)
            while let row = try rows.next() {
                let geometry: Geometry? = try row.withUnsafeData(atIndex: 1) { data in
                    try data?.withUnsafeBytes { try WKB.decode($0) }
                }
                var values: [FieldValue] = []
                values.reserveCapacity(fields.count)
                for (i, field) in fields.enumerated() { values.append(FieldValue(stored: row[i + 2], as: field.type)) }
                page.append(Feature(id: row[0], geometry: geometry, values: values))
            }
            return page
        }
    }

    /// The columns to read for a feature: id, each field, and the geometry as WKB.
    public static func selectList(_ fields: [FieldDefinition]) -> String {
        (["fid"] + fields.map { quoteIdentifier($0.name) } + ["AsBinary(geom)"]).joined(separator: ", ")
    }

    /// Decodes a row read with `selectList`.
    public static func feature(_ row: Row, fields: [FieldDefinition]) throws -> Feature {
        var values = [FieldValue]()
        values.reserveCapacity(fields.count)
        for (i, f) in fields.enumerated() { values.append(FieldValue(stored: row[i + 1], as: f.type)) }
        var geometry: Geometry?
        if let blob: Data = row[fields.count + 1] {
            geometry = try blob.withUnsafeBytes { try WKB.decode($0) }
        }
        return Feature(id: row[0], geometry: geometry, values: values)
    }
}
