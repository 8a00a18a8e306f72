public import Hummingbird
public import HummingbirdCore
public import GeoStore
public import Tiles
public import Downloads
import Features
public import Portal
public import Catalogue
import Ingest
import GeoModel
public import Logging
import ServiceLifecycle
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
    /// Low-zoom tiles built ahead per tileset when its versions are prepared (0: none).
    public var overviewTiles = TileService.Configuration().overviewTiles
    /// Where produced downloads are cached; nil: `downloads/` beside the store.
    public var downloadsFolder: String? = nil
    /// Tile archives (`.pmtiles`, `.mbtiles`) served besides those found in `tilesFolder`.
    public var archives: [String] = []
    /// Styles, the map page's MapLibre copy: see `MapSite`.
    public var site = MapSite()
    /// The basemap under the maps (`--basemap`, `--basemap-style`; default: the built-in one).
    public var basemap = BasemapConfiguration()
    /// Largest upload accepted, in bytes; a larger one is answered 413 before it is all read.
    public var maxUploadBytes = UploadCheck.defaultLimit
    /// Entries and inflated bytes a zipped upload may hold.
    public var uploadLimits = UploadLimits()
    /// The root of every absolute URL in documents (`--public-url`); nil: `BANDO_PUBLIC_URL`,
    /// else `http://HOST:PORT` from the listen address. Never the request's `Host`.
    public var publicURL: String? = nil
    /// Proxies whose forwarding header names the client (`--trust-proxy`), and which header.
    public var clients = ClientIdentification()
    /// Request bodies larger are refused with 413, unless the route has its own limit (uploads).
    public var maxBodyBytes: Int = RequestPolicy.defaultMaxBodyBytes
    /// Where `serve` keeps backups (`--backup-dir`); nil: it makes none.
    public var backupDirectory: String?
    /// Backups kept besides each month's first (`--backup-keep`).
    public var backupKeep: Int = 14
    /// Hours between periodic backups (`--backup-every-hours`), besides one after each publication.
    public var backupEveryHours: Double = 24
    /// How often the harvest scheduler looks for due sources (`--harvest-tick-seconds`); 0: no scheduler.
    public var harvestTickSeconds: Double = 60
    /// Seconds a rendered portal page is reused (`--page-cache-seconds`); 0 turns it off.
    public var pageCacheSeconds: Double = 5
    /// Hours between the server's integrity checks (`--verify-every-hours`); 0: none.
    public var verifyEveryHours: Double = 24
    /// One log line per request (`--access-log`).
    public var accessLog = true
    /// Header size, header and keep-alive timeouts, open connections.
    public var limits = ConnectionLimits()
    /// Where portal uploads are spooled before Ingest reads them; nil: the system's temporary folder.
    public var uploadDirectory: String? = nil
    /// How harvests fetch (`--harvest-allow`, `--harvest-max-bytes`, `--harvest-max-pages`).
    public var harvest = HarvestFetcher()
    /// The catalogue's publisher in DCAT-AP (`--publisher-agency`, `--publisher-name`…).
    public var publisher = CataloguePublisher.default
    /// The Department's second review before publication (`--department-review on|off`): set in
    /// the store at start-up, where the administrator can change it later (`/approvals`); nil
    /// leaves the stored setting as it is (off in a new store).
    public var departmentReview: Bool? = nil
    /// Staff sign-in through OpenID Connect providers (`--oidc-issuer`…); empty: passwords only.
    public var openIDIssuers: [OpenIDIssuerConfiguration] = []
    public init(storePath: String = "data/bando.sqlite", host: String = "127.0.0.1", port: Int = 8080,
                tilesFolder: String = "Tiles", tileCacheMegabytes: Int = 256) {
        self.storePath = storePath; self.host = host; self.port = port
        self.tilesFolder = tilesFolder; self.tileCacheMegabytes = tileCacheMegabytes
    }
}

/// Builds the application: the store is opened once here and injected into the routes.
public func buildApplication(_ config: AppConfiguration) async throws -> some ApplicationProtocol {
    try await buildApplication(config, store: try Store(path: config.storePath))
}

