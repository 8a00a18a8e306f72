public import Foundation
public import GeoModel
public import GeoStore
import Logging
import Synchronization
import PublicErrors

/// The store a tile service draws from, whichever engine keeps it: its datasets say which
/// version is current and describes it, the features are read with only the fields drawn.
public typealias TileStore = DatasetStore & FieldSubsetReading

/// Everything the HTTP layer asks of tiles: which tilesets exist, their metadata, and tiles
/// (with the encodings, ETags and cache that serving needs). Built once at start-up.
///
/// ```swift
/// let tiles = try TileService(store: store, configuration: .init(tilesFolder: root.appending(path: "Tiles")))
/// let answer = try await tiles.tile("communes", TileCoord(z: 10, x: 812, y: 475), acceptsGzip: true)
/// ```
public final class TileService: Sendable {
    public struct Configuration: Sendable {
        /// Folder of tileset definitions (`*.json`); nil or missing means default tilesets only.
        public var tilesFolder: URL?
        /// Memory for recently served tiles; 0 turns the cache off.
        public var cacheMegabytes: Int
        /// How often, at most, the store is asked whether a dataset published a new version.
        public var checkInterval: Duration
        /// `Cache-Control: max-age` for tiles, in seconds.
        public var maxAge: Int
        /// How many low-zoom tiles of a tileset are built when its versions are prepared, from
        /// its lowest zoom up (see `StoreTileSource.Overview`); 0 builds every tile on demand.
        public var overviewTiles: Int
        /// Where the layers prepared for tiling are written (`LayerPack`, memory-mapped): nil is
        /// the system's temporary folder. Each service writes in a folder of its own there.
        public var preparedFolder: URL?
        public init(tilesFolder: URL? = nil, cacheMegabytes: Int = 256, checkInterval: Duration = .seconds(1), maxAge: Int = 60,
                    overviewTiles: Int = 512, preparedFolder: URL? = nil) {
            self.tilesFolder = tilesFolder; self.cacheMegabytes = cacheMegabytes
            self.checkInterval = checkInterval; self.maxAge = maxAge; self.overviewTiles = overviewTiles
            self.preparedFolder = preparedFolder
        }
    }

    /// What a tile request gets back.
    public enum Answer: Sendable {
        /// MVT bytes, gzip-compressed when `gzipped`.
        case tile(data: [UInt8], gzipped: Bool, etag: String)
        /// No feature in this tile (HTTP 204).
        case empty(etag: String)
    }

    public let configuration: Configuration
    let definitions: [String: TilesetDefinition]
    let currentVersions: CurrentVersionWatcher
    let prepared: PreparedLayerStore
    let cache: TileCache
    private let registered = Locked([String: any TileSource]())
    private let storeSources = Locked([String: StoreTileSource]())
    private let revisions = Locked([String: String]())
    private let refresherStarted = Locked(false)
    let logger = Logger(label: "bando.tiles")
    /// Tiles answered from the cache and tiles built since start (read by `/metrics`).
    private let hitCount = Atomic<Int>(0)
    private let missCount = Atomic<Int>(0)
    public var cacheCounts: (hits: Int, misses: Int) { (hitCount.load(ordering: .relaxed), missCount.load(ordering: .relaxed)) }

    /// The datasets a tileset draws (its layers'; a dataset's own tileset: that dataset; an
    /// archive: none), for counting each dataset's use.
    public func datasets(ofTileset name: String) -> [String] {
        if let d = definitions[name] { return d.layers.map(\.dataset) }
        return registered.withLock { $0[name] } == nil ? [name] : []
    }

