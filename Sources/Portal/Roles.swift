// Who may do what. The regulations give each agency an editor (cán bộ đầu mối) and an approver
// (lãnh đạo duyệt), and the Department of Information and Communications an administrator who
// runs agencies, accounts, the open-data list and reports. An agency's users act only on that
// agency's data; nobody acts on another agency's data, the administrator included.
import PublicErrors

/// A portal role. One per user.
public enum Role: String, Sendable, Codable, CaseIterable {
    case administrator
    case editor
    case approver
    /// Manages the editors and approvers of their own agency, nothing else (Quảng Ngãi art. 4.3).
    case agencyAdministrator = "agency-administrator"

    /// Whether the role belongs to an agency (editors, approvers, agency administrators) or to the Department.
    public var belongsToAgency: Bool { self != .administrator }
}

/// The signed-in user an operation is checked against.
public struct Actor: Sendable, Equatable, Codable {
    public var userID: Int64
    public var username: String
    public var role: Role
    /// The agency of an editor or approver; nil for an administrator.
    public var agencyID: Int64?

    public init(userID: Int64, username: String, role: Role, agencyID: Int64?) {
        self.userID = userID; self.username = username; self.role = role; self.agencyID = agencyID
    }
}

/// An operation to authorise, with the data it is about.
public enum PortalAction: Sendable, Equatable {
    case manageAgencies
    case manageUsers
    /// Create, disable, enable or reset the password of an account of `role` in agency
    /// `agencyID` (nil: a Department account): administrators any, an agency administrator
    /// only the editors and approvers of their own agency.
    case manageAccount(agencyID: Int64?, role: Role)
    case manageOpenDataList
    case readAuditLog
    case readReports
    /// Read the compliance report and dashboards of one agency (its leader, the approver).
    case readAgencyReports(agencyID: Int64)
    /// Propose a new dataset for the open-data list on behalf of an agency.
    case proposeDataset(agencyID: Int64)
    /// Upload or pull a draft version of one of the agency's datasets.
    case uploadDraft(agencyID: Int64)
    /// See the agency's drafts and submissions (they are not public).
    case viewUnpublished(agencyID: Int64)
    case submit(agencyID: Int64)
    /// Approve a submission; `submittedBy` is the user who submitted it.
    case approve(agencyID: Int64, submittedBy: Int64?)
    case returnToEditor(agencyID: Int64)
    /// The Department's second review: publish or return a version an agency approved, see the
    /// versions waiting for it, switch the review on or off (administrators).
    case departmentReview
    /// Answer feedback routed to an agency, or to the Department when `agencyID` is nil.
    case answerFeedback(agencyID: Int64?)
    case viewFeedbackQueue(agencyID: Int64?)
    case manageHarvestSource(agencyID: Int64)
}

public enum Permissions {
    /// Throws `.forbidden` with the reason when `actor` may not perform `action`.
    public static func authorize(_ actor: Actor, _ action: PortalAction) throws(PortalError) {
        switch action {
        case .manageAgencies, .manageUsers, .manageOpenDataList, .readAuditLog, .readReports, .departmentReview:
            guard actor.role == .administrator else {
                throw .forbidden("portal.role.administratorOnly", ["user": actor.username, "role": actor.role.rawValue])
            }
        case .manageAccount(let agency, let role):
            if actor.role == .administrator { return }
            guard actor.role == .agencyAdministrator else {
                throw .forbidden("portal.role.administratorOnly", ["user": actor.username, "role": actor.role.rawValue])
            }
            guard agency != nil, agency == actor.agencyID else { throw .forbidden("portal.role.otherAgency", ["user": actor.username]) }
            guard role == .editor || role == .approver else {
                throw .forbidden("portal.role.agencyAdministratorRoles", ["user": actor.username])
            }
        case .proposeDataset(let agency), .uploadDraft(let agency), .submit(let agency),
             .manageHarvestSource(let agency):
            try requireOwnAgency(actor, agency, roles: [.editor, .approver])
        case .readAgencyReports(let agency):
            if actor.role == .administrator { return }
            try requireOwnAgency(actor, agency, roles: [.approver])
        case .viewUnpublished(let agency):
            if actor.role == .administrator { return }
            try requireOwnAgency(actor, agency, roles: [.editor, .approver])
        case .approve(let agency, let submittedBy):
            try requireOwnAgency(actor, agency, roles: [.approver])
            if let submittedBy, submittedBy == actor.userID {
                throw .forbidden("portal.role.fourEyes", ["user": actor.username])
            }
        case .returnToEditor(let agency):
            try requireOwnAgency(actor, agency, roles: [.approver])
        case .answerFeedback(let agency), .viewFeedbackQueue(let agency):
            if let agency {
                if actor.role == .administrator, case .viewFeedbackQueue = action { return }
                try requireOwnAgency(actor, agency, roles: [.editor, .approver])
            } else if actor.role != .administrator {
                throw .forbidden("portal.role.dataRequests")
            }
        }
    }

    public static func allows(_ actor: Actor, _ action: PortalAction) -> Bool {
        do { try authorize(actor, action); return true } catch { return false }
    }

    private static func requireOwnAgency(_ actor: Actor, _ agency: Int64, roles: Set<Role>) throws(PortalError) {
        guard roles.contains(actor.role) else {
            let names = roles.map(\.rawValue).sorted().joined(separator: " or ")
            throw .forbidden("portal.role.needs", ["roles": names, "user": actor.username, "role": actor.role.rawValue])
        }
        guard actor.agencyID == agency else {
            throw .forbidden("portal.role.otherAgency", ["user": actor.username])
        }
    }
}
