public import GeoModel

/// A CQL2 filter (OGC 21-065), parsed from CQL2 text or CQL2 JSON into one tree that each
/// store backend compiles to its own SQL (GeoStore's `FeatureQuerying`). Both encodings give the same tree for the same filter.
public indirect enum CQL2Expression: Hashable, Sendable {
    case and([CQL2Expression])
    case or([CQL2Expression])
    case not(CQL2Expression)
    case literal(Bool)
    case comparison(CQL2ComparisonOperator, CQL2Scalar, CQL2Scalar)
    case like(CQL2Scalar, pattern: CQL2Scalar)
    case between(CQL2Scalar, low: CQL2Scalar, high: CQL2Scalar)
    case inList(CQL2Scalar, [CQL2Scalar])
    case isNull(CQL2Scalar)
    case spatial(CQL2SpatialOperator, CQL2SpatialOperand, CQL2SpatialOperand)

    /// How deep a filter may nest, in both encodings. Both parsers recurse once per level, so
    /// without a cap a filter of 25,000 parentheses overflowed the stack and killed the server;
    /// real filters nest a handful of levels. The SQL compiler is sized to run any filter that
    /// nests this deep (SQLite's parser stack is the narrow part, see `CQL2Compiler`).
    public static let maximumNesting = 64

    /// Every property name the filter refers to (for the queryables check).
    public var propertyNames: Set<String> {
        var names = Set<String>()
        func scalar(_ s: CQL2Scalar) {
            switch s {
            case .property(let n): names.insert(n)
            case .folded(let inner, _): scalar(inner)
            default: break
            }
        }
        func walk(_ e: CQL2Expression) {
            switch e {
            case .and(let es), .or(let es): es.forEach(walk)
            case .not(let e): walk(e)
            case .literal: break
            case .comparison(_, let a, let b): scalar(a); scalar(b)
            case .like(let a, let p): scalar(a); scalar(p)
            case .between(let a, let l, let h): scalar(a); scalar(l); scalar(h)
            case .inList(let a, let list): scalar(a); list.forEach(scalar)
            case .isNull(let a): scalar(a)
            case .spatial(_, let a, let b):
                if case .property(let n) = a { names.insert(n) }
                if case .property(let n) = b { names.insert(n) }
            }
        }
        walk(self)
        return names
    }
}

public enum CQL2ComparisonOperator: String, Hashable, Sendable, CaseIterable {
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// A value in a comparison: a property, a literal, or a temporal instant
/// (`DATE('…')`, `TIMESTAMP('…')`), which the store keeps as ISO 8601 text.
public enum CQL2Scalar: Hashable, Sendable {
    case property(String)
    case string(String)
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case date(String)
    case timestamp(String)
    /// `CASEI(…)`, `ACCENTI(…)` or both around a property or a text literal.
    indirect case folded(CQL2Scalar, TextFolding.Options)

    /// `CASEI`/`ACCENTI` applied to `inner`: nested folds become one with both options.
    static func fold(_ inner: CQL2Scalar, _ options: TextFolding.Options) -> CQL2Scalar {
        if case .folded(let x, let o) = inner { return .folded(x, o.union(options)) }
        return .folded(inner, options)
    }
}

/// The spatial comparison functions of CQL2 ("Spatial Functions" conformance class).
public enum CQL2SpatialOperator: String, Hashable, Sendable, CaseIterable {
    case intersects = "S_INTERSECTS", disjoint = "S_DISJOINT", within = "S_WITHIN", contains = "S_CONTAINS"
    case equals = "S_EQUALS", touches = "S_TOUCHES", crosses = "S_CROSSES", overlaps = "S_OVERLAPS"

    /// The operator that gives the same answer with its arguments swapped.
    public var converse: CQL2SpatialOperator {
        switch self {
        case .within: .contains
        case .contains: .within
        default: self
        }
    }
}

public enum CQL2SpatialOperand: Hashable, Sendable {
    case property(String)
    case geometry(Geometry)
    case bbox(BoundingBox)

    /// The literal as a geometry (a box becomes its polygon).
    public var literalGeometry: Geometry? {
        switch self {
        case .property: nil
        case .geometry(let g): g
        case .bbox(let b):
            .polygon([[Position(b.minX, b.minY), Position(b.maxX, b.minY), Position(b.maxX, b.maxY),
                       Position(b.minX, b.maxY), Position(b.minX, b.minY)]])
        }
    }
}

/// The conformance classes of CQL2 and Part 3 that this implementation passes; the landing
/// page declares exactly these.
public enum CQL2Conformance {
    public static let classes: [String] = [
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
        "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
        "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
        "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    ]
}
