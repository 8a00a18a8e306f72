import Foundation
import GeoModel
import GeoStore
import PublicErrors
import Logging

/// What the store says about one dataset version: enough for TileJSON without touching features.
struct VersionInfo: Sendable {
    var versionId: Int64
    var slug: String
    var title: String
    var description: String
    var attribution: String
    /// The version as the store describes it (what its features are read by).
    var version: DatasetVersionRecord
    var fields: [FieldDefinition] { version.fields }
    /// WGS 84 extent of the version's features.
    var bounds: BoundingBox?
    /// Whether the features are polygons (they then get label points).
    var isPolygonal = false
    /// How many features the version holds.
    var featureCount = 0
}

/// Dataset versions made ready for tiling, each prepared once and shared by every tileset that
/// draws it; preparation runs once even when many requests arrive together.
final class PreparedLayerStore: Sendable {
    struct Key: Hashable, Sendable {
        var versionId: Int64; var layer: String; var fields: [String]
        /// How the layer is generalised (nil: not at all, the full detail at every zoom).
        var generalisation: Generalisation? = nil
    }
    /// What decides a layer's generalisation: its zooms and bands as the tileset defines them.
    struct Generalisation: Hashable, Sendable {
        var definition: TilesetDefinition.LayerDefinition
        var minZoom: Int { definition.minZoom }
        /// Zooms past this get the full detail, simplified per tile.
        var maxZoom: Int { min(definition.maxZoom, GeneralisedLayer.highestPreparedZoom) }
    }
    /// A layer ready to cut: on disk (`pack`, how a store layer is prepared), or in memory
    /// when it could not be written there (a full disk) or is not generalised.
    struct Prepared: Sendable { var layer: PreparedLayer?; var generalised: GeneralisedLayer?; var pack: LayerPack? }
    let store: any TileStore
    /// Where this service's packs are written (nil: prepared in memory).
    let packs: PackFolder?
    private let infos = Locked([Int64: Task<VersionInfo, any Error>]())
    private let layers = Locked([Key: Task<Prepared, any Error>]())
    /// Versions with at least one layer prepared (for tests and the log).
    private let ready = Locked(Set<Int64>())

    func isPrepared(versionId: Int64) -> Bool { ready.withLock { $0.contains(versionId) } }

    init(store: any TileStore, packFolder: URL? = nil, logger: Logger? = nil) {
        self.store = store
        self.logger = logger ?? Logger(label: "bando.tiles")
        do { packs = try PackFolder(base: packFolder) } catch {
            self.logger.warning("Tiles will be prepared in memory: cannot use the folder for prepared layers (\(error))")
            packs = nil
        }
    }
    let logger: Logger

    /// What the store says of `version`, a version of the dataset `slug`.
    func info(version: Int64, dataset slug: String) async throws -> VersionInfo {
        let task = infos.withLock { d in
            if let t = d[version] { return t }
            let store = self.store
            // Catalogue reads block: on the request threads, never the cooperative pool.
            let t = Task { try await BlockingPool.requests.run { try Self.loadInfo(store, version, dataset: slug) } }
            d[version] = t
            return t
        }
        do { return try await task.value } catch {
            infos.withLock { _ = $0.removeValue(forKey: version) }   // let a later request retry
            throw error
        }
    }

    func layer(_ key: Key, info: VersionInfo) async throws -> Prepared {
        let task = layers.withLock { d in
            if let t = d[key] { return t }
            let (store, packs, logger) = (self.store, self.packs, self.logger)
            let t = Task { try await Self.prepare(store, info, key, packs: packs, logger: logger) }
            d[key] = t
            return t
        }
        do {
            let p = try await task.value
            ready.withLock { _ = $0.insert(key.versionId) }
            return p
        } catch {
            layers.withLock { _ = $0.removeValue(forKey: key) }
            throw error
        }
    }

    /// Frees what was prepared for versions that are no longer current.
    func keepOnly(versions: Set<Int64>) {
        layers.withLock { d in d = d.filter { versions.contains($0.key.versionId) } }
        packs?.keepOnly(versions: versions)
        infos.withLock { d in d = d.filter { versions.contains($0.key) } }
        ready.withLock { $0.formIntersection(versions) }
    }

