// The harvest sources' records on SQLite: `harvest_sources` (issue 21; the statements were in
// Portal's Harvest).
import GRDB
public import Foundation

extension SQLitePortalTransaction {
    static let harvestSelect = "SELECT h.*, d.slug, d.agency_id FROM harvest_sources h JOIN datasets d ON d.id = h.dataset_id"

    public func harvestSources(agencyID: Int64?) throws -> [HarvestSourceRecord] {
        try Row.fetchAll(db, sql: Self.harvestSelect + " WHERE ? IS NULL OR d.agency_id = ? ORDER BY d.slug",
                         arguments: [agencyID, agencyID]).map(Self.harvestSource)
    }

    public func harvestSource(dataset: String) throws -> HarvestSourceRecord? {
        try Row.fetchOne(db, sql: Self.harvestSelect + " WHERE d.slug = ?", arguments: [dataset]).map(Self.harvestSource)
    }

    static func harvestSource(_ r: Row) -> HarvestSourceRecord {
        HarvestSourceRecord(datasetID: r["dataset_id"], datasetSlug: r["slug"], agencyID: r["agency_id"], url: r["url"],
                            kind: r["kind"], intervalSeconds: r["interval_seconds"], setBy: r["set_by"],
                            lastRunAt: r["last_run_at"], lastStatus: r["last_status"], lastError: r["last_error"],
                            lastChecksum: r["last_checksum"], lastErrorKey: r["last_error_key"],
                            lastErrorArguments: r["last_error_arguments"], failures: r["failures"])
    }

    public func setHarvestSource(datasetID: Int64, url: String, kind: String, intervalSeconds: Int, setBy: Int64?) throws {
        try db.execute(sql: """
            INSERT INTO harvest_sources (dataset_id, url, kind, interval_seconds, set_by) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(dataset_id) DO UPDATE SET url = excluded.url, kind = excluded.kind,
                interval_seconds = excluded.interval_seconds, set_by = excluded.set_by, last_checksum = NULL
            """, arguments: [datasetID, url, kind, intervalSeconds, setBy])
    }

    public func noteHarvestRun(dataset: String, _ run: HarvestRun) throws {
        try db.execute(sql: """
            UPDATE harvest_sources SET last_run_at = ?, last_status = ?, last_error = ?,
                last_checksum = CASE WHEN ? IS NULL THEN last_checksum ELSE ? END,
                failures = CASE WHEN ? IS NULL THEN 0 ELSE failures + 1 END,
                last_error_key = ?, last_error_arguments = ?
            WHERE dataset_id = (SELECT id FROM datasets WHERE slug = ?)
            """, arguments: [Timestamp.format(run.at), run.status, run.error, run.error == nil ? run.checksum : nil, run.checksum,
                             run.error, run.errorKey, run.errorArguments, dataset])
    }
}
