// The usage and download counters on PostGIS, with the meaning SQLite's have
// (Store+Usage.swift, Store+Downloads.swift; `Interface/UsageCounting.swift`). Several
// `bando serve` processes count into the same rows at once: each flush adds its batch
// (`count = count + excluded.count`) in one transaction, rows taken in one order so two
// flushes never wait on each other in a cycle.
public import Foundation
public import GeoStore
import PostgresNIO

extension PostGISStore {   // UsageCounting
    /// Adds a batch of uses to the counters; uses of datasets no longer in the store are dropped.
    static func addUses(_ connections: ConnectionPool, _ batch: [UsageCounter.Key: Int]) throws {
        let logger = connections.logger
        let ordered = batch.sorted { ($0.key.dataset, $0.key.channel, $0.key.day) < ($1.key.dataset, $1.key.channel, $1.key.day) }
        try connections.withConnection { c in
            try c.transaction(logger: logger, "count uses") {
                for (key, n) in ordered {
                    try c.rows("""
                        INSERT INTO dataset_uses (dataset_id, channel, day, uses)
                        SELECT id, \(key.channel), \(CounterDay.string(key.day)), \(n) FROM datasets WHERE slug = \(key.dataset)
                        ON CONFLICT (dataset_id, channel, day) DO UPDATE SET uses = dataset_uses.uses + excluded.uses
                        """, logger: logger, "count uses")
                }
            }
        }
    }

    /// Adds a batch of downloads to the counters; downloads of datasets no longer in the store are dropped.
    static func addDownloads(_ connections: ConnectionPool, _ batch: [DownloadCounter.Key: Int]) throws {
        let logger = connections.logger
        let ordered = batch.sorted {
            ($0.key.dataset, $0.key.version, $0.key.format, $0.key.day) < ($1.key.dataset, $1.key.version, $1.key.format, $1.key.day)
        }
        try connections.withConnection { c in
            try c.transaction(logger: logger, "count downloads") {
                for (key, n) in ordered {
                    try c.rows("""
                        INSERT INTO download_counts (dataset_id, version_number, format, day, count)
                        SELECT id, \(key.version), \(key.format), \(key.day), \(n) FROM datasets WHERE slug = \(key.dataset)
                        ON CONFLICT (dataset_id, version_number, format, day) DO UPDATE SET count = download_counts.count + excluded.count
                        """, logger: logger, "count downloads")
                }
            }
        }
    }

    public func recordDownload(dataset slug: String, version: Int, format: String, at now: Date = Date()) throws {
        try Self.addDownloads(connections, [DownloadCounter.Key(dataset: slug, version: version, format: format, day: CounterDay.of(now)): 1])
    }

