public import GeoStore
public import GeoModel
import NIOCore
import PostgresNIO

extension PostGISStore {
    /// Up to `limit` features with id greater than `after`, in id order, optionally only those
    /// whose bounding box meets `bbox` (`&&` on the GiST index). Values come back as SQLite's
    /// store gives them: each column's type is its field's.
    public func featurePage(of version: DatasetVersionRecord, bbox: BoundingBox?, after: Int64, limit: Int) throws -> [Feature] {
        let columns = (["fid"] + version.fields.map { quoteIdentifier($0.name) } + ["ST_AsBinary(geom, 'NDR')"]).joined(separator: ", ")
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
        let fields = version.fields
        return try rows(query, "read features").map { try Self.feature($0.makeRandomAccess(), fields: fields) }
    }

    /// The one decoder from a feature row of this backend to `FieldValue`s.
    static func feature(_ r: PostgresRandomAccessRow, fields: [FieldDefinition]) throws -> Feature {
        var values = [FieldValue]()
        values.reserveCapacity(fields.count)
        for (i, f) in fields.enumerated() {
            let cell = r[i + 1]
            switch f.type {
            case .integer: values.append(try cell.decode(Int64?.self).map(FieldValue.integer) ?? .null)
            case .real: values.append(try cell.decode(Double?.self).map(FieldValue.real) ?? .null)
            case .boolean: values.append(try cell.decode(Bool?.self).map(FieldValue.boolean) ?? .null)
            case .text, .date, .dateTime: values.append(try cell.decode(String?.self).map(FieldValue.text) ?? .null)
            }
        }
        let geometry = try r[fields.count + 1].decode(ByteBuffer?.self).map { buffer in
            try buffer.readableBytesView.withUnsafeBytes { try WKB.decode($0) }
        }
        return Feature(id: try r[0].decode(Int64.self), geometry: geometry, values: values)
    }
}
