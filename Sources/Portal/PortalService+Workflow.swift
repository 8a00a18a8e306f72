// Submit, approve, return (and the Department's publish, see `PortalService+DepartmentReview`):
// the regulations' review of each dataset update, over the store's `dataset_versions.status`. Approval switches the dataset's current version (GeoStore's
// one switch, `Store.publish`) in the same transaction as the audit entry, so readers see the
// old version or the new one, never neither, and no publication happens without its record;
// the publication is announced on the store's `publications` after the commit.
import Foundation
import GeoStore
import PublicErrors

public struct VersionSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var dataset: String
    public var number: Int
    public var status: VersionStatus
    public var featureCount: Int?
    public var checksum: String?
    public var createdAt: String?
    public var publishedAt: String?
    /// The approver's comment when the version was last returned.
    public var returnComment: String?
    public var submittedBy: String?
}

extension PortalService {
    struct VersionRow {
        var id: Int64, datasetID: Int64, datasetSlug: String, agencyID: Int64?, number: Int
        var status: VersionStatus, checksum: String?, currentVersionID: Int64?
    }

    func versionRow(_ tx: any PortalReading, dataset: String, number: Int) throws -> VersionRow {
        guard let v = try tx.version(dataset: dataset, number: number) else {
            throw PortalError.notFound("store.versionNotFound", ["dataset": dataset, "version": String(number)])
        }
        guard let status = VersionStatus(rawValue: v.status) else {
            throw PortalError(.conflict, SafeMessage("portal.version.unknownStatus", ["dataset": dataset, "version": String(number)]),
                             detail: "status '\(v.status)'")
        }
        return VersionRow(id: v.id, datasetID: v.datasetID, datasetSlug: v.datasetSlug, agencyID: v.agencyID,
                          number: v.number, status: status, checksum: v.checksum, currentVersionID: v.currentVersionID)
    }

    func owningAgency(_ v: VersionRow) throws -> Int64 {
        guard let a = v.agencyID else {
            throw PortalError.conflict("portal.dataset.noAgency", ["dataset": v.datasetSlug])
        }
        return a
    }

    /// Checks, before any file is read, that `actor` may upload a draft of `dataset`.
    public func authorizeUpload(dataset: String, by actor: Actor) throws {
        let ref = try records.read { tx in try self.dataset(tx, slug: dataset) }
        guard let agency = ref.agencyID else {
            throw PortalError.conflict("portal.dataset.noAgency", ["dataset": dataset])
        }
        try Permissions.authorize(actor, .uploadDraft(agencyID: agency))
    }

    /// Records that `actor` created draft `number` of `dataset` (the ingest wrote it unpublished).
    public func recordDraft(dataset: String, number: Int, source: String, by actor: Actor) throws -> VersionSummary {
        try records.write { tx in
            let v = try versionRow(tx, dataset: dataset, number: number)
            try Permissions.authorize(actor, .uploadDraft(agencyID: try owningAgency(v)))
            try audit(tx, actor, "upload", agencyID: v.agencyID, dataset: dataset, versionID: v.id, versionNumber: number,
                      checksum: v.checksum, detail: source)
        }
        return try version(dataset: dataset, number: number, by: actor)
    }

    @discardableResult
    public func submit(dataset: String, number: Int, by actor: Actor) throws -> VersionSummary {
        try step(.submit, dataset: dataset, number: number, comment: nil, by: actor)
    }

    @discardableResult
    public func approve(dataset: String, number: Int, by actor: Actor) throws -> VersionSummary {
        try step(.approve, dataset: dataset, number: number, comment: nil, by: actor)
    }

    @discardableResult
    public func returnToEditor(dataset: String, number: Int, comment: String, by actor: Actor) throws -> VersionSummary {
        try step(.returnToEditor, dataset: dataset, number: number, comment: comment, by: actor)
    }

    func step(_ step: WorkflowStep, dataset: String, number: Int, comment: String?, by actor: Actor) throws -> VersionSummary {
        let published = try records.write { tx -> Publication? in
            var published: Publication?
            let v = try versionRow(tx, dataset: dataset, number: number)
            let agency = try owningAgency(v)
            let submitter = try tx.lastAuditUserID(versionID: v.id, action: "submit")
            let next = try VersionWorkflow.apply(step, to: v.status, agencyID: agency, submittedBy: submitter,
                                                 actor: actor, comment: comment, departmentReview: try departmentReview(tx))
            let t = now()
            if next == .published {
                published = try tx.publish(versionID: v.id, at: t)
            } else {
                try tx.setVersionStatus(versionID: v.id, next.rawValue)
            }
            try audit(tx, actor, step.auditAction, agencyID: agency, dataset: dataset, versionID: v.id, versionNumber: number,
                      checksum: v.checksum, comment: comment?.trimmingCharacters(in: .whitespacesAndNewlines))
            return published
        }
        // After the commit: a subscriber that reads the store finds the new version there.
        if let published { publications.post(published) }
        return try version(dataset: dataset, number: number, by: actor)
    }

    /// One version with its review state (agency users of the owner and administrators).
    public func version(dataset: String, number: Int, by actor: Actor) throws -> VersionSummary {
        guard let v = try versions(dataset: dataset, by: actor).first(where: { $0.number == number }) else {
            throw PortalError.notFound("store.versionNotFound", ["dataset": dataset, "version": String(number)])
        }
        return v
    }

    /// Every version of a dataset, newest first, with the approver's last comment on each.
    public func versions(dataset: String, by actor: Actor) throws -> [VersionSummary] {
        try records.read { tx in
            let ref = try self.dataset(tx, slug: dataset)
            if let agency = ref.agencyID {
                try Permissions.authorize(actor, .viewUnpublished(agencyID: agency))
            } else {
                try Permissions.authorize(actor, .manageOpenDataList)
            }
            return try tx.versionHistory(datasetID: ref.id).map { r in
                VersionSummary(id: r.id, dataset: dataset, number: r.number,
                               status: VersionStatus(rawValue: r.status) ?? .draft, featureCount: r.featureCount,
                               checksum: r.checksum, createdAt: r.createdAt.map(PortalCalendar.timestamp),
                               publishedAt: r.publishedAt.map(PortalCalendar.timestamp),
                               returnComment: r.returnComment, submittedBy: r.submittedBy)
            }
        }
    }
}
