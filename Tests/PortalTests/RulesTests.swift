import Foundation
import Testing
import PublicErrors
@testable import Portal

@Suite struct PermissionTests {
    let admin = Actor(userID: 1, username: "admin", role: .administrator, agencyID: nil)
    let editorA = Actor(userID: 2, username: "editor-a", role: .editor, agencyID: 10)
    let approverA = Actor(userID: 3, username: "approver-a", role: .approver, agencyID: 10)
    let approverB = Actor(userID: 4, username: "approver-b", role: .approver, agencyID: 20)

    @Test func administratorRunsTheSystemButNotAgencyData() {
        for a in [PortalAction.manageAgencies, .manageUsers, .manageOpenDataList, .readAuditLog, .readReports] {
            #expect(Permissions.allows(admin, a))
            #expect(!Permissions.allows(editorA, a))
            #expect(!Permissions.allows(approverA, a))
        }
        #expect(!Permissions.allows(admin, .submit(agencyID: 10)))
        #expect(!Permissions.allows(admin, .approve(agencyID: 10, submittedBy: 2)))
        #expect(Permissions.allows(admin, .viewUnpublished(agencyID: 10)))
        #expect(Permissions.allows(admin, .answerFeedback(agencyID: nil)))
        #expect(!Permissions.allows(editorA, .answerFeedback(agencyID: nil)))
    }

    @Test func agencyUsersActOnlyOnTheirOwnAgency() {
        #expect(Permissions.allows(editorA, .uploadDraft(agencyID: 10)))
        #expect(Permissions.allows(editorA, .submit(agencyID: 10)))
        #expect(!Permissions.allows(editorA, .uploadDraft(agencyID: 20)))
        #expect(!Permissions.allows(approverB, .approve(agencyID: 10, submittedBy: 2)))
        #expect(!Permissions.allows(approverB, .returnToEditor(agencyID: 10)))
        #expect(!Permissions.allows(approverB, .viewUnpublished(agencyID: 10)))
        #expect(Permissions.allows(editorA, .answerFeedback(agencyID: 10)))
        #expect(!Permissions.allows(editorA, .answerFeedback(agencyID: 20)))
    }

    @Test func onlyAnotherApproverApproves() {
        #expect(!Permissions.allows(editorA, .approve(agencyID: 10, submittedBy: 2)))
        #expect(!Permissions.allows(editorA, .returnToEditor(agencyID: 10)))
        #expect(Permissions.allows(approverA, .approve(agencyID: 10, submittedBy: 2)))
        // An approver who prepared and submitted a version cannot approve it too.
        do {
            try Permissions.authorize(approverA, .approve(agencyID: 10, submittedBy: 3))
            Issue.record("self-approval allowed")
        } catch {
            #expect(error.kind == .forbidden)
            #expect(error.message.description.contains("cannot also approve"))
        }
    }
}

@Suite struct WorkflowTests {
    let editor = Actor(userID: 2, username: "editor", role: .editor, agencyID: 10)
    let approver = Actor(userID: 3, username: "approver", role: .approver, agencyID: 10)

    @Test func theRegulationsPath() throws {
        var s = VersionStatus.draft
        s = try VersionWorkflow.apply(.submit, to: s, agencyID: 10, submittedBy: nil, actor: editor, comment: nil)
        #expect(s == .submitted)
        s = try VersionWorkflow.apply(.returnToEditor, to: s, agencyID: 10, submittedBy: 2, actor: approver, comment: "fix the road names")
        #expect(s == .returned)
        s = try VersionWorkflow.apply(.submit, to: s, agencyID: 10, submittedBy: nil, actor: editor, comment: nil)
        #expect(s == .submitted)
        s = try VersionWorkflow.apply(.approve, to: s, agencyID: 10, submittedBy: 2, actor: approver, comment: nil)
        #expect(s == .published)
    }

