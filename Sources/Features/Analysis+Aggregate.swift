public import FeatureQuery
public import GeoModel
import GeoStore
import PublicErrors

extension Analysis {
    /// Figures for one area: how many features of the counted dataset lie in it, and the
    /// sum/avg/min/max of their numeric field when one was asked for.
    public struct AreaFigures: Sendable, Hashable {
        public var fid: Int64
        public var values: [FieldValue]
        public var geometry: Geometry?
        public var count: Int
        public var sum: Double?
        public var average: Double?
        public var minimum: Double?
        public var maximum: Double?
    }

    /// Counts the features of `counted` inside each polygon of `areas` (a feature is inside
    /// when its point — or a point on its surface, for lines and polygons — is), with
    /// statistics of `field` when given. Every area is listed, also those with none.
    public func aggregate(_ counted: FeatureCollectionInfo, field: String?, per areas: FeatureCollectionInfo,
                          includeGeometry: Bool) async throws(FeaturesError) -> [AreaFigures] {
        var stat: FieldDefinition?
        if let field {
            guard let f = counted.table.field(named: field) else {
                throw .invalid("field", SafeMessage("analysis.field.unknown", ["collection": counted.id, "field": field, "fields": counted.table.fields.map(\.name).joined(separator: ", ")]))
            }
            guard f.type == .integer || f.type == .real else {
                throw .invalid("field", SafeMessage("analysis.field.notNumeric", ["field": field, "type": f.type.rawValue]))
            }
            stat = f
        }
        let store = queries.store, (a, b) = (counted.table, areas.table), statField = stat
        let limit = queries.timeLimit * 6
        let totals = try await queries.blocking { () throws(FeaturesError) in
            try store.areaTotals(counting: a, field: statField, perAreaOf: b, includeGeometry: includeGeometry, timeLimit: limit)
        }
        // An area with no feature sums to 0 when a sum was asked for; its other figures stay empty.
        let withStats = stat != nil
        return totals.map { t in
            AreaFigures(fid: t.area.fid, values: t.area.values, geometry: t.area.geometry, count: t.count,
                        sum: withStats ? (t.sum ?? 0) : nil, average: t.average, minimum: t.minimum, maximum: t.maximum)
        }
    }
}
