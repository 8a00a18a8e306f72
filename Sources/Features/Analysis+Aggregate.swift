public import FeatureQuery
public import GeoModel
import GRDB
import GRDBSQLite
import GeoStore
import PublicErrors

extension Analysis {
    /// Figures for one area: how many features of the counted dataset lie in it, and the
    /// sum/avg/min/max of their numeric field when one was asked for.
    public struct AreaFigures: Sendable, Hashable {
        public var fid: Int64
        public var values: [FieldValue]
        public var geometry: Geometry?
        public var count: Int
        public var sum: Double?
        public var average: Double?
        public var minimum: Double?
        public var maximum: Double?
    }

    /// Counts the features of `counted` inside each polygon of `areas` (a feature is inside
    /// when its point — or a point on its surface, for lines and polygons — is), with
    /// statistics of `field` when given. Every area is listed, also those with none.
    public func aggregate(_ counted: FeatureCollectionInfo, field: String?, per areas: FeatureCollectionInfo,
                          includeGeometry: Bool) async throws(FeaturesError) -> [AreaFigures] {
        var stat: FieldDefinition?
        if let field {
            guard let f = counted.table.field(named: field) else {
                throw .invalid("field", SafeMessage("analysis.field.unknown", ["collection": counted.id, "field": field, "fields": counted.table.fields.map(\.name).joined(separator: ", ")]))
            }
            guard f.type == .integer || f.type == .real else {
                throw .invalid("field", SafeMessage("analysis.field.notNumeric", ["field": field, "type": f.type.rawValue]))
            }
            stat = f
        }
        let a = counted.table, b = areas.table
        let ag = "a.\(quoteIdentifier(a.geometryColumn))", bg = "b.\(quoteIdentifier(b.geometryColumn))"
        let col = stat.map { "a.\(quoteIdentifier($0.name))" } ?? "NULL"
        // Per area: the R*Tree of the counted table gives the features whose box meets the
        // area's box; the exact containment test runs only on those.
        let figures = """
            SELECT b.fid AS area, count(a.fid) AS n, sum(\(col)) AS s, avg(\(col)) AS av, min(\(col)) AS mn, max(\(col)) AS mx
            FROM \(b.quotedName) AS b JOIN \(a.quotedName) AS a
              ON a.fid IN (SELECT pkid FROM \(quoteIdentifier(a.spatialIndex))
                           WHERE xmin <= MbrMaxX(\(bg)) AND xmax >= MbrMinX(\(bg)) AND ymin <= MbrMaxY(\(bg)) AND ymax >= MbrMinY(\(bg)))
             AND ST_Contains(\(bg), CASE WHEN ST_GeometryType(\(ag)) IN ('POINT', 'POINT XY') THEN \(ag) ELSE ST_PointOnSurface(\(ag)) END) = 1
            GROUP BY b.fid
            """
        let listSQL = "SELECT t.fid, \(includeGeometry ? "AsBinary(t.\(quoteIdentifier(b.geometryColumn)))" : "NULL")\(b.fields.map { ", t.\(quoteIdentifier($0.name))" }.joined()) FROM \(b.quotedName) AS t ORDER BY t.fid"
        let fields = b.fields
        let limit = queries.timeLimit * 6
        let withStats = stat != nil
        return try await queries.run { db throws(FeaturesError) in
            var byArea: [Int64: (Int, Double?, Double?, Double?, Double?)] = [:]
            func optDouble(_ s: OpaquePointer, _ i: Int32) -> Double? {
                sqlite3_column_type(s, i) == SQLITE_NULL ? nil : sqlite3_column_double(s, i)
            }
            try Self.forEachRow(db, sql: figures, arguments: [], limit: limit) { s in
                byArea[sqlite3_column_int64(s, 0)] = (Int(sqlite3_column_int64(s, 1)), optDouble(s, 2), optDouble(s, 3), optDouble(s, 4), optDouble(s, 5))
            }
            var out: [AreaFigures] = []
            try Self.forEachRow(db, sql: listSQL, arguments: []) { s in
                let fid = sqlite3_column_int64(s, 0)
                let f = byArea[fid]
                out.append(AreaFigures(fid: fid, values: Self.values(s, from: 2, fields),
                                       geometry: includeGeometry ? Self.geometry(s, 1) : nil,
                                       count: f?.0 ?? 0, sum: withStats ? (f?.1 ?? 0) : nil,
                                       average: f?.2, minimum: f?.3, maximum: f?.4))
            }
            return out
        }
    }
}
