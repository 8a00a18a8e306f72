import Foundation
import GeoModel

/// Where archive writers put tiles, in tile-id order (the Hilbert order of PMTiles; MBTiles
/// does not care). Tiles come gzip-compressed, as both formats store them.
protocol TileArchiveWriter: AnyObject {
    func add(_ coord: TileCoord, id: UInt64, gzipped: [UInt8]) throws
    /// Writes what remains (directories, metadata); the file is complete when this returns.
    func finish(_ metadata: TilesetMetadata) throws
}

/// Writes a PMTiles v3 archive in one pass with memory that does not grow with tile bytes:
/// tile data streams to the file from offset 16 KiB, identical small tiles (sea, the inside
/// of a big polygon) are stored once and consecutive repeats become one run-length entry;
/// the directories, leaves and metadata follow the tile data, and the header and root
/// directory are written last into the first 16 KiB. Only the directory entries stay in
/// memory (24 bytes per run of tiles), and a digest of each small tile (40 bytes).
final class PMTilesWriter: TileArchiveWriter {
    let path: String
    private let file: FileHandle
    /// The file again, for reading back a stored tile whose digest a new tile matches.
    private let reader: FileHandle
    private var buffer: [UInt8] = []
    /// Bytes of tile data written to the file (the rest is in `buffer`).
    private var flushed: UInt64 = 0
    private var dataLength: UInt64 = 0
    private var entries: [PMTiles.Entry] = []
    private var addressed: UInt64 = 0
    private var contents: UInt64 = 0
    /// Identical tiles are almost always small (empty land or sea, the inside of a polygon);
    /// bigger ones are not looked up. Keyed by a digest, not the bytes: an archive of the
    /// communes holds 50,000 small tiles, which kept as keys grew a build by some 20 MB.
    private var seen: [TileDigest: (offset: UInt64, length: UInt32)] = [:]
    static let dedupMaxBytes = 1024, dedupMaxEntries = 50_000
    private var minZoom = Int.max, maxZoom = 0

    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: Data(count: PMTiles.rootBudget)),
              let f = FileHandle(forWritingAtPath: path) else {
            throw TilesError(.badArchive, "Cannot create \(path): check the folder exists and is writable")
        }
        guard let r = FileHandle(forReadingAtPath: path) else {
            throw TilesError(.badArchive, "Cannot read back \(path): check the folder is readable")
        }
        file = f; reader = r
        try file.seekToEnd()
        buffer.reserveCapacity(1 << 20)
    }

    func add(_ coord: TileCoord, id: UInt64, gzipped tile: [UInt8]) throws {
        minZoom = min(minZoom, coord.z); maxZoom = max(maxZoom, coord.z)
        addressed += 1
        var place: (offset: UInt64, length: UInt32)
        let digest = tile.count <= Self.dedupMaxBytes ? TileDigest(tile) : nil
        if let digest, let known = seen[digest], try stored(at: known) == tile {
            place = known
        } else {
            place = (dataLength, UInt32(tile.count))
            buffer += tile
            dataLength += UInt64(tile.count)
            contents += 1
            if let digest, seen.count < Self.dedupMaxEntries, seen[digest] == nil { seen[digest] = place }
            if buffer.count >= 1 << 20 { try flush() }
        }
        if var last = entries.last, last.offset == place.offset, last.tileId + UInt64(last.runLength) == id {
            last.runLength += 1
            entries[entries.count - 1] = last
        } else {
            entries.append(.init(tileId: id, offset: place.offset, length: place.length, runLength: 1))
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try file.write(contentsOf: buffer)
        flushed += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// The tile data stored at `place` (from the buffer, or read back from the file).
    private func stored(at place: (offset: UInt64, length: UInt32)) throws -> [UInt8] {
        if place.offset >= flushed {
            let start = Int(place.offset - flushed)
            return Array(buffer[start..<(start + Int(place.length))])
        }
        try reader.seek(toOffset: UInt64(PMTiles.rootBudget) + place.offset)
        return [UInt8](try reader.read(upToCount: Int(place.length)) ?? Data())
    }

    func finish(_ metadata: TilesetMetadata) throws {
        try flush()
        let (root, leaves) = PMTiles.directories(entries)
        let meta = Gzip.compress(ArchiveMetadata.data(metadata))
        var h = PMTiles.Header()
        h.tileDataOffset = UInt64(PMTiles.rootBudget); h.tileDataLength = dataLength
        h.leafOffset = h.tileDataOffset + dataLength; h.leafLength = UInt64(leaves.count)
        h.metadataOffset = h.leafOffset + h.leafLength; h.metadataLength = UInt64(meta.count)
        h.rootOffset = UInt64(PMTiles.headerLength); h.rootLength = UInt64(root.count)
        h.addressedTiles = addressed; h.tileEntries = UInt64(entries.count); h.tileContents = contents
        h.minZoom = UInt8(entries.isEmpty ? metadata.minZoom : minZoom)
        h.maxZoom = UInt8(entries.isEmpty ? metadata.maxZoom : maxZoom)
        let b = metadata.bounds
        func e7(_ d: Double) -> Int32 { Int32((d * 1e7).rounded()) }
        h.minLonE7 = e7(b.minX); h.minLatE7 = e7(b.minY); h.maxLonE7 = e7(b.maxX); h.maxLatE7 = e7(b.maxY)
        h.centerZoom = UInt8(min(metadata.maxZoom, max(metadata.minZoom, TileDocuments.zoomFitting(b))))
        h.centerLonE7 = e7(b.center.x); h.centerLatE7 = e7(b.center.y)
        try file.write(contentsOf: leaves + meta)
        try file.seek(toOffset: 0)
        try file.write(contentsOf: h.encoded() + root)
        try file.synchronize()
        try file.close()
        try reader.close()
    }

    var stats: (contents: UInt64, entries: Int) { (contents, entries.count) }
}

/// A small tile's 128-bit digest and length, as a dictionary key: two hashes of the bytes taken
/// as one block of memory (an array of bytes hashes element by element, a twentieth of an
/// archive build's time). A match is confirmed against the stored bytes before it is used.
struct TileDigest: Hashable {
    let first: Int, second: Int, count: Int
    init(_ bytes: [UInt8]) {
        var a = Hasher(), b = Hasher()
        b.combine(0x9E37_79B9_7F4A_7C15 as UInt64)
        bytes.withUnsafeBytes { a.combine(bytes: $0); b.combine(bytes: $0) }
        first = a.finalize(); second = b.finalize(); count = bytes.count
    }
}
