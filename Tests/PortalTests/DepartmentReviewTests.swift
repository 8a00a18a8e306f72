import Foundation
import Testing
import GRDB
@testable import Portal
import PublicErrors

/// The Department's optional second review before open publication (Huế 2024 art. 26.4, 30.2).
@Suite struct DepartmentReviewRuleTests {
    let admin = Actor(userID: 1, username: "admin", role: .administrator, agencyID: nil)
    let editor = Actor(userID: 2, username: "editor", role: .editor, agencyID: 10)
    let approver = Actor(userID: 3, username: "approver", role: .approver, agencyID: 10)
    let otherApprover = Actor(userID: 4, username: "approver-b", role: .approver, agencyID: 20)

    /// Off (the default), an agency's approval publishes; on, it waits for the Department,
    /// which alone publishes it or returns it (with a comment); the editor then resubmits.
    @Test func approvalPublishesWhenOffAndWaitsForTheDepartmentWhenOn() throws {
        #expect(try VersionWorkflow.apply(.approve, to: .submitted, agencyID: 10, submittedBy: 2, actor: approver, comment: nil) == .published)
        #expect(try VersionWorkflow.apply(.approve, to: .submitted, agencyID: 10, submittedBy: 2, actor: approver, comment: nil,
                                          departmentReview: false) == .published)
        let waiting = try VersionWorkflow.apply(.approve, to: .submitted, agencyID: 10, submittedBy: 2, actor: approver, comment: nil,
                                                departmentReview: true)
        #expect(waiting == .approved)
        for on in [true, false] {
            // Switched off while a version waits: it still waits for the Department's decision.
            #expect(try VersionWorkflow.apply(.publish, to: .approved, agencyID: 10, submittedBy: 2, actor: admin, comment: nil,
                                              departmentReview: on) == .published)
            #expect(try VersionWorkflow.apply(.returnToEditor, to: .approved, agencyID: 10, submittedBy: 2, actor: admin,
                                              comment: "Thiếu siêu dữ liệu", departmentReview: on) == .returned)
        }
        #expect(try VersionWorkflow.apply(.submit, to: .returned, agencyID: 10, submittedBy: nil, actor: editor, comment: nil,
                                          departmentReview: true) == .submitted)
    }

    /// Who may do what to a version waiting for the Department: only the administrator; the
    /// agency's approver can no longer approve or return it, the editor cannot resubmit it.
    @Test func onlyTheDepartmentDecidesAnApprovedVersion() {
        func kind(_ step: WorkflowStep, _ status: VersionStatus, _ actor: Actor, comment: String? = "ý kiến") -> PortalError.Kind? {
            do { _ = try VersionWorkflow.apply(step, to: status, agencyID: 10, submittedBy: 2, actor: actor, comment: comment,
                                               departmentReview: true); return nil } catch { return error.kind }
        }
        #expect(kind(.publish, .approved, approver) == .forbidden)
        #expect(kind(.publish, .approved, editor) == .forbidden)
        #expect(kind(.publish, .approved, otherApprover) == .forbidden)
        #expect(kind(.returnToEditor, .approved, approver) == .forbidden)
        #expect(kind(.approve, .approved, approver) == .conflict)
        #expect(kind(.submit, .approved, editor) == .conflict)
        // The administrator still does not act as an agency: no approving a submission.
        #expect(kind(.approve, .submitted, admin) == .forbidden)
        // Publishing is for approved versions only; returning needs a comment, from the Department too.
        for status in [VersionStatus.draft, .submitted, .returned, .published, .superseded] {
            #expect(kind(.publish, status, admin) == .conflict, "publish from \(status)")
        }
        #expect(kind(.returnToEditor, .approved, admin, comment: "  ") == .invalid)
        #expect(Permissions.allows(admin, .departmentReview) && !Permissions.allows(approver, .departmentReview))
    }
}

@Suite struct DepartmentReviewServiceTests {
    /// With the review switched on, the agency's approval is not a publication: the catalogue's
    /// current version stays, the Department's queue lists it; the Department's publish makes
    /// it current with the Department's date, which the compliance report counts. Each step is
    /// in the audit log, and so is the switch.
    @Test(arguments: Engine.all) func theDepartmentPublishesWhatTheAgencyApproved(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Hiện trạng sử dụng đất", by: f.admin)
        #expect(try p.departmentReviewIsOn() == false)
        #expect(throws: PortalError.self) { try p.setDepartmentReview(true, by: f.approverA) }
        try p.setDepartmentReview(true, by: f.admin)
        #expect(try p.departmentReviewIsOn())

        let n = try f.ingestDraft("land-use")
        try p.submit(dataset: "land-use", number: n, by: f.editorA)
        let approved = try p.approve(dataset: "land-use", number: n, by: f.approverA)
        #expect(approved.status == .approved && approved.publishedAt == nil)
        #expect(try p.openDataList().first?.currentVersion == nil)
        let queue = try p.departmentQueue(by: f.admin)
        #expect(queue.map(\.version.number) == [n] && queue.first?.approvedBy == "leader-tnmt" && queue.first?.agency == "so-tnmt")
        #expect(throws: PortalError.self) { try p.departmentQueue(by: f.approverA) }
        #expect(throws: PortalError.self) { try p.publish(dataset: "land-use", number: n, by: f.approverA) }

        f.clock.advance(days: 3)
        let published = try p.publish(dataset: "land-use", number: n, by: f.admin)
        #expect(published.status == .published)
        #expect(published.publishedAt == PortalCalendar.timestamp(f.clock.now))
        #expect(try p.openDataList().first?.currentVersion == n)
        #expect(try p.departmentQueue(by: f.admin).isEmpty)
        let log = try p.auditLog(by: f.admin)
        #expect(log.map(\.action).suffix(4) == ["department-review", "submit", "approve", "publish"])
        #expect(log.last?.username == "admin" && log.last?.versionNumber == n)
        #expect(log.first { $0.action == "department-review" }?.detail == "on")
    }

    /// The Department returns an approved version with a comment the editor sees; the editor
    /// resubmits, the approver approves, and it waits again. Switched off, an approval publishes.
    @Test(arguments: Engine.all) func theDepartmentReturnsWithACommentTheEditorSees(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: f.admin)
        try p.setDepartmentReview(true, by: f.admin)
        let n = try f.ingestDraft("land-use")
        try p.submit(dataset: "land-use", number: n, by: f.editorA)
        try p.approve(dataset: "land-use", number: n, by: f.approverA)
        #expect(throws: PortalError.self) { try p.returnToEditor(dataset: "land-use", number: n, comment: "x", by: f.approverA) }
        let returned = try p.returnToEditor(dataset: "land-use", number: n, comment: "Thiếu mô tả trường", by: f.admin)
        #expect(returned.status == .returned)
        #expect(try p.version(dataset: "land-use", number: n, by: f.editorA).returnComment == "Thiếu mô tả trường")
        try p.submit(dataset: "land-use", number: n, by: f.editorA)
        #expect(try p.approve(dataset: "land-use", number: n, by: f.approverA).status == .approved)

        try p.setDepartmentReview(false, by: f.admin)
        let n2 = try f.ingestDraft("land-use")
        try p.submit(dataset: "land-use", number: n2, by: f.editorA)
        #expect(try p.approve(dataset: "land-use", number: n2, by: f.approverA).status == .published)
        // The version approved while the review was on still waits for the Department.
        #expect(try p.departmentQueue(by: f.admin).map(\.version.number) == [n])
    }
}
