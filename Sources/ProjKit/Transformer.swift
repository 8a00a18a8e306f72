import CPROJ
public import GeoModel
import Foundation

/// A failure from PROJ: the CRS text it could not use, and PROJ's reason.
public struct ProjError: Error, CustomStringConvertible, Sendable {
    public var definition: String
    public var message: String
    public init(definition: String, message: String) { self.definition = definition; self.message = message }
    public var description: String { "\(message) (CRS: \(definition.prefix(120)))" }
}

/// A coordinate reference system PROJ understands: an authority code ("EPSG:4326"), WKT
/// (1 or 2, ESRI flavour included) or a PROJ string.
public struct CRS: Hashable, Sendable, CustomStringConvertible {
    /// What is handed to PROJ.
    public var definition: String
    public init(_ definition: String) { self.definition = definition }

    public static let wgs84 = CRS("EPSG:4326")
    public static let webMercator = CRS("EPSG:3857")

    public var description: String { definition.count > 80 ? String(definition.prefix(77)) + "…" : definition }

    /// Whether PROJ can build this CRS; the error says why not.
    public func validate() throws {
        let ctx = ProjContext()
        guard let obj = proj_create(ctx.handle, definition) else {
            throw ProjError(definition: definition, message: ctx.lastError("PROJ does not recognise this CRS"))
        }
        defer { proj_destroy(obj) }
        let type = proj_get_type(obj)
        let crsTypes: Set<UInt32> = [PJ_TYPE_GEOGRAPHIC_2D_CRS.rawValue, PJ_TYPE_GEOGRAPHIC_3D_CRS.rawValue,
                                     PJ_TYPE_PROJECTED_CRS.rawValue, PJ_TYPE_COMPOUND_CRS.rawValue,
                                     PJ_TYPE_BOUND_CRS.rawValue, PJ_TYPE_GEOCENTRIC_CRS.rawValue,
                                     PJ_TYPE_GEODETIC_CRS.rawValue]
        guard crsTypes.contains(type.rawValue) else {
            throw ProjError(definition: definition, message: "this is not a coordinate reference system")
        }
    }

    /// The CRS's name as PROJ reports it.
    public var name: String? {
        let ctx = ProjContext()
        guard let obj = proj_create(ctx.handle, definition) else { return nil }
        defer { proj_destroy(obj) }
        return proj_get_name(obj).map { String(cString: $0) }
    }
}

/// Transforms positions from one CRS to another, in traditional GIS order (x = easting or
/// longitude, y = northing or latitude) whatever the CRS's official axis order.
///
/// A transformer is not thread-safe (PROJ objects belong to one context): make one per task.
///
/// ```swift
/// let t = try Transformer(from: CRS("EPSG:3405"), to: .wgs84)
/// let lonLat = try t.transform(Position(500_000, 1_820_000))
/// ```
public final class Transformer: @unchecked Sendable {
    public let source: CRS
    public let target: CRS
    let context: ProjContext
    let pj: OpaquePointer
    /// True when source and target are the same system: positions pass through untouched.
    public let isIdentity: Bool

    public init(from source: CRS, to target: CRS) throws {
        self.source = source
        self.target = target
        context = ProjContext()
        isIdentity = source == target
        guard let raw = proj_create_crs_to_crs(context.handle, source.definition, target.definition, nil) else {
            throw ProjError(definition: source.definition, message: context.lastError("no transformation from this CRS to \(target)"))
        }
        guard let normalized = proj_normalize_for_visualization(context.handle, raw) else {
            proj_destroy(raw)
            throw ProjError(definition: source.definition, message: context.lastError("cannot normalise axis order"))
        }
        proj_destroy(raw)
        pj = normalized
    }

    deinit { proj_destroy(pj) }

    public func transform(_ p: Position) throws -> Position {
        if isIdentity { return p }
        var coord = PJ_COORD(xyzt: PJ_XYZT(x: p.x, y: p.y, z: 0, t: .infinity))
        coord = proj_trans(pj, PJ_FWD, coord)
        guard coord.xy.x.isFinite, coord.xy.y.isFinite else {
            throw ProjError(definition: source.definition, message: "position (\(p.x), \(p.y)) cannot be transformed to \(target): \(context.lastError("outside the CRS's domain"))")
        }
        return Position(coord.xy.x, coord.xy.y)
    }

    /// Transforms a whole geometry, all positions in one PROJ call per ring.
    public func transform(_ g: Geometry) throws -> Geometry {
        if isIdentity { return g }
        switch g {
        case .point(let p): return .point(try transform(p))
        case .multiPoint(let ps): return .multiPoint(try transform(ps))
        case .lineString(let ps): return .lineString(try transform(ps))
        case .multiLineString(let ls): return .multiLineString(try ls.map(transform))
        case .polygon(let rs): return .polygon(try rs.map(transform))
        case .multiPolygon(let ps): return .multiPolygon(try ps.map { try $0.map(transform) })
        case .geometryCollection(let gs): return .geometryCollection(try gs.map(transform))
        }
    }

    public func transform(_ ps: [Position]) throws -> [Position] {
        if isIdentity || ps.isEmpty { return ps }
        var xs = ps.map(\.x), ys = ps.map(\.y)
        let n = ps.count
        let stride = MemoryLayout<Double>.stride
        _ = xs.withUnsafeMutableBufferPointer { x in
            ys.withUnsafeMutableBufferPointer { y in
                proj_trans_generic(pj, PJ_FWD, x.baseAddress, stride, n, y.baseAddress, stride, n, nil, 0, 0, nil, 0, 0)
            }
        }
        var out = [Position](); out.reserveCapacity(n)
        for i in 0..<n {
            guard xs[i].isFinite, ys[i].isFinite else {
                throw ProjError(definition: source.definition, message: "position (\(ps[i].x), \(ps[i].y)) cannot be transformed to \(target)")
            }
            out.append(Position(xs[i], ys[i]))
        }
        return out
    }
}

/// A PROJ context of our own, so that errors are read back per transformer and threads never
/// share PROJ state.
final class ProjContext: @unchecked Sendable {
    let handle: OpaquePointer
    init() {
        handle = proj_context_create()
        proj_log_level(handle, PJ_LOG_NONE)
    }
    deinit { proj_context_destroy(handle) }

    func lastError(_ fallback: String) -> String {
        let code = proj_context_errno(handle)
        guard code != 0, let s = proj_context_errno_string(handle, code) else { return fallback }
        return "\(fallback): \(String(cString: s))"
    }
}
