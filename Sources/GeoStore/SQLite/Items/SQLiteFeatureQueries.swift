public import FeatureQuery
public import GRDB
public import GeoModel
import GRDBSQLite
import Foundation
import PublicErrors

/// The SQLite backend of `FeatureQuerying`: items queries on the store's feature tables.
///
/// Every condition becomes SQL with `?` placeholders; spatial conditions read the R*Tree first.
/// Each query runs under a time limit (an SQLite progress handler), so one heavy filter
/// cannot tie up a reader connection.
public struct SQLiteFeatureQueries: FeatureQuerying {
    public let reader: any DatabaseReader

    public init(reader: any DatabaseReader) { self.reader = reader }

    // MARK: Conditions

    /// The WHERE condition of an items query on table alias `t`.
    static func condition(for c: QueriedCollection, _ q: ItemsQuery, _ checked: CheckedItemsQuery) throws(FeaturesError) -> SQLFragment? {
        var parts: [SQLFragment] = []
        // The filter goes first: it may be the most nested part, and SQLite parses a nested
        // operand more cheaply first than after an AND (see CQL2+SQLiteShape.swift).
        if let filter = q.filter {
            parts.append(try CQL2Compiler(table: c.table).compile(filter))
        }
        if let box = q.bbox { parts.append(bboxCondition(c.table, box)) }
        for (f, v) in checked.equalities {
            parts.append(SQLFragment("t.\(quoteIdentifier(f.name)) = ?", [SQLValue(v)]))
        }
        if let d = checked.datetime {
            let (f, dt) = (d.field, d.interval)
            let col = "t.\(quoteIdentifier(f.name))"
            if let s = dt.start { parts.append(SQLFragment("\(col) >= ?", [.text(s)])) }
            if let e = dt.end {
                // A date-only end includes that whole day.
                parts.append(e.count == 10 ? SQLFragment("substr(\(col), 1, 10) <= ?", [.text(e)]) : SQLFragment("\(col) <= ?", [.text(e)]))
            }
        }
        guard let first = parts.first else { return nil }
        guard parts.count > 1 else { return first }
        // `(filter) AND (the rest)`, the rest grouped so that a thousand repeated
        // `property=value` parameters cannot make SQLite's expression tree too high.
        let rest = parts.dropFirst().map { SQLCondition(sql: $0.sql, arguments: $0.arguments, parserDepth: 10, height: 12) }
        let all = SQLCondition.joined(rest, "AND")
        let arguments = first.arguments + all.arguments
        guard arguments.count <= CQL2Compiler.maximumValues else { throw QueryRules.tooManyValues(arguments.count) }
        return SQLFragment("(\(first.sql)) AND (\(all.sql))", arguments)
    }

    /// Features whose geometry meets the box: the R*Tree gives candidates; those whose own box
    /// lies inside are kept without GEOS; the rest are tested exactly.
    static func bboxCondition(_ table: FeatureTable, _ b: BoundingBox) -> SQLFragment {
        let g = "t.\(quoteIdentifier(table.geometryColumn))"
        let exact = SQLFragment(
            "(MbrMinX(\(g)) >= ? AND MbrMaxX(\(g)) <= ? AND MbrMinY(\(g)) >= ? AND MbrMaxY(\(g)) <= ?) OR ST_Intersects(\(g), BuildMbr(?, ?, ?, ?, 4326)) = 1",
            [.real(b.minX), .real(b.maxX), .real(b.minY), .real(b.maxY), .real(b.minX), .real(b.minY), .real(b.maxX), .real(b.maxY)])
        return table.indexCandidates(b).and(exact)
    }

    // MARK: Running

    public func items(in c: QueriedCollection, _ q: ItemsQuery, output: FeatureOutput, timeLimit: Double) throws(FeaturesError) -> ItemsPage {
        let checked = try CheckedItemsQuery(q, in: c)
        let cond = try Self.condition(for: c, q, checked)
        let table = c.table
        // `properties`: only those fields are read and written (filters still see them all).
        let shown = table.showing(q.properties)
        let select = Self.selectList(shown)
        let whereSQL = cond.map { " WHERE \($0.sql)" } ?? ""
        let order = Self.orderBy(checked.sort)
        let sql = "SELECT \(select) FROM \(table.quotedName) AS t\(whereSQL) ORDER BY \(order) LIMIT ? OFFSET ?"
        let args = (cond?.arguments ?? []) + [.integer(Int64(q.limit)), .integer(Int64(q.offset))]
        let countSQL = "SELECT count(*) FROM \(table.quotedName) AS t\(whereSQL)"
        let countArgs = cond?.arguments ?? []
        return try run { db throws(FeaturesError) in
            try Self.withTimeLimit(db, seconds: timeLimit) { () throws(FeaturesError) -> ItemsPage in
                var out: [UInt8] = []
                out.reserveCapacity(64 * 1024)
                out.append(UInt8(ascii: "["))
                Self.registerFolding(db)
                let n = try Self.writeFeatures(db, sql: sql, arguments: args, table: shown, output: output, into: &out)
                out.append(UInt8(ascii: "]"))
                let matched = try q.numberMatched(returned: n, filtered: cond != nil, featureCount: c.featureCount) { () throws(FeaturesError) in
                    try Self.count(db, sql: countSQL, arguments: countArgs)
                }
                return ItemsPage(featuresJSON: out, numberReturned: n, numberMatched: matched)
            }
        }
    }