    static func loadInfo(_ store: any TileStore, _ id: Int64, dataset slug: String) throws -> VersionInfo {
        guard let version = try store.version(id: id), let dataset = try store.dataset(slug: slug), dataset.id == version.datasetID else {
            throw TilesError(.storeUnavailable, "Dataset version \(id) of \(slug) is not in the store any more")
        }
        // Geometry type names are ASCII ("MultiPolygon"): no locale needed (one would load ICU).
        return VersionInfo(versionId: id, slug: slug, title: dataset.title, description: dataset.description,
                           attribution: dataset.attribution, version: version, bounds: version.bbox,
                           isPolygonal: version.geometryTypes.contains { $0.lowercased().contains("polygon") },
                           featureCount: version.featureCount)
    }

    /// Reads every feature of the version once (only the fields drawn), projecting it to Web
    /// Mercator, then generalises it for every zoom: seconds of work for a big layer, all on a
    /// thread of its own, reading included (the store's calls block).
    static func prepare(_ store: any TileStore, _ info: VersionInfo, _ key: Key, packs: PackFolder? = nil,
                        logger: Logger = Logger(label: "bando.tiles")) async throws -> Prepared {
        let names = key.fields.filter { name in info.fields.contains { $0.name == name } }
        if let g = key.generalisation, let packs {
            let zooms = g.minZoom...max(g.minZoom, g.maxZoom)
            let settings = zooms.map(g.definition.zoomSettings(fieldNames: names))
            let plan = LayerPackBuilder.Plan(name: key.layer, fieldNames: names, minZoom: zooms.lowerBound, maxZoom: zooms.upperBound,
                                             settings: settings, labels: g.definition.labels ?? true,
                                             fullDetail: g.definition.maxZoom > zooms.upperBound)
            do {
                let pack = try await Self.onThreadOfItsOwn {
                    try packs.build(version: info.versionId, plan: plan, settings: settings) { body in
                        var skipped = 0
                        try store.forEachFeature(of: info.version, fields: names, pageSize: 10_000) { f in
                            guard let geometry = f.geometry, let prepared = PreparedGeometry(lonLat: geometry) else { skipped += 1; return }
                            try body(PreparedFeature(id: f.id, geometry: prepared, values: f.values))
                        }
                        return skipped
                    }
                }
                return Prepared(layer: nil, generalised: nil, pack: pack)
            } catch let e as PackError {
                // Writing to disk failed (a full disk): this version is prepared in memory instead.
                logger.warning("Tiles of \(info.slug) version \(info.versionId) prepared in memory: \(e)")
            }
        }
        return try await Self.onThreadOfItsOwn {
            var features: [PreparedFeature] = []
            features.reserveCapacity(info.featureCount)
            var skipped = 0
            try store.forEachFeature(of: info.version, fields: names, pageSize: 10_000) { f in
                guard let geometry = f.geometry, let prepared = PreparedGeometry(lonLat: geometry) else { skipped += 1; return }
                features.append(PreparedFeature(id: f.id, geometry: prepared, values: f.values))
            }
            let layer = PreparedLayer(name: key.layer, fieldNames: names, features: features, skipped: skipped)
            guard let g = key.generalisation else { return Prepared(layer: layer, generalised: nil) }
            let generalised = GeneralisedLayer(layer: layer, minZoom: g.minZoom, maxZoom: g.maxZoom,
                                               settings: g.definition.zoomSettings(fieldNames: names),
                                               labels: g.definition.labels ?? true)
            return Prepared(layer: layer, generalised: generalised)
        }
    }

    /// Runs a preparation on a thread started for it: seconds of work once per version, which
    /// must neither hold the cooperative threads the tiles are served from nor wait in the
    /// queue of a shared pool behind exports and backups (the first tile may be waiting).
    static func onThreadOfItsOwn<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let thread = Thread { c.resume(with: Result { try work() }) }
            thread.name = "bando-tiles-prepare"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// Tiles on demand from the store: the tileset's layers come from the current versions of
/// their datasets, prepared once per version (see `PreparedLayerStore`).
final class StoreTileSource: TileSource {
    let definition: TilesetDefinition
    let currentVersions: CurrentVersionWatcher
    let prepared: PreparedLayerStore

