import CGDAL
public import GeoModel

/// Validity checks and repair through GEOS, as GDAL exposes it (OGR_G_IsValid, OGR_G_MakeValid).
public enum GeometryValidation {
    public enum Outcome: Sendable {
        case valid
        case repaired(Geometry)
        case invalid(reason: String)
    }

    /// Checks `g`; an invalid polygon is repaired (OGC MakeValid, keeping its dimension);
    /// a geometry that cannot be repaired is reported with GEOS's reason.
    public static func check(_ g: Geometry) -> Outcome {
        GDALRuntime.ensure()
        // Points and lines are valid by construction for our purposes, except too-short lines.
        switch g {
        case .point, .multiPoint: return .valid
        case .lineString(let ps):
            return Set(ps).count >= 2 ? .valid : .invalid(reason: "a line needs two distinct points")
        case .multiLineString(let ls):
            return ls.allSatisfy({ Set($0).count >= 2 }) ? .valid : .invalid(reason: "a line needs two distinct points")
        default: break
        }
        let wkb = WKB.encode(g)
        var ogr: OGRGeometryH?
        let err = wkb.withUnsafeBufferPointer { buf in
            OGR_G_CreateFromWkbEx(buf.baseAddress, nil, &ogr, Int(buf.count))
        }
        guard err == OGRERR_NONE, let ogr else { return .invalid(reason: "malformed geometry") }
        defer { OGR_G_DestroyGeometry(ogr) }
        _ = GDALMessages.drain()
        if OGR_G_IsValid(ogr) != 0 { return .valid }
        let reason = GDALMessages.drain().last ?? "invalid geometry"
        guard let fixed = OGR_G_MakeValid(ogr) else {
            return .invalid(reason: reason)
        }
        defer { OGR_G_DestroyGeometry(fixed) }
        // MakeValid may return a collection mixing dimensions: keep the polygonal part.
        var polygonal: OGRGeometryH? = fixed
        var ownsPolygonal = false
        let flat = OGR_GT_Flatten(OGR_G_GetGeometryType(fixed))
        if flat == wkbGeometryCollection {
            let multi = OGR_G_CreateGeometry(wkbMultiPolygon)!
            for i in 0..<OGR_G_GetGeometryCount(fixed) {
                let part = OGR_G_GetGeometryRef(fixed, i)
                let t = OGR_GT_Flatten(OGR_G_GetGeometryType(part))
                if t == wkbPolygon { OGR_G_AddGeometry(multi, part) }
                if t == wkbMultiPolygon {
                    for j in 0..<OGR_G_GetGeometryCount(part) { OGR_G_AddGeometry(multi, OGR_G_GetGeometryRef(part, j)) }
                }
            }
            polygonal = multi
            ownsPolygonal = true
        }
        defer { if ownsPolygonal, let polygonal { OGR_G_DestroyGeometry(polygonal) } }
        guard let polygonal, OGR_G_IsEmpty(polygonal) == 0 else { return .invalid(reason: "\(reason); nothing polygonal remains after repair") }
        let size = Int(OGR_G_WkbSize(polygonal))
        var out = [UInt8](repeating: 0, count: size)
        guard out.withUnsafeMutableBufferPointer({ OGR_G_ExportToIsoWkb(polygonal, wkbNDR, $0.baseAddress) }) == OGRERR_NONE,
              let repaired = try? WKB.decode(out) else {
            return .invalid(reason: reason)
        }
        return .repaired(repaired)
    }
}