    @Test func impossibleStepsAreConflicts() {
        for (status, step) in [(VersionStatus.draft, WorkflowStep.approve), (.returned, .approve), (.submitted, .submit),
                               (.published, .submit), (.published, .approve), (.superseded, .returnToEditor), (.draft, .returnToEditor)] {
            #expect(throws: PortalError.self, "\(step) from \(status)") {
                try VersionWorkflow.next(from: status, by: step)
            }
        }
    }

    @Test func returningNeedsAComment() {
        for comment in [nil, "", "   \n"] {
            do {
                _ = try VersionWorkflow.apply(.returnToEditor, to: .submitted, agencyID: 10, submittedBy: 2, actor: approver, comment: comment)
                Issue.record("returned without a comment")
            } catch { #expect(error.kind == .invalid) }
        }
    }

    @Test func permissionIsCheckedBeforeState() {
        do {
            _ = try VersionWorkflow.apply(.approve, to: .submitted, agencyID: 10, submittedBy: 2, actor: editor, comment: nil)
            Issue.record("editor approved")
        } catch { #expect(error.kind == .forbidden) }
    }
}

@Suite struct CredentialTests {
    @Test func passwordsAreHashedAndVerified() throws {
        let h = PasswordHasher(cost: 4)
        let hash = try h.hash("correct horse battery")
        #expect(hash.hasPrefix("$2"))
        #expect(!hash.contains("correct horse"))
        #expect(h.verify("correct horse battery", hash: hash))
        #expect(!h.verify("correct horse batterY", hash: hash))
        #expect(!h.verify("anything", hash: "not-a-hash"))
        #expect(throws: PortalError.self) { try h.hash("short") }
    }

    @Test func tokensAreRandomAndStoredAsDigests() {
        let a = SecretToken.generate(prefix: "bando_pat_"), b = SecretToken.generate(prefix: "bando_pat_")
        #expect(a.plaintext != b.plaintext)
        #expect(a.plaintext.hasPrefix("bando_pat_") && a.plaintext.count >= 50)
        #expect(a.digest.count == 64 && a.digest != a.plaintext)
        #expect(SecretToken.digest(of: a.plaintext) == a.digest)
    }
}

@Suite struct ThrottleTests {
    @Test func repeatedFailuresAreSlowedDownAndSuccessClears() throws {
        let t = LoginThrottle(freeFailures: 3, maxDelay: 60)
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<3 { try t.check(["u:editor"], now: t0 + Double(i)); t.recordFailure(["u:editor"], now: t0 + Double(i)) }
        // Three free failures spent: the next attempt right away is refused with a wait.
        t.recordFailure(["u:editor"], now: t0 + 3)
        do { try t.check(["u:editor"], now: t0 + 3); Issue.record("not throttled") } catch {
            #expect(error.kind == .tooManyAttempts)
            #expect((error.retryAfter ?? 0) >= 1)
        }
        #expect(t.delay(for: "u:other", now: t0 + 3) == 0)
        // The wait doubles with each failure and stays under the cap.
        for i in 4..<20 { t.recordFailure(["u:editor"], now: t0 + Double(i)) }
        #expect(t.delay(for: "u:editor", now: t0 + 19) == 60)
        try t.check(["u:editor"], now: t0 + 19 + 61)
        t.recordSuccess(["u:editor"])
        #expect(t.delay(for: "u:editor", now: t0 + 20) == 0)
    }

    @Test func signInFailuresCountPerPairPerClientAndPerAccount() throws {
        let t = SignInThrottle(perPair: LoginThrottle(freeFailures: 2, maxDelay: 60),
                               perClient: LoginThrottle(freeFailures: 4, maxDelay: 60),
                               perAccount: LoginThrottle(freeFailures: 8, maxDelay: 60))
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        for _ in 0..<3 { t.recordFailure(account: "Editor", client: "a", now: t0) }
        #expect(throws: PortalError.self) { try t.check(account: "editor", client: "a", now: t0) }
        try t.check(account: "editor", client: "b", now: t0)    // the pair, not the account
        try t.check(account: "other", client: "a", now: t0)     // nor the client, yet
        for i in 0..<2 { t.recordFailure(account: "x\(i)", client: "a", now: t0) }
        #expect(throws: PortalError.self) { try t.check(account: "other", client: "a", now: t0) }
        for i in 0..<5 { t.recordFailure(account: "editor", client: "c\(i)", now: t0) }
        #expect(throws: PortalError.self) { try t.check(account: "editor", client: "z", now: t0) }
        // A success clears its own pair only.
        t.recordSuccess(account: "editor", client: "a")
        #expect(t.perPair.delay(for: "editor\u{0}a", now: t0) == 0)
        #expect(t.perClient.delay(for: "a", now: t0) > 0)
    }

    @Test func throttlesForgetOldKeysPastTheirSize() throws {
        // A flood of made-up names: the oldest are let go rather than kept for the hour.
        let t = LoginThrottle(freeFailures: 0, maxDelay: 600, memory: 3600, maxKeys: 100)
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        for _ in 0..<10 { t.recordFailure(["real-user"], now: t0) }
        #expect(t.delay(for: "real-user", now: t0 + 151) > 0)   // a 600 s wait, had nothing else come
        for i in 0..<150 { for _ in 0..<10 { t.recordFailure(["made-up-\(i)"], now: t0 + 1 + Double(i)) } }
        #expect(t.delay(for: "made-up-149", now: t0 + 151) > 0)
        #expect(t.delay(for: "real-user", now: t0 + 151) == 0)
    }

    @Test func rateLimiterCountsPerKeyInAWindow() throws {
        let r = RateLimiter(limit: 2, window: 60)
        let t0 = Date(timeIntervalSince1970: 0)
        try r.acquire("10.0.0.1", now: t0)
        try r.acquire("10.0.0.1", now: t0 + 1)
        #expect(throws: PortalError.self) { try r.acquire("10.0.0.1", now: t0 + 2) }
        try r.acquire("10.0.0.2", now: t0 + 2)
        try r.acquire("10.0.0.1", now: t0 + 61)
    }
}
