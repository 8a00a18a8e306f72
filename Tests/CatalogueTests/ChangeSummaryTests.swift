import Foundation
import Testing
import TestSupport
import GRDB
import GeoStore
import Ingest
import Catalogue

/// Two real ingests of the Huế communes, the second with 3 communes dropped, 2 added and the
/// population of 4 corrected: the catalogue says so for the second version.
@Suite struct ChangeSummaryTests {
    func ingestTwice(strip: [String]) throws -> (Store, ScratchDirectory) {
        let scratch = ScratchDirectory("changes")
        let store = try Store(path: scratch.path("s.sqlite"))
        let (v1, v2) = try Communes.twoVersions(in: scratch, strip: strip)
        for path in [v1, v2] {
            _ = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "xa-hue", title: "Xã, phường Huế")), into: store)
        }
        return (store, scratch)
    }

    @Test func matchedByCommuneCode() throws {
        let (store, _scratch) = try ingestTwice(strip: [])
        _ = _scratch
        let d = try CatalogueReader(store: store).dataset("xa-hue")
        #expect(d.versions.map(\.number) == [1, 2])
        #expect(d.versions[0].changes == ChangeSummary(previousVersion: nil, identity: "content", added: 150, removed: 0, changed: 0, unchanged: 0))
        // province_id and district_id repeat, so the first key-like field with unique values is commune_id.
        #expect(d.current.changes == ChangeSummary(previousVersion: 1, identity: "field:commune_id", added: 2, removed: 3, changed: 4, unchanged: 143))
        #expect(d.current.featureCount == 149)
        // Computed once, then kept in the store.
        let stored = try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM version_changes") }
        #expect(stored == 2)
    }

    @Test func matchedByContentWithoutKeys() throws {
        let (store, _scratch) = try ingestTwice(strip: ["province_id", "district_id", "commune_id"])
        _ = _scratch
        let d = try CatalogueReader(store: store).dataset("xa-hue")
        // Same geometry, other population: changed; the rest added or removed.
        #expect(d.current.changes == ChangeSummary(previousVersion: 1, identity: "content", added: 2, removed: 3, changed: 4, unchanged: 143))
    }

    @Test func chosenIdentityFieldIsUsedAndSummariesRecomputed() throws {
        let (store, _scratch) = try ingestTwice(strip: [])
        _ = _scratch
        let reader = CatalogueReader(store: store)
        #expect(try reader.dataset("xa-hue").current.changes?.identity == "field:commune_id")
        // `commune` (the unaccented name) repeats, e.g. two "Phu Thuan": a chosen field that is not
        // unique falls back to content, never to a wrong match; the stored summary is recomputed.
        try reader.updateMetadata("xa-hue", MetadataPatch(identityField: "commune"))
        let c = try #require(try reader.dataset("xa-hue").current.changes)
        #expect(c == ChangeSummary(previousVersion: 1, identity: "content", added: 2, removed: 3, changed: 4, unchanged: 143))
        #expect(throws: CatalogueError.self) { try reader.updateMetadata("xa-hue", MetadataPatch(identityField: "khong-co")) }
        #expect(throws: CatalogueError.self) { try reader.updateMetadata("xa-hue", MetadataPatch(temporalStart: "01/04/2009")) }
        #expect(throws: CatalogueError.self) { try reader.updateMetadata("khong-co", MetadataPatch(keywords: ["x"])) }
    }
}
