import Foundation
import Testing
import GeoModel
import GeoStore
import GeoStorePostGIS
import TestSupport
@testable import Portal

/// The portal's review workflow on a PostGIS store (issue 21): the same rules, the same audit
/// trail, and an approval announced to every process on the database.
@Suite struct PostGISPortalTests {
    @Test func editorSubmitsApproverReturnsThenApprovesOnPostGIS() throws {
        let url = try TestPostgres.url(), schema = TestPostgres.newSchema("portal")
        let store = try PostGISStore(url: url, schema: schema)
        // A second process on the same schema: it hears the approval.
        let other = try PostGISStore(url: url, schema: schema)
        let heard = Locked<[Publication]>([])
        other.publications.subscribe { p in heard.mutate { $0.append(p) } }

        let portal = PortalService(store: store, hasher: PasswordHasher(cost: 4), now: { vn(2026, 7, 3, 9) })
        let cli = PortalService.commandLine
        try portal.createAgency(slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường", by: cli)
        #expect(throws: PortalError.self, "a second agency of the same name is refused in words") {
            try portal.createAgency(slug: "so-tnmt", name: "Sở khác", by: cli)
        }
        func user(_ name: String, _ role: Role, _ agency: String?) throws -> Actor {
            let u = try portal.createUser(username: name, password: "password-\(name)", role: role, agency: agency, by: cli)
            return try portal.authenticate(token: portal.login(username: u.username, password: "password-\(name)", client: "test").token)
        }
        let admin = try user("admin", .administrator, nil)
        let editor = try user("editor-tnmt", .editor, "so-tnmt")
        let approver = try user("leader-tnmt", .approver, "so-tnmt")

        try portal.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Hiện trạng sử dụng đất", theme: "environment", by: admin)
        let draft = try store.writeVersion(DatasetMetadata(slug: "land-use"), fields: [FieldDefinition(name: "ten", type: .text)],
                                           publish: false, status: .draft, now: vn(2026, 7, 3, 9)) { sink in
            try sink.insert(geometry: .point(Position(107.5, 16.4)), values: [.text("Điểm 1")])
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "land-use.geojson")
        }
        _ = try portal.recordDraft(dataset: "land-use", number: draft.number, source: "land-use.zip", by: editor)
        try portal.submit(dataset: "land-use", number: draft.number, by: editor)
        try portal.returnToEditor(dataset: "land-use", number: draft.number, comment: "Thiếu cột mã xã", by: approver)
        #expect(try portal.version(dataset: "land-use", number: draft.number, by: editor).returnComment == "Thiếu cột mã xã")
        try portal.submit(dataset: "land-use", number: draft.number, by: editor)
        let published = try portal.approve(dataset: "land-use", number: draft.number, by: approver)
        #expect(published.status == .published && published.publishedAt != nil)
        #expect(try portal.openDataList().first?.currentVersion == draft.number)
        #expect(try other.currentVersionIDs()["land-use"] == draft.id)

        let log = try portal.auditLog(by: admin, dataset: "land-use")
        #expect(log.map(\.action) == ["catalogue.add", "upload", "submit", "return", "submit", "approve"])
        #expect(log[5].checksum == draft.checksum && log[5].username == "leader-tnmt")
        #expect(try store.verifyAuditChain().isEmpty)

        // The other process hears of it through PostgreSQL (LISTEN/NOTIFY), a moment later.
        let deadline = Date().addingTimeInterval(10)
        while heard.value.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(heard.value == [Publication(dataset: "land-use", versionID: draft.id, number: draft.number)])
    }
}

/// A value shared by threads, behind a lock.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
