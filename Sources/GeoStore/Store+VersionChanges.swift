// The change summaries of versions, kept once computed (table `version_changes`). What a summary
// means, and how features are matched, is the Catalogue module's; the store only keeps the counts.
public import Foundation
import GRDB

/// The stored counts of what changed in a version since the version it was compared with.
public struct VersionChangeRecord: Sendable, Hashable {
    public var versionID: Int64
    /// The version compared against (nil: the first published version).
    public var previousVersionID: Int64?
    /// That version's number, read with the record.
    public var previousNumber: Int?
    /// How features were matched: `field:<name>` or `content`.
    public var identity: String
    public var added: Int
    public var removed: Int
    public var changed: Int
    public var unchanged: Int

    public init(versionID: Int64, previousVersionID: Int64?, previousNumber: Int?, identity: String,
                added: Int, removed: Int, changed: Int, unchanged: Int) {
        self.versionID = versionID; self.previousVersionID = previousVersionID; self.previousNumber = previousNumber
        self.identity = identity; self.added = added; self.removed = removed; self.changed = changed; self.unchanged = unchanged
    }
}

/// Keeps versions' change summaries.
public protocol VersionChangeStore: Sendable {
    /// The stored summaries of these versions (those not computed yet are missing).
    func versionChanges(of versionIDs: [Int64]) throws -> [Int64: VersionChangeRecord]
    /// Stores (or replaces) one version's summary.
    func saveVersionChange(_ record: VersionChangeRecord, at: Date) throws
}

extension Store: VersionChangeStore {
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
