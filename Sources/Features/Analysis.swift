public import FeatureQuery
public import GeoModel
import Foundation
import GeoStore
import PublicErrors

/// The analysis API's questions: which area holds a point, what lies within a distance,
/// the k nearest, and figures per area, on any engine through GeoStore's `AnalysisReading`.
/// Distances are geodesic metres on the WGS 84 ellipsoid (the formula `AnalysisReading`
/// states), never degrees.
public final class Analysis: Sendable {
    public let queries: FeatureQueries
    /// Seconds one read of the point-in-area index or of distance candidates may run.
    static let readTimeLimit = 30.0
    public static let maximumPoints = 10_000
    public static let maximumDistance = 500_000.0
    public static let maximumNeighbours = 1_000
    public static let maximumMatches = 10_000
    let areaIndexes = AreaIndexCache()

    /// The analyses of the store behind `queries` (a per-area count may run six times its
    /// `timeLimit`).
    public init(queries: FeatureQueries) { self.queries = queries }

    /// A feature found by an analysis, with its attribute values in schema order.
    public struct Match: Sendable, Hashable {
        public var fid: Int64
        public var values: [FieldValue]
        /// Geodesic metres from the query geometry (distance questions only).
        public var distance: Double?
    }

    // MARK: Which area contains these points

    /// For each point (lon/lat), the areas of `c` whose interior holds it.
    public func areasContaining(_ points: [Position], in c: FeatureCollectionInfo) async throws(FeaturesError) -> [[Match]] {
        guard points.count <= Self.maximumPoints else {
            throw .invalid("points", SafeMessage("analysis.points.tooMany", ["maximum": String(Self.maximumPoints), "count": String(points.count)]))
        }
        for (i, p) in points.enumerated() where !(p.x.isFinite && p.y.isFinite && abs(p.x) <= 180 && abs(p.y) <= 90) {
            throw .invalid("points", SafeMessage("analysis.points.notLonLat", ["index": String(i), "lon": "\(p.x)", "lat": "\(p.y)"]))
        }
        let index = try await areaIndex(c)
        return points.map { p in
            index.containing(p).map { Match(fid: index.fids[$0], values: index.values[$0], distance: nil) }
        }
    }

    func areaIndex(_ c: FeatureCollectionInfo) async throws(FeaturesError) -> AreaIndex {
        if let idx = areaIndexes.get(c.versionID) { return idx }
        guard c.geometryTypes.isEmpty || c.geometryTypes.contains(where: { $0.lowercased().contains("polygon") }) else {
            throw .invalid("dataset", SafeMessage("analysis.dataset.notAreas", ["collection": c.id, "types": c.geometryTypes.joined(separator: ", ")]))
        }
        let store = queries.store, table = c.table
        let index = try await queries.blocking { () throws(FeaturesError) in
            let features = try store.analysedFeatures(of: table, timeLimit: Self.readTimeLimit)
            return AreaIndex(fids: features.map(\.fid), values: features.map(\.values), geometries: features.map(\.geometry))
        }
        areaIndexes.put(c.versionID, index)
        return index
    }

    // MARK: Within distance, nearest

    /// Features of `c` within `metres` of `geometry` (lon/lat), nearest first.
    public func withinDistance(of geometry: Geometry, metres: Double, in c: FeatureCollectionInfo, limit: Int = Analysis.maximumMatches) async throws(FeaturesError) -> [Match] {
        guard metres.isFinite, metres >= 0, metres <= Self.maximumDistance else {
            throw .invalid("distance", SafeMessage("analysis.distance.range", ["maximum": String(Int(Self.maximumDistance)), "value": "\(metres)"]))
        }
        guard let box = geometry.boundingBox else { throw .invalid("geometry", SafeMessage("analysis.geometry.empty")) }
        return try await candidates(near: geometry, box: Self.expand(box, metres: metres), in: c, within: metres, limit: limit)
    }

    /// The `k` features of `c` nearest to `point`, nearest first.
    public func nearest(to point: Position, k: Int, in c: FeatureCollectionInfo) async throws(FeaturesError) -> [Match] {
        guard k >= 1, k <= Self.maximumNeighbours else {
            throw .invalid("k", SafeMessage("analysis.k.range", ["maximum": String(Self.maximumNeighbours), "value": String(k)]))
        }
        // Grow the search box until it holds k features no farther than its own radius:
        // any closer feature would have to lie inside the box, so the answer is exact.
        var radius = 1_000.0
        while true {
            let box = Self.expand(BoundingBox(minX: point.x, minY: point.y, maxX: point.x, maxY: point.y), metres: radius)
            // The k nearest in the box: the answer once the k-th is within the radius, or the box
            // holds every feature, or it is the whole world.
            let found = try await candidates(near: .point(point), box: box, in: c, within: nil, limit: k)
            let kthWithinRadius = found.count == k && (found.last?.distance ?? .infinity) <= radius
            if kthWithinRadius || found.count >= c.featureCount || radius > 20_037_508 {
                return found
            }
            radius *= 4
        }
    }

    /// A lon/lat box that holds every point within `metres` of `box` (conservative).
    static func expand(_ box: BoundingBox, metres: Double) -> BoundingBox {
        let dLat = metres / 110_574 * 1.01
        let maxLat = min(89.9, max(abs(box.minY), abs(box.maxY)) + dLat)
        let dLon = metres / (111_320 * cos(maxLat * .pi / 180)) * 1.01
        if maxLat >= 89.9 || dLon >= 180 { return BoundingBox(minX: -180, minY: max(-90, box.minY - dLat), maxX: 180, maxY: min(90, box.maxY + dLat)) }
        return BoundingBox(minX: box.minX - dLon, minY: max(-90, box.minY - dLat), maxX: box.maxX + dLon, maxY: min(90, box.maxY + dLat))
    }

    /// Index candidates in `box` with their geodesic distance to `geometry`, nearest first, at
    /// most `limit` of them.
    func candidates(near geometry: Geometry, box: BoundingBox, in c: FeatureCollectionInfo, within metres: Double?,
                    limit: Int?) async throws(FeaturesError) -> [Match] {
        let store = queries.store, table = c.table
        return try await queries.blocking { () throws(FeaturesError) in
            try store.distances(from: geometry, in: table, candidatesIn: box, within: metres, limit: limit, timeLimit: Self.readTimeLimit)
                .map { Match(fid: $0.fid, values: $0.values, distance: $0.metres) }
        }
    }
}
