import Foundation
import Testing
@testable import Portal
import PublicErrors

@Suite struct ServiceWorkflowTests {
    /// The words the staff pages use under /workspace/ cannot name a dataset (it could not be
    /// reached there); the refusal says why and suggests another name.
    @Test(arguments: Engine.all) func aDatasetCannotBeNamedAfterAWorkspacePage(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        for slug in ["harvest", "datasets", "propose"] {
            #expect {
                try f.portal.addToOpenDataList(agency: "so-tnmt", slug: slug, title: "Thử", by: f.admin)
            } throws: { error in
                (error as? PortalError)?.message.key == "portal.slug.reserved"
            }
            #expect(throws: PortalError.self) { try f.portal.propose(agency: "so-tnmt", slug: slug, title: "Thử", by: f.editorA) }
        }
        #expect(try f.portal.addToOpenDataList(agency: "so-tnmt", slug: "harvest-tinh", title: "Thử", by: f.admin).slug == "harvest-tinh")
    }

    @Test(arguments: Engine.all) func editorSubmitsApproverReturnsThenApproves(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Hiện trạng sử dụng đất", theme: "environment", by: f.admin)
        let n = try f.ingestDraft("land-use")
        let checksum = try f.checksum("land-use", n)
        _ = try p.recordDraft(dataset: "land-use", number: n, source: "land-use.zip", by: f.editorA)
        try p.submit(dataset: "land-use", number: n, by: f.editorA)
        let returned = try p.returnToEditor(dataset: "land-use", number: n, comment: "Thiếu cột mã xã", by: f.approverA)
        #expect(returned.status == .returned)
        // The editor sees the comment on the version.
        #expect(try p.version(dataset: "land-use", number: n, by: f.editorA).returnComment == "Thiếu cột mã xã")
        try p.submit(dataset: "land-use", number: n, by: f.editorA)
        let published = try p.approve(dataset: "land-use", number: n, by: f.approverA)
        #expect(published.status == .published && published.publishedAt != nil)
        #expect(try p.openDataList().first?.currentVersion == n)

        // A second version supersedes the first when approved.
        let n2 = try f.ingestDraft("land-use")
        #expect(try f.checksum("land-use", n2) != checksum)
        try p.submit(dataset: "land-use", number: n2, by: f.editorA)
        try p.approve(dataset: "land-use", number: n2, by: f.approverA2)
        let versions = try p.versions(dataset: "land-use", by: f.editorA)
        #expect(versions.map(\.status) == [.published, .superseded])
        #expect(try p.openDataList().first?.currentVersion == n2)

        let log = try p.auditLog(by: f.admin, dataset: "land-use")
        #expect(log.map(\.action) == ["catalogue.add", "upload", "submit", "return", "submit", "approve", "submit", "approve"])
        #expect(log[3].username == "leader-tnmt" && log[3].role == "approver" && log[3].comment == "Thiếu cột mã xã")
        #expect(log[5].checksum == checksum && log[5].versionNumber == n)
        let csv = PortalService.auditCSV(log)
        #expect(csv.split(separator: "\n").count == log.count + 1)
        #expect(csv.contains(",approve,so-tnmt,land-use,1,\(checksum),"))
    }

    @Test(arguments: Engine.all) func nobodyActsOnAnotherAgencysDataOrOutsideTheirRole(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: f.admin)
        let n = try f.ingestDraft("land-use")
        func refused(_ kind: PortalError.Kind, _ body: () throws -> Void) {
            do { try body(); Issue.record("allowed") } catch let e as PortalError { #expect(e.kind == kind, "\(e.message)") } catch { Issue.record("\(error)") }
        }
        refused(.forbidden) { try p.submit(dataset: "land-use", number: n, by: f.editorB) }
        refused(.forbidden) { try p.submit(dataset: "land-use", number: n, by: f.admin) }
        refused(.forbidden) { try p.authorizeUpload(dataset: "land-use", by: f.editorB) }
        try p.authorizeUpload(dataset: "land-use", by: f.editorA)
        refused(.conflict) { try p.approve(dataset: "land-use", number: n, by: f.approverA) } // still a draft
        try p.submit(dataset: "land-use", number: n, by: f.editorA)
        refused(.forbidden) { try p.approve(dataset: "land-use", number: n, by: f.editorA) }
        refused(.forbidden) { try p.approve(dataset: "land-use", number: n, by: f.approverB) }
        refused(.forbidden) { try p.returnToEditor(dataset: "land-use", number: n, comment: "no", by: f.approverB) }
        refused(.forbidden) { _ = try p.versions(dataset: "land-use", by: f.editorB) }
        refused(.forbidden) { try p.createAgency(slug: "x", name: "X", by: f.approverA) }
        refused(.forbidden) { try p.createUser(username: "mallory", password: "0123456789ab", role: .approver, agency: "so-tnmt", by: f.editorA) }
        refused(.forbidden) { _ = try p.auditLog(by: f.approverA) }
        refused(.forbidden) { _ = try p.quarterlyReport(try Quarter(parsing: "2026Q3"), by: f.editorA) }
        refused(.notFound) { try p.submit(dataset: "land-use", number: 99, by: f.editorA) }
        // Nothing was published by any refused attempt.
        #expect(try p.openDataList().first?.currentVersion == nil)
        #expect(try p.versions(dataset: "land-use", by: f.admin).first?.status == .submitted)
    }

    @Test(arguments: Engine.all) func anApproverWhoSubmittedCannotApproveTheirOwnSubmission(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        try f.portal.addToOpenDataList(agency: "so-tnmt", slug: "parks", title: "Parks", by: f.admin)
        let n = try f.ingestDraft("parks")
        try f.portal.submit(dataset: "parks", number: n, by: f.approverA)
        #expect(throws: PortalError.self) { try f.portal.approve(dataset: "parks", number: n, by: f.approverA) }
        try f.portal.approve(dataset: "parks", number: n, by: f.approverA2)
    }

    @Test(arguments: Engine.all) func proposalsEnterTheCatalogueOnlyWhenAccepted(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let p = f.portal
        let good = try p.propose(agency: "so-tnmt", slug: "wells", title: "Giếng khoan", by: f.editorA)
        let bad = try p.propose(agency: "so-tnmt", slug: "rumours", title: "Tin đồn", by: f.editorA)
        #expect(throws: PortalError.self) { try p.propose(agency: "so-gtvt", slug: "roads", title: "Roads", by: f.editorA) }
        #expect(try p.proposals(by: f.editorB).isEmpty)
        #expect(throws: PortalError.self) { try p.decideProposal(id: good.id, accept: true, comment: nil, by: f.approverA) }
        _ = try p.decideProposal(id: good.id, accept: true, comment: nil, by: f.admin)
        _ = try p.decideProposal(id: bad.id, accept: false, comment: "not open data", by: f.admin)
        #expect(try p.openDataList().map(\.slug) == ["wells"])
        #expect(throws: PortalError.self) { try p.decideProposal(id: bad.id, accept: true, comment: nil, by: f.admin) }
    }
}

