public import FeatureQuery
public import GeoStore
public import GeoModel
import NIOCore
import PostgresNIO
import PublicErrors

/// The analysis API's reads on PostGIS (`AnalysisReading`), giving the SQLite store's answers:
/// the GiST index (`&&`) picks candidates by box, distances are the geodesic length on the
/// WGS 84 ellipsoid of the shortest line in lon/lat (`ST_Length(ST_ShortestLine(…)::geography)`,
/// SpatiaLite's `ST_Distance(…, 1)` formula), and each read runs in a read-only transaction
/// under `statement_timeout`.
extension PostGISStore {  // AnalysisReading, through GeoStoreBackend
    public func analysedFeatures(of table: FeatureTable, timeLimit: Double) throws(FeaturesError) -> [AnalysedFeature] {
        let query = PostgresQuery(unsafeSQL: "SELECT \(Self.selectList(table)) FROM \(self.table(table.name)) AS t ORDER BY t.fid")
        return try analysis(timeLimit: timeLimit) { run throws(FeaturesError) in
            try Self.decoded(try run(query), table.name) { r in
                let f = try Self.feature(r, fields: table.fields)
                return AnalysedFeature(fid: f.id, values: f.values, geometry: f.geometry)
            }
        }
    }

    public func distances(from geometry: Geometry, in table: FeatureTable, candidatesIn box: BoundingBox, within metres: Double?,
                          limit: Int?, timeLimit: Double) throws(FeaturesError) -> [FeatureDistance] {
        var values: [PostgreSQLValue] = [.bytes(WKB.encode(geometry)), .real(box.minX), .real(box.minY), .real(box.maxX), .real(box.maxY)]
        let g = "t.\(quoteIdentifier(table.geometryColumn))"
        let columns = table.fields.map { ", t.\(quoteIdentifier($0.name))" }.joined()
        var sql = """
            SELECT * FROM (
              SELECT t.fid, ST_Length(ST_ShortestLine(\(g), ST_GeomFromWKB($1, 4326))::geography, true) AS d\(columns)
              FROM \(self.table(table.name)) AS t WHERE \(g) && ST_MakeEnvelope($2, $3, $4, $5, 4326)
            ) AS c
            """
        if let metres { values.append(.real(metres)); sql += " WHERE d <= $\(values.count)" }
        sql += " ORDER BY d NULLS LAST, fid"
        if let limit { values.append(.integer(Int64(max(0, limit)))); sql += " LIMIT $\(values.count)" }
        let query = PostgresQuery(unsafeSQL: sql, binds: PostgreSQLValue.bindings(values))
        let rows = try analysis(timeLimit: timeLimit) { run throws(FeaturesError) in
            try Self.decoded(try run(query), table.name) { r -> FeatureDistance? in
                // A distance PostGIS could not measure (an empty geometry) is NULL, as in SQLite: skipped.
                guard let d = try r[1].decode(Double?.self) else { return nil }
                return FeatureDistance(fid: try r[0].decode(Int64.self), metres: d, values: try Self.values(r, from: 2, table.fields))
            }
        }
        return rows.compactMap { $0 }
    }

    public func areaTotals(counting counted: FeatureTable, field: FieldDefinition?, perAreaOf areas: FeatureTable,
                           includeGeometry: Bool, timeLimit: Double) throws(FeaturesError) -> [AreaTotals] {
        try field?.requireNumericForFigures()
        let (a, b) = (counted, areas)
        let ag = "a.\(quoteIdentifier(a.geometryColumn))", bg = "b.\(quoteIdentifier(b.geometryColumn))"
        let col = field.map { "a.\(quoteIdentifier($0.name))" } ?? "NULL::bigint"
        // Figures as double precision, as SQLite reads them; count as bigint.
        let figures = PostgresQuery(unsafeSQL: """
            SELECT b.fid, count(a.fid), sum(\(col))::float8, avg(\(col))::float8, min(\(col))::float8, max(\(col))::float8
            FROM \(table(b.name)) AS b JOIN \(table(a.name)) AS a
              ON \(ag) && \(bg)
             AND ST_Contains(\(bg), CASE WHEN GeometryType(\(ag)) = 'POINT' THEN \(ag) ELSE ST_PointOnSurface(\(ag)) END)
            GROUP BY b.fid
            """)
        let geometry = includeGeometry ? "ST_AsBinary(t.\(quoteIdentifier(b.geometryColumn)), 'NDR')" : "NULL::bytea"
        let list = PostgresQuery(unsafeSQL: "SELECT t.fid\(b.fields.map { ", t.\(quoteIdentifier($0.name))" }.joined()), \(geometry) FROM \(table(b.name)) AS t ORDER BY t.fid")
        return try analysis(timeLimit: timeLimit) { run throws(FeaturesError) in
            var byArea: [Int64: AreaTotals] = [:]
            for totals in try Self.decoded(try run(figures), b.name, { r in
                AreaTotals(area: AnalysedFeature(fid: try r[0].decode(Int64.self), values: []), count: Int(try r[1].decode(Int64.self)),
                           sum: try r[2].decode(Double?.self), average: try r[3].decode(Double?.self),
                           minimum: try r[4].decode(Double?.self), maximum: try r[5].decode(Double?.self))
            }) {
                byArea[totals.area.fid] = totals
            }
            return try Self.decoded(try run(list), b.name) { r in
                let f = try Self.feature(r, fields: b.fields)
                let area = AnalysedFeature(fid: f.id, values: f.values, geometry: f.geometry)
                var totals = byArea[f.id] ?? AreaTotals(area: area, count: 0)
                totals.area = area
                return totals
            }
        }
    }

    /// `readOnly` for the analysis reads: a statement stopped by its time limit is the
    /// analysis's own timeout message.
    func analysis<T>(timeLimit: Double, _ body: (_ run: (PostgresQuery) throws(FeaturesError) -> [PostgresRow]) throws(FeaturesError) -> T) throws(FeaturesError) -> T {
        do {
            return try readOnly(timeLimit: timeLimit, body)
        } catch where error.kind == .timeout {
            throw FeaturesError(.timeout, SafeMessage("analysis.timeout"), detail: error.detail)
        }
    }

    /// Each row through `decode`; a row that cannot be read is a store failure naming the table.
    static func decoded<T>(_ rows: [PostgresRow], _ table: String, _ decode: (PostgresRandomAccessRow) throws -> T) throws(FeaturesError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(rows.count)
        do {
            for row in rows { out.append(try decode(row.makeRandomAccess())) }
        } catch {
            throw FeaturesError.store("a row of \(table) could not be read for an analysis: \(error)")
        }
        return out
    }
}
