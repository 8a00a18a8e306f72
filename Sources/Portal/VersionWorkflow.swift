// The life of a dataset version under the regulations (Sơn La art. 8.3): the editor prepares a
// draft and submits it; the approver approves it (published) or returns it with comments
// (returned, which the editor may resubmit as it is or replace with a new draft). Publishing a
// version supersedes the previous current one. The rule table lives here, once; the store only
// records the outcome.
import PublicErrors

/// A version's status, spelled as in `dataset_versions.status`.
public enum VersionStatus: String, Sendable, Codable, CaseIterable {
    case draft, submitted, returned, published, superseded
}

/// A workflow step a user asks for.
public enum WorkflowStep: String, Sendable, Codable {
    case submit, approve, returnToEditor = "return"

    /// The audit-log verb for the step.
    public var auditAction: String {
        switch self {
        case .submit: "submit"
        case .approve: "approve"
        case .returnToEditor: "return"
        }
    }
}

public enum VersionWorkflow {
    /// The status `step` leads to from `status`, or a `.conflict` error explaining what is possible.
    public static func next(from status: VersionStatus, by step: WorkflowStep) throws(PortalError) -> VersionStatus {
        switch (step, status) {
        case (.submit, .draft), (.submit, .returned): return .submitted
        case (.approve, .submitted): return .published
        case (.returnToEditor, .submitted): return .returned
        case (.submit, .submitted):
            throw .conflict("portal.workflow.alreadySubmitted")
        case (.approve, .draft), (.approve, .returned), (.returnToEditor, .draft), (.returnToEditor, .returned):
            throw .conflict(step == .approve ? "portal.workflow.notSubmitted.approve" : "portal.workflow.notSubmitted.return", ["status": status.rawValue])
        case (_, .published), (_, .superseded):
            throw .conflict("portal.workflow.final", ["status": status.rawValue])
        }
    }

    /// Checks who may take `step`, then where it leads. `submittedBy` is the submitter of the
    /// version (for the rule that nobody approves their own submission).
    public static func apply(_ step: WorkflowStep, to status: VersionStatus, agencyID: Int64,
                             submittedBy: Int64?, actor: Actor, comment: String?) throws(PortalError) -> VersionStatus {
        switch step {
        case .submit: try Permissions.authorize(actor, .submit(agencyID: agencyID))
        case .approve: try Permissions.authorize(actor, .approve(agencyID: agencyID, submittedBy: submittedBy))
        case .returnToEditor:
            try Permissions.authorize(actor, .returnToEditor(agencyID: agencyID))
            guard let comment, !comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .invalid("portal.workflow.commentRequired")
            }
        }
        return try next(from: status, by: step)
    }
}

import Foundation
