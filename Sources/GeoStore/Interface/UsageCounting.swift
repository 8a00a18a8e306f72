// How much each dataset is used and downloaded, whichever engine keeps the counts (issue 21).
//
// A use is one answer that carried a dataset's data: an OGC items page, a tile, an analysis, a
// CKAN package, a download (Sóc Trăng art. 17.1.đ: statistics on data sharing; Huế 2024 art.
// 20.1.h: priority to the data people use most). Nothing about who used it is kept.
//
// Counts are added up in memory and written by one flush a moment later, off the request path:
// a download used to write its counter on the request's thread and wait for an ingest holding
// SQLite's single writer. The batching is the same on every engine (`UsageCounter`,
// `DownloadCounter`); each engine only writes a batch, adding to what is stored
// (`count = count + excluded.count`), so several processes counting at once lose nothing.
public import Foundation
import Synchronization

/// A way data leaves the service.
public enum UsageChannel: String, Sendable, CaseIterable, Codable {
    case ogcItems = "ogc-items"
    case tiles
    case analysis
    case ckan
    /// Only in answers: downloads are counted by `DownloadCounter` and read as `download:<format>`.
    case download
}

/// What `/api/stats` asks: a period of days, the grain, which dimensions to keep, filters.
public struct UsageQuery: Sendable, Equatable {
    public enum Grain: String, Sendable, CaseIterable { case day, month, year, all }
    public enum Dimension: String, Sendable, CaseIterable { case dataset, agency, channel }
    /// First and last day (`yyyy-MM-dd`, UTC), both included; nil: open.
    public var from: String?
    public var to: String?
    public var grain: Grain = .month
    /// The dimensions rows are split by; the others are summed over.
    public var by: [Dimension] = [.dataset, .channel]
    public var dataset: String?
    public var agency: String?
    /// A channel (`tiles`), or `download` for every download format, or `download:csv`.
    public var channel: String?
    public init() {}
}

/// One row of usage: the uses in one period for one combination of the kept dimensions
/// (a dimension summed over is nil).
public struct UsageRow: Sendable, Equatable, Codable {
    public var period: String
    public var dataset: String?
    public var agency: String?
    public var channel: String?
    public var uses: Int
    public init(period: String, dataset: String?, agency: String?, channel: String?, uses: Int) {
        self.period = period; self.dataset = dataset; self.agency = agency; self.channel = channel; self.uses = uses
    }
}

/// How many times one file (dataset, version, format) was downloaded on one day. Nothing about
/// who downloaded is kept: no address, no account, no user agent.
public struct DownloadCount: Sendable, Hashable, Codable {
    public var day: String
    public var version: Int
    public var format: String
    public var count: Int
    public init(day: String, version: Int, format: String, count: Int) {
        self.day = day; self.version = version; self.format = format; self.count = count
    }
}

/// The counters' days: UTC days as `yyyy-MM-dd`, the same on every engine.
public enum CounterDay {
    /// The UTC day of `d`.
    public static func of(_ d: Date) -> String { string(number(d)) }

    /// Days since 1970-01-01 (UTC).
    static func number(_ d: Date) -> Int32 { Int32(floor(d.timeIntervalSince1970 / 86_400)) }

    /// `yyyy-MM-dd` of a day counted from 1970-01-01 (UTC), without a calendar.
    public static func string(_ days: Int32) -> String {
        // Howard Hinnant's civil_from_days.
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// The month (`yyyy-MM`) whose counters a download at `d` goes into: the counters keep UTC
    /// days, so a page of monthly figures must end at this month, not at Vietnam's (which starts
    /// seven hours earlier).
    public static func month(_ d: Date) -> String { String(of(d).prefix(7)) }
}

/// Counts added up in memory and handed to `write` in one batch, `delay` seconds after the
/// first count of the batch (and whenever `flush` is called). A batch whose write fails is kept
/// for the next flush. One flush at a time, so a reader that flushed sees every count before.
final class BatchedCounts<Key: Hashable & Sendable>: Sendable {
    let delay: Double
    private let write: @Sendable ([Key: Int]) throws -> Void
    private let pending = Mutex<(counts: [Key: Int], scheduled: Bool)>(([:], false))
    private let flushing = Mutex<Void>(())

    init(delay: Double, write: @escaping @Sendable ([Key: Int]) throws -> Void) { self.delay = delay; self.write = write }

    /// Adds one to `key`; never blocks on the store.
    func add(_ key: Key) {
        let schedule = pending.withLock { p in
            p.counts[key, default: 0] += 1
            defer { p.scheduled = true }
            return !p.scheduled
        }
        guard schedule else { return }
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + delay) { [weak self] in
            try? self?.flush()
        }
    }

