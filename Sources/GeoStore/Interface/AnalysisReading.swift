// The analysis API's reads from a version's features (issue 21), whichever engine keeps them:
// what point-in-area, within-distance, nearest and per-area figures need from the store, as
// plain values. The work that needs no database (the in-memory point-in-area index, the
// growing search of the nearest, the JSON and CSV) stays in Features. Like every store call,
// these block: call them from a `BlockingPool` thread.
public import FeatureQuery
public import GeoModel
import PublicErrors

/// One feature as an analysis reads it: id, values in the table's field order, and its
/// geometry when the read asked for it.
public struct AnalysedFeature: Sendable, Hashable {
    public var fid: Int64
    public var values: [FieldValue]
    public var geometry: Geometry?

    public init(fid: Int64, values: [FieldValue], geometry: Geometry? = nil) {
        self.fid = fid; self.values = values; self.geometry = geometry
    }
}

/// A feature with its distance, in metres, from the geometry a distance read was given.
public struct FeatureDistance: Sendable, Hashable {
    public var fid: Int64
    public var metres: Double
    public var values: [FieldValue]

    public init(fid: Int64, metres: Double, values: [FieldValue]) {
        self.fid = fid; self.metres = metres; self.values = values
    }
}

/// What a per-area count found in one area: how many features lie in it and, when a numeric
/// field was named, the sum, mean, minimum and maximum of its non-null values (nil when the
/// area holds no feature or no value).
public struct AreaTotals: Sendable, Hashable {
    /// The area itself (its geometry only when the read asked for it).
    public var area: AnalysedFeature
    public var count: Int
    public var sum: Double?
    public var average: Double?
    public var minimum: Double?
    public var maximum: Double?

    public init(area: AnalysedFeature, count: Int, sum: Double? = nil, average: Double? = nil, minimum: Double? = nil, maximum: Double? = nil) {
        self.area = area; self.count = count; self.sum = sum; self.average = average; self.minimum = minimum; self.maximum = maximum
    }
}

/// The reads behind the analysis API.
///
/// Distances are geodesic metres on the WGS 84 ellipsoid, by one formula on every engine: the
/// length along the ellipsoid of the shortest line between the two geometries drawn in
/// longitude and latitude (what SpatiaLite's `ST_Distance(a, b, 1)` measures; PostGIS gives
/// the same with `ST_Length(ST_ShortestLine(a, b)::geography)`). Between two points that is
/// the exact geodesic distance.
///
/// Errors are `FeaturesError` values; past `timeLimit` seconds a read stops with a `.timeout`
/// error whose message is `analysis.timeout`.
public protocol AnalysisReading: Sendable {
    /// Every feature of `table`, in id order, with its values and its geometry (nil when it has
    /// none): what an in-memory point-in-area index is built from.
    func analysedFeatures(of table: FeatureTable, timeLimit: Double) throws(FeaturesError) -> [AnalysedFeature]

    /// The features of `table` whose geometry's box meets `box`, each with its distance from
    /// `geometry` (lon/lat), nearest first and then by id; only those no farther than `within`
    /// metres when it is given, and at most `limit` when it is given.
    func distances(from geometry: Geometry, in table: FeatureTable, candidatesIn box: BoundingBox, within metres: Double?,
                   limit: Int?, timeLimit: Double) throws(FeaturesError) -> [FeatureDistance]

    /// Every feature of `areas`, in id order, with how many features of `counted` lie inside it
    /// (a point, or for other geometries a point on its surface, in the area's interior), and
    /// the figures of `field` (a numeric field of `counted`) when given.
    func areaTotals(counting counted: FeatureTable, field: FieldDefinition?, perAreaOf areas: FeatureTable,
                    includeGeometry: Bool, timeLimit: Double) throws(FeaturesError) -> [AreaTotals]
}

extension FieldDefinition {
    /// Sums and means are of numbers: any other field is a 400 naming its type, on every engine.
    public func requireNumericForFigures() throws(FeaturesError) {
        guard type == .integer || type == .real else {
            throw .invalid("field", SafeMessage("analysis.field.notNumeric", ["field": name, "type": type.rawValue]))
        }
    }
}
