import FeatureQuery
import GeoModel
import GeoStore
import NIOCore
import PostgresNIO
import PublicErrors

/// A value bound to a `$n` parameter: user text only ever reaches PostgreSQL this way.
enum PostgreSQLValue: Hashable, Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case bytes([UInt8])

    /// A typed query literal as the column it meets holds it. Booleans are compared as 0 and 1
    /// (`PostgreSQLCompiler.column`), as the SQLite store keeps them, so `flag = 1` means what
    /// it means there.
    init(_ v: QueryValue) {
        switch v {
        case .integer(let i): self = .integer(i)
        case .real(let d): self = .real(d)
        case .text(let t): self = .text(t)
        case .boolean(let b): self = .integer(b ? 1 : 0)
        }
    }

    static func bindings(_ values: [PostgreSQLValue]) -> PostgresBindings {
        var b = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .integer(let i): b.append(i)
            case .real(let d): b.append(d)
            case .text(let t): b.append(t)
            case .bytes(let bytes): b.append(ByteBuffer(bytes: bytes))
            }
        }
        return b
    }
}

/// Turns a CQL2 tree and the rest of an items query into a PostgreSQL/PostGIS condition on one
/// feature table (aliased `t`), with `$n` parameters for every value.
///
/// The answers are the SQLite store's (`CQL2Compiler` in GeoStore): text compares byte by
/// byte (`COLLATE "C"`, SQLite's BINARY), LIKE is case-sensitive, CASEI/ACCENTI fold as
/// `TextFolding` does (decomposed marks and đ/Đ taken out, then Unicode lower case), dates are
/// ISO 8601 text compared as text, and a negated predicate is true when its operand is NULL.
/// Spatial predicates are PostGIS's (GEOS, as SpatiaLite's), which use the GiST index.
struct PostgreSQLCompiler {
    let table: FeatureTable
    let alias = "t"
    private(set) var values: [PostgreSQLValue] = []

    init(table: FeatureTable) { self.table = table }

    /// Binds `v` and returns its placeholder.
    mutating func bind(_ v: PostgreSQLValue) -> String {
        values.append(v)
        return "$\(values.count)"
    }

    /// The whole WHERE condition of an items query, nil when there is none.
    mutating func condition(_ q: ItemsQuery, _ checked: CheckedItemsQuery) throws(FeaturesError) -> String? {
        var parts: [String] = []
        if let filter = q.filter {
            parts.append(try condition(CQL2NormalForm(filter)))
            guard values.count <= QueryRules.maximumValues else {
                throw .filterTooComplex("it holds \(values.count) values, more than the \(QueryRules.maximumValues) allowed")
            }
        }
        if let b = q.bbox {
            let box = "ST_MakeEnvelope(\(bind(.real(b.minX))), \(bind(.real(b.minY))), \(bind(.real(b.maxX))), \(bind(.real(b.maxY))), 4326)"
            let g = geometryColumn
            parts.append("\(g) && \(box) AND ST_Intersects(\(g), \(box))")
        }
        for (f, v) in checked.equalities {
            parts.append("\(column(f)) = \(bind(PostgreSQLValue(v)))")
        }
        if let d = checked.datetime {
            let (f, dt) = (d.field, d.interval)
            let col = column(f)
            if let s = dt.start { parts.append("\(col) >= \(bind(.text(s)))") }
            if let e = dt.end {
                // A date-only end includes that whole day.
                parts.append(e.count == 10 ? "substr(\(col), 1, 10) COLLATE \"C\" <= \(bind(.text(e)))" : "\(col) <= \(bind(.text(e)))")
            }
        }
        guard values.count <= QueryRules.maximumValues else { throw QueryRules.tooManyValues(values.count) }
        guard !parts.isEmpty else { return nil }
        return parts.map { "(\($0))" }.joined(separator: " AND ")
    }

    /// `ORDER BY` for `sortby` (NULLs last either way), then the feature id.
    func orderBy(_ keys: [(field: FieldDefinition?, descending: Bool)]) -> String {
        var terms: [String] = []
        for k in keys {
            guard let f = k.field else { terms.append("\(alias).fid\(k.descending ? " DESC" : "")"); continue }
            var column = "\(alias).\(quoteIdentifier(f.name))"
            if Self.isText(f) { column += " COLLATE \"C\"" }
            terms.append("\(column)\(k.descending ? " DESC" : "") NULLS LAST")
        }
        terms.append("\(alias).fid")
        return terms.joined(separator: ", ")
    }

    var geometryColumn: String { "\(alias).\(quoteIdentifier(table.geometryColumn))" }

    static func isText(_ f: FieldDefinition) -> Bool { f.type == .text || f.type == .date || f.type == .dateTime }

    /// A field as compared: text byte by byte, booleans as 0/1 (see `PostgreSQLValue`).
    func column(_ f: FieldDefinition) -> String {
        let c = "\(alias).\(quoteIdentifier(f.name))"
        switch f.type {
        case .text, .date, .dateTime: return "\(c) COLLATE \"C\""
        case .boolean: return "(\(c))::int"
        case .integer, .real: return c
        }
    }