    /// The layers resolved against the versions current when last asked, with their metadata:
    /// kept so that a request costs a dictionary look-up, not a store query.
    private struct Resolved {
        var versionIds: [Int64]
        var layers: [(TilesetDefinition.LayerDefinition, VersionInfo)]
        var metadata: TilesetMetadata
    }
    private let resolved = Locked<Resolved?>(nil)

    /// Whether this is the tileset a published dataset gets without a file (`defaultFor`):
    /// its layer then gets the default zoom bands.
    let isDefault: Bool

    /// Most tiles built ahead per tileset (`TileService.Configuration.overviewTiles`, 512 by default).
    let overviewTiles: Int

    init(definition: TilesetDefinition, currentVersions: CurrentVersionWatcher, prepared: PreparedLayerStore, isDefault: Bool = false,
         overviewTiles: Int = 0) {
        self.definition = definition; self.currentVersions = currentVersions; self.prepared = prepared; self.isDefault = isDefault
        self.overviewTiles = overviewTiles
    }

    private func current() async throws -> Resolved {
        let snapshot = try await currentVersions.snapshot()
        let ids = definition.layers.map { snapshot.versions[$0.dataset] ?? -1 }
        if let r = resolved.withLock({ $0 }), r.versionIds == ids { return r }
        let layers = try await versions(snapshot)
        let r = Resolved(versionIds: ids, layers: layers, metadata: makeMetadata(layers))
        resolved.withLock { $0 = r }
        return r
    }

    /// The current version of each layer's dataset, or an error naming the missing one.
    private func versions(_ snapshot: CurrentVersionWatcher.Snapshot) async throws -> [(TilesetDefinition.LayerDefinition, VersionInfo)] {
        var result: [(TilesetDefinition.LayerDefinition, VersionInfo)] = []
        for layer in definition.layers {
            guard let v = snapshot.versions[layer.dataset] else {
                throw TilesError(.unknownTileset, "Tileset \(definition.name): dataset \"\(layer.dataset)\" of layer \"\(layer.id)\" is not published",
                                 shown: SafeMessage("tiles.tileset.unpublished", ["tileset": definition.name, "dataset": layer.dataset]))
            }
            let info = try await prepared.info(version: v, dataset: layer.dataset)
            if let wanted = layer.fields {
                let missing = wanted.filter { w in !info.fields.contains { $0.name == w } }
                if !missing.isEmpty {
                    throw TilesError(.badTileset, "Tileset \(definition.name): layer \"\(layer.id)\" asks for field(s) \(missing.joined(separator: ", ")) that dataset \"\(layer.dataset)\" does not have (it has \(info.fields.map(\.name).joined(separator: ", ")))")
                }
            }
            result.append((layer, info))
        }
        return result
    }

    func metadata() async throws -> TilesetMetadata { try await current().metadata }

    private func makeMetadata(_ layers: [(TilesetDefinition.LayerDefinition, VersionInfo)]) -> TilesetMetadata {
        var bounds = BoundingBox.empty
        var vectorLayers: [TilesetMetadata.VectorLayer] = []
        for (l, info) in layers {
            if let b = info.bounds { bounds.extend(b) }
            let names = l.fields ?? info.fields.map(\.name)
            let fields = names.compactMap { n in info.fields.first { $0.name == n } }.map { f in
                (name: f.name, type: f.type == .integer || f.type == .real ? "Number" : f.type == .boolean ? "Boolean" : "String")
            }
            vectorLayers.append(.init(id: l.id, description: info.title, minZoom: l.minZoom, maxZoom: l.maxZoom, fields: fields))
            if info.isPolygonal && (l.labels ?? true) {
                vectorLayers.append(.init(id: l.labelLayerId, description: info.title, minZoom: l.minZoom, maxZoom: l.maxZoom, fields: fields))
            }
        }
        let infos = layers.map(\.1)
        let attribution = definition.attribution
            ?? Array(NSOrderedSet(array: infos.map(\.attribution).filter { !$0.isEmpty })).compactMap { $0 as? String }.joined(separator: "; ")
        return TilesetMetadata(
            name: definition.name,
            title: infos.count == 1 ? infos[0].title : definition.name,
            description: definition.description ?? (infos.count == 1 ? infos[0].description : infos.map(\.title).joined(separator: ", ")),
            attribution: attribution,
            minZoom: definition.minZoom, maxZoom: definition.maxZoom,
            bounds: bounds.isEmpty ? TilesetMetadata.world : bounds,
            vectorLayers: vectorLayers,
            revision: infos.map { String($0.versionId) }.joined(separator: "."),
            datasets: layers.map(\.0.dataset))
    }

