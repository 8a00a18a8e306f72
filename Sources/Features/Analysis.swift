public import FeatureQuery
public import GeoModel
import GRDB
import GRDBSQLite
import Foundation
import GeoStore
import PublicErrors

/// The analysis API's questions: which area holds a point, what lies within a distance,
/// the k nearest, and figures per area. Distances are geodesic metres on the WGS 84
/// ellipsoid (SpatiaLite `ST_Distance(a, b, 1)`), never degrees.
public final class Analysis: Sendable {
    public let queries: FeatureQueries
    public static let maximumPoints = 10_000
    public static let maximumDistance = 500_000.0
    public static let maximumNeighbours = 1_000
    public static let maximumMatches = 10_000
    let areaIndexes = AreaIndexCache()

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
        let table = c.table
        let sql = "SELECT \(FeatureQueries.selectList(table)) FROM \(table.quotedName) AS t ORDER BY t.fid"
        let index = try await queries.run { db throws(FeaturesError) in
            var fids: [Int64] = [], values: [[FieldValue]] = [], geoms: [Geometry?] = []
            try Self.forEachRow(db, sql: sql, arguments: []) { s in
                fids.append(sqlite3_column_int64(s, 0))
                geoms.append(Self.geometry(s, 1))
                values.append(Self.values(s, from: 2, table.fields))
            }
            return AreaIndex(fids: fids, values: values, geometries: geoms)
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
        let found = try await candidates(near: geometry, box: Self.expand(box, metres: metres), in: c, within: metres)
        return Array(found.prefix(limit))
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
            let all = try await candidates(near: .point(point), box: box, in: c, within: nil)
            let inside = all.filter { ($0.distance ?? .infinity) <= radius }
            if inside.count >= k || all.count >= c.featureCount || radius > 20_037_508 {
                return Array(all.prefix(k))
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

    /// Index candidates in `box` with their geodesic distance to `geometry`, sorted.
    func candidates(near geometry: Geometry, box: BoundingBox, in c: FeatureCollectionInfo, within metres: Double?) async throws(FeaturesError) -> [Match] {
        let table = c.table
        let idx = table.indexCandidates(box)
        let g = "t.\(quoteIdentifier(table.geometryColumn))"
        var sql = "SELECT t.fid, ST_Distance(\(g), GeomFromWKB(?, 4326), 1) AS d\(table.fields.map { ", t.\(quoteIdentifier($0.name))" }.joined()) FROM \(table.quotedName) AS t WHERE \(idx.sql)"
        var args: [SQLValue] = [.blob(WKB.encode(geometry))] + idx.arguments
        if let metres { sql += " AND d <= ?"; args.append(.real(metres)) }
        sql += " ORDER BY d, t.fid"
        let fields = table.fields
        let (finalSQL, finalArgs) = (sql, args)
        return try await queries.run { db throws(FeaturesError) in
            var out: [Match] = []
            try Self.forEachRow(db, sql: finalSQL, arguments: finalArgs) { s in
                guard sqlite3_column_type(s, 1) != SQLITE_NULL else { return }
                out.append(Match(fid: sqlite3_column_int64(s, 0), values: Self.values(s, from: 2, fields), distance: sqlite3_column_double(s, 1)))
            }
            return out
        }
    }

    // MARK: Rows

    static func forEachRow(_ db: Database, sql: String, arguments: [SQLValue], limit: Double = 30,
                           _ body: (OpaquePointer) throws(FeaturesError) -> Void) throws(FeaturesError) {
        try FeatureQueries.withTimeLimit(db, seconds: limit) { () throws(FeaturesError) in
            let statement: Statement
            do {
                statement = try db.cachedStatement(sql: sql)
                try statement.setArguments(StatementArguments(arguments.map(\.databaseValue)))
            } catch {
                throw FeaturesError.store("the store could not prepare the analysis: \(error)")
            }
            let s = statement.sqliteStatement
            defer { sqlite3_reset(s) }
            while true {
                let rc = sqlite3_step(s)
                if rc == SQLITE_DONE { return }
                if rc == SQLITE_INTERRUPT {
                    throw FeaturesError(.timeout, SafeMessage("analysis.timeout"))
                }
                guard rc == SQLITE_ROW else {
                    throw FeaturesError.store("the store failed during the analysis: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                }
                try body(s)
            }
        }
    }

    static func geometry(_ s: OpaquePointer, _ i: Int32) -> Geometry? {
        guard sqlite3_column_type(s, i) == SQLITE_BLOB, let p = sqlite3_column_blob(s, i) else { return nil }
        return try? WKB.decode(UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(s, i))))
    }

    static func values(_ s: OpaquePointer, from first: Int32, _ fields: [FieldDefinition]) -> [FieldValue] {
        fields.indices.map { k in FieldValue(stored: DatabaseValue(sqliteStatement: s, index: first + Int32(k)), as: fields[k].type) }
    }
}
