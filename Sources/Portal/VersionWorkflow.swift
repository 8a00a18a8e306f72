// The life of a dataset version under the regulations (Sơn La art. 8.3): the editor prepares a
// draft and submits it; the approver approves it (published) or returns it with comments
// (returned, which the editor may resubmit as it is or replace with a new draft). Publishing a
// version supersedes the previous current one. Where the province has switched on the
// Department's second review (Huế 2024 art. 26.4, 30.2), the agency's approval does not publish:
// the version waits for the Department (approved), whose administrator publishes it or returns
// it to the editor with a comment. The rule table lives here, once; the store only records the
// outcome.
import Foundation
import PublicErrors

/// A version's status, spelled as in `dataset_versions.status`.
public enum VersionStatus: String, Sendable, Codable, CaseIterable {
    /// `approved`: approved by the agency, waiting for the Department's second review.
    case draft, submitted, returned, approved, published, superseded
}

/// A workflow step a user asks for.
public enum WorkflowStep: String, Sendable, Codable {
    /// `publish`: the Department's decision on a version its agency approved.
    case submit, approve, returnToEditor = "return", publish

    /// The audit-log verb for the step.
    public var auditAction: String {
        switch self {
        case .submit: "submit"
        case .approve: "approve"
        case .returnToEditor: "return"
        case .publish: "publish"
        }
    }
}

public enum VersionWorkflow {
    /// The status `step` leads to from `status`, or a `.conflict` error explaining what is
    /// possible. `departmentReview`: whether the province has the Department review approved
    /// versions before they are published.
    public static func next(from status: VersionStatus, by step: WorkflowStep,
                            departmentReview: Bool = false) throws(PortalError) -> VersionStatus {
        switch (step, status) {
        case (.submit, .draft), (.submit, .returned): return .submitted
        case (.approve, .submitted): return departmentReview ? .approved : .published
        case (.returnToEditor, .submitted), (.returnToEditor, .approved): return .returned
        case (.publish, .approved): return .published
        case (.submit, .submitted):
            throw .conflict("portal.workflow.alreadySubmitted")
        case (.submit, .approved), (.approve, .approved):
            throw .conflict("portal.workflow.awaitingDepartment")
        case (.approve, .draft), (.approve, .returned), (.returnToEditor, .draft), (.returnToEditor, .returned):
            throw .conflict(step == .approve ? "portal.workflow.notSubmitted.approve" : "portal.workflow.notSubmitted.return", ["status": status.rawValue])
        case (.publish, .draft), (.publish, .submitted), (.publish, .returned):
            throw .conflict("portal.workflow.notApproved", ["status": status.rawValue])
        case (_, .published), (_, .superseded):
            throw .conflict("portal.workflow.final", ["status": status.rawValue])
        }
    }

    /// Checks who may take `step`, then where it leads. `submittedBy` is the submitter of the
    /// version (for the rule that nobody approves their own submission). A version waiting for
    /// the Department is the Department's to publish or return, no longer the agency's.
    public static func apply(_ step: WorkflowStep, to status: VersionStatus, agencyID: Int64,
                             submittedBy: Int64?, actor: Actor, comment: String?,
                             departmentReview: Bool = false) throws(PortalError) -> VersionStatus {
        switch step {
        case .submit: try Permissions.authorize(actor, .submit(agencyID: agencyID))
        case .approve: try Permissions.authorize(actor, .approve(agencyID: agencyID, submittedBy: submittedBy))
        case .publish: try Permissions.authorize(actor, .departmentReview)
        case .returnToEditor:
            if status == .approved {
                try Permissions.authorize(actor, .departmentReview)
            } else {
                try Permissions.authorize(actor, .returnToEditor(agencyID: agencyID))
            }
            guard let comment, !comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .invalid("portal.workflow.commentRequired")
            }
        }
        return try next(from: status, by: step, departmentReview: departmentReview)
    }
}
