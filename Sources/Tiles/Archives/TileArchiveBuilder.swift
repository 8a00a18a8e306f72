import Foundation
public import GeoModel
import Synchronization

/// Builds an archive of a tileset: every tile of the zoom range that meets the tileset's
/// bounds, made by the tileset's own `TileSource` (so archive and on-demand tiles are the
/// same), on every core, written in tile-id order to a temporary file beside the output that
/// is renamed onto it only when complete.
///
/// ```swift
/// let summary = try await TileArchiveBuilder.build(source, to: "Tiles/communes.pmtiles", format: .pmtiles) { p in print(p.done) }
/// ```
public enum TileArchiveBuilder {
    public enum Format: String, Sendable, CaseIterable { case pmtiles, mbtiles }

    public struct Progress: Sendable {
        /// Tiles of the pyramid visited so far and in all.
        public var done: Int, total: Int
        /// Non-empty tiles written so far.
        public var written: Int
        public var seconds: Double
    }

    public struct Summary: Sendable {
        public var visited: Int
        /// Tiles of those that were cut: the others the source knew to be empty (`coverage`).
        public var cut: Int
        /// Non-empty tiles in the archive, and how many distinct contents they have.
        public var tiles: Int, distinct: Int
        public var bytes: Int
        public var largest: (coord: TileCoord, bytes: Int)?
        public var seconds: Double
        public var minZoom: Int, maxZoom: Int
    }

    /// The file a build writes before renaming it onto `output` (same folder, same file system).
    public static func temporaryPath(for output: String) -> String { output + ".part" }

    /// The zoom range actually built, and the number of tiles it visits.
    public static func plan(_ meta: TilesetMetadata, minZoom: Int?, maxZoom: Int?) throws -> (zooms: ClosedRange<Int>, tiles: Int) {
        let lo = max(meta.minZoom, minZoom ?? meta.minZoom), hi = min(meta.maxZoom, maxZoom ?? meta.maxZoom)
        guard lo <= hi else {
            throw TilesError(.outOfRange, "Tileset \(meta.name) has zooms \(meta.minZoom) to \(meta.maxZoom); the requested \(minZoom ?? lo)–\(maxZoom ?? hi) leaves nothing to build")
        }
        var n = 0
        for z in lo...hi { let r = TileCoord.covering(meta.bounds, zoom: z); n += r.xs.count * r.ys.count }
        return (lo...hi, n)
    }

