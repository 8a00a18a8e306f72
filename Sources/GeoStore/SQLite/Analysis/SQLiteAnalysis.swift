public import FeatureQuery
public import GeoModel
import GRDB
import GRDBSQLite
import PublicErrors

/// The SQLite side of `AnalysisReading`: SpatiaLite SQL on the feature tables, the R*Tree read
/// first, rows stepped with SQLite's C API and decoded straight from the column memory (no Row
/// objects: the point-in-area index reads every polygon of a layer), under the same
/// progress-handler time limit as items queries.
extension SQLiteFeatureQueries: AnalysisReading {
    public func analysedFeatures(of table: FeatureTable, timeLimit: Double) throws(FeaturesError) -> [AnalysedFeature] {
        let sql = "SELECT \(Self.selectList(table)) FROM \(table.quotedName) AS t ORDER BY t.fid"
        let fields = table.fields
        return try run { db throws(FeaturesError) in
            var out: [AnalysedFeature] = []
            try Self.forEachAnalysisRow(db, sql: sql, arguments: [], timeLimit: timeLimit) { s in
                out.append(AnalysedFeature(fid: sqlite3_column_int64(s, 0), values: Self.values(s, from: 2, fields), geometry: Self.geometry(s, 1)))
            }
            return out
        }
    }

    public func distances(from geometry: Geometry, in table: FeatureTable, candidatesIn box: BoundingBox, within metres: Double?,
                          limit: Int?, timeLimit: Double) throws(FeaturesError) -> [FeatureDistance] {
        let candidates = table.indexCandidates(box)
        let g = "t.\(quoteIdentifier(table.geometryColumn))"
        // ST_Distance(…, 1): the geodesic length of the shortest line, the formula AnalysisReading promises.
        var sql = "SELECT t.fid, ST_Distance(\(g), GeomFromWKB(?, 4326), 1) AS d\(table.fields.map { ", t.\(quoteIdentifier($0.name))" }.joined()) FROM \(table.quotedName) AS t WHERE \(candidates.sql)"
        var arguments: [SQLValue] = [.blob(WKB.encode(geometry))] + candidates.arguments
        if let metres { sql += " AND d <= ?"; arguments.append(.real(metres)) }
        // A distance SpatiaLite could not measure is NULL: last, so that a limit keeps real ones.
        sql += " ORDER BY d NULLS LAST, t.fid"
        if let limit { sql += " LIMIT ?"; arguments.append(.integer(Int64(max(0, limit)))) }
        let fields = table.fields
        let (finalSQL, finalArguments) = (sql, arguments)
        return try run { db throws(FeaturesError) in
            var out: [FeatureDistance] = []
            try Self.forEachAnalysisRow(db, sql: finalSQL, arguments: finalArguments, timeLimit: timeLimit) { s in
                guard sqlite3_column_type(s, 1) != SQLITE_NULL else { return }
                out.append(FeatureDistance(fid: sqlite3_column_int64(s, 0), metres: sqlite3_column_double(s, 1), values: Self.values(s, from: 2, fields)))
            }
            return out
        }
    }