/// Builds the application over `store`, on either engine. What only a SQLite file needs (backups
/// of the file, its integrity check, downloads beside it) runs only on a `Store`; on a database
/// server those are the database's own work, and the log says so.
public func buildApplication(_ config: AppConfiguration, store: any ServingStore) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "bando")
    logger.logLevel = .info
    let file = store as? Store
    if file == nil, config.backupDirectory != nil || config.verifyEveryHours > 0 {
        logger.notice("backups and integrity checks are the database's own work on PostGIS: --backup-dir and --verify-every-hours are not used")
    }
    if let on = config.departmentReview {
        try await BlockingPool.requests.run { try PortalService(store: store).setDepartmentReview(on, by: PortalService.commandLine) }
        logger.info("the Department's review before publication is \(on ? "on" : "off")")
    }
    // Layers prepared for tiling go to disk beside a SpatiaLite store (the system's temporary
    // folder for PostGIS): read through memory maps, they cost the server no heap.
    let preparedFolder = file.map { URL(fileURLWithPath: $0.path).deletingLastPathComponent().appendingPathComponent("tiles-prepared") }
    let tiles = try TileService(store: store, configuration: .init(
        tilesFolder: URL(fileURLWithPath: config.tilesFolder), cacheMegabytes: config.tileCacheMegabytes,
        overviewTiles: config.overviewTiles, preparedFolder: preparedFolder))
    // A bad tileset file stops start-up with its name and problem, rather than failing per tile.
    try await tiles.checkTilesets()
    // Every tileset drawn from the store is prepared in the background from start-up (layers
    // generalised, overview zooms built), as a publication prepares its own: the first tile a
    // citizen asks for after a restart does not wait for that work.
    tiles.prepareAll()
    let downloads = DownloadCache(store: store, folder: config.downloadsFolder.map { URL(fileURLWithPath: $0) }
                                      ?? DownloadCache.defaultFolder(for: store),
                                  onProduced: { format, time in BandoMetrics.shared.recordExport(format: format.rawValue, time) })
    try registerArchives(config, tiles: tiles, logger: logger)
    let basemap = try await Basemap.open(config.basemap, logger: logger)
    // A kill -9 during an upload leaves its spool file behind: remove those of dead processes.
    let uploads = config.uploadDirectory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
    let spoolLogger = logger
    _ = try await BlockingPool.requests.run { UploadSpool.sweep(uploads, logger: spoolLogger) }
    let accessLog = config.accessLog ? AccessLogWriter() : nil
    let requests = RequestPolicy(origin: try PublicOrigin.configured(config.publicURL, host: config.host, port: config.port),
                                 clients: config.clients, maxBodyBytes: config.maxBodyBytes,
                                 pageCacheSeconds: config.pageCacheSeconds,
                                 accessLog: accessLog)
    let integrity = config.verifyEveryHours > 0 ? file.map {
        IntegritySchedule(store: $0, every: .milliseconds(Int64(config.verifyEveryHours * 3_600_000)), logger: logger)
    } : nil
    let lifecycle = ServerLifecycle()
    let backups = file.flatMap { file in config.backupDirectory.map {
        BackupSchedule(store: file, directory: $0, keep: config.backupKeep,
                       every: .milliseconds(Int64(max(config.backupEveryHours, 0.0001) * 3_600_000)), logger: logger)
    } }
    let router = buildRouter(store: store, tiles: tiles, downloads: downloads, site: config.site, basemap: basemap, backups: backups,
                             integrity: integrity, lifecycle: lifecycle, requests: requests,
                             maxUploadBytes: config.maxUploadBytes, uploadLimits: config.uploadLimits, uploadDirectory: uploads,
                             harvest: config.harvest, publisher: config.publisher, openIDIssuers: config.openIDIssuers)
    prepareForReaders(store, downloads: downloads)
    let fileLimit = raiseOpenFileLimit()
    var limits = config.limits
    limits.maxConnections = limits.connectionCap(fileLimit: fileLimit)
    if limits.maxConnections < config.limits.maxConnections {
        logger.warning("at most \(limits.maxConnections) connections: the open-file limit is \(fileLimit)")
    }
    var app = Application(router: router,
                          server: httpServer(tiles: tiles, serverName: "bando", limits: limits,
                                             uses: TileUses(tiles: tiles, usage: store.usageCounter)),
                          configuration: .init(address: .hostname(config.host, port: config.port), serverName: "bando"),
                          logger: logger)
    app.addServices(ShutdownWatch(lifecycle: lifecycle, store: store, accessLog: accessLog, logger: logger))
    if let backups { app.addServices(BackupService(schedule: backups)) }
    if let integrity { app.addServices(IntegrityService(schedule: integrity)) }
    if config.harvestTickSeconds > 0 {
        app.addServices(HarvestSchedulerService(portal: PortalService(store: store), fetcher: config.harvest,
                                                tick: .milliseconds(Int(config.harvestTickSeconds * 1000)), workDirectory: uploads,
                                                ingestDraft: draftIngester(store: store, limits: config.uploadLimits), logger: logger))
    }
    return app
}

