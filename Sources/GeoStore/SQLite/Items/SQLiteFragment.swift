public import FeatureQuery
public import GeoModel

// No GRDB here: the CQL2 fuzz harness builds this file with the compiler (Fuzz/fuzz.sh).

/// A value bound to a `?` placeholder: user text only ever reaches SQLite this way.
public enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// A typed query literal as SQLite stores it (booleans are 0 and 1).
    public init(_ v: QueryValue) {
        switch v {
        case .integer(let i): self = .integer(i)
        case .real(let d): self = .real(d)
        case .text(let t): self = .text(t)
        case .boolean(let b): self = .integer(b ? 1 : 0)
        }
    }
}

/// A piece of SQL with its placeholders' values, in order.
public struct SQLFragment: Hashable, Sendable {
    public var sql: String
    public var arguments: [SQLValue]
    public init(_ sql: String, _ arguments: [SQLValue] = []) { self.sql = sql; self.arguments = arguments }

    static let alwaysTrue = SQLFragment("1")

    /// `self AND other`, parenthesised.
    func and(_ other: SQLFragment) -> SQLFragment {
        SQLFragment("(\(sql)) AND (\(other.sql))", arguments + other.arguments)
    }
}

/// The SQLite layout of a feature table: the SpatiaLite R*Tree `idx_<table>_geom`.
extension FeatureTable {
    public var spatialIndex: String { "idx_\(name)_\(geometryColumn)" }
    public var quotedName: String { quoteIdentifier(name) }

    /// SQL that keeps the rows whose index box meets `box` (the R*Tree is read first; the
    /// exact predicate, when there is one, only sees these rows).
    public func indexCandidates(_ box: BoundingBox, alias: String = "t") -> SQLFragment {
        SQLFragment("\(alias).fid IN (SELECT pkid FROM \(quoteIdentifier(spatialIndex)) WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)",
                    [.real(box.maxX), .real(box.minX), .real(box.maxY), .real(box.minY)])
    }
}
