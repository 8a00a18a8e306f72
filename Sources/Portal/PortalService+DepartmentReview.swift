// The Department's optional second review before open publication (Huế 2024 art. 26.4, 30.2):
// a province-wide setting the Department's administrator switches on or off (stored, so it holds
// across restarts, and audited); while it is on, an agency's approval leaves the version
// `approved`, waiting here, and the administrator publishes it or returns it to the editor with a
// comment. Both go through `step`, the same transaction and audit as the agency's own steps.
import Foundation
import GRDB
import PublicErrors

/// A version an agency approved, waiting for the Department.
public struct DepartmentReviewItem: Sendable, Codable, Equatable {
    public var agency: String
    public var agencyName: String
    public var title: String
    public var version: VersionSummary
    /// The agency approver who approved it, and when (ISO 8601).
    public var approvedBy: String?
    public var approvedAt: String?
}

extension PortalService {
    static let departmentReviewKey = "department-review"

    /// Whether agency-approved versions wait for the Department before they are published.
    public func departmentReviewIsOn() throws -> Bool {
        try db.read { db in try departmentReview(db) }
    }

    func departmentReview(_ db: Database) throws -> Bool {
        try String.fetchOne(db, sql: "SELECT value FROM portal_settings WHERE key = ?", arguments: [Self.departmentReviewKey]) == "on"
    }

    /// Switches the Department's second review on or off (administrators; the command line at
    /// start-up). Versions already waiting keep waiting for the Department's decision.
    public func setDepartmentReview(_ on: Bool, by actor: Actor) throws {
        try Permissions.authorize(actor, .departmentReview)
        try db.write { db in
            guard try departmentReview(db) != on else { return }
            try db.execute(sql: """
                INSERT INTO portal_settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, arguments: [Self.departmentReviewKey, on ? "on" : "off", stamp(now()), actor.userID == 0 ? nil : actor.userID])
            try audit(db, actor, "department-review", detail: on ? "on" : "off")
        }
    }

    /// The Department publishes a version its agency approved (administrators).
    @discardableResult
    public func publish(dataset: String, number: Int, by actor: Actor) throws -> VersionSummary {
        try step(.publish, dataset: dataset, number: number, comment: nil, by: actor)
    }

    /// The versions waiting for the Department, oldest approval first (administrators).
    public func departmentQueue(by actor: Actor) throws -> [DepartmentReviewItem] {
        try Permissions.authorize(actor, .departmentReview)
        return try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.id, v.number, v.feature_count, v.checksum, v.created_at, d.slug, d.title, a.slug AS agency, a.name AS agency_name,
                  (SELECT username FROM audit_log l WHERE l.version_id = v.id AND l.action = 'submit' ORDER BY l.id DESC LIMIT 1) AS submitted_by,
                  (SELECT username FROM audit_log l WHERE l.version_id = v.id AND l.action = 'approve' ORDER BY l.id DESC LIMIT 1) AS approved_by,
                  (SELECT at FROM audit_log l WHERE l.version_id = v.id AND l.action = 'approve' ORDER BY l.id DESC LIMIT 1) AS approved_at
                FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id JOIN agencies a ON a.id = d.agency_id
                WHERE v.status = 'approved' ORDER BY approved_at, v.id
                """).map { r in
                DepartmentReviewItem(
                    agency: r["agency"], agencyName: r["agency_name"], title: r["title"],
                    version: VersionSummary(id: r["id"], dataset: r["slug"], number: r["number"], status: .approved,
                                            featureCount: r["feature_count"], checksum: r["checksum"],
                                            createdAt: (r["created_at"] as Date?).map(PortalCalendar.timestamp),
                                            publishedAt: nil, returnComment: nil, submittedBy: r["submitted_by"]),
                    approvedBy: r["approved_by"], approvedAt: (r["approved_at"] as Date?).map(PortalCalendar.timestamp))
            }
        }
    }
}