    /// Uses by period and the asked dimensions, ordered as SQLite orders them: text by code
    /// point (`COLLATE "C"`) and a missing agency first.
    public func usage(_ q: UsageQuery) throws -> [UsageRow] {
        try usageCounter.flush()
        try downloadCounter.flush()
        let period: String?
        switch q.grain {
        case .day: period = "u.day"
        case .month: period = "substr(u.day, 1, 7)"
        case .year: period = "substr(u.day, 1, 4)"
        case .all: period = nil
        }
        var binds = PostgresBindings()
        var count = 0
        func parameter(_ value: String) -> String { binds.append(value); count += 1; return "$\(count)" }
        var filters: [String] = []
        if let f = q.from { filters.append("u.day >= \(parameter(f))") }
        if let t = q.to { filters.append("u.day <= \(parameter(t))") }
        if let d = q.dataset { filters.append("d.slug = \(parameter(d))") }
        if let a = q.agency { filters.append("a.slug = \(parameter(a))") }
        if let c = q.channel {
            filters.append(c == UsageChannel.download.rawValue ? "u.channel LIKE 'download:%'" : "u.channel = \(parameter(c))")
        }
        let keep = Set(q.by)
        let dimensions: [(UsageQuery.Dimension, String)] = [(.dataset, "d.slug"), (.agency, "a.slug"), (.channel, "u.channel")]
            .filter { keep.contains($0.0) }
        let grouped = (period.map { [$0] } ?? []) + dimensions.map(\.1)
        let select = (["\(period ?? "'all'") AS period"] + dimensions.map { "\($0.1) AS \($0.0.rawValue)" }).joined(separator: ", ")
        let sql = """
            SELECT \(select), SUM(u.uses)::bigint AS uses
            FROM (SELECT dataset_id, channel, day, uses FROM dataset_uses
                  UNION ALL SELECT dataset_id, 'download:' || format, day, count FROM download_counts) u
            JOIN datasets d ON d.id = u.dataset_id
            LEFT JOIN agencies a ON a.id = d.agency_id
            \(filters.isEmpty ? "" : "WHERE " + filters.joined(separator: " AND "))
            \(grouped.isEmpty ? "" : "GROUP BY " + grouped.joined(separator: ", "))
            HAVING count(*) > 0
            \(grouped.isEmpty ? "" : "ORDER BY " + grouped.map { "\($0) COLLATE \"C\" NULLS FIRST" }.joined(separator: ", "))
            """
        return try rows(PostgresQuery(unsafeSQL: sql, binds: binds), "read the usage counters").map { row in
            let r = row.makeRandomAccess()
            return UsageRow(period: try r["period"].decode(String.self),
                            dataset: keep.contains(.dataset) ? try r["dataset"].decode(String?.self) : nil,
                            agency: keep.contains(.agency) ? try r["agency"].decode(String?.self) : nil,
                            channel: keep.contains(.channel) ? try r["channel"].decode(String?.self) : nil,
                            uses: try r["uses"].decode(Int.self))
        }
    }

    public func downloadStats(dataset slug: String) throws -> [DownloadCount] {
        try downloadCounter.flush()
        guard let id = try rows("SELECT id FROM datasets WHERE slug = \(slug)", "read the download counters").first?.decode(Int64.self) else {
            throw StoreError.datasetNotFound(slug)
        }
        return try rows("""
            SELECT day, version_number, format, count FROM download_counts WHERE dataset_id = \(id)
            ORDER BY day COLLATE "C", version_number, format COLLATE "C"
            """, "read the download counters").map { row in
            let (day, version, format, count) = try row.decode((String, Int, String, Int).self)
            return DownloadCount(day: day, version: version, format: format, count: count)
        }
    }

    public func downloadTotals() throws -> [String: Int] {
        try downloadCounter.flush()
        return try totals(rows("""
            SELECT d.slug, SUM(c.count)::bigint FROM download_counts c JOIN datasets d ON d.id = c.dataset_id GROUP BY d.slug
            """, "read the download counters"))
    }

    public func downloadTotals(fromDay from: String, toDay to: String) throws -> [String: Int] {
        try downloadCounter.flush()
        return try totals(rows("""
            SELECT d.slug, SUM(c.count)::bigint FROM download_counts c JOIN datasets d ON d.id = c.dataset_id
            WHERE c.day >= \(from) AND c.day <= \(to) GROUP BY d.slug
            """, "read the download counters"))
    }

    public func monthlyDownloads() throws -> [String: [String: Int]] {
        try downloadCounter.flush()
        var out: [String: [String: Int]] = [:]
        for row in try rows("""
            SELECT d.slug, substr(c.day, 1, 7), SUM(c.count)::bigint
            FROM download_counts c JOIN datasets d ON d.id = c.dataset_id GROUP BY d.slug, substr(c.day, 1, 7)
            """, "read the download counters") {
            let (slug, month, total) = try row.decode((String, String, Int).self)
            out[slug, default: [:]][month] = total
        }
        return out
    }

    private func totals(_ rows: [PostgresRow]) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in rows {
            let (slug, total) = try row.decode((String, Int).self)
            out[slug] = total
        }
        return out
    }
}
