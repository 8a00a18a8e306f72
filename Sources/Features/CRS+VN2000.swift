public import GeoModel
import ProjKit
import Foundation

/// The VN-2000 systems offered by `crs`, `bbox-crs` and `filter-crs`, built with ProjKit from
/// its own definitions (the official 7-parameter shift of Decision 05/2007), so positions agree
/// with PROJ given the same `+towgs84`.
///
/// Offered: EPSG:4756 (geographic, latitude first as EPSG defines it), EPSG:3405 and 3406
/// (UTM 48N and 49N) and every provincial TM-3 zone. EPSG registers all 18 TM-3 central
/// meridians the provinces use (5896–5899, 9205–9218), so the zones keep their EPSG URIs,
/// which GDAL and QGIS resolve by themselves; ``provinceZones`` says which zone a province uses.
public struct VN2000Projections: ProjectionProvider {
    public init() {}

    /// Every VN-2000 system with its EPSG URI, geographic first, then UTM, then TM-3 by meridian.
    static let systems: [(uri: String, crs: VN2000CRS)] = {
        var list: [VN2000CRS] = [.geographic, .utm(zone: 48), .utm(zone: 49)]
        let meridians = Set(VN2000.provinces.compactMap(\.centralMeridian)).union([102, 105, 108, 107.75])
        list += meridians.sorted().map(VN2000CRS.tm3(centralMeridian:))
        return list.compactMap { c in c.epsg.map { (uri: "http://www.opengis.net/def/crs/EPSG/0/\($0)", crs: c) } }
    }()

    /// The TM-3 zone URI of each province (before the 2025 merger), for documentation and clients.
    public static var provinceZones: [(province: String, uri: String)] {
        VN2000.provinces.compactMap { p in
            guard let crs = p.crs, let code = crs.epsg else { return nil }
            return (p.name, "http://www.opengis.net/def/crs/EPSG/0/\(code)")
        }
    }

    public var supportedCRS: [String] { Self.systems.map(\.uri) }

    public func transformer(for uri: String) throws -> (any PositionTransformer)? {
        guard let crs = Self.systems.first(where: { $0.uri == uri })?.crs else { return nil }
        return try VN2000Transformer(crs)
    }
}

/// WGS 84 lon/lat ⇄ one VN-2000 system, through two ProjKit transformers made for one request
/// (PROJ objects are not shared between threads).
final class VN2000Transformer: PositionTransformer, @unchecked Sendable {
    /// WGS 84 without the EPSG database lookup: both ends are PROJ strings.
    static let wgs84 = CRS("+proj=longlat +datum=WGS84 +no_defs +type=crs")

    let toCRS: Transformer
    let fromCRS: Transformer
    /// EPSG:4756 is latitude first; the projected systems are easting, northing.
    let latitudeFirst: Bool

    init(_ crs: VN2000CRS) throws {
        let target = CRS(crs.projDefinition)
        toCRS = try Transformer(from: Self.wgs84, to: target)
        fromCRS = try Transformer(from: target, to: Self.wgs84)
        latitudeFirst = !crs.isProjected
    }

    func forward(_ p: Position) throws -> Position {
        let q = try toCRS.transform(p)
        return latitudeFirst ? Position(q.y, q.x) : q
    }

    func inverse(_ p: Position) throws -> Position {
        try fromCRS.transform(latitudeFirst ? Position(p.y, p.x) : p)
    }
}

extension CRSRegistry {
    /// CRS84, EPSG:4326, EPSG:3857 and the VN-2000 systems: what the server offers.
    public static let standard = CRSRegistry(provider: VN2000Projections())
}
