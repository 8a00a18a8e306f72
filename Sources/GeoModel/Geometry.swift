/// A 2-D position: `x` is longitude or easting, `y` latitude or northing.
public struct Position: Hashable, Sendable {
    public var x: Double
    public var y: Double
    @inlinable public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A simple-features geometry (OGC SFA), 2-D.
///
/// Polygons are lists of rings, the first the exterior; rings are closed (first == last).
public indirect enum Geometry: Hashable, Sendable {
    case point(Position)
    case multiPoint([Position])
    case lineString([Position])
    case multiLineString([[Position]])
    case polygon([[Position]])
    case multiPolygon([[[Position]]])
    case geometryCollection([Geometry])

    /// The geometry type's OGC name, as GeoJSON spells it.
    public var typeName: String {
        switch self {
        case .point: "Point"
        case .multiPoint: "MultiPoint"
        case .lineString: "LineString"
        case .multiLineString: "MultiLineString"
        case .polygon: "Polygon"
        case .multiPolygon: "MultiPolygon"
        case .geometryCollection: "GeometryCollection"
        }
    }

    /// The dimension family: points, lines or polygons (collections: their first member's).
    public var family: GeometryFamily {
        switch self {
        case .point, .multiPoint: .point
        case .lineString, .multiLineString: .line
        case .polygon, .multiPolygon: .polygon
        case .geometryCollection(let members): members.first?.family ?? .point
        }
    }

    public var isEmpty: Bool {
        switch self {
        case .point: false
        case .multiPoint(let p): p.isEmpty
        case .lineString(let p): p.isEmpty
        case .multiLineString(let l): l.allSatisfy(\.isEmpty)
        case .polygon(let r): r.first?.isEmpty ?? true
        case .multiPolygon(let p): p.allSatisfy { $0.first?.isEmpty ?? true }
        case .geometryCollection(let g): g.allSatisfy(\.isEmpty)
        }
    }

    /// Calls `body` with every position of the geometry, in order.
    @inlinable public func forEachPosition(_ body: (Position) throws -> Void) rethrows {
        switch self {
        case .point(let p): try body(p)
        case .multiPoint(let ps), .lineString(let ps): for p in ps { try body(p) }
        case .multiLineString(let ls), .polygon(let ls): for l in ls { for p in l { try body(p) } }
        case .multiPolygon(let polys): for r in polys { for l in r { for p in l { try body(p) } } }
        case .geometryCollection(let gs): for g in gs { try g.forEachPosition(body) }
        }
    }

    /// The same geometry with every position transformed by `f`.
    public func mapPositions(_ f: (Position) throws -> Position) rethrows -> Geometry {
        switch self {
        case .point(let p): return .point(try f(p))
        case .multiPoint(let ps): return .multiPoint(try ps.map(f))
        case .lineString(let ps): return .lineString(try ps.map(f))
        case .multiLineString(let ls): return .multiLineString(try ls.map { try $0.map(f) })
        case .polygon(let rs): return .polygon(try rs.map { try $0.map(f) })
        case .multiPolygon(let ps): return .multiPolygon(try ps.map { try $0.map { try $0.map(f) } })
        case .geometryCollection(let gs): return .geometryCollection(try gs.map { try $0.mapPositions(f) })
        }
    }

    /// The smallest box holding every position; `nil` for an empty geometry.
    public var boundingBox: BoundingBox? {
        var box = BoundingBox.empty
        forEachPosition { box.extend($0) }
        return box.isEmpty ? nil : box
    }
}

/// Points, lines or polygons: what a layer or a shapefile can hold.
public enum GeometryFamily: String, Sendable, Codable, CaseIterable {
    case point, line, polygon
}
