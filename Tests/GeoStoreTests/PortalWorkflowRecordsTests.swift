import Foundation
import Testing
import TestSupport
import GeoModel
@testable import GeoStore

/// The portal's record operations whose rules are written in SQL (issue 21): a harvest source's
/// upsert and run counters, the audit search's action families and bounds, the Department's
/// queue order. Every engine must give the same answers.
@Suite struct PortalWorkflowRecordsTests {
    let scratch = ScratchDirectory("portal-workflow-records")
    let t0 = Date(timeIntervalSince1970: 1_782_000_000)

    /// A fresh store of `backend`.
    func open(_ backend: PortalBackend) throws -> any PortalTestStore { try backend.make(scratch) }

    /// A published-nowhere version of `slug` in `status`, its dataset owned by `agency`.
    func version(_ slug: String, agency: Int64, status: VersionStatus = .draft, in store: any PortalTestStore) throws -> DatasetVersionRecord {
        let v = try store.writeVersion(DatasetMetadata(slug: slug), fields: [FieldDefinition(name: "ten", type: .text)],
                                       publish: false, status: status, now: t0) { sink in
            try sink.insert(geometry: .point(Position(105.85, 21.03)), values: [.text("Hồ Gươm")])
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "\(slug).geojson")
        }
        try store.write { tx in try tx.setDatasetAgency(datasetID: v.datasetID, agencyID: agency, at: t0) }
        return v
    }

    @Test(arguments: PortalBackend.all)
    func aHarvestSourceCountsFailuresInARowAndForgetsItsChecksumWhenReplaced(_ backend: PortalBackend) throws {
        let store = try open(backend)
        let agency = try store.write { tx in try tx.insertAgency(slug: "so-gtvt", name: "Sở Giao thông") }
        let roads = try version("duong", agency: agency, in: store)
        func source() throws -> HarvestSourceRecord { try #require(try store.read { tx in try tx.harvestSource(dataset: "duong") }) }
        func run(_ status: String, error: String?, checksum: String?) throws {
            try store.write { tx in
                try tx.noteHarvestRun(dataset: "duong", HarvestRun(at: t0, status: status, error: error, checksum: checksum,
                                                                   errorKey: error == nil ? nil : "portal.harvest.unreadable",
                                                                   errorArguments: error == nil ? nil : "{}"))
            }
        }
        try store.write { tx in
            try tx.setHarvestSource(datasetID: roads.datasetID, url: "https://gt.example/duong.geojson", kind: "geojson",
                                    intervalSeconds: 3600, setBy: nil)
        }
        try run("submitted version 2", error: nil, checksum: "aaa")
        #expect(try source().lastChecksum == "aaa")
        #expect(try source().failures == 0)

        // A failed pull counts, keeps the last good checksum, says why.
        try run("failed", error: "unreadable", checksum: "bbb")
        try run("failed", error: "unreadable", checksum: nil)
        #expect(try source().failures == 2)
        #expect(try source().lastChecksum == "aaa")
        #expect(try source().lastErrorKey == "portal.harvest.unreadable")

        // Replacing the source: one row still, pulled whole next time; its history stays.
        try store.write { tx in
            try tx.setHarvestSource(datasetID: roads.datasetID, url: "https://gt.example/v2/duong.geojson", kind: "ogcapi-features",
                                    intervalSeconds: 7200, setBy: nil)
        }
        let replaced = try source()
        #expect(replaced.url == "https://gt.example/v2/duong.geojson" && replaced.kind == "ogcapi-features")
        #expect(replaced.lastChecksum == nil)
        #expect(replaced.failures == 2 && replaced.lastStatus == "failed")
        #expect(try store.read { tx in try tx.harvestSources(agencyID: nil) }.count == 1)

        // A success ends the run of failures.
        try run("unchanged", error: nil, checksum: "ccc")
        #expect(try source().failures == 0)
        #expect(try source().lastError == nil)
    }

    @Test(arguments: PortalBackend.all)
    func theAuditSearchFindsAnActionsFamilyAndNoLookAlikes(_ backend: PortalBackend) throws {
        let store = try open(backend)
        let actions = ["catalogue", "catalogue.add", "catalogue.review", "catalogueX.add", "user_x.create", "userAx.create", "approve"]
        for (i, action) in actions.enumerated() {
            try store.write { tx in
                try tx.appendAudit(AuditAction(at: t0.addingTimeInterval(Double(i) * 3600), username: i.isMultiple(of: 2) ? "Lan" : "minh",
                                               role: "administrator", action: action))
            }
        }
        func search(_ filter: AuditFilter, newestFirst: Bool = false, limit: Int = 100, offset: Int = 0) throws -> [String] {
            try store.read { tx in try tx.auditSearch(filter, newestFirst: newestFirst, limit: limit, offset: offset).map(\.action) }
        }
        #expect(try search(AuditFilter(action: "catalogue")) == ["catalogue", "catalogue.add", "catalogue.review"])
        // `_` in a family name is that character, not LIKE's any-one-character.
        #expect(try search(AuditFilter(action: "user_x")) == ["user_x.create"])
        #expect(try search(AuditFilter(username: "lan")) == ["catalogue", "catalogue.review", "user_x.create", "approve"])
        // From included, before excluded.
        #expect(try search(AuditFilter(from: t0.addingTimeInterval(3600), before: t0.addingTimeInterval(3 * 3600)))
                == ["catalogue.add", "catalogue.review"])
        #expect(try store.read { tx in try tx.auditCount(AuditFilter(action: "catalogue")) } == 3)
        #expect(try search(AuditFilter(), newestFirst: true, limit: 2, offset: 1) == ["userAx.create", "user_x.create"])
        #expect(try store.read { tx in try tx.auditActions() }.first == "approve")
    }

    @Test(arguments: PortalBackend.all)
    func theDepartmentsQueueIsTheApprovedVersionsEarliestApprovalFirst(_ backend: PortalBackend) throws {
        let store = try open(backend)
        let agency = try store.write { tx in try tx.insertAgency(slug: "so-yt", name: "Sở Y tế") }
        let hospitals = try version("benh-vien", agency: agency, status: .approved, in: store)
        let clinics = try version("tram-y-te", agency: agency, status: .approved, in: store)
        _ = try version("nha-thuoc", agency: agency, status: .submitted, in: store)
        func note(_ action: String, _ v: DatasetVersionRecord, by user: String, hoursLater: Double) throws {
            try store.write { tx in
                try tx.appendAudit(AuditAction(at: t0.addingTimeInterval(hoursLater * 3600), username: user, role: "approver",
                                               action: action, versionID: v.id, versionNumber: v.number))
            }
        }
        try note("submit", hospitals, by: "bien-tap", hoursLater: 0)
        try note("approve", hospitals, by: "lanh-dao-1", hoursLater: 5)
        try note("submit", clinics, by: "bien-tap-2", hoursLater: 1)
        try note("approve", clinics, by: "lanh-dao-2", hoursLater: 2)
        let queue = try store.read { tx in try tx.approvedVersions() }
        #expect(queue.map(\.datasetSlug) == ["tram-y-te", "benh-vien"])
        #expect(queue.first?.approvedBy == "lanh-dao-2" && queue.first?.submittedBy == "bien-tap-2")
        #expect(queue.first?.agencyName == "Sở Y tế")
        #expect(try store.read { tx in try tx.lastAuditUserID(versionID: clinics.id, action: "submit") } == nil)
    }
}