@Suite struct ServiceAccountTests {
    @Test(arguments: Engine.all) func signInSessionsTokensAndDisabling(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let p = f.portal
        #expect(throws: PortalError.self) { try p.login(username: "editor-tnmt", password: "wrong-password", client: "c1") }
        #expect(throws: PortalError.self) { try p.login(username: "nobody", password: "whatever-it-is", client: "c1") }
        let s = try p.login(username: "EDITOR-tnmt", password: "password-editor-tnmt", client: "c1")
        #expect(try p.authenticate(token: s.token).username == "editor-tnmt")
        let (token, info) = try p.createAPIToken(name: "nightly upload", for: f.editorA)
        #expect(try p.authenticate(token: token).role == .editor)
        #expect(try p.apiTokens(for: f.editorA).first?.lastUsedAt != nil)
        #expect(throws: PortalError.self) { try p.revokeAPIToken(id: info.id, by: f.editorB) }
        try p.revokeAPIToken(id: info.id, by: f.editorA)
        #expect(throws: PortalError.self) { try p.authenticate(token: token) }
        try p.logout(token: s.token)
        #expect(throws: PortalError.self) { try p.authenticate(token: s.token) }

        // Sessions expire.
        let s2 = try p.login(username: "editor-tnmt", password: "password-editor-tnmt", client: "c1")
        f.clock.advance(days: 1)
        #expect(throws: PortalError.self) { try p.authenticate(token: s2.token) }

        // Disabling ends sessions and refuses sign-in; a reset password replaces the old one.
        let s3 = try p.login(username: "editor-gtvt", password: "password-editor-gtvt", client: "c2")
        try p.setDisabled(username: "editor-gtvt", true, by: f.admin)
        #expect(throws: PortalError.self) { try p.authenticate(token: s3.token) }
        #expect(throws: PortalError.self) { try p.login(username: "editor-gtvt", password: "password-editor-gtvt", client: "c2") }
        try p.setDisabled(username: "editor-gtvt", false, by: f.admin)
        try p.resetPassword(username: "editor-gtvt", newPassword: "a brand new secret", by: f.admin)
        #expect(throws: PortalError.self) { try p.login(username: "editor-gtvt", password: "password-editor-gtvt", client: "c3") }
        _ = try p.login(username: "editor-gtvt", password: "a brand new secret", client: "c3")
        // Nothing stores a secret in clear.
        let stored = try f.inspect("SELECT password_hash FROM users UNION ALL SELECT digest FROM auth_tokens").compactMap { $0 }
        #expect(!stored.contains { $0.contains("password-") || $0.contains("bando_") })
    }