/// How an uploaded or harvested file becomes a draft version of `dataset`: Ingest, unpublished,
/// on the ingest threads (two at a time), under the upload limits.
func draftIngester(store: any VersionWriting, limits: UploadLimits) -> @Sendable (URL, UploadKind, String) async throws -> Int {
    { file, kind, dataset in
        // Ingest tells formats apart by extension: give the spooled file the one its content showed.
        let ext = kind == .zip ? "zip" : "geojson"
        var path = file.path
        if !path.lowercased().hasSuffix("." + ext) {
            path = file.path + "." + ext
            try FileManager.default.linkItem(atPath: file.path, toPath: path)
        }
        defer { if path != file.path { try? FileManager.default.removeItem(atPath: path) } }
        var options = IngestOptions(path: path, metadata: DatasetMetadata(slug: dataset), publish: false)
        options.maxFeatures = limits.maxFeatures
        let checked = options
        // Minutes of GDAL and SQLite for a big file: on the ingest threads, two at a time.
        let start = ContinuousClock.now
        do {
            let number = try await BlockingPool.ingests.run { try Ingestor.run(checked, into: store).0.number }
            BandoMetrics.shared.recordIngest(ContinuousClock.now - start, succeeded: true)
            return number
        } catch {
            BandoMetrics.shared.recordIngest(ContinuousClock.now - start, succeeded: false)
            throw StoreError.translating(error)
        }
    }
}

/// The harvest scheduler of `bando serve`: pulls each source when due (its interval, longer
/// after failures), one changed pull = one submitted version; stops at graceful shutdown.
struct HarvestSchedulerService: Service {
    let portal: PortalService
    let fetcher: HarvestFetcher
    let tick: Duration
    let workDirectory: URL
    let ingestDraft: @Sendable (URL, UploadKind, String) async throws -> Int
    let logger: Logger

    func run() async throws {
        let (portal, fetcher, tick, work, ingest, logger) = (portal, fetcher, tick, workDirectory, ingestDraft, logger)
        try? await cancelWhenGracefulShutdown {
            await portal.runHarvestScheduler(tick: tick, fetcher: fetcher, workDirectory: work, report: { dataset, outcome in
                switch outcome {
                case .submitted(let n):
                    BandoMetrics.shared.harvestOutcome(.submitted)
                    logger.info("harvest of \(dataset): version \(n) submitted for approval")
                case .unchanged:
                    BandoMetrics.shared.harvestOutcome(.unchanged)
                    logger.info("harvest of \(dataset): unchanged")
                case .failed(let message):
                    BandoMetrics.shared.harvestOutcome(.failed)
                    logger.warning("harvest of \(dataset) failed: \(message)")
                }
            }, ingestDraft: ingest)
        }
    }
}

/// HTTP/1.1 behind Bando's edge (`BandoHTTP1Channel`: the connection cap, and header and
/// keep-alive timeouts kept by a `ConnectionGuard` that sees every request whichever path
/// answers it), with hot tiles answered from the cache before the router: from the raw bytes
/// while a connection asks only for cached tiles (`RawTileFastPath`), after the HTTP decoder
/// once it has asked for anything else (`CachedTileFastPath`). `serverName`: the `Server`
/// header the application adds (its `serverName`), which the fast paths must add too.
/// Hummingbird's own idle timeout stays off: its `HTTPConnectionStateHandler` does not see the
/// requests answered in front of it and would close a busy connection as idle.
/// `uses`: where the tiles answered in front of the router are counted (the router's are
/// counted by `UsageMiddleware`).
public func httpServer(tiles: TileService, serverName: String? = nil, limits: ConnectionLimits = ConnectionLimits(),
                       uses: TileUses? = nil) -> HTTPServerBuilder {
    httpServer(tiles: tiles, serverName: serverName, limits: limits, counts: nil, uses: uses)
}

