public import FeatureQuery
public import GeoModel
import PublicErrors

/// Turns a CQL2 tree into a parameterised SQLite/SpatiaLite condition on one feature table
/// (aliased `t`). Spatial predicates read the R*Tree first and run the exact GEOS predicate
/// only on its candidates; property names are checked against the table's fields. The SQL is
/// laid out so that SQLite can parse it however the filter nests (`CQL2+SQLiteShape.swift`); a
/// filter it still could not parse, or with more than `maximumValues` values, is a 400.
public struct CQL2Compiler: Sendable {
    public var table: FeatureTable
    public var alias: String

    /// Values (placeholders) one filter may bind; SQLite's own limit is far higher.
    public static let maximumValues = QueryRules.maximumValues

    public init(table: FeatureTable, alias: String = "t") { self.table = table; self.alias = alias }

    public func compile(_ e: CQL2Expression) throws(FeaturesError) -> SQLFragment {
        let c = try condition(CQL2NormalForm(e))
        guard c.arguments.count <= Self.maximumValues else {
            throw .filterTooComplex("it holds \(c.arguments.count) values, more than the \(Self.maximumValues) allowed")
        }
        guard c.parserDepth <= SQLCondition.parserDepthBudget, c.height <= SQLCondition.heightBudget else {
            throw .filterTooComplex("its AND and OR groups nest too deeply for the database")
        }
        return SQLFragment(c.sql, c.arguments)
    }

    private func condition(_ n: CQL2NormalForm) throws(FeaturesError) -> SQLCondition {
        switch n {
        case .all(let operands), .any(let operands):
            var parts: [SQLCondition] = []
            parts.reserveCapacity(operands.count)
            for o in operands { parts.append(try condition(o)) }
            if case .all = n { return SQLCondition.joined(parts, "AND") }
            return SQLCondition.joined(parts, "OR")
        case .predicate(.isNull(let a), negated: true):
            var args: [SQLValue] = []
            let sql = "\(try scalar(a, against: nil, &args)) IS NOT NULL"
            return SQLCondition(sql: sql, arguments: args, parserDepth: 3, height: 3)
        case .predicate(let e, let negated):
            var args: [SQLValue] = []
            let sql = try predicate(e, &args)
            // Parser entries measured against SQLite 3.40 (see SQLCondition), rounded up: a
            // comparison 3, a spatial predicate 10 (its R*Tree subquery), S_DISJOINT 15.
            var c: SQLCondition
            switch e {
            case .spatial(let op, _, _): c = SQLCondition(sql: sql, arguments: args, parserDepth: op == .disjoint ? 15 : 10, height: 12)
            default: c = SQLCondition(sql: sql, arguments: args, parserDepth: 3, height: 3)
            }
            if negated {
                c.sql = "(\(c.sql)) IS NOT 1"
                c.parserDepth += 1
                c.height += 1
            }
            return c
        }
    }

    /// One predicate (no AND, OR or NOT: `CQL2NormalForm` has taken them out).
    private func predicate(_ e: CQL2Expression, _ args: inout [SQLValue]) throws(FeaturesError) -> String {
        switch e {
        case .and, .or, .not:
            // Not reached: the normal form has no boolean operator under a predicate.
            let c = try condition(CQL2NormalForm(e))
            args += c.arguments
            return c.sql
        case .literal(let b):
            return b ? "1" : "0"
        case .comparison(let op, let a, let b):
            let field = table.field(of: a) ?? table.field(of: b)
            let l = try scalar(a, against: field, &args)
            let r = try scalar(b, against: field, &args)
            try table.requireOneKind([a, b])
            return "\(l) \(op.rawValue) \(r)"
        case .like(let a, let pattern):
            let p = try QueryRules.likePattern(pattern)
            let l = try scalar(a, against: nil, &args)
            // SQLite's GLOB matches a whole number's text itself.
            _ = try table.likeOperandIsNumber(a)
            args.append(.text(Self.globPattern(fromLike: p)))
            // GLOB, not SQLite's LIKE: CQL2's LIKE is case-sensitive, SQLite's is not.
            return "\(l) GLOB ?"
        case .between(let a, let lo, let hi):
            let field = table.field(of: a)
            let v = try scalar(a, against: field, &args)
            let l = try scalar(lo, against: field, &args)
            let h = try scalar(hi, against: field, &args)
            try table.requireOneKind([a, lo, hi])
            return "\(v) BETWEEN \(l) AND \(h)"
        case .inList(let a, let list):
            let field = table.field(of: a)
            let v = try scalar(a, against: field, &args)
            var items: [String] = []
            for x in list { items.append(try scalar(x, against: field, &args)) }
            try table.requireOneKind([a] + list)
            return "\(v) IN (\(items.joined(separator: ", ")))"
        case .isNull(let a):
            return "\(try scalar(a, against: nil, &args)) IS NULL"
        case .spatial(let op, let a, let b):
            return try spatial(op, a, b, &args)
        }
    }

