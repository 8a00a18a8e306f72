public import FeatureQuery
public import GeoStore
import GeoModel
import Logging
import NIOCore
import PostgresNIO
import PublicErrors

/// OGC API items on PostGIS (`FeatureQuerying`): the query compiled by `PostgreSQLCompiler`,
/// run in a read-only transaction under `SET LOCAL statement_timeout`, the rows written as
/// GeoJSON by GeoModel's writer, byte for byte what the SQLite store writes.
extension PostGISStore {  // FeatureQuerying, through GeoStoreBackend
    public func items(in c: QueriedCollection, _ q: ItemsQuery, output: FeatureOutput, timeLimit: Double) throws(FeaturesError) -> ItemsPage {
        let checked = try CheckedItemsQuery(q, in: c)
        var compiler = PostgreSQLCompiler(table: c.table)
        let condition = try compiler.condition(q, checked)
        let whereSQL = condition.map { " WHERE \($0)" } ?? ""
        let from = "\(table(c.table.name)) AS t"
        // `properties`: only those fields are read and written (filters still see them all).
        let shown = c.table.showing(q.properties)
        let countQuery = PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(from)\(whereSQL)", binds: PostgreSQLValue.bindings(compiler.values))
        let limit = compiler.bind(.integer(Int64(q.limit))), offset = compiler.bind(.integer(Int64(q.offset)))
        let sql = "SELECT \(Self.selectList(shown)) FROM \(from)\(whereSQL) ORDER BY \(compiler.orderBy(checked.sort)) LIMIT \(limit) OFFSET \(offset)"
        let query = PostgresQuery(unsafeSQL: sql, binds: PostgreSQLValue.bindings(compiler.values))
        return try readOnly(timeLimit: timeLimit) { run throws(FeaturesError) in
            var out: [UInt8] = []
            out.reserveCapacity(64 * 1024)
            out.append(UInt8(ascii: "["))
            let n = try Self.writeFeatures(try run(query), fields: shown.fields, output: output, table: c.table.name, into: &out)
            out.append(UInt8(ascii: "]"))
            let matched = try q.numberMatched(returned: n, filtered: condition != nil, featureCount: c.featureCount) { () throws(FeaturesError) in
                guard let row = try run(countQuery).first else { throw FeaturesError.store("PostgreSQL gave no count") }
                do { return Int(try row.decode(Int64.self)) } catch { throw FeaturesError.store("the count could not be read: \(error)") }
            }
            return ItemsPage(featuresJSON: out, numberReturned: n, numberMatched: matched)
        }
    }

    public func item(in c: QueriedCollection, id: Int64, output: FeatureOutput, timeLimit: Double) throws(FeaturesError) -> [UInt8]? {
        let query = PostgresQuery(unsafeSQL: "SELECT \(Self.selectList(c.table)) FROM \(table(c.table.name)) AS t WHERE t.fid = $1",
                                  binds: PostgreSQLValue.bindings([.integer(id)]))
        return try readOnly(timeLimit: timeLimit) { run throws(FeaturesError) in
            var out: [UInt8] = []
            let n = try Self.writeFeatures(try run(query), fields: c.table.fields, output: output, table: c.table.name, into: &out)
            return n == 0 ? nil : out
        }
    }

    /// Columns in the order `feature(_:fields:)` decodes: fid, the fields, the WKB geometry.
    static func selectList(_ table: FeatureTable) -> String {
        (["t.fid"] + table.fields.map { "t.\(quoteIdentifier($0.name))" } + ["ST_AsBinary(t.\(quoteIdentifier(table.geometryColumn)), 'NDR')"])
            .joined(separator: ", ")
    }

    static func writeFeatures(_ rows: [PostgresRow], fields: [FieldDefinition], output: FeatureOutput, table: String,
                              into out: inout [UInt8]) throws(FeaturesError) -> Int {
        for (i, row) in rows.enumerated() {
            var f: Feature
            do { f = try feature(row.makeRandomAccess(), fields: fields) } catch {
                throw FeaturesError.store("a feature of \(table) could not be read: \(error)")
            }
            if let t = output.transform, let g = f.geometry {
                do { f.geometry = try g.mapPositions(t) } catch {
                    throw FeaturesError.store("feature \(f.id) of \(table) has a geometry that could not be written in \(output.crsName): \(error)")
                }
            }
            if i > 0 { out.append(UInt8(ascii: ",")) }
            GeoJSON.writeFeature(f, fields: fields, precision: output.precision, into: &out)
        }
        return rows.count
    }

    /// Runs `body` in a read-only transaction whose statements stop after `timeLimit` seconds;
    /// `body` runs queries through the function it is given. A stopped statement is `.timeout`.
    func readOnly<T>(timeLimit: Double, _ body: (_ run: (PostgresQuery) throws(FeaturesError) -> [PostgresRow]) throws(FeaturesError) -> T) throws(FeaturesError) -> T {
        let logger = connections.logger
        // At least 1 ms: 0 would mean no limit at all to PostgreSQL.
        let milliseconds = max(1, Int((max(0, timeLimit) * 1000).rounded(.up)))
        func run(_ c: PostgresConnection, _ query: PostgresQuery) throws(FeaturesError) -> [PostgresRow] {
            do {
                return try waitFor(on: c.eventLoop) { try await c.query(query, logger: logger).collect() }
            } catch {
                throw Self.featuresError(error)
            }
        }
        do {
            return try connections.withConnection { c in
                _ = try run(c, "BEGIN READ ONLY")
                do {
                    _ = try run(c, PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(milliseconds)"))
                    let value = try body { (q: PostgresQuery) throws(FeaturesError) in try run(c, q) }
                    _ = try run(c, "COMMIT")
                    return value
                } catch {
                    _ = try? run(c, "ROLLBACK")
                    throw error
                }
            }
        } catch let e as FeaturesError {
            throw e
        } catch {
            throw Self.featuresError(error)
        }
    }

    /// A driver or server error as the error value of items queries: a statement stopped by
    /// `statement_timeout` (SQLSTATE 57014) is `.timeout`; anything else a store failure,
    /// logged with PostgreSQL's words (never shown).
    static func featuresError(_ error: any Error) -> FeaturesError {
        if let e = error as? FeaturesError { return e }
        if let e = error as? PSQLError, e.serverInfo?[.sqlState] == "57014" {
            return FeaturesError(.timeout, SafeMessage("features.timeout"), detail: "statement_timeout")
        }
        return FeaturesError.store("\(PostGISError.wrapping(error, "query items"))")
    }
}
