public import GeoModel
import GRDB

extension Store {
    /// The integer fields of a version (and `fid`, the feature id) whose values all fit in 32
    /// bits. Downloads declare those as 32-bit integers: GDAL reads a GeoJSON's small integers
    /// as `Integer`, and its KML writer types only 32-bit integers (a 64-bit one becomes text),
    /// so the same field keeps the same type in every format. One aggregate query.
    public func integerFieldsWithin32Bits(of version: DatasetVersionRecord) throws -> Set<String> {
        let names = ["fid"] + version.fields.filter { $0.type == .integer }.map(\.name)
        let ranges = names.map { "MIN(\(quoteIdentifier($0))), MAX(\(quoteIdentifier($0)))" }.joined(separator: ", ")
        let sql = "SELECT \(ranges) FROM \(quoteIdentifier(version.featureTable))"
        let row = try pool.read { db in try Row.fetchOne(db, sql: sql) }
        var out = Set<String>()
        for (i, name) in names.enumerated() {
            let low: Int64? = row?[2 * i], high: Int64? = row?[2 * i + 1]
            if (low ?? 0) >= Int64(Int32.min), (high ?? 0) <= Int64(Int32.max) { out.insert(name) }
        }
        return out
    }
}
