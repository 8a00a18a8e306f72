// Download counters without a write per download. A download used to write its counter on the
// request's thread; while an ingest held the single writer, every download (and the cooperative
// thread it ran on) waited for it. Counts are now added up in memory and written by one flush a
// moment later, off the request path, many downloads in one short transaction.
public import Foundation
import GRDB

/// Download counts not yet written, and the flush that writes them.
///
/// ```swift
/// store.downloadCounter.record(dataset: "xa-hue", version: 3, format: "geojson")
/// try store.downloadCounter.flush() // before reading the counters
/// ```
public final class DownloadCounter: @unchecked Sendable {
    struct Key: Hashable, Sendable {
        var dataset: String
        var version: Int
        var format: String
        var day: String
    }

    /// Seconds between the first count of a batch and its flush.
    public let delay: Double
    private let pool: DatabasePool
    private let lock = NSLock()
    private var pending: [Key: Int] = [:]
    private var scheduled = false
    /// One flush at a time, so a reader that flushed sees every count recorded before.
    private let flushing = NSLock()

    init(pool: DatabasePool, delay: Double = 1) { self.pool = pool; self.delay = delay }

    /// Counts one download in today's (UTC) counter; never blocks on the store.
    public func record(dataset: String, version: Int, format: String, at now: Date = Date()) {
        let key = Key(dataset: dataset, version: version, format: format, day: Store.utcDay(now))
        let schedule = lock.withLock {
            pending[key, default: 0] += 1
            defer { scheduled = true }
            return !scheduled
        }
        guard schedule else { return }
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + delay) { [weak self] in
            try? self?.flush()
        }
    }

    /// Writes the counts recorded so far. Counts whose write fails are kept for the next flush.
    public func flush() throws {
        flushing.lock()
        defer { flushing.unlock() }
        let batch = lock.withLock {
            defer { pending = [:]; scheduled = false }
            return pending
        }
        do {
            try Store.addDownloads(pool, batch)
        } catch {
            lock.withLock { for (k, n) in batch { pending[k, default: 0] += n } }
            throw error
        }
    }
}
