import Foundation
import Testing
import TestSupport
import GeoModel
import GeoStore

/// The same portal actions on SQLite and on PostGIS give equal records (issue 21): ids, dates
/// (kept to the millisecond), flags, and the orders SQLite gives text in (code points, user
/// names in any case together, NULLs first).
@Suite struct PortalEngineParityTests {
    let scratch = ScratchDirectory("portal-parity")
    let t0 = Date(timeIntervalSince1970: 1_782_000_000)
    /// A time between two milliseconds: both engines keep it as SQLite's text does.
    var tFine: Date { Date(timeIntervalSince1970: 1_782_000_000.2502) }

    /// Every reading of the records a portal makes, as comparable values.
    struct Snapshot: Equatable {
        var agencies: [AgencyRecord] = []
        var accounts: [AccountRecord] = []
        var tokens: [AuthTokenRecord] = []
        var liveToken: AuthTokenRecord?
        var identities: [IdentityRecord] = []
        var audit: [AuditRecord] = []
        var auditActions: [String] = []
        var feedback: [FeedbackRecord] = []
        var catalogue: [ListedDatasetRecord] = []
        var review: [ListedDatasetReviewRecord] = []
        var proposals: [ProposalRecord] = []
        var details: [ListedDatasetDetailRecord] = []
        var feedbackTimes: [FeedbackTimesRecord] = []
        var catalogued: [ListedDatasetDutyRecord] = []
        var published: [PublishedVersionRecord] = []
        var history: [VersionHistoryRecord] = []
        var queue: [ApprovedVersionRecord] = []
        var harvest: [HarvestSourceRecord] = []
        var changes: [String] = []
        var setting: String?
    }

