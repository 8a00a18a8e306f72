public import GeoModel
import Foundation
import GeoStore

/// A value bound to a `?` placeholder: user text only ever reaches SQLite this way.
public enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
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

/// A version's feature table as the store lays it out (see GeoStore): `fid` primary key, one
/// typed column per field, `geom` in EPSG:4326 with the SpatiaLite R*Tree `idx_<table>_geom`.
public struct FeatureTable: Hashable, Sendable {
    public var name: String
    public var fields: [FieldDefinition]
    public var geometryColumn: String
    /// Names a filter may use for the geometry (`geometry` is what OGC clients send).
    public static let geometryNames: Set<String> = ["geometry", "geom"]

    public init(name: String, fields: [FieldDefinition], geometryColumn: String = "geom") {
        self.name = name; self.fields = fields; self.geometryColumn = geometryColumn
    }

    public var spatialIndex: String { "idx_\(name)_\(geometryColumn)" }
    public var quotedName: String { quoteIdentifier(name) }

    public func field(named name: String) -> FieldDefinition? { fields.first { $0.name == name } }

    /// The queryable names, for error messages: fields then the geometry.
    public var queryableNames: [String] { fields.map(\.name) + ["geometry"] }

    /// SQL that keeps the rows whose index box meets `box` (the R*Tree is read first; the
    /// exact predicate, when there is one, only sees these rows).
    public func indexCandidates(_ box: BoundingBox, alias: String = "t") -> SQLFragment {
        SQLFragment("\(alias).fid IN (SELECT pkid FROM \(quoteIdentifier(spatialIndex)) WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)",
                    [.real(box.maxX), .real(box.minX), .real(box.maxY), .real(box.minY)])
    }
}
