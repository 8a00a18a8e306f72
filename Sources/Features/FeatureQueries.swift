public import GRDB
public import GeoModel
import GRDBSQLite
import Foundation
import GeoStore
import PublicErrors

/// Runs items queries on the store's feature tables and writes their GeoJSON.
///
/// Every condition becomes SQL with `?` placeholders; spatial conditions read the R*Tree first.
/// Each query runs under a time limit (an SQLite progress handler), so one heavy filter
/// cannot tie up a reader connection.
public struct FeatureQueries: Sendable {
    public let reader: any DatabaseReader
    /// Seconds a single query may run before it is stopped with a `.timeout` error.
    public var timeLimit: Double

    public init(reader: any DatabaseReader, timeLimit: Double = 10) {
        self.reader = reader; self.timeLimit = timeLimit
    }

    // MARK: Conditions

    /// The WHERE condition of an items query on table alias `t`.
    public static func condition(for c: FeatureCollectionInfo, _ q: ItemsQuery) throws(FeaturesError) -> SQLFragment? {
        var parts: [SQLFragment] = []
        // The filter goes first: it may be the most nested part, and SQLite parses a nested
        // operand more cheaply first than after an AND (see CQL2+SQLShape.swift).
        if let filter = q.filter {
            parts.append(try CQL2Compiler(table: c.table).compile(filter))
        }
        if let box = q.bbox { parts.append(bboxCondition(c.table, box)) }
        for eq in q.propertyEquals {
            guard let f = c.table.field(named: eq.name) else {
                throw .invalid(eq.name, SafeMessage("features.property.unknown", ["name": eq.name, "collection": c.id, "queryables": c.table.queryableNames.joined(separator: ", ")]))
            }
            parts.append(SQLFragment("t.\(quoteIdentifier(f.name)) = ?", [try value(eq.value, for: f)]))
        }
        if let dt = q.datetime {
            guard let f = c.temporalField else {
                throw .invalid("datetime", SafeMessage("features.datetime.noField", ["collection": c.id]))
            }
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
        guard arguments.count <= CQL2Compiler.maximumValues else {
            throw .invalid("filter", SafeMessage("features.tooManyValues", ["count": String(arguments.count), "maximum": String(CQL2Compiler.maximumValues)]))
        }
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

    /// A query-string value as the field's type.
    static func value(_ text: String, for f: FieldDefinition) throws(FeaturesError) -> SQLValue {
        switch f.type {
        case .integer:
            guard let i = Int64(text) else { throw .invalid(f.name, SafeMessage("features.value.integer", ["name": f.name, "value": text])) }
            return .integer(i)
        case .real:
            guard let d = Double(text), d.isFinite else { throw .invalid(f.name, SafeMessage("features.value.number", ["name": f.name, "value": text])) }
            return .real(d)
        case .boolean:
            switch text.lowercased() {
            case "true", "1": return .integer(1)
            case "false", "0": return .integer(0)
            default: throw .invalid(f.name, SafeMessage("features.value.boolean", ["name": f.name, "value": text]))
            }
        case .text, .date, .dateTime: return .text(text)
        }
    }

    // MARK: Running

    /// One page of an items query, as GeoJSON features in `crs`.
    public func items(_ c: FeatureCollectionInfo, _ q: ItemsQuery, crs: OutputCRS = .crs84) async throws(FeaturesError) -> ItemsPage {
        let cond = try Self.condition(for: c, q)
        let table = c.table
        // `properties`: only those fields are read and written (filters still see them all).
        let shown = q.properties.map { names in FeatureTable(name: table.name, fields: table.fields.filter { names.contains($0.name) },
                                                               geometryColumn: table.geometryColumn) } ?? table
        let select = Self.selectList(shown)
        let whereSQL = cond.map { " WHERE \($0.sql)" } ?? ""
        let order = try Self.orderBy(c, q.sortBy)
        let sql = "SELECT \(select) FROM \(table.quotedName) AS t\(whereSQL) ORDER BY \(order) LIMIT ? OFFSET ?"
        let args = (cond?.arguments ?? []) + [.integer(Int64(q.limit)), .integer(Int64(q.offset))]
        let countSQL = "SELECT count(*) FROM \(table.quotedName) AS t\(whereSQL)"
        let countArgs = cond?.arguments ?? []
        let limit = timeLimit
        return try await run { db throws(FeaturesError) in
            try Self.withTimeLimit(db, seconds: limit) { () throws(FeaturesError) -> ItemsPage in
                var out: [UInt8] = []
                out.reserveCapacity(64 * 1024)
                out.append(UInt8(ascii: "["))
                Self.registerFolding(db)
                let n = try Self.writeFeatures(db, sql: sql, arguments: args, table: shown, crs: crs, into: &out)
                out.append(UInt8(ascii: "]"))
                var matched = n
                if q.offset > 0 || n == q.limit {
                    if cond == nil { matched = c.featureCount }
                    else { matched = try Self.count(db, sql: countSQL, arguments: countArgs) }
                } else {
                    matched = n + q.offset
                }
                return ItemsPage(featuresJSON: out, numberReturned: n, numberMatched: matched)
            }
        }
    }

    /// `ORDER BY` for `sortby`: the named columns (NULLs last either way), then the feature id.
    static func orderBy(_ c: FeatureCollectionInfo, _ keys: [SortKey]) throws(FeaturesError) -> String {
        var terms: [String] = []
        for k in keys {
            if k.name == "id" || k.name == "fid" { terms.append("t.fid\(k.descending ? " DESC" : "")"); continue }
            guard let f = c.table.field(named: k.name) else {
                throw .invalid("sortby", SafeMessage("features.sortby.unknown", [
                    "name": String(k.name.prefix(64)), "collection": c.id, "queryables": c.table.fields.map(\.name).joined(separator: ", ")]))
            }
            let column = "t.\(quoteIdentifier(f.name))"
            terms.append("\(column) IS NULL, \(column)\(k.descending ? " DESC" : "")")
        }
        terms.append("t.fid")
        return terms.joined(separator: ", ")
    }

    /// Makes `cql2_fold` (CQL2's CASEI/ACCENTI, see `TextFolding`) known to this connection.
    /// Registered per query rather than per connection: the connections belong to the store,
    /// and a filter may meet any of them. It runs on the reader's thread, inside SQLite.
    static func registerFolding(_ db: Database) {
        db.add(function: foldFunction)
    }

    static let foldFunction = DatabaseFunction(CQL2Compiler.foldFunctionName, argumentCount: 2, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]) else { return values[0] }
        let options = TextFolding.Options(rawValue: Int.fromDatabaseValue(values[1]) ?? 0)
        return TextFolding.fold(text, options)
    }