    func actAndRead(_ store: any PortalTestStore) throws -> Snapshot {
        let t = tFine
        let first = try store.writeVersion(DatasetMetadata(slug: "cho"), fields: [FieldDefinition(name: "ten", type: .text)],
                                           publish: true, status: .draft, now: t0) { sink in
            try sink.insert(geometry: .point(Position(107.58, 16.46)), values: [.text("Chợ Đông Ba")])
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "cho.geojson")
        }
        // Slugs whose code-point order is not a dictionary's: "e" before "đ".
        let (e, d, roads) = try store.write { tx in
            let e = try tx.insertAgency(slug: "so-e", name: "Sở E")
            return (e, try tx.insertAgency(slug: "so-đ", name: "Sở Đ"),
                    try tx.insertDataset(slug: "duong", title: "Đường", agencyID: e, description: "", at: t))
        }
        // Written after every other dataset: PostGIS's writeVersion takes a dataset id from the
        // sequence even for a dataset that exists (its upsert), which SQLite's does not.
        let second = try store.writeVersion(DatasetMetadata(slug: "cho"), fields: [FieldDefinition(name: "ten", type: .text)],
                                            publish: false, status: .approved, now: t0) { sink in
            try sink.insert(geometry: .point(Position(107.59, 16.47)), values: [.text("Chợ Bến Ngự")])
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "cho.geojson")
        }
        try store.write { tx in
            try tx.setDatasetAgency(datasetID: first.datasetID, agencyID: d, at: t)
            let admin = try tx.insertAccount(NewAccount(username: "an", displayName: "An", role: "administrator", agencyID: nil,
                                                        passwordHash: "h", at: t))
            let minh = try tx.insertAccount(NewAccount(username: "Minh", displayName: "Minh", role: "editor", agencyID: d,
                                                       passwordHash: nil, at: t))
            _ = try tx.insertAccount(NewAccount(username: "bao", displayName: "", role: "approver", agencyID: e, passwordHash: "h", at: t))
            try tx.setDisabled(accountID: minh, true, at: t)
            let session = try tx.insertToken(NewToken(accountID: admin, kind: .session, digest: "s1", createdAt: t,
                                                      expiresAt: t.addingTimeInterval(3600)))
            let api = try tx.insertToken(NewToken(accountID: admin, kind: .api, digest: "a1", name: "script", createdAt: t))
            try tx.noteTokenUses([api: t.addingTimeInterval(1.0004)])
            try tx.revokeToken(id: session, at: t)
            let identity = try tx.insertIdentity(accountID: minh, issuer: "https://sso", subject: nil, email: "Minh@tinh.gov.vn", at: t)
            try tx.setIdentitySubject(id: identity, subject: "42", at: t)
            try tx.noteSignIn(identityID: identity, at: t)
            try tx.insertListedDataset(datasetID: first.datasetID, theme: "kinh-te", updateFrequency: "on-change", at: t, addedBy: admin)
            try tx.insertListedDataset(datasetID: roads, theme: "giao-thong", updateFrequency: "yearly", at: t, addedBy: nil)
            _ = try tx.markReviewed(datasetID: roads, at: t, by: admin)
            try tx.insertDataChange(datasetID: first.datasetID, day: "2026-06-01", note: "thêm chợ", at: t, by: minh)
            try tx.insertDataChange(datasetID: first.datasetID, day: "2026-06-03", note: "sửa tên", at: t, by: nil)
            let proposal = try tx.insertProposal(NewProposal(agencyID: e, slug: "cau", title: "Cầu", theme: "giao-thong",
                                                             updateFrequency: "yearly", description: "", proposedBy: nil, at: t))
            try tx.decideProposal(id: proposal, status: "declined", comment: "trùng", at: t, decidedBy: admin)
            let answered = try tx.insertFeedback(NewFeedback(datasetID: first.datasetID, agencyID: d, category: "error", message: "sai",
                                                             contactEmail: nil, receivedAt: t, dueDay: "2026-06-10"))
            _ = try tx.insertFeedback(NewFeedback(datasetID: nil, agencyID: nil, category: "request", message: "thêm",
                                                  contactEmail: "a@b.vn", receivedAt: t, dueDay: "2026-06-11"))
            try tx.answerFeedback(id: answered, answer: "đã sửa", at: t, accountID: admin)
            try tx.setPortalSetting("department-review", to: "on", at: t, by: admin)
            try tx.setHarvestSource(datasetID: roads, url: "https://gt.example/duong.geojson", kind: "geojson", intervalSeconds: 60,
                                    setBy: admin)
            try tx.noteHarvestRun(dataset: "duong", HarvestRun(at: t, status: "failed", error: "x", checksum: nil,
                                                               errorKey: "k", errorArguments: "{}"))
            for (action, user) in [("submit", "Minh"), ("approve", "bao"), ("catalogue.add", "an")] {
                try tx.appendAudit(AuditAction(at: t, userID: nil, username: user, role: "editor", action: action, agencyID: d,
                                               datasetSlug: "cho", versionID: second.id, versionNumber: second.number, comment: "ổn"))
            }
        }
        var s = try store.read { tx in
            var s = Snapshot()
            s.agencies = try tx.agencies()
            s.accounts = try tx.accounts(agencySlug: nil)
            s.tokens = try tx.apiTokens(accountID: 1)
            s.liveToken = try tx.liveToken(digest: "a1")?.token
            s.identities = try tx.identities()
            s.audit = try tx.auditSearch(AuditFilter(username: "MINH"), newestFirst: true, limit: 10, offset: 0)
                + (try tx.auditLog(dataset: "cho", versionID: nil, limit: 10))
            s.auditActions = try tx.auditActions()
            s.feedback = try tx.feedback(FeedbackFilter())
            s.catalogue = try tx.listedDatasets(agencySlug: nil)
            s.review = try tx.yearlyReview()
            s.proposals = try tx.proposals(agencyID: nil)
            s.details = try tx.listedDatasetDetails()
            s.feedbackTimes = try tx.datasetFeedbackTimes()
            s.catalogued = try tx.listedDatasetDuties()
            s.queue = try tx.approvedVersions()
            s.harvest = try tx.harvestSources(agencyID: nil)
            s.changes = try tx.dataChanges(datasetID: first.datasetID).map { "\($0.day) \($0.note)" }
                + (try tx.declaredChanges().map { "\($0.datasetID) \($0.day)" })
            s.setting = try tx.portalSetting("department-review")
            return s
        }
        _ = try store.write { tx in try tx.publish(versionID: second.id, at: t) }
        try store.read { tx in
            s.published = try tx.publishedVersions()
            s.history = try tx.versionHistory(datasetID: first.datasetID)
        }
        return s
    }

    @Test func theSameActionsGiveEqualRecordsOnEveryEngine() throws {
        let sqlite = try actAndRead(PortalBackend.sqlite.make(scratch))
        let postgis = try actAndRead(PortalBackend.postgis.make(scratch))
        // Field by field, so a difference names its reading.
        #expect(postgis.agencies == sqlite.agencies)
        #expect(sqlite.agencies.map(\.slug) == ["so-e", "so-đ"])
        #expect(postgis.accounts == sqlite.accounts)
        #expect(sqlite.accounts.map(\.username) == ["an", "bao", "Minh"])
        #expect(postgis.tokens == sqlite.tokens)
        #expect(postgis.liveToken == sqlite.liveToken)
        #expect(postgis.identities == sqlite.identities)
        #expect(postgis.audit == sqlite.audit)
        #expect(postgis.auditActions == sqlite.auditActions)
        #expect(postgis.feedback == sqlite.feedback)
        #expect(postgis.catalogue == sqlite.catalogue)
        #expect(postgis.review == sqlite.review)
        #expect(postgis.proposals == sqlite.proposals)
        #expect(postgis.details == sqlite.details)
        #expect(postgis.feedbackTimes == sqlite.feedbackTimes)
        #expect(postgis.catalogued == sqlite.catalogued)
        #expect(postgis.published == sqlite.published)
        #expect(postgis.history == sqlite.history)
        #expect(postgis.queue == sqlite.queue)
        #expect(postgis.harvest == sqlite.harvest)
        #expect(postgis.changes == sqlite.changes)
        #expect(postgis.setting == sqlite.setting)
    }
}
