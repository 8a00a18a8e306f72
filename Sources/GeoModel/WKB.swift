/// Well-Known Binary (OGC SFA / ISO): the geometry interchange of SQLite/SpatiaLite
/// (`AsBinary`, `GeomFromWKB`) and GDAL.
///
/// ```swift
/// let bytes = WKB.encode(.point(Position(107.6, 16.46)))
/// let back = try WKB.decode(bytes)
/// ```
public enum WKB {
    public struct DecodingError: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { "WKB: \(message)" }
    }

    /// Little-endian 2-D WKB.
    public static func encode(_ g: Geometry) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(g, into: &out)
        return out
    }

    public static func write(_ g: Geometry, into out: inout [UInt8]) {
        func header(_ type: UInt32) { out.append(1); appendU32(type, &out) }
        func points(_ ps: [Position]) {
            appendU32(UInt32(ps.count), &out)
            for p in ps { appendF64(p.x, &out); appendF64(p.y, &out) }
        }
        switch g {
        case .point(let p): header(1); appendF64(p.x, &out); appendF64(p.y, &out)
        case .lineString(let ps): header(2); points(ps)
        case .polygon(let rings): header(3); appendU32(UInt32(rings.count), &out); rings.forEach(points)
        case .multiPoint(let ps): header(4); appendU32(UInt32(ps.count), &out); ps.forEach { write(.point($0), into: &out) }
        case .multiLineString(let ls): header(5); appendU32(UInt32(ls.count), &out); ls.forEach { write(.lineString($0), into: &out) }
        case .multiPolygon(let polys): header(6); appendU32(UInt32(polys.count), &out); polys.forEach { write(.polygon($0), into: &out) }
        case .geometryCollection(let gs): header(7); appendU32(UInt32(gs.count), &out); gs.forEach { write($0, into: &out) }
        }
    }

    /// Decodes WKB of either byte order; Z and M ordinates (ISO or EWKB flags) are dropped.
    public static func decode<C: Collection>(_ bytes: C) throws -> Geometry where C.Element == UInt8 {
        try Array(bytes).withUnsafeBufferPointer { buf in
            var reader = Reader(buf: UnsafeRawBufferPointer(buf))
            return try reader.geometry(depth: 0)
        }
    }

    /// Decodes from raw memory without copying (the hot path for stored blobs).
    public static func decode(_ raw: UnsafeRawBufferPointer) throws -> Geometry {
        var reader = Reader(buf: raw)
        return try reader.geometry(depth: 0)
    }

    /// Collections inside collections deeper than this are refused: real data nests two or
    /// three levels, and each level is a stack frame (200,000 of them, 1.8 MB of WKB, overflow it).
    public static let maxDepth = 64

    struct Reader {
        let buf: UnsafeRawBufferPointer
        var offset = 0
        var little = true

        mutating func need(_ n: Int) throws {
            guard offset + n <= buf.count else { throw DecodingError(message: "truncated at byte \(offset)") }
        }
        mutating func u32() throws -> UInt32 {
            try need(4)
            let v = buf.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            offset += 4
            return little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
        }
        mutating func f64() throws -> Double {
            try need(8)
            let v = buf.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
            return Double(bitPattern: little ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
        }
        mutating func count() throws -> Int {
            let n = Int(try u32())
            // Every element takes at least 16 bytes: a count beyond that is corruption, not a request to allocate.
            guard n <= (buf.count - offset) else { throw DecodingError(message: "count \(n) exceeds the data") }
            return n
        }
        mutating func geometry(depth: Int) throws -> Geometry {
            guard depth <= WKB.maxDepth else { throw DecodingError(message: "collections nested more than \(WKB.maxDepth) deep") }
            try need(1)
            little = buf[offset] == 1
            offset += 1
            var type = try u32()
            var dims = 2
            if type & 0x8000_0000 != 0 { dims += 1 }       // EWKB Z
            if type & 0x4000_0000 != 0 { dims += 1 }       // EWKB M
            if type & 0x2000_0000 != 0 { _ = try u32() }   // EWKB SRID
            type &= 0x0FFF_FFFF
            switch type / 1000 {
            case 1, 2: dims = 3
            case 3: dims = 4
            default: break
            }
            type %= 1000
            func position() throws -> Position {
                let x = try f64(), y = try f64()
                for _ in 2..<dims { _ = try f64() }
                return Position(x, y)
            }
            func positions() throws -> [Position] {
                let n = try count()
                var ps = [Position](); ps.reserveCapacity(n)
                for _ in 0..<n { ps.append(try position()) }
                return ps
            }
            switch type {
            case 1: return .point(try position())
            case 2: return .lineString(try positions())
            case 3:
                let n = try count()
                var rings = [[Position]](); rings.reserveCapacity(n)
                for _ in 0..<n { rings.append(try positions()) }
                return .polygon(rings)
            case 4, 5, 6, 7:
                let n = try count()
                var members = [Geometry](); members.reserveCapacity(n)
                for _ in 0..<n { members.append(try geometry(depth: depth + 1)) }
                switch type {
                case 4: return .multiPoint(members.compactMap { if case .point(let p) = $0 { p } else { nil } })
                case 5: return .multiLineString(members.compactMap { if case .lineString(let l) = $0 { l } else { nil } })
                case 6: return .multiPolygon(members.compactMap { if case .polygon(let r) = $0 { r } else { nil } })
                default: return .geometryCollection(members)
                }
            default:
                throw DecodingError(message: "unsupported geometry type \(type)")
            }
        }
    }
}

@inline(__always) func appendU32(_ v: UInt32, _ out: inout [UInt8]) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}
@inline(__always) func appendF64(_ v: Double, _ out: inout [UInt8]) {
    withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
}