    func flush() throws {
        try flushing.withLock { _ in
            let batch = pending.withLock { p in
                defer { p.counts = [:]; p.scheduled = false }
                return p.counts
            }
            guard !batch.isEmpty else { return }
            do {
                try write(batch)
            } catch {
                pending.withLock { p in for (k, n) in batch { p.counts[k, default: 0] += n } }
                throw error
            }
        }
    }
}

/// Uses not yet written, and the flush that writes them.
///
/// ```swift
/// store.usageCounter.record(dataset: "xa-hue", channel: .tiles)
/// ```
public final class UsageCounter: Sendable {
    /// One counter: a dataset's uses through one channel on one UTC day.
    public struct Key: Hashable, Sendable {
        public var dataset: String
        public var channel: String
        /// Days since 1970-01-01 (`CounterDay.string` gives its text): cheaper than a text per tile.
        public var day: Int32
    }

    private let counts: BatchedCounts<Key>
    /// Seconds between the first use of a batch and its flush.
    public var delay: Double { counts.delay }

    /// `write` adds a batch to the stored counters (by dataset slug; a slug no longer in the
    /// store is dropped), in one transaction.
    public init(delay: Double = 2, write: @escaping @Sendable ([Key: Int]) throws -> Void) {
        counts = BatchedCounts(delay: delay, write: write)
    }

    /// Counts one use in today's (UTC) counter; never blocks on the store.
    public func record(dataset: String, channel: UsageChannel, at now: Date = Date()) {
        counts.add(Key(dataset: dataset, channel: channel.rawValue, day: CounterDay.number(now)))
    }

    /// Writes the uses recorded so far; uses whose write fails are kept for the next flush.
    public func flush() throws { try counts.flush() }
}

/// Download counts not yet written, and the flush that writes them.
///
/// ```swift
/// store.downloadCounter.record(dataset: "xa-hue", version: 3, format: "geojson")
/// try store.downloadCounter.flush() // before reading the counters
/// ```
public final class DownloadCounter: Sendable {
    /// One counter: downloads of one file on one UTC day (`yyyy-MM-dd`).
    public struct Key: Hashable, Sendable {
        public var dataset: String
        public var version: Int
        public var format: String
        public var day: String
        public init(dataset: String, version: Int, format: String, day: String) {
            self.dataset = dataset; self.version = version; self.format = format; self.day = day
        }
    }

    private let counts: BatchedCounts<Key>
    /// Seconds between the first count of a batch and its flush.
    public var delay: Double { counts.delay }

    /// `write` adds a batch to the stored counters (see `UsageCounter.init`).
    public init(delay: Double = 1, write: @escaping @Sendable ([Key: Int]) throws -> Void) {
        counts = BatchedCounts(delay: delay, write: write)
    }

    /// Counts one download in today's (UTC) counter; never blocks on the store.
    public func record(dataset: String, version: Int, format: String, at now: Date = Date()) {
        counts.add(Key(dataset: dataset, version: version, format: format, day: CounterDay.of(now)))
    }

    /// Writes the counts recorded so far. Counts whose write fails are kept for the next flush.
    public func flush() throws { try counts.flush() }
}

/// The usage and download counters of a store, and what the statistics pages read from them.
/// Every read writes the counts still in memory first, so it includes every use served.
public protocol UsageCounting: Sendable {
    /// Uses by channel, batched in memory.
    var usageCounter: UsageCounter { get }
    /// Downloads, batched in memory.
    var downloadCounter: DownloadCounter { get }
    /// Uses by period and the asked dimensions, downloads included (as `download:<format>`),
    /// ordered by period then the kept dimensions (text by code point, a missing agency first).
    func usage(_ q: UsageQuery) throws -> [UsageRow]
    /// Counts one download at once (the command line and tests; the server uses `downloadCounter`).
    func recordDownload(dataset slug: String, version: Int, format: String, at now: Date) throws
    /// Every counter of `slug`, oldest day first, then by version and format. Throws
    /// `StoreError.datasetNotFound` for an unknown slug.
    func downloadStats(dataset slug: String) throws -> [DownloadCount]
    /// Total downloads of each dataset that has any, by slug.
    func downloadTotals() throws -> [String: Int]
    /// Downloads of each dataset counted on the days `from` through `to` (`yyyy-MM-dd`, both included), by slug.
    func downloadTotals(fromDay from: String, toDay to: String) throws -> [String: Int]
    /// Downloads of each dataset by month (`yyyy-MM`), by slug.
    func monthlyDownloads() throws -> [String: [String: Int]]
}

extension UsageCounting {
    /// Every use of each dataset that has any (all channels and days), by slug: what the
    /// catalogue orders by when asked for the most used.
    public func usageTotals() throws -> [String: Int] {
        var out: [String: Int] = [:]
        var q = UsageQuery()
        q.grain = .all
        q.by = [.dataset]
        for row in try usage(q) { if let d = row.dataset { out[d] = row.uses } }
        return out
    }
}
