public import Foundation
import GeoModel
#if canImport(Glibc)
import Glibc
#endif

/// Serves a PMTiles v3 archive: the header, root directory and metadata are read and checked
/// when it opens (a truncated or corrupt file is refused then, with the reason); a tile costs
/// a directory look-up (leaves kept in a small cache) and one positioned read.
final class PMTilesSource: TileSource, @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let header: PMTiles.Header
    private let root: [PMTiles.Entry]
    private let meta: TilesetMetadata
    private let leaves = Locked([UInt64: [PMTiles.Entry]]())
    static let leafCacheSize = 64

    init(path: String, name: String) throws {
        self.path = path
        func fail(_ m: String) -> TilesError { TilesError(.badArchive, "Archive \(path) cannot be served: \(m)") }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw fail("it cannot be opened (\(String(cString: strerror(errno))))") }
        self.fd = fd
        do {
            var st = stat()
            fstat(fd, &st)
            let size = UInt64(st.st_size)
            let h = try PMTiles.Header(decoding: Self.read(fd, 0, min(Int(size), PMTiles.headerLength)))
            for (what, off, len) in [("root directory", h.rootOffset, h.rootLength), ("metadata", h.metadataOffset, h.metadataLength),
                                     ("leaf directories", h.leafOffset, h.leafLength), ("tile data", h.tileDataOffset, h.tileDataLength)]
                where off &+ len > size || off &+ len < off {
                throw ArchiveFormatError("it is truncated or corrupt: its \(what) would end at byte \(off &+ len) but the file has \(size) bytes")
            }
            guard h.tileType == 1 else { throw ArchiveFormatError("it holds tile type \(h.tileType), not vector tiles (MVT)") }
            guard h.tileCompression == .gzip || h.tileCompression == .none else {
                throw ArchiveFormatError("its tiles use compression \(h.tileCompression) that Bando does not read (only gzip or none)")
            }
            header = h
            root = try PMTiles.decodeDirectory(Self.read(fd, h.rootOffset, Int(h.rootLength)), compression: h.internalCompression)
            var metaBytes = try Self.read(fd, h.metadataOffset, Int(h.metadataLength))
            if h.internalCompression == .gzip {
                do { metaBytes = try Gzip.decompress(metaBytes) } catch { throw ArchiveFormatError("its metadata is not valid gzip") }
            }
            let bounds = BoundingBox(minX: Double(h.minLonE7) / 1e7, minY: Double(h.minLatE7) / 1e7,
                                     maxX: Double(h.maxLonE7) / 1e7, maxY: Double(h.maxLatE7) / 1e7)
            guard h.minZoom <= h.maxZoom, h.maxZoom <= 30 else { throw ArchiveFormatError("its zooms \(h.minZoom)–\(h.maxZoom) are not valid") }
            meta = try ArchiveMetadata.parse(metaBytes, name: name, minZoom: Int(h.minZoom), maxZoom: Int(h.maxZoom),
                                             bounds: bounds, revisionSuffix: "p\(size)-\(h.tileContents)")
        } catch let e as ArchiveFormatError {
            close(fd)
            throw fail(e.message)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    static func read(_ fd: Int32, _ offset: UInt64, _ length: Int) throws(ArchiveFormatError) -> [UInt8] {
        guard length > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(offset) + off_t(done)) }
            guard n > 0 else { throw ArchiveFormatError("reading \(length) bytes at \(offset) failed: the file is shorter than its directory says") }
            done += n
        }
        return out
    }

    func metadata() async throws -> TilesetMetadata { meta }

    func tile(_ c: TileCoord) async throws -> EncodedTile? {
        do {
            let id = PMTiles.tileId(c)
            var dir = root
            for _ in 0..<4 {
                guard let e = PMTiles.find(id, in: dir) else { return nil }
                if e.runLength > 0 {
                    let bytes = try Self.read(fd, header.tileDataOffset + e.offset, Int(e.length))
                    return EncodedTile(data: bytes, isGzipped: header.tileCompression == .gzip || Gzip.isGzip(bytes))
                }
                dir = try leaf(at: e.offset, length: Int(e.length))
            }
            throw ArchiveFormatError("its directories nest deeper than the spec allows")
        } catch let e as ArchiveFormatError {
            throw TilesError(.badArchive, "Archive \(path): tile \(c) cannot be read: \(e.message)")
        }
    }

    private func leaf(at offset: UInt64, length: Int) throws(ArchiveFormatError) -> [PMTiles.Entry] {
        if let d = leaves.withLock({ $0[offset] }) { return d }
        guard offset + UInt64(length) <= header.leafLength else { throw ArchiveFormatError("a leaf directory lies outside the leaf section") }
        let d = try PMTiles.decodeDirectory(Self.read(fd, header.leafOffset + offset, length), compression: header.internalCompression)
        leaves.withLock { c in
            if c.count >= Self.leafCacheSize { c.removeAll(keepingCapacity: true) }
            c[offset] = d
        }
        return d
    }
}

/// Opens an archive by its extension (`.pmtiles`, `.mbtiles`); the tileset takes the file's
/// name without the extension.
public enum TileArchive {
    public static func open(_ path: String) throws -> any TileSource {
        let url = URL(fileURLWithPath: path)
        let name = url.deletingPathExtension().lastPathComponent
        guard FileManager.default.fileExists(atPath: path) else {
            throw TilesError(.badArchive, "Archive \(path) does not exist")
        }
        guard TilesetDefinition.isValidName(name) else {
            throw TilesError(.badArchive, "Archive \(path): its name \"\(name)\" must be letters, digits, '-' or '_' (it appears in URLs); rename the file")
        }
        switch url.pathExtension.lowercased() {
        case "pmtiles": return try PMTilesSource(path: path, name: name)
        case "mbtiles": return try MBTilesSource(path: path, name: name)
        default: throw TilesError(.badArchive, "Archive \(path) is neither .pmtiles nor .mbtiles")
        }
    }

    /// The archives of a folder (a missing folder has none).
    public static func paths(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { $0.hasSuffix(".pmtiles") || $0.hasSuffix(".mbtiles") }.map { folder.appendingPathComponent($0).path }
    }
}
