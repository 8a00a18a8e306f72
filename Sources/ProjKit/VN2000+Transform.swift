import CPROJ
import Foundation

/// A coordinate transformation through PROJ between two CRSs given as PROJ strings, WKT or
/// "EPSG:n", with coordinates always in x = easting/longitude, y = northing/latitude order.
///
/// Used for VN-2000 (``VN2000CRS/projDefinition`` carries the datum shift) in both directions:
/// ingest goes to WGS 84, the query API's `crs=` comes back from it.
///
/// ```swift
/// let toWGS84 = try VN2000Transform(from: VN2000CRS.tm3(centralMeridian: 107).projDefinition, to: "EPSG:4326")
/// let lonLat = toWGS84.forward(x: 559_123, y: 1_820_456)
/// ```
/// See https://proj.org/en/stable/development/reference/functions.html#c.proj_create_crs_to_crs
public final class VN2000Transform: @unchecked Sendable {
    private let context: OpaquePointer
    private let pj: OpaquePointer
    // A PJ object is not safe to use from two threads at once.
    private let lock = NSLock()

    public init(from source: String, to target: String) throws(VN2000Error) {
        guard let ctx = proj_context_create() else { throw .proj("cannot create a PROJ context") }
        guard let raw = proj_create_crs_to_crs(ctx, source, target, nil) else {
            let message = String(cString: proj_context_errno_string(ctx, proj_context_errno(ctx)))
            proj_context_destroy(ctx)
            throw .proj("cannot transform from \(source) to \(target): \(message)")
        }
        // Longitude/easting first whatever the authority's axis order, as GIS files store them.
        guard let normalized = proj_normalize_for_visualization(ctx, raw) else {
            proj_destroy(raw); proj_context_destroy(ctx)
            throw .proj("cannot normalise the axis order from \(source) to \(target)")
        }
        proj_destroy(raw)
        context = ctx
        pj = normalized
    }

    deinit {
        proj_destroy(pj)
        proj_context_destroy(context)
    }

    /// Source → target; nil when the point is outside what the projection can handle.
    public func forward(x: Double, y: Double) -> (x: Double, y: Double)? { run(PJ_FWD, x, y) }

    /// Target → source.
    public func inverse(x: Double, y: Double) -> (x: Double, y: Double)? { run(PJ_INV, x, y) }

    private func run(_ direction: PJ_DIRECTION, _ x: Double, _ y: Double) -> (x: Double, y: Double)? {
        lock.lock(); defer { lock.unlock() }
        let out = proj_trans(pj, direction, proj_coord(x, y, 0, 0))
        let ox = out.xy.x, oy = out.xy.y
        guard ox.isFinite, oy.isFinite, ox != .infinity else { return nil }
        return (ox, oy)
    }
}

extension VN2000CRS {
    /// A transform from this system to WGS 84 longitude/latitude (forward) and back (inverse).
    public func transformToWGS84() throws(VN2000Error) -> VN2000Transform {
        try VN2000Transform(from: projDefinition, to: "EPSG:4326")
    }
}
