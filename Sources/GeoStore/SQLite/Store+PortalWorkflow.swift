// The review workflow's records on SQLite: `dataset_versions.status` as the steps set it, the
// audit entries that say who submitted, approved or returned a version, `portal_settings`
// (issue 21; the statements were in Portal's Workflow and DepartmentReview files).
import GRDB
public import Foundation

extension SQLitePortalTransaction {
    public func portalSetting(_ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM portal_settings WHERE key = ?", arguments: [key])
    }

    public func setPortalSetting(_ key: String, to value: String, at: Date, by accountID: Int64?) throws {
        try db.execute(sql: """
            INSERT INTO portal_settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, arguments: [key, value, Timestamp.format(at), accountID])
    }

    public func lastAuditUserID(versionID: Int64, action: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: """
            SELECT user_id FROM audit_log WHERE version_id = ? AND action = ? ORDER BY id DESC LIMIT 1
            """, arguments: [versionID, action])
    }

    public func setVersionStatus(versionID: Int64, _ status: String) throws {
        try db.execute(sql: "UPDATE dataset_versions SET status = ? WHERE id = ?", arguments: [status, versionID])
    }

    public func versionHistory(datasetID: Int64) throws -> [VersionHistoryRecord] {
        try Row.fetchAll(db, sql: """
            SELECT v.id, v.number, v.status, v.feature_count, v.checksum, v.created_at, v.published_at,
              (SELECT comment FROM audit_log l WHERE l.version_id = v.id AND l.action = 'return' ORDER BY l.id DESC LIMIT 1) AS return_comment,
              (SELECT username FROM audit_log l WHERE l.version_id = v.id AND l.action = 'submit' ORDER BY l.id DESC LIMIT 1) AS submitted_by
            FROM dataset_versions v WHERE v.dataset_id = ? ORDER BY v.number DESC
            """, arguments: [datasetID]).map { r in
            VersionHistoryRecord(id: r["id"], number: r["number"], status: r["status"], featureCount: r["feature_count"],
                                 checksum: r["checksum"], createdAt: r["created_at"], publishedAt: r["published_at"],
                                 returnComment: r["return_comment"], submittedBy: r["submitted_by"])
        }
    }

    public func approvedVersions() throws -> [ApprovedVersionRecord] {
        try Row.fetchAll(db, sql: """
            SELECT v.id, v.number, v.feature_count, v.checksum, v.created_at, d.slug, d.title, a.slug AS agency, a.name AS agency_name,
              (SELECT username FROM audit_log l WHERE l.version_id = v.id AND l.action = 'submit' ORDER BY l.id DESC LIMIT 1) AS submitted_by,
              (SELECT username FROM audit_log l WHERE l.version_id = v.id AND l.action = 'approve' ORDER BY l.id DESC LIMIT 1) AS approved_by,
              (SELECT at FROM audit_log l WHERE l.version_id = v.id AND l.action = 'approve' ORDER BY l.id DESC LIMIT 1) AS approved_at
            FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id JOIN agencies a ON a.id = d.agency_id
            WHERE v.status = 'approved' ORDER BY approved_at, v.id
            """).map { r in
            ApprovedVersionRecord(id: r["id"], number: r["number"], featureCount: r["feature_count"], checksum: r["checksum"],
                                  createdAt: r["created_at"], datasetSlug: r["slug"], title: r["title"], agencySlug: r["agency"],
                                  agencyName: r["agency_name"], submittedBy: r["submitted_by"], approvedBy: r["approved_by"],
                                  approvedAt: r["approved_at"])
        }
    }
}
