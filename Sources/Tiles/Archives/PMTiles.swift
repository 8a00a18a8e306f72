// Archives: tilesets written once to a file (PMTiles v3, MBTiles 1.3) and served back through
// the same `TileSource` protocol as tiles made on demand. Reading and writing only: the
// pyramid is walked by `TileArchiveBuilder`, HTTP stays in `App`.
import GeoModel

/// The PMTiles v3 format (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md):
/// a 127-byte header, a root directory in the first 16 KiB, optional leaf directories,
/// gzip-compressed JSON metadata, and tile data; tiles addressed by their position on a
/// Hilbert curve per zoom.
enum PMTiles {
    static let headerLength = 127
    /// The header and the root directory must fit in the first 16 KiB (one range request).
    static let rootBudget = 16_384

    enum Compression: UInt8 { case unknown = 0, none = 1, gzip = 2, brotli = 3, zstd = 4 }

    struct Header: Equatable {
        var rootOffset: UInt64 = 0, rootLength: UInt64 = 0
        var metadataOffset: UInt64 = 0, metadataLength: UInt64 = 0
        var leafOffset: UInt64 = 0, leafLength: UInt64 = 0
        var tileDataOffset: UInt64 = 0, tileDataLength: UInt64 = 0
        var addressedTiles: UInt64 = 0, tileEntries: UInt64 = 0, tileContents: UInt64 = 0
        var clustered = true
        var internalCompression = Compression.gzip
        var tileCompression = Compression.gzip
        var tileType: UInt8 = 1   // MVT
        var minZoom: UInt8 = 0, maxZoom: UInt8 = 0
        var minLonE7: Int32 = 0, minLatE7: Int32 = 0, maxLonE7: Int32 = 0, maxLatE7: Int32 = 0
        var centerZoom: UInt8 = 0
        var centerLonE7: Int32 = 0, centerLatE7: Int32 = 0

