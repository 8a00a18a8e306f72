import GeoModel

/// Well-known text (OGC 06-103r4) for CSV: what GDAL's CSV driver, QGIS and PostGIS read.
/// Coordinates are rounded to 9 decimals (well under a millimetre), which drops the
/// floating-point noise of reprojection (16.487255699999995 → 16.4872557).
enum WKT {
    static let scale = 1e9

    static func write(_ g: Geometry, into out: inout [UInt8]) {
        func pos(_ p: Position) {
            GeoJSON.writeNumber(p.x, scale: scale, into: &out)
            out.append(UInt8(ascii: " "))
            GeoJSON.writeNumber(p.y, scale: scale, into: &out)
        }
        func list(_ ps: [Position]) {
            out.append(UInt8(ascii: "("))
            for (i, p) in ps.enumerated() { if i > 0 { out.append(contentsOf: [44, 32]) }; pos(p) }
            out.append(UInt8(ascii: ")"))
        }
        func lists(_ ls: [[Position]]) {
            out.append(UInt8(ascii: "("))
            for (i, l) in ls.enumerated() { if i > 0 { out.append(contentsOf: [44, 32]) }; list(l) }
            out.append(UInt8(ascii: ")"))
        }
        out.append(contentsOf: g.typeName.uppercased().utf8)
        if g.isEmpty { out.append(contentsOf: " EMPTY".utf8); return }
        out.append(UInt8(ascii: " "))
        switch g {
        case .point(let p): out.append(UInt8(ascii: "(")); pos(p); out.append(UInt8(ascii: ")"))
        case .multiPoint(let ps):
            out.append(UInt8(ascii: "("))
            for (i, p) in ps.enumerated() {
                if i > 0 { out.append(contentsOf: [44, 32]) }
                out.append(UInt8(ascii: "(")); pos(p); out.append(UInt8(ascii: ")"))
            }
            out.append(UInt8(ascii: ")"))
        case .lineString(let ps): list(ps)
        case .multiLineString(let ls), .polygon(let ls): lists(ls)
        case .multiPolygon(let polys):
            out.append(UInt8(ascii: "("))
            for (i, r) in polys.enumerated() { if i > 0 { out.append(contentsOf: [44, 32]) }; lists(r) }
            out.append(UInt8(ascii: ")"))
        case .geometryCollection(let gs):
            out.append(UInt8(ascii: "("))
            for (i, m) in gs.enumerated() { if i > 0 { out.append(contentsOf: [44, 32]) }; write(m, into: &out) }
            out.append(UInt8(ascii: ")"))
        }
    }
}