    /// `ORDER BY` for `sortby`: the named columns (NULLs last either way), then the feature id.
    static func orderBy(_ keys: [(field: FieldDefinition?, descending: Bool)]) -> String {
        var terms: [String] = []
        for k in keys {
            guard let f = k.field else { terms.append("t.fid\(k.descending ? " DESC" : "")"); continue }
            let column = "t.\(quoteIdentifier(f.name))"
            terms.append("\(column) IS NULL, \(column)\(k.descending ? " DESC" : "")")
        }
        terms.append("t.fid")
        return terms.joined(separator: ", ")
    }

    /// Makes `cql2_fold` (CQL2's CASEI/ACCENTI, see `TextFolding`) known to this connection.
    /// Registered per query rather than per connection: the connections belong to the store,
    /// and a filter may meet any of them. It runs on the reader's thread, inside SQLite.
    public static func registerFolding(_ db: Database) {
        db.add(function: foldFunction)
    }

    static let foldFunction = DatabaseFunction(CQL2Compiler.foldFunctionName, argumentCount: 2, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]) else { return values[0] }
        let options = TextFolding.Options(rawValue: Int.fromDatabaseValue(values[1]) ?? 0)
        return TextFolding.fold(text, options)
    }

    public func item(in c: QueriedCollection, id fid: Int64, output: FeatureOutput, timeLimit: Double) throws(FeaturesError) -> [UInt8]? {
        let table = c.table
        let sql = "SELECT \(Self.selectList(table)) FROM \(table.quotedName) AS t WHERE t.fid = ?"
        return try run { db throws(FeaturesError) in
            try Self.withTimeLimit(db, seconds: timeLimit) { () throws(FeaturesError) -> [UInt8]? in
                var out: [UInt8] = []
                let n = try Self.writeFeatures(db, sql: sql, arguments: [.integer(fid)], table: table, output: output, into: &out)
                return n == 0 ? nil : out
            }
        }
    }

    /// Runs `body` in a read transaction, mapping database errors to `FeaturesError`.
    public func run<T>(_ body: (Database) throws(FeaturesError) -> T) throws(FeaturesError) -> T {
        do {
            return try reader.read { db in try body(db) }
        } catch let e as FeaturesError {
            throw e
        } catch let e as DatabaseError where e.resultCode == .SQLITE_INTERRUPT {
            throw FeaturesError(.timeout, SafeMessage("features.timeout"))
        } catch {
            throw FeaturesError.store("the store could not answer: \(error)")
        }
    }

    /// Columns: fid, WKB geometry, then the table's fields in order (what `writeFeatures` reads).
    public static func selectList(_ table: FeatureTable) -> String {
        (["t.fid", "AsBinary(t.\(quoteIdentifier(table.geometryColumn)))"] + table.fields.map { "t.\(quoteIdentifier($0.name))" })
            .joined(separator: ", ")
    }

    public static func count(_ db: Database, sql: String, arguments: [SQLValue]) throws(FeaturesError) -> Int {
        do {
            return try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue))) ?? 0
        } catch let e as DatabaseError where e.resultCode == .SQLITE_INTERRUPT {
            throw FeaturesError(.timeout, SafeMessage("features.timeout"))
        } catch {
            throw FeaturesError.store("the store could not count the features: \(error)")
        }
    }
}

extension Store {  // FeatureQuerying, through GeoStoreBackend
    public func items(in collection: QueriedCollection, _ query: ItemsQuery, output: FeatureOutput, timeLimit: Double) throws(FeaturesError) -> ItemsPage {
        try SQLiteFeatureQueries(reader: pool).items(in: collection, query, output: output, timeLimit: timeLimit)
    }

    public func item(in collection: QueriedCollection, id: Int64, output: FeatureOutput, timeLimit: Double) throws(FeaturesError) -> [UInt8]? {
        try SQLiteFeatureQueries(reader: pool).item(in: collection, id: id, output: output, timeLimit: timeLimit)
    }
}

extension SQLValue {
    public var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): Data(b).databaseValue
        }
    }
}
