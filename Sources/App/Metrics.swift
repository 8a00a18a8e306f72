// What a monitor of the service reads: `/metrics` in the Prometheus text format, through
// swift-metrics (Hummingbird's `MetricsMiddleware` records requests by route, method and status
// and their durations with it) and swift-prometheus (the registry and the text). Bando's own
// series (tile cache, ingests, exports, backups, harvests, integrity checks, connections) are
// made on the same registry.
public import Hummingbird
import Metrics
import Prometheus

typealias PromCounter = Prometheus.Counter
typealias PromGauge = Prometheus.Gauge
import Synchronization
import Foundation

/// The process's metrics: one Prometheus registry, the swift-metrics backend from the first use
/// on (swift-metrics takes one backend per process; tests build many routers in one process).
public final class BandoMetrics: Sendable {
    public static let shared = BandoMetrics()

    let registry: PrometheusCollectorRegistry

    /// Cached tiles answered (on the event loop or through the router) and tiles built.
    private let tileCacheHits: PromCounter
    private let tileCacheMisses: PromCounter
    private let openConnections: PromGauge
    private let backupsMade: PromCounter
    private let backupsFailed: PromCounter
    private let harvestsSubmitted: PromCounter
    private let harvestsUnchanged: PromCounter
    private let harvestsFailed: PromCounter
    private let verifyPassed: PromCounter
    private let verifyFailed: PromCounter
    private let ingestSucceeded: PromCounter
    private let ingestFailed: PromCounter
    private let ingestSeconds: DurationHistogram
    private let exportSeconds: Mutex<[String: DurationHistogram]>

    /// Tiles the router's path found cached or built, read from the tile service at each scrape
    /// (its counters are plain atomics); only what changed since the last scrape is added.
    private let lastTileCounts = Mutex<(hits: Int, misses: Int)>((0, 0))
    /// What a scrape reads from outside: the tile service's counters and the open connections
    /// of the server last built (one per process outside tests).
    private let tileCounts = Mutex<(@Sendable () -> (hits: Int, misses: Int))?>(nil)
    private let connectionCount = Mutex<(@Sendable () -> Int)?>(nil)

