// How much each dataset is used, by day and channel (Sóc Trăng art. 17.1.đ: statistics on data
// sharing; Huế 2024 art. 20.1.h: priority to the data people use most). A use is one answer that
// carried the dataset's data: an OGC items page, a tile, an analysis, a CKAN package, a download.
// Nothing about who used it is kept. Uses are added up in memory and written by one flush a
// moment later, off the request path (as downloads are, see `DownloadCounter`); downloads keep
// their own table (by version and format) and show here as `download:<format>`.
public import GRDB
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

/// Uses not yet written, and the flush that writes them.
///
/// ```swift
/// store.usageCounter.record(dataset: "xa-hue", channel: .tiles)
/// ```
public final class UsageCounter: Sendable {
    struct Key: Hashable, Sendable {
        var dataset: String
        var channel: String
        var day: Int32
    }

    /// Seconds between the first use of a batch and its flush.
    public let delay: Double
    private let pool: DatabasePool
    private let pending = Mutex<(counts: [Key: Int], scheduled: Bool)>(([:], false))
    /// One flush at a time, so a reader that flushed sees every use recorded before.
    private let flushing = Mutex<Void>(())

    init(pool: DatabasePool, delay: Double = 2) { self.pool = pool; self.delay = delay }

    /// Counts one use in today's (UTC) counter; never blocks on the store.
    public func record(dataset: String, channel: UsageChannel, at now: Date = Date()) {
        let key = Key(dataset: dataset, channel: channel.rawValue, day: Int32(floor(now.timeIntervalSince1970 / 86_400)))
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

    /// Writes the uses recorded so far; uses whose write fails are kept for the next flush.
    public func flush() throws {
        try flushing.withLock { _ in
            let batch = pending.withLock { p in
                defer { p.counts = [:]; p.scheduled = false }
                return p.counts
            }
            guard !batch.isEmpty else { return }
            do {
                try pool.write { db in
                    for (key, n) in batch {
                        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE slug = ?", arguments: [key.dataset]) else { continue }
                        try db.execute(sql: """
                            INSERT INTO dataset_uses (dataset_id, channel, day, uses) VALUES (?, ?, ?, ?)
                            ON CONFLICT (dataset_id, channel, day) DO UPDATE SET uses = uses + excluded.uses
                            """, arguments: [id, key.channel, UsageSchema.dayString(key.day), n])
                    }
                }
            } catch {
                pending.withLock { p in for (k, n) in batch { p.counts[k, default: 0] += n } }
                throw error
            }
        }
    }
}

/// The uses table, registered after the download counters.
enum UsageSchema {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("usage-1") { db in
            try db.execute(sql: """
                CREATE TABLE dataset_uses (
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    channel TEXT NOT NULL,
                    day TEXT NOT NULL,
                    uses INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (dataset_id, channel, day)
                ) WITHOUT ROWID;
                """)
        }
    }

    /// `yyyy-MM-dd` of a day counted from 1970-01-01 (UTC), without a calendar.
    static func dayString(_ days: Int32) -> String {
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
}

extension Store {
    /// Uses by period and the asked dimensions, downloads included; counts still in memory are
    /// written first, so the answer includes every use served.
    public func usage(_ q: UsageQuery) throws -> [UsageRow] {
        try usageCounter.flush()
        try downloadCounter.flush()
        let period: String
        switch q.grain {
        case .day: period = "u.day"
        case .month: period = "substr(u.day, 1, 7)"
        case .year: period = "substr(u.day, 1, 4)"
        case .all: period = "'all'"
        }
        var filters: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let f = q.from { filters.append("u.day >= ?"); args.append(f) }
        if let t = q.to { filters.append("u.day <= ?"); args.append(t) }
        if let d = q.dataset { filters.append("d.slug = ?"); args.append(d) }
        if let a = q.agency { filters.append("a.slug = ?"); args.append(a) }
        if let c = q.channel {
            if c == UsageChannel.download.rawValue { filters.append("u.channel LIKE 'download:%'") } else { filters.append("u.channel = ?"); args.append(c) }
        }
        let keep = Set(q.by)
        let columns = ["period"] + UsageQuery.Dimension.allCases.filter(keep.contains).map(\.rawValue)
        let select = [
            "\(period) AS period",
            keep.contains(.dataset) ? "d.slug AS dataset" : nil,
            keep.contains(.agency) ? "a.slug AS agency" : nil,
            keep.contains(.channel) ? "u.channel AS channel" : nil,
        ].compactMap { $0 }.joined(separator: ", ")
        let sql = """
            SELECT \(select), SUM(u.uses) AS uses
            FROM (SELECT dataset_id, channel, day, uses FROM dataset_uses
                  UNION ALL SELECT dataset_id, 'download:' || format, day, count FROM download_counts) u
            JOIN datasets d ON d.id = u.dataset_id
            LEFT JOIN agencies a ON a.id = d.agency_id
            \(filters.isEmpty ? "" : "WHERE " + filters.joined(separator: " AND "))
            GROUP BY \(columns.joined(separator: ", "))
            ORDER BY \(columns.joined(separator: ", "))
            """
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { row in
                UsageRow(period: row["period"], dataset: keep.contains(.dataset) ? row["dataset"] : nil,
                         agency: keep.contains(.agency) ? row["agency"] : nil,
                         channel: keep.contains(.channel) ? row["channel"] : nil, uses: row["uses"])
            }
        }
    }

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
