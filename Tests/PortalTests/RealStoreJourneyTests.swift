import Foundation
import Testing
import TestSupport
import GeoStore
import Ingest
@testable import Portal

/// The publishing journey over the real store and the real ingest (no stand-ins): a draft is
/// not public; returned, resubmitted and approved, it becomes the published current version.
@Suite struct RealStoreJourneyTests {
    @Test func editorDraftBecomesPublishedOnlyWhenApproved() throws {
        let scratch = ScratchDirectory("journey")
        let store = try Store(path: scratch.path("s.sqlite"))
        let portal = PortalService(store: store, hasher: PasswordHasher(cost: 4))
        let cli = PortalService.commandLine
        try portal.createAgency(slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường", by: cli)
        try portal.addToOpenDataList(agency: "so-tnmt", slug: "xa-hue", title: "Xã, phường Huế", by: cli)
        func actor(_ name: String, _ role: Role) throws -> Actor {
            _ = try portal.createUser(username: name, password: "password-\(name)-1", role: role, agency: "so-tnmt", by: cli)
            return try portal.authenticate(token: portal.login(username: name, password: "password-\(name)-1", client: "test").token)
        }
        let editor = try actor("editor", .editor), leader = try actor("leader", .approver)

        try portal.authorizeUpload(dataset: "xa-hue", by: editor)
        let (draft, _) = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path,
                                                        metadata: DatasetMetadata(slug: "xa-hue"), publish: false), into: store)
        _ = try portal.recordDraft(dataset: "xa-hue", number: draft.number, source: "communes.geojson", by: editor)
        #expect(try store.published(slug: "xa-hue") == nil, "a draft must not be public")

        try portal.submit(dataset: "xa-hue", number: draft.number, by: editor)
        #expect(throws: (any Error).self) { try portal.approve(dataset: "xa-hue", number: draft.number, by: editor) }
        try portal.returnToEditor(dataset: "xa-hue", number: draft.number, comment: "Thiếu xã Phú Hội", by: leader)
        #expect(try store.published(slug: "xa-hue") == nil)
        try portal.submit(dataset: "xa-hue", number: draft.number, by: editor)
        try portal.approve(dataset: "xa-hue", number: draft.number, by: leader)

        let published = try #require(try store.published(slug: "xa-hue"))
        #expect(published.version.number == draft.number)
        #expect(published.version.featureCount == 152)
        let actions = try portal.auditLog(by: cli, dataset: "xa-hue").map(\.action)
        // Every step of the journey, in order, once.
        #expect(actions == ["catalogue.add", "upload", "submit", "return", "submit", "approve"], "audit: \(actions)")
    }
}