func httpServer(tiles: TileService, serverName: String?, limits: ConnectionLimits = ConnectionLimits(),
                counts: TileFastPathCounts?, uses: TileUses? = nil) -> HTTPServerBuilder {
    let cached = tiles.configuration.cacheMegabytes > 0
    if cached { tiles.keepCurrentVersionsFresh() }
    let headerBytes = limits.maxHeaderBytes
    let configuration = HTTP1Channel.Configuration(
        additionalChannelHandlers: cached ? [RequestCycleObserver(headerLimit: headerBytes), CachedTileFastPath(tiles: tiles, serverName: serverName, counts: counts, uses: uses)]
                                          : [RequestCycleObserver(headerLimit: headerBytes)],
        idleTimeout: nil,
        httpDecoderConfiguration: .init(maxHeaderFieldSize: headerBytes, maxHeaderListSize: headerBytes))
    let connections = OpenConnections(capacity: limits.maxConnections)
    BandoMetrics.shared.watch(connections: { connections.count })
    let makeFastPath: (@Sendable () -> RawTileFastPath)? = cached
        ? { @Sendable in RawTileFastPath(tiles: tiles, serverName: serverName, counts: counts, maxHeaderBytes: headerBytes, uses: uses) } : nil
    return HTTPServerBuilder { responder in
        BandoHTTP1Channel(
            http1: HTTP1Channel(responder: responder, configuration: configuration), limits: limits, connections: connections,
            makeFastPath: makeFastPath,
            serverName: serverName)
    }
}

/// What every request is held to and how it is seen: the public root of absolute URLs, how
/// clients are told apart, the default body limit.
public struct RequestPolicy: Sendable {
    /// 1 MiB: JSON bodies of the APIs; routes that take more (uploads, analysis batches) say so.
    public static let defaultMaxBodyBytes = 1 << 20
    public var origin: PublicOrigin
    public var clients: ClientIdentification
    public var maxBodyBytes: Int
    /// Seconds a rendered portal page is reused (`PageCache`); 0: rendered for every request.
    public var pageCacheSeconds: Double
    /// Where one line per request goes (`AccessLogMiddleware`); nil: no access log.
    public var accessLog: AccessLogWriter?
    public init(origin: PublicOrigin = PublicOrigin(), clients: ClientIdentification = ClientIdentification(),
                maxBodyBytes: Int = RequestPolicy.defaultMaxBodyBytes, pageCacheSeconds: Double = 0, accessLog: AccessLogWriter? = nil) {
        self.origin = origin; self.clients = clients; self.maxBodyBytes = maxBodyBytes; self.pageCacheSeconds = pageCacheSeconds
        self.accessLog = accessLog
    }
}