    /// `TextFolding.fold` in SQL: marks of the canonical decomposition and the stroke of đ/Đ
    /// taken out, recomposed, then Unicode lower case (ICU's, whatever the database's locale).
    static func folded(_ expression: String, _ options: TextFolding.Options) -> String {
        var e = expression
        if options.contains(.accentInsensitive) {
            e = "normalize(translate(regexp_replace(normalize(\(e), NFD), '[\\u0300-\\u036f]', '', 'g'), 'đĐ', 'dD'), NFC)"
        }
        if options.contains(.caseInsensitive) { e = "lower((\(e)) COLLATE \"und-x-icu\")" }
        return "(\(e)) COLLATE \"C\""
    }

    // MARK: Filters

    private mutating func condition(_ n: CQL2NormalForm) throws(FeaturesError) -> String {
        switch n {
        case .all(let operands), .any(let operands):
            var parts: [String] = []
            parts.reserveCapacity(operands.count)
            for o in operands { parts.append("(\(try condition(o)))") }
            guard !parts.isEmpty else { if case .all = n { return "TRUE" } else { return "FALSE" } }
            if case .all = n { return parts.joined(separator: " AND ") }
            return parts.joined(separator: " OR ")
        case .predicate(.isNull(let a), negated: true):
            return "\(try scalar(a, against: nil)) IS NOT NULL"
        case .predicate(let e, let negated):
            let sql = try predicate(e)
            return negated ? "(\(sql)) IS NOT TRUE" : sql
        }
    }

    private mutating func predicate(_ e: CQL2Expression) throws(FeaturesError) -> String {
        switch e {
        case .and, .or, .not:
            return try condition(CQL2NormalForm(e))
        case .literal(let b):
            return b ? "TRUE" : "FALSE"
        case .comparison(let op, let a, let b):
            let field = table.field(of: a) ?? table.field(of: b)
            let l = try scalar(a, against: field)
            let r = try scalar(b, against: field)
            try table.requireOneKind([a, b])
            return "\(l) \(op.rawValue) \(r)"
        case .like(let a, let pattern):
            let p = try QueryRules.likePattern(pattern)
            var l = try scalar(a, against: nil)
            // SQLite matches a whole number's text; integers (and 0/1 booleans) read the same here.
            if try table.likeOperandIsNumber(a) { l = "(\(l))::text" }
            return "\(l) LIKE \(bind(.text(Self.likePattern(p))))"
        case .between(let a, let lo, let hi):
            let field = table.field(of: a)
            let v = try scalar(a, against: field)
            let l = try scalar(lo, against: field)
            let h = try scalar(hi, against: field)
            try table.requireOneKind([a, lo, hi])
            return "\(v) BETWEEN \(l) AND \(h)"
        case .inList(let a, let list):
            let field = table.field(of: a)
            let v = try scalar(a, against: field)
            var items: [String] = []
            for x in list { items.append(try scalar(x, against: field)) }
            try table.requireOneKind([a] + list)
            return "\(v) IN (\(items.joined(separator: ", ")))"
        case .isNull(let a):
            return "\(try scalar(a, against: nil)) IS NULL"
        case .spatial(let op, let a, let b):
            return try spatial(op, a, b)
        }
    }

    /// A scalar as SQL: a column, or a parameter whose value fits the column it is compared with.
    private mutating func scalar(_ s: CQL2Scalar, against field: FieldDefinition?) throws(FeaturesError) -> String {
        if case .folded(.property(let name), let options) = s {
            let f = try table.foldedField(name)
            return Self.folded("\(alias).\(quoteIdentifier(f.name))", options)
        }
        if case .property(let name) = s {
            return column(try table.comparedField(name))
        }
        let value = try QueryRules.value(s, for: field)
        let placeholder = bind(PostgreSQLValue(value))
        // A text parameter compared with no column (`'a' < 'b'`) still compares byte by byte.
        if case .text = value, field == nil { return "\(placeholder)::text COLLATE \"C\"" }
        return placeholder
    }

    /// CQL2 LIKE (`%`, `_`, `\` escapes) as a PostgreSQL LIKE pattern with `\` as its escape;
    /// a pattern ending in a lone `\` matches a backslash, as in the SQLite store.
    static func likePattern(_ like: String) -> String {
        var out = ""
        var escaped = false
        for c in like {
            if escaped { out += "\\\(c)"; escaped = false; continue }
            if c == "\\" { escaped = true } else { out.append(c) }
        }
        if escaped { out += "\\\\" }
        return out
    }

    // MARK: Spatial predicates

    private mutating func spatial(_ op0: CQL2SpatialOperator, _ a: CQL2SpatialOperand, _ b: CQL2SpatialOperand) throws(FeaturesError) -> String {
        let column = geometryColumn
        let op: CQL2SpatialOperator, g: Geometry
        switch try table.spatialComparison(op0, a, b) {
        case .columnWithItself(let holds): return holds ? "\(column) IS NOT NULL" : "FALSE"
        case .never: return "FALSE"
        case .literals(let requested, let ga, let gb):
            let l = bind(.bytes(WKB.encode(ga))), r = bind(.bytes(WKB.encode(gb)))
            return "\(requested.sqlFunction)(ST_GeomFromWKB(\(l), 4326), ST_GeomFromWKB(\(r), 4326))"
        case .column(let o, let literal, _): (op, g) = (o, literal)
        }
        let geometry = "ST_GeomFromWKB(\(bind(.bytes(WKB.encode(g)))), 4326)"
        if op == .disjoint { return "\(column) IS NOT NULL AND ST_Disjoint(\(column), \(geometry))" }
        // PostGIS's ST_ predicates but ST_Disjoint read the GiST index themselves (`&&`).
        return "\(op.sqlFunction)(\(column), \(geometry))"
    }
}