    /// Tiles of `store`'s published datasets (and of the tileset files in the configuration),
    /// on either engine (a SpatiaLite `Store` or a PostGIS one). Reads and checks the tileset
    /// files; a bad file stops start-up with a message naming it. The store's publications
    /// reach the service: the next tile shows a new version at once.
    public init(store: any TileStore, configuration: Configuration = .init()) throws {
        self.configuration = configuration
        var defs: [String: TilesetDefinition] = [:]
        if let folder = configuration.tilesFolder {
            for d in try TilesetDefinition.loadAll(from: folder) {
                guard defs[d.name] == nil else { throw TilesError(.badTileset, "Two tileset files in \(folder.path) are named \"\(d.name)\"") }
                defs[d.name] = d
            }
        }
        definitions = defs
        prepared = PreparedLayerStore(store: store, packFolder: configuration.preparedFolder, logger: logger)
        cache = TileCache(capacityBytes: configuration.cacheMegabytes * 1024 * 1024)
        let box = Locked<TileService?>(nil)
        currentVersions = CurrentVersionWatcher(store: store, interval: configuration.checkInterval) { changed in
            box.withLock { $0 }?.datasetsChanged(changed)
        }
        box.withLock { $0 = self }
        // Weak: the store outlives a tile service built over it in tests.
        store.publications.subscribe { [weak self] _ in self?.checkCurrentVersionsNow() }
    }

    /// Adds a tileset served from elsewhere (an archive); it hides a store tileset of the same name.
    public func register(_ source: any TileSource, as name: String) {
        registered.withLock { $0[name] = source }
        cache.removeAll(tileset: name)
    }

    /// Checks every configured tileset against the store: its datasets are published and its
    /// fields exist. Call at start-up to refuse a bad configuration with a clear message.
    public func checkTilesets() async throws {
        for name in definitions.keys.sorted() { _ = try await source(name).metadata() }
    }

    /// Names of every tileset: configured files, archives, and one per published dataset.
    public func tilesetNames() async throws -> [String] {
        let snapshot = try await currentVersions.snapshot()
        var names = Set(definitions.keys).union(snapshot.versions.keys)
        registered.withLock { names.formUnion($0.keys) }
        return names.sorted()
    }

    /// The source behind tileset `name` (what `bando tiles build` walks); throws `.unknownTileset`.
    public func tileSource(named name: String) async throws -> any TileSource {
        try await source(name)
    }

    public func metadata(_ name: String) async throws -> TilesetMetadata {
        try await source(name).metadata()
    }

    /// The tile at `coord` of tileset `name`: from the cache when it holds the current revision,
    /// else built by the source (and cached). Throws `.unknownTileset`, `.badCoordinate` or
    /// `.outOfRange`.
    public func tile(_ name: String, _ coord: TileCoord, acceptsGzip: Bool) async throws -> Answer {
        guard coord.isValid else {
            throw TilesError(.badCoordinate, "Tile \(coord) does not exist", shown: SafeMessage("tiles.coordinate.outside", [
                "tile": "\(coord)", "maximum": String((1 << max(0, min(coord.z, 30))) - 1), "zoom": String(coord.z)]))
        }
        let src = try await source(name)
        let meta = try await src.metadata()
        guard coord.z >= meta.minZoom, coord.z <= meta.maxZoom else {
            throw TilesError(.outOfRange, "Tileset \(name) has zooms \(meta.minZoom) to \(meta.maxZoom); \(coord.z) is outside",
                             shown: SafeMessage("tiles.zoom.outside", ["tileset": name, "minzoom": String(meta.minZoom), "maxzoom": String(meta.maxZoom), "zoom": String(coord.z)]))
        }
        guard meta.covers(coord) else {
            throw TilesError(.outOfRange, "Tile \(coord) lies outside the bounds of tileset \(name)",
                             shown: SafeMessage("tiles.bounds.outside", ["tile": "\(coord)", "tileset": name]))
        }
        let etagBase = "\(meta.revision)-\(coord.z)-\(coord.x)-\(coord.y)"
        let key = TileCache.Key(tileset: name, coord: .init(z: Int32(coord.z), x: Int32(coord.x), y: Int32(coord.y)))
        noteRevision(name, meta.revision)
        if let hit = cache.get(key), hit.etag == etagBase {
            hitCount.add(1, ordering: .relaxed)
            return CachedTileHit(tile: hit).answer(acceptsGzip: acceptsGzip)
        }
        if cache.isEnabled { missCount.add(1, ordering: .relaxed) }
        guard let built = try await src.tile(coord), !built.data.isEmpty else {
            return .empty(etag: quotedETag(etagBase))
        }
        if built.droppedForSize > 0 {
            logger.notice("tile \(name)/\(coord): \(built.droppedForSize) least significant feature(s) dropped to stay under the size budget, \(built.featureCount) kept")
        }
        if !cache.isEnabled {
            // No cache: compress only what this client accepts.
            if acceptsGzip {
                return .tile(data: built.isGzipped ? built.data : Gzip.compress(built.data), gzipped: true, etag: quotedETag(etagBase + "-gz"))
            }
            return .tile(data: built.isGzipped ? try Gzip.decompress(built.data) : built.data, gzipped: false, etag: quotedETag(etagBase))
        }
        let plain = built.isGzipped ? try Gzip.decompress(built.data) : built.data
        let gz = built.isGzipped ? built.data : Gzip.compress(plain)
        let entry = CachedTile(plain: plain, gzipped: gz, etag: etagBase, revision: meta.revision,
                               featureCount: built.featureCount, droppedForSize: built.droppedForSize)
        cache.put(key, entry)
        return CachedTileHit(tile: entry).answer(acceptsGzip: acceptsGzip)
    }

