import Foundation
import Testing
import TestSupport
import GeoModel
@testable import GeoStore

/// The portal's records (`PortalStore`) on every engine: what the portal's rules rely on the store
/// for — a name in use is told apart from any other failure, an action and its audit entry
/// commit together or not at all, the chain holds, and a revocation ends the right tokens.
@Suite struct PortalRecordsTests {
    let scratch = ScratchDirectory("portal-records")
    let t0 = Date(timeIntervalSince1970: 1_782_000_000)

    /// A fresh store of `backend`.
    func open(_ backend: PortalBackend) throws -> any PortalTestStore { try backend.make(scratch) }

    func entry(_ action: String, detail: String? = nil) -> AuditAction {
        AuditAction(at: t0, username: "command-line", role: "administrator", action: action, detail: detail)
    }

    @Test(arguments: PortalBackend.all)
    func aNameInUseIsItsOwnErrorNamingWhatClashed(_ backend: PortalBackend) throws {
        let store = try open(backend)
        let agency = try store.write { tx in try tx.insertAgency(slug: "so-xd", name: "Sở Xây dựng") }
        #expect(throws: PortalNameTaken(kind: .agency, name: "so-xd")) {
            try store.write { tx in try tx.insertAgency(slug: "so-xd", name: "Sở khác") }
        }
        _ = try store.write { tx in
            try tx.insertAccount(NewAccount(username: "bien-tap", displayName: "", role: "editor", agencyID: agency,
                                            passwordHash: "h", at: t0))
        }
        // User names differ by case only: the same account name.
        #expect(throws: PortalNameTaken(kind: .account, name: "Bien-Tap")) {
            try store.write { tx in
                try tx.insertAccount(NewAccount(username: "Bien-Tap", displayName: "", role: "editor", agencyID: agency,
                                                passwordHash: "h", at: t0))
            }
        }
        let account = try #require(try store.read { tx in try tx.account(username: "bien-tap") })
        _ = try store.write { tx in try tx.insertIdentity(accountID: account.id, issuer: "https://sso", subject: "42", email: nil, at: t0) }
        _ = try store.write { tx in try tx.insertIdentity(accountID: account.id, issuer: "https://sso", subject: nil, email: "a@tinh.gov.vn", at: t0) }
        #expect(throws: PortalNameTaken.self) {
            try store.write { tx in try tx.insertIdentity(accountID: account.id, issuer: "https://sso", subject: "42", email: nil, at: t0) }
        }
        #expect(throws: PortalNameTaken.self, "a waiting e-mail is matched without regard to case") {
            try store.write { tx in try tx.insertIdentity(accountID: account.id, issuer: "https://sso", subject: nil, email: "A@tinh.gov.vn", at: t0) }
        }
        // Nothing the clashes tried was kept.
        #expect(try store.read { tx in try tx.agencies().map(\.name) } == ["Sở Xây dựng"])
        #expect(try store.read { tx in try tx.accounts(agencySlug: nil).map(\.username) } == ["bien-tap"])
        #expect(try store.read { tx in try tx.identities().count } == 2)
    }

    @Test(arguments: PortalBackend.all)
    func anActionThatFailsLeavesNeitherItselfNorItsAuditEntry(_ backend: PortalBackend) throws {
        let store = try open(backend)
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try store.write { tx in
                _ = try tx.insertAgency(slug: "so-tc", name: "Sở Tài chính")
                try tx.appendAudit(entry("agency.create", detail: "Sở Tài chính"))
                throw Refused()
            }
        }
        #expect(try store.read { tx in try tx.agency(slug: "so-tc") } == nil)
        #expect(try store.read { tx in try tx.auditLog(dataset: nil, versionID: nil, limit: 100) }.isEmpty)
        // The next entry starts the chain as if the failed one had never been written.
        try store.write { tx in try tx.appendAudit(entry("agency.create", detail: "Sở Y tế")) }
        #expect(try store.verifyAuditChain().isEmpty)
        #expect(try store.auditChainHead()?.id == 1)
    }

    @Test(arguments: PortalBackend.all)
    func anApprovalPublishesWithItsAuditEntryOrNotAtAll(_ backend: PortalBackend) throws {
        let store = try open(backend)
        func draft(publish: Bool) throws -> DatasetVersionRecord {
            try store.writeVersion(DatasetMetadata(slug: "cho"), fields: [FieldDefinition(name: "ten", type: .text)],
                                   publish: publish, status: .submitted, now: t0) { sink in
                try sink.insert(geometry: .point(Position(107.58, 16.46)), values: [.text("Chợ Đông Ba")])
                return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "cho.geojson")
            }
        }
        let first = try draft(publish: true), second = try draft(publish: false)
        func approve(failing: Bool) throws -> Publication {
            try store.write { tx in
                let publication = try tx.publish(versionID: second.id, at: t0)
                try tx.appendAudit(AuditAction(at: t0, username: "lanh-dao", role: "approver", action: "approve",
                                               datasetSlug: "cho", versionID: second.id, versionNumber: second.number))
                if failing { throw CancellationError() }
                return publication
            }
        }
        #expect(throws: CancellationError.self) { try approve(failing: true) }
        #expect(try store.currentVersionIDs()["cho"] == first.id)
        #expect(try store.version(id: second.id)?.status == .submitted)
        #expect(try store.read { tx in try tx.auditLog(dataset: nil, versionID: second.id, limit: 10) }.isEmpty)

        #expect(try approve(failing: false) == Publication(dataset: "cho", versionID: second.id, number: 2))
        #expect(try store.currentVersionIDs()["cho"] == second.id)
        #expect(try store.version(id: first.id)?.status == .superseded)
        #expect(try store.read { tx in try tx.auditLog(dataset: "cho", versionID: second.id, limit: 10) }.map(\.action) == ["approve"])
    }

    @Test(arguments: PortalBackend.all)
    func entriesAppendedInManyTransactionsFormOneValidChain(_ backend: PortalBackend) throws {
        let store = try open(backend)
        for i in 1...5 {
            try store.write { tx in
                try tx.appendAudit(entry("user.create", detail: "tài khoản \(i)"))
                if i.isMultiple(of: 2) { try tx.appendAudit(entry("token.create", detail: "khoá \(i)")) }
            }
        }
        let log = try store.read { tx in try tx.auditLog(dataset: nil, versionID: nil, limit: 100) }
        #expect(log.map(\.detail) == ["tài khoản 1", "tài khoản 2", "khoá 2", "tài khoản 3", "tài khoản 4", "khoá 4", "tài khoản 5"])
        #expect(log.allSatisfy { $0.at == t0 && $0.username == "command-line" })
        #expect(try store.verifyAuditChain().isEmpty)
    }

    @Test(arguments: PortalBackend.all)
    func eachRevocationEndsOnlyTheTokensItNames(_ backend: PortalBackend) throws {
        let store = try open(backend)
        let id = try store.write { tx in
            try tx.insertAccount(NewAccount(username: "quan-tri", displayName: "Quản trị", role: "administrator", agencyID: nil,
                                            passwordHash: "h", at: t0))
        }
        func token(_ digest: String, _ kind: TokenKind, signOn issuer: String? = nil) throws {
            try store.write { tx in
                let token = try tx.insertToken(NewToken(accountID: id, kind: kind, digest: digest, createdAt: t0,
                                                        expiresAt: kind == .session ? t0.addingTimeInterval(3600) : nil))
                if let issuer { try tx.insertSignOnSession(tokenID: token, issuer: issuer, idToken: "id-\(digest)") }
            }
        }
        func live() throws -> Set<String> {
            try store.read { tx in
                Set(try ["password", "sso-a", "sso-b", "script"].filter { try tx.liveToken(digest: $0) != nil })
            }
        }
        try token("password", .session)
        try token("sso-a", .session, signOn: "https://a")
        try token("sso-b", .session, signOn: "https://b")
        try token("script", .api)
        #expect(try store.read { tx in try tx.signOnSession(digest: "sso-a") }?.idToken == "id-sso-a")

        try store.write { tx in try tx.revokeTokens(accountID: id, .passwordSessions, at: t0) }
        #expect(try live() == ["sso-a", "sso-b", "script"])
        try store.write { tx in try tx.revokeTokens(accountID: id, .signOnSessions(issuer: "https://a"), at: t0) }
        #expect(try live() == ["sso-b", "script"])
        try store.write { tx in try tx.revokeTokens(accountID: id, .sessions, at: t0) }
        #expect(try live() == ["script"])
        // A script's use is kept, the latest one winning whatever order they are written in.
        let script = try #require(try store.read { tx in try tx.liveToken(digest: "script") }?.token)
        try store.write { tx in try tx.noteTokenUses([script.id: t0.addingTimeInterval(60)]) }
        try store.write { tx in try tx.noteTokenUses([script.id: t0.addingTimeInterval(30)]) }
        #expect(try store.read { tx in try tx.apiToken(id: script.id) }?.lastUsedAt == t0.addingTimeInterval(60))
        try store.write { tx in try tx.revokeTokens(accountID: id, .all, at: t0) }
        #expect(try live().isEmpty)
        #expect(try store.read { tx in try tx.apiTokens(accountID: id) }.map(\.revoked) == [true])
    }
}