    public func areaTotals(counting counted: FeatureTable, field: FieldDefinition?, perAreaOf areas: FeatureTable,
                           includeGeometry: Bool, timeLimit: Double) throws(FeaturesError) -> [AreaTotals] {
        try field?.requireNumericForFigures()
        let (a, b) = (counted, areas)
        let ag = "a.\(quoteIdentifier(a.geometryColumn))", bg = "b.\(quoteIdentifier(b.geometryColumn))"
        let col = field.map { "a.\(quoteIdentifier($0.name))" } ?? "NULL"
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
        let list = "SELECT t.fid, \(includeGeometry ? "AsBinary(t.\(quoteIdentifier(b.geometryColumn)))" : "NULL")\(b.fields.map { ", t.\(quoteIdentifier($0.name))" }.joined()) FROM \(b.quotedName) AS t ORDER BY t.fid"
        let fields = b.fields
        return try run { db throws(FeaturesError) in
            var byArea: [Int64: AreaTotals] = [:]
            func optionalDouble(_ s: OpaquePointer, _ i: Int32) -> Double? {
                sqlite3_column_type(s, i) == SQLITE_NULL ? nil : sqlite3_column_double(s, i)
            }
            let empty = AnalysedFeature(fid: 0, values: [])
            try Self.forEachAnalysisRow(db, sql: figures, arguments: [], timeLimit: timeLimit) { s in
                byArea[sqlite3_column_int64(s, 0)] = AreaTotals(area: empty, count: Int(sqlite3_column_int64(s, 1)),
                                                                sum: optionalDouble(s, 2), average: optionalDouble(s, 3),
                                                                minimum: optionalDouble(s, 4), maximum: optionalDouble(s, 5))
            }
            var out: [AreaTotals] = []
            try Self.forEachAnalysisRow(db, sql: list, arguments: [], timeLimit: timeLimit) { s in
                let area = AnalysedFeature(fid: sqlite3_column_int64(s, 0), values: Self.values(s, from: 2, fields),
                                           geometry: includeGeometry ? Self.geometry(s, 1) : nil)
                var totals = byArea[area.fid] ?? AreaTotals(area: area, count: 0)
                totals.area = area
                out.append(totals)
            }
            return out
        }
    }

    // MARK: Rows

    /// Steps `sql` row by row under `timeLimit`, handing `body` the statement; interrupted by
    /// the limit, it is an `analysis.timeout`.
    static func forEachAnalysisRow(_ db: Database, sql: String, arguments: [SQLValue], timeLimit: Double,
                                   _ body: (OpaquePointer) throws(FeaturesError) -> Void) throws(FeaturesError) {
        try withTimeLimit(db, seconds: timeLimit) { () throws(FeaturesError) in
            let statement: Statement
            do {
                statement = try db.cachedStatement(sql: sql)
                try statement.setArguments(StatementArguments(arguments.map(\.databaseValue)))
            } catch {
                throw FeaturesError.store("the store could not prepare the analysis: \(error)")
            }
            let s = statement.sqliteStatement
            defer { sqlite3_reset(s) }
            while true {
                let rc = sqlite3_step(s)
                if rc == SQLITE_DONE { return }
                if rc == SQLITE_INTERRUPT { throw FeaturesError(.timeout, SafeMessage("analysis.timeout")) }
                guard rc == SQLITE_ROW else {
                    throw FeaturesError.store("the store failed during the analysis: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                }
                try body(s)
            }
        }
    }

    static func geometry(_ s: OpaquePointer, _ i: Int32) -> Geometry? {
        guard sqlite3_column_type(s, i) == SQLITE_BLOB, let p = sqlite3_column_blob(s, i) else { return nil }
        return try? WKB.decode(UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(s, i))))
    }

    /// The columns from `first` on as `fields`' values, by the store's one rule (`FieldValue(stored:as:)`).
    static func values(_ s: OpaquePointer, from first: Int32, _ fields: [FieldDefinition]) -> [FieldValue] {
        fields.indices.map { k in FieldValue(stored: DatabaseValue(sqliteStatement: s, index: first + Int32(k)), as: fields[k].type) }
    }
}

extension Store {  // AnalysisReading, through GeoStoreBackend
    public func analysedFeatures(of table: FeatureTable, timeLimit: Double) throws(FeaturesError) -> [AnalysedFeature] {
        try SQLiteFeatureQueries(reader: pool).analysedFeatures(of: table, timeLimit: timeLimit)
    }

    public func distances(from geometry: Geometry, in table: FeatureTable, candidatesIn box: BoundingBox, within metres: Double?,
                          limit: Int?, timeLimit: Double) throws(FeaturesError) -> [FeatureDistance] {
        try SQLiteFeatureQueries(reader: pool).distances(from: geometry, in: table, candidatesIn: box, within: metres, limit: limit, timeLimit: timeLimit)
    }

    public func areaTotals(counting counted: FeatureTable, field: FieldDefinition?, perAreaOf areas: FeatureTable,
                           includeGeometry: Bool, timeLimit: Double) throws(FeaturesError) -> [AreaTotals] {
        try SQLiteFeatureQueries(reader: pool).areaTotals(counting: counted, field: field, perAreaOf: areas,
                                                          includeGeometry: includeGeometry, timeLimit: timeLimit)
    }
}