    /// The tile from the cache alone, without waiting for anything: nil unless the cache holds
    /// it for the revision last seen of this tileset and the store was looked at within the
    /// check interval (so a new version shows in the next tile, as through `tile`). Lets the HTTP layer answer hot tiles on
    /// the event loop; everything else (and every error) goes the full way through `tile`.
    public func cachedAnswer(_ name: String, z: Int, x: Int, y: Int, acceptsGzip: Bool) -> Answer? {
        cachedTile(name, z: z, x: x, y: y)?.answer(acceptsGzip: acceptsGzip)
    }

    /// `cachedAnswer` before choosing an encoding, with the entry's attachment: the HTTP layer's
    /// fastest path keeps its prebuilt response bytes there. Compares the revision without
    /// building the ETag, as this runs for every hot tile.
    public func cachedTile(_ name: String, z: Int, x: Int, y: Int) -> CachedTileHit? {
        guard cache.isEnabled, currentVersions.isFresh, let revision = revisions.withLock({ $0[name] }) else { return nil }
        let key = TileCache.Key(tileset: name, coord: .init(z: Int32(z), x: Int32(x), y: Int32(y)))
        guard let hit = cache.get(key), hit.revision == revision else { return nil }
        hitCount.add(1, ordering: .relaxed)
        return CachedTileHit(tile: hit)
    }

