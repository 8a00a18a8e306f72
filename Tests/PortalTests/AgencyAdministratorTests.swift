import Foundation
import Testing
@testable import Portal

/// Quảng Ngãi art. 4.3: an agency administrator manages the accounts of their own agency's
/// editors and approvers, and nothing else: no other agency's accounts, no administrators, no
/// agencies, no data.
@Suite struct AgencyAdministratorTests {
    func refusal(_ body: () throws -> Void) -> PortalError.Kind? {
        do { try body(); return nil } catch let e as PortalError { return e.kind } catch { return nil }
    }

    @Test(arguments: Engine.all) func managesOnlyTheirAgencysEditorsAndApprovers(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let p = f.portal
        try p.createUser(username: "qt-tnmt", password: "password-qt-tnmt", role: .agencyAdministrator, agency: "so-tnmt", by: f.admin)
        let manager = try p.authenticate(token: p.login(username: "qt-tnmt", password: "password-qt-tnmt", client: "t").token)
        #expect(manager.role == .agencyAdministrator && manager.agencyID == f.editorA.agencyID)

        // Their own agency's editors and approvers: created, listed, disabled, enabled, reset.
        let made = try p.createUser(username: "editor-2-tnmt", password: "password-editor-2", role: .editor, agency: "so-tnmt", by: manager)
        #expect(made.agency == "so-tnmt" && made.role == .editor)
        #expect(Set(try p.users(by: manager).map(\.username)) == ["qt-tnmt", "editor-tnmt", "leader-tnmt", "deputy-tnmt", "editor-2-tnmt"])
        try p.setDisabled(username: "editor-tnmt", true, by: manager)
        #expect(refusal { _ = try p.login(username: "editor-tnmt", password: "password-editor-tnmt", client: "t") } == .unauthenticated)
        try p.setDisabled(username: "editor-tnmt", false, by: manager)
        try p.resetPassword(username: "leader-tnmt", newPassword: "a-new-password-1", by: manager)
        #expect(try p.login(username: "leader-tnmt", password: "a-new-password-1", client: "t").user.username == "leader-tnmt")

        // Nothing of another agency, no administrators or agency administrators, no agencies.
        #expect(refusal { try p.createUser(username: "x-gtvt", password: "password-x-gtvt", role: .editor, agency: "so-gtvt", by: manager) } == .forbidden)
        #expect(refusal { try p.createUser(username: "x-admin", password: "password-x-admin", role: .administrator, agency: nil, by: manager) } == .forbidden)
        #expect(refusal { try p.createUser(username: "x-qt", password: "password-x-qt", role: .agencyAdministrator, agency: "so-tnmt", by: manager) } == .forbidden)
        #expect(refusal { try p.setDisabled(username: "editor-gtvt", true, by: manager) } == .forbidden)
        #expect(refusal { try p.setDisabled(username: "admin", true, by: manager) } == .forbidden)
        #expect(refusal { try p.resetPassword(username: "leader-gtvt", newPassword: "a-new-password-2", by: manager) } == .forbidden)
        #expect(refusal { try p.createAgency(slug: "so-moi", name: "Sở Mới", by: manager) } == .forbidden)
        #expect(!(try p.users(by: manager)).contains { $0.agency == "so-gtvt" || $0.role == .administrator })
        // Nor the agency's data: managing accounts is not editing or approving.
        #expect(!Permissions.allows(manager, .uploadDraft(agencyID: manager.agencyID ?? 0)))
        #expect(!Permissions.allows(manager, .approve(agencyID: manager.agencyID ?? 0, submittedBy: nil)))
        // Editors still manage no accounts.
        #expect(refusal { try p.createUser(username: "x-ed", password: "password-x-ed", role: .editor, agency: "so-tnmt", by: f.editorA) } == .forbidden)
        #expect(refusal { _ = try p.users(by: f.editorA) } == .forbidden)
    }
}