    /// The prepared layers of the versions last seen, so a request skips the shared store's look-up.
    private let preparedCuts = Locked<(versionIds: [Int64], cuts: [LayerCut])?>(nil)

    /// Prepares (reads and generalises) the current versions of every layer and builds the
    /// overview tiles, if not done yet: called when a version is published, so that no
    /// citizen's request waits for it.
    func prepare() async throws {
        _ = try await currentCuts()
        if overviewTiles > 0 { _ = try await overview() }
    }

    /// The tiles of the lowest zooms, built once per set of versions when they are prepared.
    ///
    /// A low-zoom tile draws thousands of features (a z6 tile over the Mekong delta holds some
    /// 5,000 communes) and costs tens of milliseconds to cut; there are few of them (380 from z0 to
    /// z9 over Việt Nam) and every map opens on them. So they are built ahead,
    /// like the pyramid tippecanoe writes, zoom after zoom from the tileset's lowest while the
    /// total stays within `overviewTiles`; the zooms above are cut on demand. Memory: at most
    /// `overviewTiles` tiles of at most the size budget each (a few MB in practice).
    struct Overview: Sendable {
        /// The zooms built whole (nil: none, the first zoom already needs too many tiles).
        var zooms: ClosedRange<Int>?
        /// Every non-empty tile of those zooms.
        var tiles: [TileCoord: EncodedTile]
        /// Zooms above this are never built ahead, however few tiles they need.
        static let highestZoom = 10
    }
    private let overviews = Locked<(versionIds: [Int64], task: Task<Overview, any Error>)?>(nil)

    func overview() async throws -> Overview {
        let r = try await current()
        let task = overviews.withLock { o -> Task<Overview, any Error> in
            if let o, o.versionIds == r.versionIds { return o.task }
            let t = Task { [self] in
                let cuts = try await currentCuts()
                let (definition, limit, bounds) = (self.definition, self.overviewTiles, r.metadata.bounds)
                return try await PreparedLayerStore.onThreadOfItsOwn {
                    Self.buildOverview(cuts, definition: definition, bounds: bounds, limit: limit)
                }
            }
            o = (r.versionIds, t)
            return t
        }
        do { return try await task.value } catch {
            overviews.withLock { o in if o?.task == task { o = nil } }   // let a later request retry
            throw error
        }
    }

    static func buildOverview(_ cuts: [LayerCut], definition: TilesetDefinition, bounds: BoundingBox, limit: Int) -> Overview {
        var tiles: [TileCoord: EncodedTile] = [:]
        var built = 0
        var top: Int?
        let lowest = max(definition.minZoom, 0)
        for z in lowest...max(lowest, min(definition.maxZoom, Overview.highestZoom)) {
            // The tiles the service answers: those over the bounds (`TilesetMetadata.covers`).
            let (xs, ys) = TileCoord.covering(bounds, zoom: z)
            guard built + xs.count * ys.count <= limit else { break }
            let drawn = cuts.filter { z >= $0.minZoom && z <= $0.maxZoom }
            for x in xs { for y in ys {
                let c = TileCoord(z: z, x: x, y: y)
                let b = TileBuilder.build(drawn, at: c, sizeBudget: definition.sizeBudget)
                if !b.isEmpty {
                    tiles[c] = EncodedTile(data: b.data, isGzipped: false, featureCount: b.featureCount, droppedForSize: b.droppedForSize)
                }
            } }
            built += xs.count * ys.count
            top = z
            // A whole zoom read: its pages leave the server's resident memory (page cache).
            for cut in cuts { cut.pack?.release() }
        }
        return Overview(zooms: top.map { lowest...$0 }, tiles: tiles)
    }