    /// The SQLite function that folds a column's text as `TextFolding` does (registered on the
    /// connection by `SQLiteFeatureQueries` before a query runs): `cql2_fold(value, options)`.
    public static let foldFunctionName = "cql2_fold"

    /// A scalar as SQL: a column, or a placeholder whose value fits the column it is compared with.
    private func scalar(_ s: CQL2Scalar, against field: FieldDefinition?, _ args: inout [SQLValue]) throws(FeaturesError) -> String {
        if case .folded(.property(let name), let options) = s {
            let f = try table.foldedField(name)
            return "\(Self.foldFunctionName)(\(alias).\(quoteIdentifier(f.name)), \(options.rawValue))"
        }
        if case .property(let name) = s {
            let f = try table.comparedField(name)
            return "\(alias).\(quoteIdentifier(f.name))"
        }
        args.append(SQLValue(try QueryRules.value(s, for: field)))
        return "?"
    }

    /// CQL2 LIKE (`%`, `_`, `\` escapes) as an SQLite GLOB pattern, which is case-sensitive.
    static func globPattern(fromLike like: String) -> String {
        var out = ""
        var escaped = false
        for c in like {
            if escaped { out += globLiteral(c); escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "%": out += "*"
            case "_": out += "?"
            default: out += globLiteral(c)
            }
        }
        if escaped { out += globLiteral("\\") }
        return out
    }

    private static func globLiteral(_ c: Character) -> String {
        switch c {
        case "*", "?", "[": "[\(c)]"
        default: String(c)
        }
    }

    // MARK: Spatial predicates

    private func spatial(_ op0: CQL2SpatialOperator, _ a: CQL2SpatialOperand, _ b: CQL2SpatialOperand,
                         _ args: inout [SQLValue]) throws(FeaturesError) -> String {
        let column = "\(alias).\(quoteIdentifier(table.geometryColumn))"
        let op: CQL2SpatialOperator, g: Geometry, box: BoundingBox
        switch try table.spatialComparison(op0, a, b) {
        case .columnWithItself(let holds): return holds ? "\(column) IS NOT NULL" : "0"
        case .never: return "0"
        case .literals(let requested, let ga, let gb):
            args.append(.blob(WKB.encode(ga)))
            args.append(.blob(WKB.encode(gb)))
            return "\(requested.sqlFunction)(GeomFromWKB(?, 4326), GeomFromWKB(?, 4326)) = 1"
        case .column(let o, let literal, let b): (op, g, box) = (o, literal, b)
        }
        let candidates = table.indexCandidates(box, alias: alias)
        let exact = "\(op.sqlFunction)(\(column), GeomFromWKB(?, 4326)) = 1"
        if op == .disjoint {
            // Rows outside the index box are disjoint without a GEOS call.
            args.append(contentsOf: candidates.arguments)
            args.append(.blob(WKB.encode(g)))
            return "\(column) IS NOT NULL AND (NOT (\(candidates.sql)) OR \(exact))"
        }
        args.append(contentsOf: candidates.arguments)
        args.append(.blob(WKB.encode(g)))
        return "\(candidates.sql) AND \(exact)"
    }
}
