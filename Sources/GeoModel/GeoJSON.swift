/// GeoJSON (RFC 7946) text for geometries and features, written into a byte buffer so that
/// a download streams: the caller flushes the buffer whenever it grows past a chunk.
///
/// ```swift
/// var out: [UInt8] = []
/// GeoJSON.writeGeometry(.point(Position(107.6, 16.46)), into: &out)
/// ```
public enum GeoJSON {
    /// Writes a geometry object; coordinates rounded to `precision` decimals
    /// (7 decimals ≈ 1 cm, the precision RFC 7946 recommends as enough).
    public static func writeGeometry(_ g: Geometry, precision: Int = 7, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"type":""#.utf8)
        out.append(contentsOf: g.typeName.utf8)
        if case .geometryCollection(let gs) = g {
            out.append(contentsOf: #"","geometries":["#.utf8)
            for (i, m) in gs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeGeometry(m, precision: precision, into: &out)
            }
            out.append(contentsOf: "]}".utf8)
            return
        }
        out.append(contentsOf: #"","coordinates":"#.utf8)
        let scale = pow10(precision)
        let digits = min(max(precision, 0), 15)
        func pos(_ p: Position) {
            out.append(UInt8(ascii: "["))
            writeFixed(p.x, digits: digits, scale: scale, into: &out)
            out.append(UInt8(ascii: ","))
            writeFixed(p.y, digits: digits, scale: scale, into: &out)
            out.append(UInt8(ascii: "]"))
        }
        func list(_ ps: [Position]) {
            out.append(UInt8(ascii: "["))
            for (i, p) in ps.enumerated() { if i > 0 { out.append(UInt8(ascii: ",")) }; pos(p) }
            out.append(UInt8(ascii: "]"))
        }
        func lists(_ ls: [[Position]]) {
            out.append(UInt8(ascii: "["))
            for (i, l) in ls.enumerated() { if i > 0 { out.append(UInt8(ascii: ",")) }; list(l) }
            out.append(UInt8(ascii: "]"))
        }
        switch g {
        case .point(let p): pos(p)
        case .multiPoint(let ps), .lineString(let ps): list(ps)
        case .multiLineString(let ls), .polygon(let ls): lists(ls)
        case .multiPolygon(let polys):
            out.append(UInt8(ascii: "["))
            for (i, r) in polys.enumerated() { if i > 0 { out.append(UInt8(ascii: ",")) }; lists(r) }
            out.append(UInt8(ascii: "]"))
        case .geometryCollection: break
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Writes one Feature object with its `id`, `geometry` (or null) and `properties`.
    public static func writeFeature(_ f: Feature, fields: [FieldDefinition], precision: Int = 7, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"type":"Feature","id":"#.utf8)
        out.append(contentsOf: String(f.id).utf8)
        out.append(contentsOf: #","geometry":"#.utf8)
        if let g = f.geometry { writeGeometry(g, precision: precision, into: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: #","properties":{"#.utf8)
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            writeString(field.name, into: &out)
            out.append(UInt8(ascii: ":"))
            writeValue(i < f.values.count ? f.values[i] : .null, into: &out)
        }
        out.append(contentsOf: "}}".utf8)
    }

    public static func writeValue(_ v: FieldValue, into out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .real(let d): writeReal(d, into: &out)
        case .text(let s): writeString(s, into: &out)
        case .boolean(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        }
    }

    /// A JSON number; `scale` > 0 rounds to that many parts per unit. Non-finite becomes null.
    @inline(__always)
    public static func writeNumber(_ d: Double, scale: Double, into out: inout [UInt8]) {
        guard d.isFinite else { out.append(contentsOf: "null".utf8); return }
        let v = scale > 0 ? (d * scale).rounded() / scale : d
        if v == v.rounded(), abs(v) < 1e15 {
            out.append(contentsOf: String(Int64(v)).utf8)
        } else {
            out.append(contentsOf: v.description.utf8)
        }
    }

    /// A value of a real field: as `writeNumber`, but a whole value keeps its decimal point
    /// (`347525.0`, not `347525`). Readers that type a field from the values they see (GDAL's
    /// GeoJSON driver, QGIS) would otherwise make it an integer when a page holds only whole
    /// values, and then cut or drop the fractions of the next page.
    @inline(__always)
    public static func writeReal(_ d: Double, scale: Double = 0, into out: inout [UInt8]) {
        guard d.isFinite else { out.append(contentsOf: "null".utf8); return }
        let v = scale > 0 ? (d * scale).rounded() / scale : d
        if v == v.rounded(), abs(v) < 1e15 {
            out.append(contentsOf: String(Int64(v)).utf8)
            out.append(contentsOf: ".0".utf8)
        } else {
            out.append(contentsOf: v.description.utf8)
        }
    }

    /// A JSON string literal with the escapes RFC 8259 requires.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `d` rounded to `digits` decimals, written in plain decimal notation without trailing
    /// zeros (the same value `writeNumber` writes, without going through `Double.description`:
    /// coordinates are most of a GeoJSON answer).
    @inline(__always)
    public static func writeFixed(_ d: Double, digits: Int, scale: Double, into out: inout [UInt8]) {
        let scaled = (d * scale).rounded()
        guard d.isFinite, abs(scaled) < 9e15 else { writeNumber(d, scale: scale, into: &out); return }
        var n = Int64(scaled)
        if n < 0 { out.append(UInt8(ascii: "-")); n = -n }
        // Digits from the right into a small buffer: fraction (trailing zeros dropped), point, integer part.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buf in
            var i = 40
            var fraction = digits
            while fraction > 0, n % 10 == 0 { n /= 10; fraction -= 1 }
            if fraction > 0 {
                for _ in 0..<fraction { i -= 1; buf[i] = UInt8(truncatingIfNeeded: 48 + n % 10); n /= 10 }
                i -= 1; buf[i] = UInt8(ascii: ".")
            }
            repeat { i -= 1; buf[i] = UInt8(truncatingIfNeeded: 48 + n % 10); n /= 10 } while n > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<40]))
        }
    }

    static func pow10(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<max(0, n) { r *= 10 }
        return r
    }
}