    private func currentCuts() async throws -> [LayerCut] {
        let r = try await current()
        var all: [LayerCut]
        if let c = preparedCuts.withLock({ $0 }), c.versionIds == r.versionIds {
            all = c.cuts
        } else {
            all = []
            for (definition, info) in r.layers {
                let fields = definition.fields ?? info.fields.map(\.name)
                var l = definition
                if isDefault && l.bands == nil { l.bands = ZoomBand.defaults(fieldNames: fields, featureCount: info.featureCount) }
                let p = try await prepared.layer(.init(versionId: info.versionId, layer: l.id, fields: fields,
                                                       generalisation: .init(definition: l)), info: info)
                let labelled = info.isPolygonal && (l.labels ?? true)
                if let pack = p.pack {
                    all.append(LayerCut(pack: pack, minZoom: l.minZoom, maxZoom: l.maxZoom, buffer: Int32(l.buffer ?? 64),
                                        tolerance: l.tolerance ?? 1, labelLayer: labelled ? l.labelLayerId : nil))
                } else if let layer = p.layer {
                    all.append(LayerCut(layer: layer, minZoom: l.minZoom, maxZoom: l.maxZoom,
                                        buffer: Int32(l.buffer ?? 64), tolerance: l.tolerance ?? 1,
                                        generalised: p.generalised, labelLayer: labelled ? l.labelLayerId : nil))
                }
            }
            let ready = all
            preparedCuts.withLock { $0 = (r.versionIds, ready) }
        }
        return all
    }

    func releaseResidentPages() {
        for cut in preparedCuts.withLock({ $0?.cuts }) ?? [] { cut.pack?.release() }
    }

    /// From the packs: the tiles whose query box meets the box of a record drawn at that zoom,
    /// and those holding a label point, which are the only ones `TileBuilder.cutPack` can
    /// find anything in (it searches the same boxes with the same query box). Nil when a
    /// layer is not cut from a pack, or where the overview tiles answer.
    func coverage(zoom z: Int, xs: ClosedRange<Int>, ys: ClosedRange<Int>) async throws -> TileCoverage? {
        if overviewTiles > 0 && z <= Overview.highestZoom { return nil }
        guard var coverage = TileCoverage(zoom: z, xs: xs, ys: ys) else { return nil }
        for cut in try await currentCuts() where z >= cut.minZoom && z <= cut.maxZoom {
            guard let pack = cut.pack else { return nil }
            if let level = pack.level(zoom: z) {
                for r in 0..<level.records { coverage.insertTiles(meeting: level.box(r), buffer: cut.buffer, extent: TileBuilder.defaultExtent) }
            }
            if cut.labelLayer != nil, let labels = pack.labelLevel {
                for r in 0..<labels.records {
                    let t = GeneralisedLayer.tileOf(labels.firstPosition(r), zoom: z)
                    coverage.insert(x: t.x, y: t.y)
                }
            }
        }
        return coverage
    }

    func tile(_ coord: TileCoord) async throws -> EncodedTile? {
        if overviewTiles > 0 && coord.z <= Overview.highestZoom {
            let o = try await overview()
            if let zooms = o.zooms, zooms.contains(coord.z) { return o.tiles[coord] }
        }
        let all = try await currentCuts()
        let cuts = all.filter { coord.z >= $0.minZoom && coord.z <= $0.maxZoom }
        let built = TileBuilder.build(cuts, at: coord, sizeBudget: definition.sizeBudget)
        guard !built.isEmpty else { return nil }
        return EncodedTile(data: built.data, isGzipped: false, featureCount: built.featureCount, droppedForSize: built.droppedForSize)
    }
}