        func encoded() -> [UInt8] {
            var b: [UInt8] = Array("PMTiles".utf8) + [3]
            for v in [rootOffset, rootLength, metadataOffset, metadataLength, leafOffset, leafLength,
                      tileDataOffset, tileDataLength, addressedTiles, tileEntries, tileContents] {
                withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) }
            }
            b += [clustered ? 1 : 0, internalCompression.rawValue, tileCompression.rawValue, tileType, minZoom, maxZoom]
            for v in [minLonE7, minLatE7, maxLonE7, maxLatE7] { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
            b.append(centerZoom)
            for v in [centerLonE7, centerLatE7] { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
            return b
        }

        /// Parses a header; the message says what is wrong (for an error naming the file).
        init(decoding b: [UInt8]) throws(ArchiveFormatError) {
            guard b.count >= PMTiles.headerLength else { throw .init("it is shorter than a PMTiles header (\(b.count) bytes)") }
            guard Array(b[0..<7]) == Array("PMTiles".utf8) else { throw .init("it does not start with the PMTiles magic number") }
            guard b[7] == 3 else { throw .init("it is PMTiles version \(b[7]); only version 3 is read") }
            func u64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) } }
            func i32(_ at: Int) -> Int32 { Int32(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) }) }
            rootOffset = u64(8); rootLength = u64(16); metadataOffset = u64(24); metadataLength = u64(32)
            leafOffset = u64(40); leafLength = u64(48); tileDataOffset = u64(56); tileDataLength = u64(64)
            addressedTiles = u64(72); tileEntries = u64(80); tileContents = u64(88)
            clustered = b[96] == 1
            internalCompression = Compression(rawValue: b[97]) ?? .unknown
            tileCompression = Compression(rawValue: b[98]) ?? .unknown
            tileType = b[99]; minZoom = b[100]; maxZoom = b[101]
            minLonE7 = i32(102); minLatE7 = i32(106); maxLonE7 = i32(110); maxLatE7 = i32(114)
            centerZoom = b[118]; centerLonE7 = i32(119); centerLatE7 = i32(123)
        }
        init() {}
    }

    /// One directory entry: `runLength` consecutive tile ids share the bytes at
    /// `offset..<offset+length` of the tile data; run length 0 points at a leaf directory.
    struct Entry: Equatable {
        var tileId: UInt64
        var offset: UInt64
        var length: UInt32
        var runLength: UInt32
    }

    // MARK: Tile ids on the Hilbert curve

    static func tileId(_ c: TileCoord) -> UInt64 {
        var acc: UInt64 = ((1 << (2 * UInt64(c.z))) - 1) / 3
        var x = UInt64(c.x), y = UInt64(c.y)
        var a = c.z - 1
        while a >= 0 {
            let s = UInt64(1) << UInt64(a)
            let rx = s & x, ry = s & y
            acc += ((3 * rx) ^ ry) << UInt64(a)
            rotate(s, &x, &y, rx, ry)
            a -= 1
        }
        return acc
    }

    static func coord(_ id: UInt64) -> TileCoord {
        var z = 0
        while z < 31, ((1 << (2 * UInt64(z + 1))) - 1) / 3 <= id { z += 1 }
        var pos = id - ((1 << (2 * UInt64(z))) - 1) / 3
        var x: UInt64 = 0, y: UInt64 = 0, s: UInt64 = 1
        let n = UInt64(1) << UInt64(z)
        while s < n {
            let rx = (pos / 2) & s
            let ry = (pos ^ rx) & s
            rotate(s, &x, &y, rx, ry)
            x += rx; y += ry
            pos >>= 1; s <<= 1
        }
        return TileCoord(z: z, x: Int(x), y: Int(y))
    }

    private static func rotate(_ n: UInt64, _ x: inout UInt64, _ y: inout UInt64, _ rx: UInt64, _ ry: UInt64) {
        guard ry == 0 else { return }
        if rx != 0 { x = n &- 1 &- x; y = n &- 1 &- y }
        swap(&x, &y)
    }

    // MARK: Directories

    static func appendVarint(_ v: UInt64, to b: inout [UInt8]) {
        var v = v
        while v >= 0x80 { b.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        b.append(UInt8(v))
    }

    /// Entries as the spec lays them out (count, id deltas, run lengths, lengths, offsets with
    /// 0 meaning "right after the previous"), gzip-compressed.
    static func encodeDirectory(_ entries: ArraySlice<Entry>) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(entries.count * 6 + 8)
        appendVarint(UInt64(entries.count), to: &b)
        var last: UInt64 = 0
        for e in entries { appendVarint(e.tileId - last, to: &b); last = e.tileId }
        for e in entries { appendVarint(UInt64(e.runLength), to: &b) }
        for e in entries { appendVarint(UInt64(e.length), to: &b) }
        var prev: Entry?
        for e in entries {
            if let p = prev, e.offset == p.offset + UInt64(p.length) { appendVarint(0, to: &b) } else { appendVarint(e.offset + 1, to: &b) }
            prev = e
        }
        return Gzip.compress(b)
    }

    static func decodeDirectory(_ compressed: [UInt8], compression: Compression) throws(ArchiveFormatError) -> [Entry] {
        let b: [UInt8]
        switch compression {
        case .none: b = compressed
        case .gzip:
            do { b = try Gzip.decompress(compressed) } catch { throw .init("a directory is not valid gzip (\(error))") }
        default: throw .init("its directories use compression \(compression) that Bando does not read (only gzip or none)")
        }
        var i = 0
        func varint() throws(ArchiveFormatError) -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < b.count else { throw .init("a directory ends in the middle of an entry") }
                let byte = b[i]; i += 1
                guard shift < 64 else { throw .init("a directory holds a number too large") }
                v |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return v }
                shift += 7
            }
        }
        let n = try varint()
        guard n <= UInt64(b.count) else { throw .init("a directory claims \(n) entries in \(b.count) bytes") }
        var entries = [Entry](repeating: Entry(tileId: 0, offset: 0, length: 0, runLength: 0), count: Int(n))
        var last: UInt64 = 0
        for k in entries.indices { last &+= try varint(); entries[k].tileId = last }
        for k in entries.indices { entries[k].runLength = UInt32(truncatingIfNeeded: try varint()) }
        for k in entries.indices { entries[k].length = UInt32(truncatingIfNeeded: try varint()) }
        for k in entries.indices {
            let v = try varint()
            if k > 0 && v == 0 {
                entries[k].offset = entries[k - 1].offset + UInt64(entries[k - 1].length)
            } else {
                guard v > 0 else { throw .init("the first directory entry has no offset") }
                entries[k].offset = v - 1
            }
        }
        return entries
    }

    /// The entry holding `tileId` in a sorted directory: an exact tile, a run covering it, or
    /// the leaf directory (run length 0) whose range starts at or before it.
    static func find(_ tileId: UInt64, in entries: [Entry]) -> Entry? {
        var lo = 0, hi = entries.count - 1
        while lo <= hi {
            let mid = (lo + hi) >> 1
            if entries[mid].tileId < tileId { lo = mid + 1 } else if entries[mid].tileId > tileId { hi = mid - 1 } else { return entries[mid] }
        }
        guard hi >= 0 else { return nil }
        let e = entries[hi]
        if e.runLength == 0 || tileId - e.tileId < UInt64(e.runLength) { return e }
        return nil
    }

    /// The root directory, and the leaves when the entries do not fit in the root budget:
    /// leaves of `leafSize` entries, grown until the root of leaf pointers fits.
    static func directories(_ entries: [Entry]) -> (root: [UInt8], leaves: [UInt8]) {
        let whole = encodeDirectory(entries[...])
        if whole.count <= rootBudget - headerLength { return (whole, []) }
        var leafSize = 4096
        while true {
            var root: [Entry] = [], leaves: [UInt8] = []
            var i = 0
            while i < entries.count {
                let leaf = encodeDirectory(entries[i..<min(entries.count, i + leafSize)])
                root.append(Entry(tileId: entries[i].tileId, offset: UInt64(leaves.count), length: UInt32(leaf.count), runLength: 0))
                leaves += leaf
                i += leafSize
            }
            let rootBytes = encodeDirectory(root[...])
            if rootBytes.count <= rootBudget - headerLength { return (rootBytes, leaves) }
            leafSize *= 2
        }
    }
}

/// What is wrong with an archive's bytes; wrapped in a `TilesError` naming the file.
struct ArchiveFormatError: Error {
    var message: String
    init(_ m: String) { message = m }
}