/// Every route, over one store. Tests call this directly with `app.test(.router)`.
/// `downloads` defaults to a cache in `downloads/` beside the store.
public func buildRouter(store: any ServingStore, tiles: TileService, downloads: DownloadCache? = nil,
                        site: MapSite = MapSite(), basemap: Basemap = .none, backups: BackupSchedule? = nil,
                        integrity: IntegritySchedule? = nil, lifecycle: ServerLifecycle = ServerLifecycle(),
                        requests: RequestPolicy = RequestPolicy(),
                        maxUploadBytes: Int? = nil, uploadLimits: UploadLimits = UploadLimits(),
                        uploadDirectory: URL = FileManager.default.temporaryDirectory,
                        harvest: HarvestFetcher = HarvestFetcher(),
                        publisher: CataloguePublisher = .default,
                        openIDIssuers: [OpenIDIssuerConfiguration] = []) -> Router<BandoRequestContext> {
    // HEAD on every GET route: the GET route runs, `OpenWebMiddleware` drops its body.
    let router = Router(context: BandoRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Outermost: the access log and the request metrics see every answer as it leaves.
    if let log = requests.accessLog { router.add(middleware: AccessLogMiddleware(writer: log, clients: requests.clients)) }
    let metrics = BandoMetrics.shared
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: OpenWebMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(origin: requests.origin, alsoFrom: basemap.outsideOrigins))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: UsageMiddleware(usage: store.usageCounter, tiles: TileUses(tiles: tiles, usage: store.usageCounter)))
    metrics.watch(tiles: { tiles.cacheCounts })
    let pageCache = PageCache(ttl: requests.pageCacheSeconds)
    router.add(middleware: PageCacheInvalidation(cache: pageCache))
    let analysisBody = 4 * 1024 * 1024   // what Routes+Analysis.swift collects: 10 000 points
    router.add(middleware: BodyLimitMiddleware(defaultLimit: requests.maxBodyBytes, routeLimits: [
        // The upload route streams to disk under its own limit (multipart framing on top).
        "/api/portal/datasets/{dataset}/uploads": (maxUploadBytes ?? UploadCheck.defaultLimit) + 64 * 1024,
        "/workspace/{dataset}/upload": (maxUploadBytes ?? UploadCheck.defaultLimit) + 64 * 1024,
        // Batches of up to 10 000 points: the analysis routes read up to 4 MB.
        "/api/analysis/point-in-area": analysisBody,
        "/api/analysis/within-distance": analysisBody,
        "/api/analysis/nearest": analysisBody,
        "/api/analysis/aggregate": analysisBody,
    ]))
    // Readiness: the server listens only once the store is open and the tilesets checked, so
    // any answer here means ready. `?details`: what a monitor reads (backups, integrity checks).
    router.get("/healthz") { request, _ in
        guard request.uri.queryParameters.get("details") != nil else {
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        struct Details: Encodable {
            var status: String
            var ready = true
            var startedAt: String
            var backup: BackupSchedule.Status?
            var integrity: IntegritySchedule.Status?
        }
        let backup = backups?.status, check = integrity?.status
        let degraded = (backup?.failures ?? 0) > 0 || check?.passed == false
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let details = Details(status: degraded ? "degraded" : "ok", startedAt: lifecycle.startedAt, backup: backup, integrity: check)
        let body = (try? encoder.encode(details)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
    addMetricsRoute(to: router, metrics: metrics)
    let origin = requests.origin
    addStatsRoutes(to: router, store: store)
    addDatasetListRoutes(to: router, store: store)
    let downloads = downloads ?? DownloadCache(store: store, folder: DownloadCache.defaultFolder(for: store))
    addCatalogueAPIRoutes(to: router, store: store, downloads: downloads, origin: origin, publisher: publisher)
    addDownloadRoutes(to: router, store: store, downloads: downloads)
    addTileRoutes(to: router, tiles: tiles, origin: origin)
    addMapRoutes(to: router, tiles: tiles, site: site, origin: origin)
    addBasemapRoutes(to: router, basemap: basemap, store: store, origin: origin)
    let portal = PortalService(store: store)
    addWebRoutes(to: router, WebRouteDependencies(store: store, portal: portal, downloads: downloads, tiles: tiles, origin: origin,
                                                  clients: requests.clients, pages: pageCache))
    let collections = StoreCollectionDirectory(store: store)
    // Items and analyses through the store's `FeatureQuerying` and `AnalysisReading` (any engine).
    let queries = FeatureQueries(store: store, timeLimit: 10)
    // Collections link their vector tilesets (OGC API - Tiles), which the tiles routes serve.
    let ogcAPI = OGCFeaturesAPI(directory: collections, queries: queries, registry: .standard,
                                tilesets: { Set((try? await tiles.tilesetNames()) ?? []) })
    addOGCFeaturesRoutes(to: router, api: ogcAPI, origin: origin)
    addAnalysisRoutes(to: router, api: AnalysisAPI(directory: collections, analysis: Analysis(queries: queries)),
                      uses: { [usage = store.usageCounter] dataset in usage.record(dataset: dataset, channel: .analysis) })
    // Whatever follows a publication, from any path (an approval, the Department's publication,
    // a harvest, the command line in this process): the store announces each one once. The tile
    // service hears it itself (`TileService`). Weak: the store must not keep alive what holds it.
    store.publications.subscribe { [weak store, weak downloads, weak backups] publication in
        collections.invalidate()
        pageCache.invalidate()
        backups?.published()
        if let store, let downloads { prepareForReaders(store, downloads: downloads, dataset: publication.dataset) }
    }
    let portalDeps = PortalRouteDependencies(portal: portal, maxUploadBytes: maxUploadBytes ?? UploadCheck.defaultLimit,
                                             uploadDirectory: uploadDirectory,
                                             clients: requests.clients,
                                             secureCookies: requests.origin.isHTTPS,
                                             ingestDraft: draftIngester(store: store, limits: uploadLimits),
                                             store: store, harvestFetcher: harvest).with(uploadLimits: uploadLimits)
    addPortalRoutes(to: router, portalDeps)
    addStaffRoutes(to: router, StaffRouteDependencies(api: portalDeps, store: store, tiles: tiles,
                                                      signOn: StaffSignOn(providers: openIDIssuers.map { OpenIDProvider($0) }),
                                                      origin: requests.origin))
    return router
}
