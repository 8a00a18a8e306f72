// How much each dataset is used, by day and channel, on SQLite (what the counts mean, and their
// batching, is in `Interface/UsageCounting.swift`): table `dataset_uses`; downloads keep their
// own table (by version and format) and show here as `download:<format>`.
public import GRDB
public import Foundation

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
}

extension Store {   // UsageCounting
    /// Adds a batch of uses to the counters in one transaction; uses of datasets no longer in
    /// the store are dropped.
    static func addUses(_ pool: DatabasePool, _ batch: [UsageCounter.Key: Int]) throws {
        try pool.write { db in
            for (key, n) in batch {
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE slug = ?", arguments: [key.dataset]) else { continue }
                try db.execute(sql: """
                    INSERT INTO dataset_uses (dataset_id, channel, day, uses) VALUES (?, ?, ?, ?)
                    ON CONFLICT (dataset_id, channel, day) DO UPDATE SET uses = uses + excluded.uses
                    """, arguments: [id, key.channel, CounterDay.string(key.day), n])
            }
        }
    }

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

}
