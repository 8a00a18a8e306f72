public import FeatureQuery
public import GeoModel
import PublicErrors

/// One OGC API collection: a published dataset's current version, as the query logic needs it.
/// App builds these from the store's records once per publication, not per request.
public struct FeatureCollectionInfo: Sendable {
    /// The dataset slug: the `{collectionId}` of the routes.
    public var id: String
    public var title: String
    public var description: String?
    public var table: FeatureTable
    /// The version's extent in WGS 84, nil when it has no geometry.
    public var extent: BoundingBox?
    public var featureCount: Int
    public var geometryTypes: [String]
    public var licence: String?
    public var attribution: String?
    /// The version id: part of cache keys and ETags (a published version never changes).
    public var versionID: Int64

    public init(id: String, title: String, description: String? = nil, table: FeatureTable, extent: BoundingBox?,
                featureCount: Int, geometryTypes: [String] = [], licence: String? = nil, attribution: String? = nil,
                versionID: Int64) {
        self.id = id; self.title = title; self.description = description; self.table = table
        self.extent = extent; self.featureCount = featureCount; self.geometryTypes = geometryTypes
        self.licence = licence; self.attribution = attribution; self.versionID = versionID
    }

    /// The field `datetime` filters on: the first date or date-time field, if any.
    public var temporalField: FieldDefinition? {
        table.fields.first { $0.type == .date || $0.type == .dateTime }
    }
}

