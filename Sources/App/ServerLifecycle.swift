// How `bando serve` stops: on SIGTERM or SIGINT (Hummingbird's service group) the listener
// closes, requests under way finish, the services (backups, harvests, checks) end, and then the
// store's pending counters are written and its WAL folded back into the file, so a `cp` of the
// store after `systemctl stop` is whole.
import Foundation
import GeoStore
import Logging
import ServiceLifecycle

/// Since when the server runs (shown on `/healthz?details`).
public final class ServerLifecycle: Sendable {
    let startedAt = ISO8601DateFormatter().string(from: Date())
    public init() {}
}

/// Closes the store's books at the end of a graceful shutdown. Hummingbird's service group
/// stops the HTTP server first (no new connections; the requests under way finish), then the
/// other services in the reverse order of their adding: this one is added first, so it runs last.
struct ShutdownWatch: Service {
    let lifecycle: ServerLifecycle
    let store: any UsageCounting
    let accessLog: AccessLogWriter?
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let store = store
        try? await BlockingPool.exports.run {
            try store.usageCounter.flush()
            try store.downloadCounter.flush()
            // PostgreSQL keeps its own write-ahead log; only a SQLite file needs folding back.
            try (store as? Store)?.checkpoint()
        }
        accessLog?.flush()
        logger.info("store closed cleanly")
    }
}
