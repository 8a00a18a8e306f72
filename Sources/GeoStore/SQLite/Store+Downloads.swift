public import GRDB
public import GeoModel
public import Foundation

/// The outcome of recomputing a version's feature checksum from what the store holds now.
public struct ChecksumVerification: Sendable, Hashable {
    public var stored: String
    public var recomputed: String
    public var featureCount: Int
    public var matches: Bool { stored == recomputed }
}

/// The download counters' table, registered after the portal's migrations.
enum DownloadSchema {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("downloads-1") { db in
            try db.execute(sql: """
                CREATE TABLE download_counts (
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    version_number INTEGER NOT NULL,
                    format TEXT NOT NULL,
                    day TEXT NOT NULL,
                    count INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (dataset_id, version_number, format, day)
                ) WITHOUT ROWID;
                """)
        }
    }
}

extension Store {
    /// Version `number` of the dataset `slug`, with its dataset and agency, whatever its status.
    public func version(dataset slug: String, number: Int) throws -> PublishedDataset? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT d.*, v.id AS v_id, a.id AS a_id, a.slug AS a_slug, a.name AS a_name
                FROM datasets d
                JOIN dataset_versions v ON v.dataset_id = d.id AND v.number = ?
                LEFT JOIN agencies a ON a.id = d.agency_id
                WHERE d.slug = ?
                """, arguments: [number, slug]) else { return nil }
            return PublishedDataset(
                dataset: Self.dataset(row),
                version: try Self.version(db, id: row["v_id"])!,
                agency: (row["a_id"] as Int64?).map { AgencyRecord(id: $0, slug: row["a_slug"], name: row["a_name"]) })
        }
    }

    /// Counts one download of a file, in today's (UTC) counter, at once (the command line and
    /// tests); the server counts through `downloadCounter`, which batches.
    public func recordDownload(dataset slug: String, version: Int, format: String, at now: Date = Date()) throws {
        try Self.addDownloads(pool, [DownloadCounter.Key(dataset: slug, version: version, format: format, day: Self.utcDay(now)): 1])
    }

    /// Adds counts to the counters in one transaction; counts of datasets no longer in the store are dropped.
    static func addDownloads(_ pool: DatabasePool, _ counts: [DownloadCounter.Key: Int]) throws {
        guard !counts.isEmpty else { return }
        try pool.write { db in
            for (key, n) in counts {
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE slug = ?", arguments: [key.dataset]) else { continue }
                try db.execute(sql: """
                    INSERT INTO download_counts (dataset_id, version_number, format, day, count) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (dataset_id, version_number, format, day) DO UPDATE SET count = count + excluded.count
                    """, arguments: [id, key.version, key.format, key.day, n])
            }
        }
    }

    /// Every counter of `slug`, by day, version and format (oldest day first).
    /// Downloads counted in memory are written first, so the answer includes every download served.
    public func downloadStats(dataset slug: String) throws -> [DownloadCount] {
        try downloadCounter.flush()
        return try pool.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE slug = ?", arguments: [slug]) else {
                throw StoreError.datasetNotFound(slug)
            }
            return try Row.fetchAll(db, sql: """
                SELECT day, version_number, format, count FROM download_counts WHERE dataset_id = ?
                ORDER BY day, version_number, format
                """, arguments: [id]).map {
                DownloadCount(day: $0["day"], version: $0["version_number"], format: $0["format"], count: $0["count"])
            }
        }
    }

    /// Total downloads of each dataset that has any (every version, format and day), by slug:
    /// what the portal's lists sort and show by. Downloads counted in memory are written first.
    public func downloadTotals() throws -> [String: Int] {
        try downloadCounter.flush()
        return try pool.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT d.slug, SUM(c.count) AS total FROM download_counts c JOIN datasets d ON d.id = c.dataset_id GROUP BY d.slug
                """) {
                out[row["slug"]] = row["total"]
            }
            return out
        }
    }

    /// Downloads of each dataset counted on the days `from` through `to` (`yyyy-MM-dd`, the
    /// UTC days the counters keep, both included), by slug: the dashboards' period figures.
    /// Downloads counted in memory are written first.
    public func downloadTotals(fromDay from: String, toDay to: String) throws -> [String: Int] {
        try downloadCounter.flush()
        return try pool.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT d.slug, SUM(c.count) AS total FROM download_counts c JOIN datasets d ON d.id = c.dataset_id
                WHERE c.day >= ? AND c.day <= ? GROUP BY d.slug
                """, arguments: [from, to]) {
                out[row["slug"]] = row["total"]
            }
            return out
        }
    }

    /// Downloads of each dataset by month (`yyyy-MM`, from the UTC days the counters keep), by
    /// slug: what the statistics page shows. Downloads counted in memory are written first.
    public func monthlyDownloads() throws -> [String: [String: Int]] {
        try downloadCounter.flush()
        return try pool.read { db in
            var out: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT d.slug, substr(c.day, 1, 7) AS month, SUM(c.count) AS total
                FROM download_counts c JOIN datasets d ON d.id = c.dataset_id GROUP BY d.slug, month
                """) {
                out[row["slug"], default: [:]][row["month"]] = row["total"]
            }
            return out
        }
    }

    /// The month (`yyyy-MM`) whose counters a download at `d` goes into: the counters keep UTC
    /// days, so a page of monthly figures must end at this month, not at Vietnam's (which starts
    /// seven hours earlier).
    public static func counterMonth(_ d: Date) -> String { CounterDay.month(d) }

    static func utcDay(_ d: Date) -> String { CounterDay.of(d) }
}
