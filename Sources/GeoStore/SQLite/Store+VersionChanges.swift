// The change summaries of versions, kept once computed (table `version_changes`). What a summary
// means, and how features are matched, is the Catalogue module's; the store only keeps the counts.
public import Foundation
import GRDB

extension Store {   // VersionChangeStore
    public func versionChanges(of versionIDs: [Int64]) throws -> [Int64: VersionChangeRecord] {
        guard !versionIDs.isEmpty else { return [:] }
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.*, p.number AS previous_number FROM version_changes c
                LEFT JOIN dataset_versions p ON p.id = c.previous_version_id
                WHERE c.version_id IN (\(versionIDs.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(versionIDs))
            var out = [Int64: VersionChangeRecord]()
            for r in rows {
                let record = VersionChangeRecord(
                    versionID: r["version_id"], previousVersionID: r["previous_version_id"], previousNumber: r["previous_number"],
                    identity: r["identity"], added: r["added"], removed: r["removed"], changed: r["changed"], unchanged: r["unchanged"])
                out[record.versionID] = record
            }
            return out
        }
    }

    public func saveVersionChange(_ c: VersionChangeRecord, at now: Date) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO version_changes (version_id, previous_version_id, identity, added, removed, changed, unchanged, computed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [c.versionID, c.previousVersionID, c.identity, c.added, c.removed, c.changed,
                                 c.unchanged, ISO8601DateFormatter().string(from: now)])
        }
    }
}