    private init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in (Self.prometheusName(name), labels.map { (Self.prometheusLabel($0.0), $0.1) }) }
        MetricsSystem.bootstrap(factory)

        tileCacheHits = registry.makeCounter(name: "bando_tile_cache_hits_total", labels: [],
                                             help: "Tiles answered from the in-memory cache.")
        tileCacheMisses = registry.makeCounter(name: "bando_tile_cache_misses_total", labels: [],
                                               help: "Tiles built because the cache did not hold them.")
        openConnections = registry.makeGauge(name: "bando_open_connections", labels: [], help: "HTTP connections open now.")
        let backupHelp = "Backups by outcome (bando serve --backup-dir)."
        backupsMade = registry.makeCounter(name: "bando_backups_total", labels: [("outcome", "ok")], help: backupHelp)
        backupsFailed = registry.makeCounter(name: "bando_backups_total", labels: [("outcome", "failed")], help: backupHelp)
        let harvestHelp = "Scheduled harvest pulls by outcome."
        harvestsSubmitted = registry.makeCounter(name: "bando_harvests_total", labels: [("outcome", "submitted")], help: harvestHelp)
        harvestsUnchanged = registry.makeCounter(name: "bando_harvests_total", labels: [("outcome", "unchanged")], help: harvestHelp)
        harvestsFailed = registry.makeCounter(name: "bando_harvests_total", labels: [("outcome", "failed")], help: harvestHelp)
        let verifyHelp = "Scheduled integrity checks (every published version's checksum and the audit chain) by outcome."
        verifyPassed = registry.makeCounter(name: "bando_integrity_checks_total", labels: [("outcome", "ok")], help: verifyHelp)
        verifyFailed = registry.makeCounter(name: "bando_integrity_checks_total", labels: [("outcome", "failed")], help: verifyHelp)
        let ingestHelp = "Uploads and harvests ingested as draft versions, by outcome."
        ingestSucceeded = registry.makeCounter(name: "bando_ingests_total", labels: [("outcome", "ok")], help: ingestHelp)
        ingestFailed = registry.makeCounter(name: "bando_ingests_total", labels: [("outcome", "refused")], help: ingestHelp)
        ingestSeconds = registry.makeDurationHistogram(name: "bando_ingest_duration_seconds", labels: [],
                                                       buckets: Self.longBuckets, help: "Time to ingest an upload or harvest.")
        exportSeconds = Mutex([:])
    }

    /// Seconds to minutes: ingests and exports.
    static let longBuckets: [Duration] = [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
                                          .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(180), .seconds(600)]

    func backupOutcome(succeeded: Bool) { (succeeded ? backupsMade : backupsFailed).increment() }
    func integrityOutcome(passed: Bool) { (passed ? verifyPassed : verifyFailed).increment() }
    enum HarvestOutcome { case submitted, unchanged, failed }
    func harvestOutcome(_ o: HarvestOutcome) {
        switch o {
        case .submitted: harvestsSubmitted.increment()
        case .unchanged: harvestsUnchanged.increment()
        case .failed: harvestsFailed.increment()
        }
    }

    func recordIngest(_ duration: Duration, succeeded: Bool) {
        ingestSeconds.record(duration)
        (succeeded ? ingestSucceeded : ingestFailed).increment()
    }

    /// Time to produce one download file (a cached file is not produced again).
    func recordExport(format: String, _ duration: Duration) {
        let histogram = exportSeconds.withLock { map in
            if let h = map[format] { return h }
            let h = registry.makeDurationHistogram(name: "bando_export_duration_seconds", labels: [("format", format)],
                                                   buckets: Self.longBuckets, help: "Time to produce a download file.")
            map[format] = h
            return h
        }
        histogram.record(duration)
    }

    /// Reads the tile service's cache counters at each scrape.
    func watch(tiles: @escaping @Sendable () -> (hits: Int, misses: Int)) {
        tileCounts.withLock { $0 = tiles }
        lastTileCounts.withLock { $0 = (0, 0) }
    }

    /// Reads the number of open connections at each scrape.
    func watch(connections: @escaping @Sendable () -> Int) {
        connectionCount.withLock { $0 = connections }
    }

    /// The text a Prometheus server scrapes.
    public func exposition() -> [UInt8] {
        if let tiles = tileCounts.withLock({ $0 }) {
            let now = tiles()
            let (dh, dm) = lastTileCounts.withLock { last in
                defer { last = now }
                return (max(0, now.hits - last.hits), max(0, now.misses - last.misses))
            }
            if dh > 0 { tileCacheHits.increment(by: Int64(dh)) }
            if dm > 0 { tileCacheMisses.increment(by: Int64(dm)) }
        }
        if let connections = connectionCount.withLock({ $0 }) { openConnections.set(to: Double(connections())) }
        return registry.emitToBuffer()
    }

    /// Hummingbird's metric names (dotted, OpenTelemetry style) as Prometheus names.
    static func prometheusName(_ name: String) -> String {
        switch name {
        case "hb.requests": return "bando_http_requests_total"
        case "hb.request.errors": return "bando_http_request_errors_total"
        case "http.server.request.duration": return "bando_http_request_duration_seconds"
        case "http.server.active_requests": return "bando_http_active_requests"
        default: return name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }.reduce(into: "") { $0.append($1) }
        }
    }

    static func prometheusLabel(_ name: String) -> String {
        switch name {
        case "http.route": return "route"
        case "http.request.method": return "method"
        case "http.response.status_code", "error.type": return "status"
        default: return name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }.reduce(into: "") { $0.append($1) }
        }
    }
}

/// `GET /metrics`: the Prometheus text exposition format, version 0.0.4.
func addMetricsRoute<Context: RequestContext>(to router: Router<Context>, metrics: BandoMetrics) {
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