    public static func build(_ source: any TileSource, to output: String, format: Format,
                             minZoom: Int? = nil, maxZoom: Int? = nil,
                             progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Summary {
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isDir), isDir.boolValue else {
            throw TilesError(.badArchive, "The output folder \(folder) does not exist: create it or choose another -o path")
        }
        let meta = try await source.metadata()
        let (zooms, total) = try plan(meta, minZoom: minZoom, maxZoom: maxZoom)
        var built = meta
        built.minZoom = zooms.lowerBound; built.maxZoom = zooms.upperBound
        built.vectorLayers = meta.vectorLayers.compactMap { l in
            var l = l
            l.minZoom = max(l.minZoom, zooms.lowerBound); l.maxZoom = min(l.maxZoom, zooms.upperBound)
            return l.minZoom <= l.maxZoom ? l : nil
        }

        let temp = temporaryPath(for: output)
        try? FileManager.default.removeItem(atPath: temp)
        let writer: any TileArchiveWriter = format == .pmtiles ? try PMTilesWriter(path: temp) : try MBTilesWriter(path: temp)
        var success = false
        defer { if !success { try? FileManager.default.removeItem(atPath: temp) } }

        let start = ContinuousClock.now
        func seconds() -> Double { let d = ContinuousClock.now - start; return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        var done = 0, written = 0, skipped = 0
        var largest: (coord: TileCoord, bytes: Int)?
        let workers = max(2, ProcessInfo.processInfo.activeProcessorCount)
        var batch: [(TileCoord, UInt64)] = []
        batch.reserveCapacity(Self.batchSize)
        // One batch is cut while the one before is written: the cores do not wait for the file.
        var inFlight: (coords: [(TileCoord, UInt64)], tiles: Task<[[UInt8]?], any Error>)?
        var batchesWritten = 0
        defer { inFlight?.tiles.cancel() }

        func write(_ coords: [(TileCoord, UInt64)], _ tiles: Task<[[UInt8]?], any Error>) async throws {
            let results = try await tiles.value
            for (i, data) in results.enumerated() {
                guard let data else { continue }
                try writer.add(coords[i].0, id: coords[i].1, gzipped: data)
                written += 1
                if data.count > largest?.bytes ?? -1 { largest = (coords[i].0, data.count) }
            }
            done += coords.count
            // The pack pages the batches read leave the build's resident memory (the next ones,
            // nearby in tile-id order, read theirs again from the page cache); every eighth
            // batch: each release is a call per file of the pack, some 140 for the communes.
            batchesWritten += 1
            if batchesWritten % 8 == 0 { source.releaseResidentPages() }
            progress(Progress(done: done, total: total, written: written, seconds: seconds()))
        }
        func flush() async throws {
            let coords = batch
            batch.removeAll(keepingCapacity: true)
            let tiles = Task { try await makeTiles(coords.map(\.0), source: source, workers: workers) }
            let previous = inFlight
            inFlight = (coords, tiles)
            if let previous { try await write(previous.coords, previous.tiles) }
        }

        for z in zooms {
            let r = TileCoord.covering(meta.bounds, zoom: z)
            // Tiles the source knows to be empty are counted as visited, not cut (three
            // quarters of the communes' pyramid: sea, and the neighbours' land in the box).
            let coverage = try await source.coverage(zoom: z, xs: r.xs, ys: r.ys)
            for c in hilbertOrder(z: z, xs: r.xs, ys: r.ys) {
                if let coverage, !coverage.contains(c) { done += 1; skipped += 1; continue }
                batch.append((c, PMTiles.tileId(c)))
                if batch.count == Self.batchSize { try await flush() }
            }
        }
        if !batch.isEmpty { try await flush() }
        if let last = inFlight { inFlight = nil; try await write(last.coords, last.tiles) }
        try Task.checkCancellation()
        try writer.finish(built)
        if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
        try FileManager.default.moveItem(atPath: temp, toPath: output)
        success = true
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        let distinct = (writer as? PMTilesWriter).map { Int($0.stats.contents) } ?? written
        return Summary(visited: done, cut: done - skipped, tiles: written, distinct: distinct, bytes: size, largest: largest, seconds: seconds(),
                       minZoom: zooms.lowerBound, maxZoom: zooms.upperBound)
    }

    /// Tiles cut at once. Two batches are in memory (one cut, one written), so this bounds the
    /// build's tiles in flight: with empty tiles skipped a batch is mostly tiles with features,
    /// and 1,024 of them (the low zooms' big tiles among them) raised the communes' peak by
    /// some 4 MB against 256, for no speed.
    static let batchSize = 256

    /// gzip level of archived tiles: libdeflate's fastest. Compressing was a third of a build's
    /// CPU at level 6 (the server's, for tiles sent once); level 1 takes 28 % less time for
    /// 2.5 % more bytes (the communes' z0–z14: 53.5 MB against 52.2 MB before deduplication),
    /// and levels 2 to 5 cost nearly what 6 does.
    static let gzipLevel: Int32 = 1

    /// The tiles of a batch, gzip-compressed, in the batch's order; `workers` tasks take the
    /// next tile not yet taken, so that slow (dense) tiles spread over all of them.
    static func makeTiles(_ coords: [TileCoord], source: any TileSource, workers: Int) async throws -> [[UInt8]?] {
        let next = NextIndex()
        return try await withThrowingTaskGroup(of: [(Int, [UInt8])].self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var out: [(Int, [UInt8])] = []
                    while true {
                        let i = next.take()
                        guard i < coords.count else { break }
                        try Task.checkCancellation()
                        if let t = try await source.tile(coords[i]), !t.data.isEmpty {
                            out.append((i, t.isGzipped ? t.data : Gzip.compress(t.data, level: gzipLevel)))
                        }
                    }
                    return out
                }
            }
            var results = [[UInt8]?](repeating: nil, count: coords.count)
            for try await part in group { for (i, d) in part { results[i] = d } }
            return results
        }
    }

    /// The tiles of a rectangle at zoom `z`, in increasing tile id, without sorting the whole
    /// zoom: the descendants of one tile 8 zooms up form one contiguous block of ids, so blocks
    /// are taken in order and only a block (65,536 ids at most) is walked at a time.
    static func hilbertOrder(z: Int, xs: ClosedRange<Int>, ys: ClosedRange<Int>) -> some Sequence<TileCoord> {
        let up = min(z, 8)
        let cz = z - up
        var parents: [(UInt64, TileCoord)] = []
        for px in (xs.lowerBound >> up)...(xs.upperBound >> up) {
            for py in (ys.lowerBound >> up)...(ys.upperBound >> up) {
                let p = TileCoord(z: cz, x: px, y: py)
                parents.append((PMTiles.tileId(p), p))
            }
        }
        parents.sort { $0.0 < $1.0 }
        let blockSize = UInt64(1) << UInt64(2 * up)
        let zoomBase: UInt64 = ((1 << (2 * UInt64(z))) - 1) / 3
        let parentBase: UInt64 = ((1 << (2 * UInt64(cz))) - 1) / 3
        return parents.lazy.flatMap { (pid, _) -> [TileCoord] in
            let first = zoomBase + (pid - parentBase) * blockSize
            var block: [TileCoord] = []
            for id in first..<(first + blockSize) {
                let c = PMTiles.coord(id)
                if xs.contains(c.x) && ys.contains(c.y) { block.append(c) }
            }
            return block
        }
    }
}

/// The next index of a batch to take, shared by the tasks cutting it.
private final class NextIndex: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
