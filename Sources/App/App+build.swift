public import Hummingbird
public import HummingbirdCore
public import GeoStore
public import Tiles
public import Downloads
import Features
import Portal
import Ingest
import GeoModel
import Logging
public import Foundation

/// How to run the server.
public struct AppConfiguration: Sendable {
    public var storePath: String
    public var host: String
    public var port: Int
    /// Folder of tileset definitions (`Tiles/*.json`).
    public var tilesFolder: String
    /// In-memory tile cache size; 0 turns it off.
    public var tileCacheMegabytes: Int
    /// Where produced downloads are cached; nil: `downloads/` beside the store.
    public var downloadsFolder: String? = nil
    /// Tile archives (`.pmtiles`, `.mbtiles`) served besides those found in `tilesFolder`.
    public var archives: [String] = []
    /// Styles, the map page's MapLibre copy: see `MapSite`.
    public var site = MapSite()
    /// Where portal uploads are spooled before Ingest reads them; nil: the system's temporary folder.
    public var uploadDirectory: String? = nil
    public init(storePath: String = "data/bando.sqlite", host: String = "127.0.0.1", port: Int = 8080,
                tilesFolder: String = "Tiles", tileCacheMegabytes: Int = 256) {
        self.storePath = storePath; self.host = host; self.port = port
        self.tilesFolder = tilesFolder; self.tileCacheMegabytes = tileCacheMegabytes
    }
}

/// Builds the application: the store is opened once here and injected into the routes.
public func buildApplication(_ config: AppConfiguration) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "bando")
    logger.logLevel = .info
    let store = try Store(path: config.storePath)
    let tiles = try TileService(reader: store.pool, configuration: .init(
        tilesFolder: URL(fileURLWithPath: config.tilesFolder), cacheMegabytes: config.tileCacheMegabytes))
    // A bad tileset file stops start-up with its name and problem, rather than failing per tile.
    try await tiles.checkTilesets()
    let downloads = DownloadCache(store: store, folder: config.downloadsFolder.map { URL(fileURLWithPath: $0) })
    try registerArchives(config, tiles: tiles, logger: logger)
    // A kill -9 during an upload leaves its spool file behind: remove those of dead processes.
    let uploads = config.uploadDirectory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
    let spoolLogger = logger
    _ = try await offCooperativePool { UploadSpool.sweep(uploads, logger: spoolLogger) }
    let router = buildRouter(store: store, tiles: tiles, downloads: downloads, site: config.site, uploadDirectory: uploads)
    prepareForReaders(store, downloads: downloads)
    return Application(router: router,
                       server: httpServer(tiles: tiles, serverName: "bando"),
                       configuration: .init(address: .hostname(config.host, port: config.port), serverName: "bando"),
                       logger: logger)
}

/// HTTP/1.1 with hot tiles answered from the cache before the router: from the raw bytes while
/// a connection asks only for cached tiles (`RawTileFastPath`), after the HTTP decoder once it
/// has asked for anything else (`CachedTileFastPath`). `serverName`: the `Server` header the
/// application adds (its `serverName`), which the fast paths must add too.
/// No idle timeout: `HTTPConnectionStateHandler` does not see the requests answered in front
/// of it and would close a busy connection as idle.
public func httpServer(tiles: TileService, serverName: String? = nil) -> HTTPServerBuilder {
    httpServer(tiles: tiles, serverName: serverName, counts: nil)
}

func httpServer(tiles: TileService, serverName: String?, counts: TileFastPathCounts?) -> HTTPServerBuilder {
    guard tiles.configuration.cacheMegabytes > 0 else { return .http1() }
    tiles.keepCatalogueFresh()
    let configuration = HTTP1Channel.Configuration(
        additionalChannelHandlers: [CachedTileFastPath(tiles: tiles, serverName: serverName, counts: counts)])
    return HTTPServerBuilder { responder in
        TileFastHTTP1Channel(http1: HTTP1Channel(responder: responder, configuration: configuration)) {
            RawTileFastPath(tiles: tiles, serverName: serverName, counts: counts)
        }
    }
}

/// Every route, over one store. Tests call this directly with `app.test(.router)`.
/// `downloads` defaults to a cache in `downloads/` beside the store.
public func buildRouter(store: Store, tiles: TileService, downloads: DownloadCache? = nil,
                        site: MapSite = MapSite(),
                        uploadDirectory: URL = FileManager.default.temporaryDirectory) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ErrorMiddleware())
    router.get("/healthz") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
    }
    addCatalogueRoutes(to: router, store: store)
    let downloads = downloads ?? DownloadCache(store: store)
    addCatalogueAPIRoutes(to: router, store: store, downloads: downloads)
    addDownloadRoutes(to: router, downloads: downloads)
    addTileRoutes(to: router, tiles: tiles)
    addMapRoutes(to: router, tiles: tiles, site: site)
    let catalogue = StoreCatalogue(reader: store.pool)
    let queries = FeatureQueries(reader: store.pool, timeLimit: 10)
    addOGCFeaturesRoutes(to: router, api: OGCFeaturesAPI(catalogue: catalogue, queries: queries, registry: .standard))
    addAnalysisRoutes(to: router, api: AnalysisAPI(catalogue: catalogue, analysis: Analysis(queries: queries)))
    let portal = PortalService(db: store.pool)
    addPortalRoutes(to: router, PortalRouteDependencies(portal: portal, uploadDirectory: uploadDirectory, ingestDraft: { file, kind, dataset in
        // Ingest tells formats apart by extension: give the spooled upload the one its content showed.
        let ext = kind == .zip ? "zip" : "geojson"
        var path = file.path
        if !path.lowercased().hasSuffix("." + ext) {
            path = file.path + "." + ext
            try FileManager.default.linkItem(atPath: file.path, toPath: path)
        }
        defer { if path != file.path { try? FileManager.default.removeItem(atPath: path) } }
        let options = IngestOptions(path: path, metadata: DatasetMetadata(slug: dataset), publish: false)
        return try await offCooperativePool { try Ingestor.run(options, into: store).0.number }
    }, onPublished: { dataset in
        catalogue.invalidate()
        tiles.checkCatalogueNow()
        prepareForReaders(store, downloads: downloads, dataset: dataset)
    }, store: store))
    return router
}

/// Runs blocking work (an ingest: GDAL, SQLite, minutes for a big file) on a thread of its own,
/// so the two cooperative threads keep answering requests meanwhile.
func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