    @Test(arguments: Engine.all) func repeatedWrongPasswordsAreSlowedDown(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        for _ in 0..<6 { _ = try? f.portal.login(username: "leader-tnmt", password: "guess-guess", client: "10.1.1.1") }
        do {
            _ = try f.portal.login(username: "leader-tnmt", password: "password-leader-tnmt", client: "10.1.1.1")
            Issue.record("the seventh attempt on one account from one address was not slowed down")
        } catch let e as PortalError { #expect(e.kind == .tooManyAttempts && e.retryAfter != nil) }
        // Once the wait is over, the right password works.
        f.clock.set(f.clock.now.addingTimeInterval(5))
        _ = try f.portal.login(username: "leader-tnmt", password: "password-leader-tnmt", client: "10.1.1.1")
    }

    /// Issue 16: failures were counted per account for every client, so anyone anywhere could
    /// lock a real user out for up to 900 s by failing to sign in as them.
    @Test(arguments: Engine.all) func aStrangerCannotLockARealUserOut(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        for _ in 0..<40 { _ = try? f.portal.login(username: "leader-tnmt", password: "guess-guess", client: "203.0.113.9") }
        #expect(throws: PortalError.self) { try f.portal.login(username: "leader-tnmt", password: "password-leader-tnmt", client: "203.0.113.9") }
        // The real user, from their own office, signs in at once.
        let s = try f.portal.login(username: "leader-tnmt", password: "password-leader-tnmt", client: "10.20.0.7")
        #expect(try f.portal.authenticate(token: s.token).username == "leader-tnmt")
    }

    @Test(arguments: Engine.all) func oneClientGuessingManyAccountsIsSlowedDown(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let throttle = f.portal.loginThrottle.perClient
        for i in 0..<throttle.freeFailures + 1 { _ = try? f.portal.login(username: "user-\(i)", password: "guess-guess", client: "203.0.113.9") }
        do {
            _ = try f.portal.login(username: "editor-gtvt", password: "password-editor-gtvt", client: "203.0.113.9")
            Issue.record("a client spraying guesses over accounts was not slowed down")
        } catch let e as PortalError { #expect(e.kind == .tooManyAttempts) }
        _ = try f.portal.login(username: "editor-gtvt", password: "password-editor-gtvt", client: "10.20.0.7")
    }

    @Test(arguments: Engine.all) func guessingOneAccountFromManyClientsIsSlowedDownOnlyAtAHighCount(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        let limit = f.portal.loginThrottle.perAccount.freeFailures
        #expect(limit >= 100)
        for i in 0..<limit { _ = try? f.portal.login(username: "leader-tnmt", password: "guess-guess", client: "198.51.\(i / 250).\(i % 250)") }
        // Up to the limit, the owner is not affected...
        f.clock.set(f.clock.now.addingTimeInterval(1))
        _ = try f.portal.login(username: "leader-tnmt", password: "password-leader-tnmt", client: "10.20.0.7")
        // ...past it, the account waits, from everywhere.
        _ = try? f.portal.login(username: "leader-tnmt", password: "guess-guess", client: "198.51.200.1")
        #expect(throws: PortalError.self) { try f.portal.login(username: "leader-tnmt", password: "password-leader-tnmt", client: "10.20.0.8") }
    }
}

@Suite struct ServiceFeedbackAndReportTests {
    @Test(arguments: Engine.all) func feedbackIsRoutedAnsweredAndPublishedWithoutTheEmail(_ engine: Engine) throws {
        let f = try ServiceFixture(engine, at: vn(2026, 7, 25, 10))
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: f.admin)
        let r = try p.submitFeedback(.init(datasetSlug: "land-use", category: .quality, message: "Sai ranh giới xã", contactEmail: "dan@example.vn"), client: "1.2.3.4")
        #expect(r.dueDay == "2026-08-04" && r.routedTo == "Sở Tài nguyên và Môi trường")
        let req = try p.submitFeedback(.init(datasetSlug: nil, category: .requestData, message: "Xin dữ liệu trường học", contactEmail: nil), client: "1.2.3.5")
        #expect(req.routedTo.contains("Department") && req.agency == nil && r.agency == "Sở Tài nguyên và Môi trường")
        // The sender's page finds the receipt again by number (and only that).
        #expect(try p.feedbackReceipt(id: r.id) == r && p.feedbackReceipt(id: req.id) == req)
        #expect(try p.feedbackReceipt(id: 999) == nil)
        #expect(try p.feedbackQueue(by: f.editorA).map(\.id) == [r.id])
        #expect(try p.feedbackQueue(by: f.editorB).isEmpty)
        #expect(try p.feedbackQueue(by: f.admin).count == 2)
        #expect(throws: PortalError.self) { try p.answerFeedback(id: r.id, answer: "ok", by: f.editorB) }
        #expect(throws: PortalError.self) { try p.answerFeedback(id: req.id, answer: "ok", by: f.editorA) }
        #expect(try p.publicFeedback(dataset: "land-use").isEmpty)
        f.clock.set(vn(2026, 8, 5, 8))
        #expect(try p.feedbackQueue(by: f.admin, overdueOnly: true).count == 2)
        let answered = try p.answerFeedback(id: r.id, answer: "Đã sửa", by: f.editorA)
        #expect(answered.overdue) // answered a day late
        let pub = try p.publicFeedback(dataset: "land-use")
        #expect(pub.map(\.answer) == ["Đã sửa"])
        #expect(pub.map(\.late) == [true] && pub.map(\.dueDay) == ["2026-08-04"])
        // Everyone sees how feedback is handled: two received, one answered late, one still waiting and overdue.
        #expect(try p.feedbackSummary() == FeedbackSummary(received: 2, answered: 1, answeredLate: 1, waiting: 1, overdue: 1))
        let json = String(decoding: try JSONEncoder().encode(pub), as: UTF8.self)
        #expect(!json.contains("dan@example.vn"))
        #expect(throws: PortalError.self) { try p.submitFeedback(.init(datasetSlug: "nope", category: .quality, message: "x", contactEmail: nil), client: "9") }
    }

    @Test(arguments: Engine.all) func feedbackIsRateLimitedPerAddress(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        for i in 0..<5 { _ = try f.portal.submitFeedback(.init(datasetSlug: nil, category: .requestData, message: "m\(i)", contactEmail: nil), client: "5.5.5.5") }
        do {
            _ = try f.portal.submitFeedback(.init(datasetSlug: nil, category: .requestData, message: "m6", contactEmail: nil), client: "5.5.5.5")
            Issue.record("not limited")
        } catch let e as PortalError { #expect(e.kind == .tooManyAttempts) }
        _ = try f.portal.submitFeedback(.init(datasetSlug: nil, category: .requestData, message: "other", contactEmail: nil), client: "6.6.6.6")
    }

    @Test(arguments: Engine.all) func quarterlyReportFromTheStore(_ engine: Engine) throws {
        let f = try ServiceFixture(engine, at: vn(2026, 6, 20))
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: f.admin)
        try p.addToOpenDataList(agency: "so-tnmt", slug: "wells", title: "Wells", by: f.admin)
        try p.addToOpenDataList(agency: "so-gtvt", slug: "roads", title: "Roads", by: f.admin)
        func publish(_ d: String, at date: Date, features: Int) throws {
            f.clock.set(date)
            let n = try f.ingestDraft(d, features: features)
            try p.submit(dataset: d, number: n, by: d == "roads" ? f.editorB : f.editorA)
            try p.approve(dataset: d, number: n, by: d == "roads" ? f.approverB : f.approverA)
        }
        try publish("land-use", at: vn(2026, 7, 15, 23, 0), features: 120)   // on the deadline day, late evening in Huế
        try publish("roads", at: vn(2026, 7, 16, 8, 0), features: 40)        // a day late
        try publish("roads", at: vn(2026, 8, 1), features: 42)
        f.clock.set(vn(2026, 10, 2))
        let r = try p.quarterlyReport(try Quarter(parsing: "2026Q3"), by: f.admin)
        let tnmt = try #require(r.agencies.first { $0.slug == "so-tnmt" })
        #expect(tnmt.datasets.map(\.status) == [.onTime, .missing])
        #expect(tnmt.totals.featuresPublished == 120)
        let gtvt = try #require(r.agencies.first { $0.slug == "so-gtvt" })
        #expect(gtvt.datasets.first?.status == .late && gtvt.datasets.first?.versionsPublished == 2)
        #expect(gtvt.totals.featuresPublished == 42)
        // On 2 Oct nothing is published for Q4 yet: all three are due by 15 Oct.
        #expect(r.dueSoon.map(\.dataset).sorted() == ["land-use", "roads", "wells"])
        #expect(r.dueSoon.first?.deadline == "2026-10-15")
    }
}
