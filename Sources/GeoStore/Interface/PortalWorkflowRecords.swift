// The review workflow's records as the portal reads and writes them: a version's history with
// who submitted it and why it was returned, the Department's queue, the portal's settings
// (issue 21). `VersionWorkflow` in Portal decides the steps; the store keeps the statuses.
public import Foundation

/// A version of a dataset with what its audit entries say of its review.
public struct VersionHistoryRecord: Sendable, Equatable {
    public var id: Int64
    public var number: Int
    /// As stored: a `VersionStatus` unless the store was edited by hand.
    public var status: String
    public var featureCount: Int?
    public var checksum: String?
    public var createdAt: Date?
    public var publishedAt: Date?
    /// The comment of the version's last return to its editor.
    public var returnComment: String?
    /// Who submitted it last.
    public var submittedBy: String?
    public init(id: Int64, number: Int, status: String, featureCount: Int?, checksum: String?, createdAt: Date?,
                publishedAt: Date?, returnComment: String?, submittedBy: String?) {
        self.id = id; self.number = number; self.status = status; self.featureCount = featureCount; self.checksum = checksum
        self.createdAt = createdAt; self.publishedAt = publishedAt; self.returnComment = returnComment; self.submittedBy = submittedBy
    }
}

/// A version its agency approved, waiting for the Department.
public struct ApprovedVersionRecord: Sendable, Equatable {
    public var id: Int64
    public var number: Int
    public var featureCount: Int?
    public var checksum: String?
    public var createdAt: Date?
    public var datasetSlug: String
    public var title: String
    public var agencySlug: String
    public var agencyName: String
    public var submittedBy: String?
    public var approvedBy: String?
    public var approvedAt: Date?
    public init(id: Int64, number: Int, featureCount: Int?, checksum: String?, createdAt: Date?, datasetSlug: String,
                title: String, agencySlug: String, agencyName: String, submittedBy: String?, approvedBy: String?, approvedAt: Date?) {
        self.id = id; self.number = number; self.featureCount = featureCount; self.checksum = checksum; self.createdAt = createdAt
        self.datasetSlug = datasetSlug; self.title = title; self.agencySlug = agencySlug; self.agencyName = agencyName
        self.submittedBy = submittedBy; self.approvedBy = approvedBy; self.approvedAt = approvedAt
    }
}

/// What the workflow's portal actions read.
public protocol PortalWorkflowReading {
    /// A portal-wide setting's stored value; nil when never set.
    func portalSetting(_ key: String) throws -> String?
    /// The account of the latest audit entry `action` on version `versionID` (nil: none, or the command line).
    func lastAuditUserID(versionID: Int64, action: String) throws -> Int64?
    /// The versions of dataset `datasetID`, newest first.
    func versionHistory(datasetID: Int64) throws -> [VersionHistoryRecord]
    /// Every version in status `approved`, the earliest approval first (then by id).
    func approvedVersions() throws -> [ApprovedVersionRecord]
}

/// What the workflow's portal actions write.
public protocol PortalWorkflowWriting {
    /// Sets a portal-wide setting (`accountID` nil: the command line).
    func setPortalSetting(_ key: String, to value: String, at: Date, by accountID: Int64?) throws
    /// A workflow step that publishes nothing (publishing is `publish(versionID:at:)`).
    func setVersionStatus(versionID: Int64, _ status: String) throws
}
