// The Department's optional second review before open publication (Huế 2024 art. 26.4, 30.2):
// a province-wide setting the Department's administrator switches on or off (stored, so it holds
// across restarts, and audited); while it is on, an agency's approval leaves the version
// `approved`, waiting here, and the administrator publishes it or returns it to the editor with a
// comment. Both go through `step`, the same transaction and audit as the agency's own steps.
import Foundation
import GeoStore
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
        try records.read { tx in try departmentReview(tx) }
    }

    func departmentReview(_ tx: any PortalReading) throws -> Bool {
        try tx.portalSetting(Self.departmentReviewKey) == "on"
    }

    /// Switches the Department's second review on or off (administrators; the command line at
    /// start-up). Versions already waiting keep waiting for the Department's decision.
    public func setDepartmentReview(_ on: Bool, by actor: Actor) throws {
        try Permissions.authorize(actor, .departmentReview)
        try records.write { tx in
            guard try departmentReview(tx) != on else { return }
            try tx.setPortalSetting(Self.departmentReviewKey, to: on ? "on" : "off", at: now(), by: actor.userID == 0 ? nil : actor.userID)
            try audit(tx, actor, "department-review", detail: on ? "on" : "off")
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
        return try records.read { tx in try tx.approvedVersions() }.map { r in
            DepartmentReviewItem(
                agency: r.agencySlug, agencyName: r.agencyName, title: r.title,
                version: VersionSummary(id: r.id, dataset: r.datasetSlug, number: r.number, status: .approved,
                                        featureCount: r.featureCount, checksum: r.checksum,
                                        createdAt: r.createdAt.map(PortalCalendar.timestamp),
                                        publishedAt: nil, returnComment: nil, submittedBy: r.submittedBy),
                approvedBy: r.approvedBy, approvedAt: r.approvedAt.map(PortalCalendar.timestamp))
        }
    }
}