    /// Keeps the store looked at every quarter of the check interval, in the background, so
    /// that `cachedTile` goes on answering when every request is a hit (nothing else would look,
    /// and hot tiles would fall back to the full path once a check interval). Idempotent; stops
    /// when the service goes away. The HTTP layer calls it when it serves from `cachedTile`.
    public func keepCurrentVersionsFresh() {
        let tick = configuration.checkInterval / 4
        guard cache.isEnabled, tick > .zero,
              refresherStarted.withLock({ started in defer { started = true }; return !started }) else { return }
        Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                guard let self else { return }
                _ = try? await self.currentVersions.snapshot(maxAgeNanos: self.currentVersions.intervalNanos / 2)
            }
        }
    }

    /// Makes the next tile request look at the store, whatever the check interval: every
    /// publication the store announces calls it, so its new version shows in the very next tile.
    public func checkCurrentVersionsNow() {
        currentVersions.expire()
        // Look now rather than at the next request: seeing the new version prepares its
        // tiles (`datasetsChanged`), so the first citizen to ask does not wait for that.
        Task.detached { [currentVersions] in _ = try? await currentVersions.snapshot() }
    }

    /// Prepares the tiles of every tileset drawn from the store (reading and generalising the
    /// current versions), one after the other, in the background; for start-up, so the first
    /// requests find them ready. Failures are logged; a request retries them.
    public func prepareAll() {
        Task.detached { [weak self] in
            guard let self, let names = try? await self.tilesetNames() else { return }
            await self.prepare(Set(names))
        }
    }

    func prepare(_ names: Set<String>) async {
        for name in names.sorted() {
            guard let source = try? await source(name) as? StoreTileSource else { continue }
            let started = ContinuousClock.now
            do {
                try await source.prepare()
                // What an operator wants to know of a publication's work: how long, and which zooms
                // are now answered from memory.
                var built = "no overview"
                if source.overviewTiles > 0, let o = try? await source.overview(), let zooms = o.zooms {
                    built = "overview z\(zooms.lowerBound)–z\(zooms.upperBound), \(o.tiles.count) tiles"
                }
                logger.info("tileset \(name) prepared in \(started.duration(to: .now)): \(built)")
            } catch {
                logger.warning("tileset \(name) could not be prepared ahead: \(error)")
            }
        }
    }

    /// Number of tiles and bytes held by the cache (for `/metrics` and tests).
    public var cacheUsage: (tiles: Int, bytes: Int) { (cache.count, cache.usedBytes) }

    private func quotedETag(_ s: String) -> String { "\"" + s + "\"" }

    /// Frees a tileset's cached tiles as soon as it is seen with a new revision (the entries
    /// would never hit again, as their ETag differs).
    private func noteRevision(_ name: String, _ revision: String) {
        let changed = revisions.withLock { r -> Bool in
            defer { r[name] = revision }
            return r[name] != nil && r[name] != revision
        }
        if changed { cache.removeAll(tileset: name) }
    }

    func source(_ name: String) async throws -> any TileSource {
        if let s = registered.withLock({ $0[name] }) { return s }
        if let s = storeSources.withLock({ $0[name] }) { return s }
        let def: TilesetDefinition
        if let d = definitions[name] {
            def = d
        } else {
            let snapshot = try await currentVersions.snapshot()
            guard snapshot.versions[name] != nil, TilesetDefinition.isValidName(name) else {
                throw TilesError(.unknownTileset, "No tileset named \"\(name)\": neither a file Tiles/\(name).json nor a published dataset with that slug",
                                 shown: SafeMessage("tiles.tileset.unknown", ["tileset": name]))
            }
            def = .defaultFor(dataset: name)
        }
        let s = StoreTileSource(definition: def, currentVersions: currentVersions, prepared: prepared, isDefault: definitions[name] == nil,
                                overviewTiles: configuration.overviewTiles)
        return storeSources.withLock { d in
            if let existing = d[name] { return existing }
            d[name] = s
            return s
        }
    }

    /// A dataset published a new version (or was withdrawn): drop its tilesets' cached tiles
    /// and what was prepared for versions no longer current.
    func datasetsChanged(_ slugs: Set<String>) {
        var affected = Set<String>()
        for (name, def) in definitions where def.layers.contains(where: { slugs.contains($0.dataset) }) { affected.insert(name) }
        affected.formUnion(slugs)   // default tilesets are named after their dataset
        for name in affected { cache.removeAll(tileset: name) }
        logger.info("datasets \(slugs.sorted().joined(separator: ", ")) changed: cached tiles of \(affected.sorted().joined(separator: ", ")) dropped")
        storeSources.withLock { d in for slug in slugs where definitions[slug] == nil { d.removeValue(forKey: slug) } }
        let targets = affected
        Task.detached { [weak self, currentVersions, prepared] in
            if let s = try? await currentVersions.snapshot() { prepared.keepOnly(versions: Set(s.versions.values)) }
            await self?.prepare(targets)
        }
    }
}
