// OGC API items from a backend-neutral query (issue 21): the query is a plain value
// (`ItemsQuery`, its CQL2 tree, in module FeatureQuery), each backend compiles it to its own
// SQL and writes the GeoJSON. Like every store call, these block: call them from a
// `BlockingPool` thread.
public import FeatureQuery
public import GeoModel

/// How features are written: decimals and, when the client asked for another CRS, a
/// transformation of every position (Features owns the CRSs and PROJ; the store only calls it).
public struct FeatureOutput: Sendable {
    /// Decimals of coordinates: 7 for degrees (≈1 cm), 3 for metres.
    public var precision: Int
    /// From WGS 84 lon/lat to the output CRS; nil writes positions as stored.
    public var transform: (@Sendable (Position) throws -> Position)?
    /// The output CRS's name, for the log when a geometry cannot be written in it.
    public var crsName: String

    public init(precision: Int = 7, crsName: String = "CRS84", transform: (@Sendable (Position) throws -> Position)? = nil) {
        self.precision = precision; self.transform = transform; self.crsName = crsName
    }

    /// Positions as stored (lon/lat), 7 decimals.
    public static let lonLat = FeatureOutput()
}

/// Answers OGC API - Features items queries on a version's features.
///
/// Both calls write GeoJSON Features as `GeoJSON` (GeoModel) writes them: `id`, `geometry`,
/// then `properties` in the table's field order; the bytes are the same on every backend.
/// Errors are `FeaturesError` values: a query that names what the table lacks or that the
/// engine cannot run is `.invalidParameter`; past `timeLimit` seconds it is `.timeout`.
public protocol FeatureQuerying: Sendable {
    /// One page of `query` on `collection`: its features as a JSON array, with the number
    /// returned and matched.
    func items(in collection: QueriedCollection, _ query: ItemsQuery, output: FeatureOutput,
               timeLimit: Double) throws(FeaturesError) -> ItemsPage
    /// One feature as a GeoJSON Feature, or nil when the table has no such id.
    func item(in collection: QueriedCollection, id: Int64, output: FeatureOutput,
              timeLimit: Double) throws(FeaturesError) -> [UInt8]?
}

extension QueriedCollection {
    /// A version's features as the collection `id` (the dataset's slug).
    public init(_ version: DatasetVersionRecord, id: String) {
        self.init(id: id, table: FeatureTable(name: version.featureTable, fields: version.fields), featureCount: version.featureCount)
    }
}
