public import GeoModel
import GeoStore
import PublicErrors

/// Turns a CQL2 tree into a parameterised SQLite/SpatiaLite condition on one feature table
/// (aliased `t`). Spatial predicates read the R*Tree first and run the exact GEOS predicate
/// only on its candidates; property names are checked against the table's fields. The SQL is
/// laid out so that SQLite can parse it however the filter nests (`CQL2+SQLShape.swift`); a
/// filter it still could not parse, or with more than `maximumValues` values, is a 400.
public struct CQL2Compiler: Sendable {
    public var table: FeatureTable
    public var alias: String

    /// Values (placeholders) one filter may bind; SQLite's own limit is far higher, this keeps
    /// one request's statement to a sensible size.
    public static let maximumValues = 10_000

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
            let field = fieldOf(a) ?? fieldOf(b)
            let l = try scalar(a, against: field, &args)
            let r = try scalar(b, against: field, &args)
            return "\(l) \(op.rawValue) \(r)"
        case .like(let a, let pattern):
            let p: String
            switch pattern {
            case .string(let text): p = text
            case .folded(.string(let text), let options): p = TextFolding.fold(text, options)
            default: throw .invalid("filter", SafeMessage("features.filter.likePattern"))
            }
            let l = try scalar(a, against: nil, &args)
            args.append(.text(Self.globPattern(fromLike: p)))
            // GLOB, not SQLite's LIKE: CQL2's LIKE is case-sensitive, SQLite's is not.
            return "\(l) GLOB ?"
        case .between(let a, let lo, let hi):
            let field = fieldOf(a)
            let v = try scalar(a, against: field, &args)
            let l = try scalar(lo, against: field, &args)
            let h = try scalar(hi, against: field, &args)
            return "\(v) BETWEEN \(l) AND \(h)"
        case .inList(let a, let list):
            let field = fieldOf(a)
            let v = try scalar(a, against: field, &args)
            var items: [String] = []
            for x in list { items.append(try scalar(x, against: field, &args)) }
            return "\(v) IN (\(items.joined(separator: ", ")))"
        case .isNull(let a):
            return "\(try scalar(a, against: nil, &args)) IS NULL"
        case .spatial(let op, let a, let b):
            return try spatial(op, a, b, &args)
        }
    }

    private func fieldOf(_ s: CQL2Scalar) -> FieldDefinition? {
        switch s {
        case .property(let n), .folded(.property(let n), _): table.field(named: n)
        default: nil
        }
    }

    /// The SQLite function that folds a column's text as `TextFolding` does (registered on the
    /// connection by `FeatureQueries` before a query runs): `cql2_fold(value, options)`.
    public static let foldFunctionName = "cql2_fold"

    private func unknownProperty(_ name: String) -> FeaturesError {
        .invalid("filter", SafeMessage("features.filter.unknownProperty", ["name": name, "queryables": table.queryableNames.joined(separator: ", ")]))
    }

    /// A scalar as SQL: a column, or a placeholder whose value fits the column it is compared with.
    private func scalar(_ s: CQL2Scalar, against field: FieldDefinition?, _ args: inout [SQLValue]) throws(FeaturesError) -> String {
        if case .folded(.property(let name), let options) = s {
            let column = try scalar(.property(name), against: nil, &args)
            guard let f = table.field(named: name), f.type == .text else {
                throw .invalid("filter", SafeMessage("features.filter.foldNotText", ["name": name]))
            }
            return "\(Self.foldFunctionName)(\(column), \(options.rawValue))"
        }
        if case .property(let name) = s {
            guard let f = table.field(named: name) else {
                if FeatureTable.geometryNames.contains(name) {
                    throw .invalid("filter", SafeMessage("features.filter.geometryCompared", ["name": name]))
                }
                throw unknownProperty(name)
            }
            return "\(alias).\(quoteIdentifier(f.name))"
        }
        args.append(try Self.value(s, for: field))
        return "?"
    }

    /// A literal converted to what the field stores, or an error saying how to write it.
    static func value(_ s: CQL2Scalar, for field: FieldDefinition?) throws(FeaturesError) -> SQLValue {
        let numeric = field.map { $0.type == .integer || $0.type == .real } ?? false
        switch s {
        case .property: fatalError("properties are columns, not values")
        case .integer(let i):
            if let f = field, f.type == .text || f.type == .date || f.type == .dateTime {
                throw .invalid("filter", SafeMessage("features.filter.quoteText", ["name": f.name, "value": String(i)]))
            }
            return .integer(i)
        case .real(let d):
            if let f = field, f.type == .text || f.type == .date || f.type == .dateTime {
                throw .invalid("filter", SafeMessage("features.filter.quoteText", ["name": f.name, "value": "\(d)"]))
            }
            return .real(d)
        case .boolean(let b):
            if let f = field, f.type != .boolean, f.type != .integer {
                throw .invalid("filter", SafeMessage("features.filter.notBoolean", ["name": f.name, "type": f.type.rawValue]))
            }
            return .integer(b ? 1 : 0)
        case .string(let t):
            if numeric, let f = field {
                throw .invalid("filter", SafeMessage("features.filter.unquoteNumber", ["name": f.name, "value": t]))
            }
            return .text(t)
        case .date(let t), .timestamp(let t):
            if numeric, let f = field { throw .invalid("filter", SafeMessage("features.filter.numberVsInstant", ["name": f.name, "value": t])) }
            return .text(t)
        case .folded(.string(let t), let options):
            if numeric, let f = field {
                throw .invalid("filter", SafeMessage("features.filter.unquoteNumber", ["name": f.name, "value": t]))
            }
            return .text(TextFolding.fold(t, options))
        case .folded:
            // A property inside is a column (`scalar`); anything else is not text.
            throw .invalid("filter", SafeMessage("features.filter.foldNotText", ["name": field?.name ?? "?"]))
        }
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

    private func isGeometryProperty(_ o: CQL2SpatialOperand) throws(FeaturesError) -> Bool {
        guard case .property(let n) = o else { return false }
        guard FeatureTable.geometryNames.contains(n) else {
            if table.field(named: n) != nil {
                throw .invalid("filter", SafeMessage("features.filter.notGeometry", ["name": n]))
            }
            throw unknownProperty(n)
        }
        return true
    }

    private func spatial(_ op: CQL2SpatialOperator, _ a: CQL2SpatialOperand, _ b: CQL2SpatialOperand,
                         _ args: inout [SQLValue]) throws(FeaturesError) -> String {
        let aIsColumn = try isGeometryProperty(a), bIsColumn = try isGeometryProperty(b)
        let column = "\(alias).\(quoteIdentifier(table.geometryColumn))"
        // Keep the column on the left: S_WITHIN(POINT, geometry) is S_CONTAINS(geometry, POINT).
        let requested = op
        let (op, literal): (CQL2SpatialOperator, Geometry?)
        switch (aIsColumn, bIsColumn) {
        case (true, true):
            // A geometry against itself: every relation but disjoint holds for a non-empty geometry.
            switch requested {
            case .disjoint, .touches, .crosses, .overlaps: return "0"
            default: return "\(column) IS NOT NULL"
            }
        case (true, false): (op, literal) = (requested, b.literalGeometry)
        case (false, true): (op, literal) = (requested.converse, a.literalGeometry)
        case (false, false):
            guard let ga = a.literalGeometry, let gb = b.literalGeometry else { return "0" }
            args.append(.blob(WKB.encode(ga)))
            args.append(.blob(WKB.encode(gb)))
            return "\(Self.function(requested))(GeomFromWKB(?, 4326), GeomFromWKB(?, 4326)) = 1"
        }
        guard let g = literal, let box = g.boundingBox else {
            throw .invalid("filter", SafeMessage("features.filter.emptyGeometry", ["operator": op.rawValue]))
        }
        let candidates = table.indexCandidates(box, alias: alias)
        let exact = "\(Self.function(op))(\(column), GeomFromWKB(?, 4326)) = 1"
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

    static func function(_ op: CQL2SpatialOperator) -> String {
        switch op {
        case .intersects: "ST_Intersects"
        case .disjoint: "ST_Disjoint"
        case .within: "ST_Within"
        case .contains: "ST_Contains"
        case .equals: "ST_Equals"
        case .touches: "ST_Touches"
        case .crosses: "ST_Crosses"
        case .overlaps: "ST_Overlaps"
        }
    }
}