    /// One feature as a GeoJSON Feature, or nil when the collection has no such id.
    public func item(_ c: FeatureCollectionInfo, fid: Int64, crs: OutputCRS = .crs84) async throws(FeaturesError) -> [UInt8]? {
        let table = c.table
        let sql = "SELECT \(Self.selectList(table)) FROM \(table.quotedName) AS t WHERE t.fid = ?"
        let limit = timeLimit
        return try await run { db throws(FeaturesError) in
            try Self.withTimeLimit(db, seconds: limit) { () throws(FeaturesError) -> [UInt8]? in
                var out: [UInt8] = []
                let n = try Self.writeFeatures(db, sql: sql, arguments: [.integer(fid)], table: table, crs: crs, into: &out)
                return n == 0 ? nil : out
            }
        }
    }

    /// Runs `body` in a read transaction, mapping database errors to `FeaturesError`.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws(FeaturesError) -> T) async throws(FeaturesError) -> T {
        do {
            return try await reader.read { db in try body(db) }
        } catch let e as FeaturesError {
            throw e
        } catch let e as DatabaseError where e.resultCode == .SQLITE_INTERRUPT {
            throw FeaturesError(.timeout, SafeMessage("features.timeout"))
        } catch {
            throw FeaturesError.store("the store could not answer: \(error)")
        }
    }

    static func selectList(_ table: FeatureTable) -> String {
        (["t.fid", "AsBinary(t.\(quoteIdentifier(table.geometryColumn)))"] + table.fields.map { "t.\(quoteIdentifier($0.name))" })
            .joined(separator: ", ")
    }

    static func count(_ db: Database, sql: String, arguments: [SQLValue]) throws(FeaturesError) -> Int {
        do {
            return try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue))) ?? 0
        } catch let e as DatabaseError where e.resultCode == .SQLITE_INTERRUPT {
            throw FeaturesError(.timeout, SafeMessage("features.timeout"))
        } catch {
            throw FeaturesError.store("the store could not count the features: \(error)")
        }
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): Data(b).databaseValue
        }
    }
}
