import Foundation

/// VN-2000, Vietnam's national reference system, and the projections agency data uses with it.
///
/// VN-2000 keeps the WGS 84 ellipsoid but places it differently: positions differ from WGS 84
/// by about 200 m, so a file whose `.prj` lost the datum shift lands a block away. Everything
/// here puts the official shift back (see ``towgs84``).
public enum VN2000 {
    /// The official VN-2000 → WGS 84 seven-parameter transformation, as PROJ's `+towgs84`
    /// (translations in metres, rotations in arc-seconds, position-vector convention, scale in ppm).
    ///
    /// Source: Decision 05/2007/QĐ-BTNMT of the Ministry of Natural Resources and Environment
    /// (ΔX −191.90441429 m, ΔY −39.30318279 m, ΔZ −111.45032835 m, rotations 0.00928836″,
    /// −0.01975479″, 0.00427372″, scale 0.252906278 ppm), registered by EPSG as transformation
    /// 6960 "VN-2000 to WGS 84 (2)" (the decision's rotations are stated in the coordinate-frame
    /// convention, so their signs flip here).
    public static let towgs84 = "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"

    /// Scale factor on the central meridian of the provincial 3° zones (Circular 973/2001/TT-TCĐC).
    public static let tm3ScaleFactor = 0.9999
    /// Scale factor of the 6° (UTM) zones.
    public static let utmScaleFactor = 0.9996
}

/// One VN-2000 coordinate reference system: geographic, or transverse Mercator on the
/// VN-2000 datum (UTM 48N/49N, a provincial TM-3 zone, or other parameters found in a `.prj`).
public struct VN2000CRS: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case geographic
        case transverseMercator(centralMeridian: Double, scaleFactor: Double, falseEasting: Double, falseNorthing: Double)
    }
    public var kind: Kind

    public init(kind: Kind) { self.kind = kind }

    /// EPSG:4756.
    public static let geographic = VN2000CRS(kind: .geographic)

    /// UTM zone 48N (central meridian 105°E) or 49N (111°E).
    public static func utm(zone: Int) -> VN2000CRS {
        VN2000CRS(kind: .transverseMercator(centralMeridian: Double(zone * 6 - 183), scaleFactor: VN2000.utmScaleFactor,
                                            falseEasting: 500_000, falseNorthing: 0))
    }

    /// A provincial 3° zone: central meridian in decimal degrees (107.75 for 107°45′).
    public static func tm3(centralMeridian: Double) -> VN2000CRS {
        VN2000CRS(kind: .transverseMercator(centralMeridian: centralMeridian, scaleFactor: VN2000.tm3ScaleFactor,
                                            falseEasting: 500_000, falseNorthing: 0))
    }

    public var isProjected: Bool { if case .geographic = kind { false } else { true } }

    /// The UTM zone number when this is VN-2000 / UTM 48N or 49N.
    public var utmZone: Int? {
        guard case let .transverseMercator(cm, k, fe, fn) = kind, k == VN2000.utmScaleFactor, fe == 500_000, fn == 0 else { return nil }
        let zone = (cm + 183) / 6
        return zone.rounded() == zone && (48...49).contains(Int(zone)) ? Int(zone) : nil
    }

    /// The central meridian when this is a TM-3 zone.
    public var tm3CentralMeridian: Double? {
        guard case let .transverseMercator(cm, k, fe, fn) = kind, k == VN2000.tm3ScaleFactor, fe == 500_000, fn == 0 else { return nil }
        return cm
    }

    /// The EPSG code, when EPSG registers this system (all 17 TM-3 meridians in use are registered).
    public var epsg: Int? {
        if case .geographic = kind { return 4756 }
        if let zone = utmZone { return zone == 48 ? 3405 : 3406 }
        if let cm = tm3CentralMeridian { return VN2000CRS.tm3EPSG[cm] }
        return nil
    }

    /// EPSG codes of VN-2000 TM-3 zones by central meridian.
    static let tm3EPSG: [Double: Int] = [
        102: 5896, 105: 5897, 108: 5898, 107.75: 5899,
        103: 9205, 104: 9206, 104.5: 9207, 104.75: 9208, 105.5: 9209, 105.75: 9210, 106: 9211,
        106.25: 9212, 106.5: 9213, 107: 9214, 107.25: 9215, 107.5: 9216, 108.25: 9217, 108.5: 9218,
    ]

    /// The CRS for an EPSG code, when it is a VN-2000 one.
    public init?(epsg: Int) {
        switch epsg {
        case 4756: self = .geographic
        case 3405: self = .utm(zone: 48)
        case 3406: self = .utm(zone: 49)
        default:
            guard let cm = VN2000CRS.tm3EPSG.first(where: { $0.value == epsg })?.key else { return nil }
            self = .tm3(centralMeridian: cm)
        }
    }

    /// A PROJ definition with the datum shift in it, usable as the source or target of a transform.
    public var projDefinition: String {
        switch kind {
        case .geographic:
            return "+proj=longlat +ellps=WGS84 +towgs84=\(VN2000.towgs84) +no_defs +type=crs"
        case let .transverseMercator(cm, k, fe, fn):
            return "+proj=tmerc +lat_0=0 +lon_0=\(format(cm)) +k=\(format(k)) +x_0=\(format(fe)) +y_0=\(format(fn)) "
                + "+ellps=WGS84 +towgs84=\(VN2000.towgs84) +units=m +no_defs +type=crs"
        }
    }

    /// "VN-2000 / TM-3 107°00′ (EPSG:9214)", for reports and messages.
    public var description: String {
        let code = epsg.map { " (EPSG:\($0))" } ?? ""
        switch kind {
        case .geographic: return "VN-2000 geographic\(code)"
        case let .transverseMercator(cm, k, fe, fn):
            if let zone = utmZone { return "VN-2000 / UTM zone \(zone)N\(code)" }
            if tm3CentralMeridian != nil { return "VN-2000 / TM-3 \(VN2000CRS.degreesMinutes(cm))\(code)" }
            return "VN-2000 / transverse Mercator \(VN2000CRS.degreesMinutes(cm)) k=\(format(k)) x0=\(format(fe)) y0=\(format(fn))"
        }
    }

    /// 107.75 → "107°45′".
    public static func degreesMinutes(_ value: Double) -> String {
        let degrees = Int(value.rounded(.down))
        let minutes = Int(((value - Double(degrees)) * 60).rounded())
        return "\(degrees)°\(minutes < 10 ? "0" : "")\(minutes)′"
    }

    private func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }
}
