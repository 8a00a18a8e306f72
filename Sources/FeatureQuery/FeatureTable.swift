public import GeoModel
import PublicErrors

/// A version's feature table as every backend lays it out (see GeoStore): `fid` primary key,
/// one typed column per field, `geom` in EPSG:4326 with a spatial index.
public struct FeatureTable: Hashable, Sendable {
    public var name: String
    public var fields: [FieldDefinition]
    public var geometryColumn: String
    /// Names a filter may use for the geometry (`geometry` is what OGC clients send).
    public static let geometryNames: Set<String> = ["geometry", "geom"]

    public init(name: String, fields: [FieldDefinition], geometryColumn: String = "geom") {
        self.name = name; self.fields = fields; self.geometryColumn = geometryColumn
    }

    public func field(named name: String) -> FieldDefinition? { fields.first { $0.name == name } }

    /// The queryable names, for error messages: fields then the geometry.
    public var queryableNames: [String] { fields.map(\.name) + ["geometry"] }

    /// The same table showing only `names` (`properties=`), in the table's order.
    public func showing(_ names: [String]?) -> FeatureTable {
        guard let names else { return self }
        return FeatureTable(name: name, fields: fields.filter { names.contains($0.name) }, geometryColumn: geometryColumn)
    }
}

/// What an items query runs on: one collection's feature table, named as clients know it.
public struct QueriedCollection: Hashable, Sendable {
    /// The collection id (the dataset's slug), named in error messages.
    public var id: String
    public var table: FeatureTable
    /// Features in the table: `numberMatched` of a query with no condition, without counting.
    public var featureCount: Int

    public init(id: String, table: FeatureTable, featureCount: Int) {
        self.id = id; self.table = table; self.featureCount = featureCount
    }

    /// The field `datetime` filters on: the first date or date-time field, if any.
    public var temporalField: FieldDefinition? {
        table.fields.first { $0.type == .date || $0.type == .dateTime }
    }
}
