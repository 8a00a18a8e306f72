public import GeoStore
public import GeoModel
import NIOCore
import PostgresNIO

extension PostGISStore {
    /// Up to `limit` features with id greater than `after`, in id order, optionally only those
    /// whose bounding box meets `bbox` (`&&` on the GiST index). Values come back as SQLite's
    /// store gives them: each column's type is its field's.
    public func featurePage(of version: DatasetVersionRecord, bbox: BoundingBox?, after: Int64, limit: Int) throws -> [Feature] {
        try page(of: version, fields: version.fields, bbox: bbox, after: after, limit: limit)
    }

    /// The same with only the fields `names`, in that order (what a tileset draws).
    public func featurePage(of version: DatasetVersionRecord, fields names: [String], bbox: BoundingBox?, after: Int64,
                            limit: Int) throws -> [Feature] {
        try page(of: version, fields: try version.fields(named: names), bbox: bbox, after: after, limit: limit)
    }

    func page(of version: DatasetVersionRecord, fields: [FieldDefinition], bbox: BoundingBox?, after: Int64, limit: Int) throws -> [Feature] {
        let columns = (["fid"] + fields.map { quoteIdentifier($0.name) } + ["ST_AsBinary(geom, 'NDR')"]).joined(separator: ", ")
        let from = table(version.featureTable)
        let query: PostgresQuery = if let bbox {
            """
            SELECT \(unescaped: columns) FROM \(unescaped: from) WHERE fid > \(after)
              AND geom && ST_MakeEnvelope(\(bbox.minX), \(bbox.minY), \(bbox.maxX), \(bbox.maxY), 4326)
            ORDER BY fid LIMIT \(limit)
            """
        } else {
            "SELECT \(unescaped: columns) FROM \(unescaped: from) WHERE fid > \(after) ORDER BY fid LIMIT \(limit)"
        }
        return try rows(query, "read features").map { try Self.feature($0.makeRandomAccess(), fields: fields) }
    }

    /// The integer fields of a version (and `fid`) whose values all fit in 32 bits: one
    /// aggregate query, as SQLite's store runs.
    public func integerFieldsWithin32Bits(of version: DatasetVersionRecord) throws -> Set<String> {
        let names = ["fid"] + version.fields.filter { $0.type == .integer }.map(\.name)
        let ranges = names.map { "MIN(\(quoteIdentifier($0))), MAX(\(quoteIdentifier($0)))" }.joined(separator: ", ")
        guard let row = try rows("SELECT \(unescaped: ranges) FROM \(unescaped: table(version.featureTable))", "read integer ranges").first else {
            return Set(names)
        }
        let r = row.makeRandomAccess()
        var out = Set<String>()
        for (i, name) in names.enumerated() {
            let low = try r[2 * i].decode(Int64?.self), high = try r[2 * i + 1].decode(Int64?.self)
            if (low ?? 0) >= Int64(Int32.min), (high ?? 0) <= Int64(Int32.max) { out.insert(name) }
        }
        return out
    }

    /// The one decoder from a feature row of this backend to `FieldValue`s.
    static func feature(_ r: PostgresRandomAccessRow, fields: [FieldDefinition]) throws -> Feature {
        let values = try Self.values(r, from: 1, fields)
        let geometry = try r[fields.count + 1].decode(ByteBuffer?.self).map { buffer in
            try buffer.readableBytesView.withUnsafeBytes { try WKB.decode($0) }
        }
        return Feature(id: try r[0].decode(Int64.self), geometry: geometry, values: values)
    }

    /// The columns from `first` on as `fields`' values: each column's type is its field's.
    static func values(_ r: PostgresRandomAccessRow, from first: Int, _ fields: [FieldDefinition]) throws -> [FieldValue] {
        var values = [FieldValue]()
        values.reserveCapacity(fields.count)
        for (i, f) in fields.enumerated() {
            let cell = r[first + i]
            switch f.type {
            case .integer: values.append(try cell.decode(Int64?.self).map(FieldValue.integer) ?? .null)
            case .real: values.append(try cell.decode(Double?.self).map(FieldValue.real) ?? .null)
            case .boolean: values.append(try cell.decode(Bool?.self).map(FieldValue.boolean) ?? .null)
            case .text, .date, .dateTime: values.append(try cell.decode(String?.self).map(FieldValue.text) ?? .null)
            }
        }
        return values
    }
}
