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
/// memory (24 bytes per run of tiles).
final class PMTilesWriter: TileArchiveWriter {
    let path: String
    private let file: FileHandle
    private var buffer: [UInt8] = []
    private var dataLength: UInt64 = 0
    private var entries: [PMTiles.Entry] = []
    private var addressed: UInt64 = 0
    private var contents: UInt64 = 0
    /// Identical tiles are almost always small (empty land or sea); bigger ones are not looked up.
    private var seen: [TileBytes: (offset: UInt64, length: UInt32)] = [:]
    static let dedupMaxBytes = 1024, dedupMaxEntries = 50_000
    private var minZoom = Int.max, maxZoom = 0

    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: Data(count: PMTiles.rootBudget)),
              let f = FileHandle(forWritingAtPath: path) else {
            throw TilesError(.badArchive, "Cannot create \(path): check the folder exists and is writable")
        }
        file = f
        try file.seekToEnd()
        buffer.reserveCapacity(1 << 20)
    }

    func add(_ coord: TileCoord, id: UInt64, gzipped tile: [UInt8]) throws {
        minZoom = min(minZoom, coord.z); maxZoom = max(maxZoom, coord.z)
        addressed += 1
        var place: (offset: UInt64, length: UInt32)
        if tile.count <= Self.dedupMaxBytes, let known = seen[TileBytes(tile)] {
            place = known
        } else {
            place = (dataLength, UInt32(tile.count))
            buffer += tile
            dataLength += UInt64(tile.count)
            contents += 1
            if tile.count <= Self.dedupMaxBytes, seen.count < Self.dedupMaxEntries { seen[TileBytes(tile)] = place }
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
        buffer.removeAll(keepingCapacity: true)
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
    }

    var stats: (contents: UInt64, entries: Int) { (contents, entries.count) }
}

/// A tile's bytes as a dictionary key, hashed as one block of memory (an array of bytes hashes
/// element by element, a twentieth of an archive build's time).
struct TileBytes: Hashable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
