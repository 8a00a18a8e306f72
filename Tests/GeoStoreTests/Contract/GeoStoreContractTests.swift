import Foundation
import Testing
import TestSupport
import GeoModel
import GeoStore

/// What every store backend promises, checked through the protocols only (`GeoStoreBackend`),
/// on each engine of `backendFactories`: the same inputs give the same versions, checksums,
/// features and publications whichever engine keeps them.
@Suite struct GeoStoreContractTests {
    let scratch = ScratchDirectory("geostore-contract")

    /// A fresh store of `backend`, named uniquely (see `backendFactories`).
    func open(_ backend: Backend) throws -> any GeoStoreBackend {
        try backend.make(scratch.path("contract_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)))
    }

    static var expectedBBox: BoundingBox {
        var box = BoundingBox.empty
        for f in ContractData.features { if let b = f.geometry?.boundingBox { box.extend(b) } }
        return box
    }

    static var expectedChecksum: String {
        var hasher = FeatureChecksum()
        for f in ContractData.features { hasher.add(id: f.id, values: f.values, wkb: f.geometry.map { WKB.encode($0) }) }
        return hasher.finalize()
    }

    // MARK: Writing a version

    @Test(arguments: Backend.all)
    func aVersionKeepsWhatItWasGiven(_ backend: Backend) throws {
        let store = try open(backend)
        let v = try store.write(ContractData.features, publish: false)
        #expect(v.number == 1)
        #expect(v.status == .draft)
        #expect(v.featureCount == ContractData.features.count)
        #expect(v.bbox == Self.expectedBBox)
        #expect(v.fields == ContractData.fields)
        #expect(v.geometryTypes == ContractData.geometryTypes)
        #expect(v.checksum == Self.expectedChecksum)
        #expect(v.checksum == ContractData.checksum, "the checksum's definition changed: stored versions would no longer verify")
        #expect(v.crs == "EPSG:4326" && v.encoding == "UTF-8" && v.sourceName == "ranh-gioi-xa.geojson")
        #expect(v.createdAt == ContractData.now)
        #expect(v.publishedAt == nil)
        // What the store returns is what it reads back.
        #expect(try store.version(id: v.id) == v)

        let d = try #require(try store.dataset(slug: "ranh-gioi-xa"))
        #expect(d.id == v.datasetID)
        #expect(d.title == "Ranh giới xã" && d.description == "Ranh giới hành chính cấp xã")
        #expect(d.licence == "CC-BY-4.0" && d.attribution == "Sở TN&MT Huế")
        #expect(d.currentVersionID == nil)
        let agency = try #require(try store.agencies().first)
        #expect(try store.agencies().count == 1)
        #expect(agency.name == "Sở Tài nguyên và Môi trường" && d.agencyID == agency.id)
        #expect(try store.datasetSlugs() == ["ranh-gioi-xa"])
    }

    @Test(arguments: Backend.all)
    func versionsAreNumberedPerDatasetOldestFirst(_ backend: Backend) throws {
        let store = try open(backend)
        let a1 = try store.write(ContractData.features, publish: false)
        let a2 = try store.write(Array(ContractData.features.prefix(3)), publish: false, status: .submitted)
        let other = DatasetMetadata(slug: "duong-giao-thong", title: "Đường giao thông")
        let b1 = try store.write(Array(ContractData.features.prefix(2)), metadata: other, publish: false)
        let a3 = try store.write([], publish: false)
        #expect([a1.number, a2.number, a3.number, b1.number] as [Int] == [1, 2, 3, 1])
        #expect(a2.status == .submitted && a2.featureCount == 3)
        #expect(a1.datasetID == a2.datasetID && a1.datasetID != b1.datasetID)
        #expect(try store.versions(datasetID: a1.datasetID).map(\.id) == [a1.id, a2.id, a3.id])
        #expect(try store.versions(datasetID: b1.datasetID).map(\.id) == [b1.id])
        #expect(try store.datasetSlugs() == ["duong-giao-thong", "ranh-gioi-xa"])
        // A version with no features has no box, no types, and the checksum of nothing.
        #expect(a3.featureCount == 0 && a3.bbox == nil && a3.geometryTypes.isEmpty)
        #expect(a3.checksum == FeatureChecksum().finalize())
        // The same features give the same checksum in any dataset.
        #expect(b1.checksum == (try store.write(Array(ContractData.features.prefix(2)), publish: false)).checksum)
    }

    @Test(arguments: Backend.all)
    func aNameThatIsNotASlugIsRefused(_ backend: Backend) throws {
        let store = try open(backend)
        for slug in ["", "Ranh-Gioi", "ranh gioi", "-ranh", "ranh/../gioi", "xã", String(repeating: "a", count: 65)] {
            #expect(throws: (any Error).self, "\(slug)") {
                try store.write(ContractData.features, metadata: DatasetMetadata(slug: slug), publish: true)
            }
        }
        #expect(try store.datasetSlugs().isEmpty)
    }

    @Test(arguments: Backend.all)
    func aFailureInsideTheBodyLeavesNoVersionAndNoDatasetChange(_ backend: Backend) throws {
        let store = try open(backend)
        let log = PublicationLog(store.publications)
        let first = try store.write(ContractData.features, publish: true)
        let datasetBefore = try store.dataset(slug: "ranh-gioi-xa")
        let publishedBefore = try store.published(slug: "ranh-gioi-xa")
        struct Broken: Error {}
        var changed = ContractData.metadata
        changed.title = "Tên mới"; changed.agencyName = "Sở Xây dựng"; changed.licence = "ODbL-1.0"
        for publish in [true, false] {
            #expect(throws: Broken.self) {
                try store.writeVersion(changed, fields: ContractData.fields, publish: publish, status: .submitted, now: Date()) { sink in
                    for _ in 0..<3 { for f in ContractData.features { try sink.insert(geometry: f.geometry, values: f.values) } }
                    throw Broken()
                }
            }
        }
        // A dataset that did not exist is not created by a failed first version either.
        #expect(throws: Broken.self) {
            try store.writeVersion(DatasetMetadata(slug: "chua-co"), fields: ContractData.fields, publish: true, status: .draft, now: Date()) { sink in
                try sink.insert(geometry: .point(Position(107, 16)), values: ContractData.features[0].values)
                throw Broken()
            }
        }
        #expect(try store.versions(datasetID: first.datasetID).map(\.id) == [first.id])
        #expect(try store.dataset(slug: "ranh-gioi-xa") == datasetBefore)
        #expect(try store.published(slug: "ranh-gioi-xa") == publishedBefore)
        #expect(try store.dataset(slug: "chua-co") == nil)
        #expect(try store.datasetSlugs() == ["ranh-gioi-xa"])
        #expect(try store.agencies().map(\.name) == ["Sở Tài nguyên và Môi trường"])
        #expect(try store.currentVersionIDs() == ["ranh-gioi-xa": first.id])
        #expect(log.all.count == 1, "a failed version was announced")
        // The next version takes the next number: the failed ones used none.
        #expect(try store.write(ContractData.features, publish: false).number == 2)
    }

    // MARK: Reading features

    @Test(arguments: Backend.all)
    func featuresComeBackAsWritten(_ backend: Backend) throws {
        let store = try open(backend)
        let v = try store.write(ContractData.features, publish: true)
        let read = try store.featurePage(of: v, bbox: nil, after: 0, limit: 100)
        #expect(read.count == ContractData.features.count)
        for (got, want) in zip(read, ContractData.features) {
            #expect(got.id == want.id)
            #expect(got.values == want.values, "feature \(want.id)")
            #expect(got.geometry == want.geometry, "feature \(want.id)")
        }
        // Text keeps its bytes: decomposed Vietnamese is not composed (Swift's == would not tell).
        if case .text(let s) = read[7].values[2], case .text(let given) = ContractData.features[7].values[2] {
            #expect(Array(s.utf8) == Array(given.utf8))
        } else {
            Issue.record("feature 8's name did not come back as text")
        }
        // Re-hashing what was read back gives the recorded checksum.
        var hasher = FeatureChecksum()
        for f in read { hasher.add(id: f.id, values: f.values, wkb: f.geometry.map { WKB.encode($0) }) }
        #expect(hasher.finalize() == v.checksum)
    }

    @Test(arguments: Backend.all)
    func pagesFollowIDsAfterTheLastOneSeen(_ backend: Backend) throws {
        let store = try open(backend)
        let v = try store.write(ContractData.features, publish: false)
        #expect(try store.featurePage(of: v, bbox: nil, after: 0, limit: 4).map(\.id) == [1, 2, 3, 4])
        #expect(try store.featurePage(of: v, bbox: nil, after: 4, limit: 4).map(\.id) == [5, 6, 7, 8])
        #expect(try store.featurePage(of: v, bbox: nil, after: 8, limit: 4).map(\.id) == [9, 10])
        #expect(try store.featurePage(of: v, bbox: nil, after: 10, limit: 4).isEmpty)
        #expect(try store.featurePage(of: v, bbox: nil, after: 3, limit: 1).map(\.id) == [4])
        var streamed: [Feature] = []
        try store.forEachFeature(of: v, pageSize: 3) { streamed.append($0) }
        #expect(streamed == ContractData.features)
        // Each version reads its own features.
        let small = try store.write(Array(ContractData.features.suffix(2)), publish: false)
        #expect(try store.featurePage(of: small, bbox: nil, after: 0, limit: 100).map(\.values) == ContractData.features.suffix(2).map(\.values))
        #expect(try store.featurePage(of: v, bbox: nil, after: 0, limit: 100).count == 10)
    }

    /// A box read gives exactly the features whose bounding box meets it, in id order, paged
    /// the same way. The boxes stay clear of the features' edges: an index may round outwards.
    @Test(arguments: Backend.all)
    func boxReadsGiveTheFeaturesWhoseBoxMeetsIt(_ backend: Backend) throws {
        let store = try open(backend)
        let v = try store.write(ContractData.features, publish: false)
        let boxes = [
            BoundingBox(minX: 107.0, minY: 16.0, maxX: 108.0, maxY: 17.0),       // everything with a geometry
            BoundingBox(minX: 107.10, minY: 16.30, maxX: 107.27, maxY: 16.455),  // the multipoint and the line
            BoundingBox(minX: 107.425, minY: 16.425, maxX: 107.435, maxY: 16.435), // inside the polygon's hole: its box still meets
            BoundingBox(minX: 107.592, minY: 16.0, maxX: 107.70, maxY: 17.0),    // between features
            BoundingBox(minX: 107.80, minY: 16.44, maxX: 107.95, maxY: 16.445),  // the collection and the last polygon
            BoundingBox(minX: 100.0, minY: 10.0, maxX: 101.0, maxY: 11.0),       // far away
        ]
        for box in boxes {
            let want = ContractData.features.filter { $0.geometry?.boundingBox?.intersects(box) == true }.map(\.id)
            #expect(try store.featurePage(of: v, bbox: box, after: 0, limit: 100).map(\.id) == want, "\(box)")
            var paged: [Int64] = []
            try store.forEachFeature(of: v, bbox: box, pageSize: 2) { paged.append($0.id) }
            #expect(paged == want, "\(box), two at a time")
        }
        #expect(try store.featurePage(of: v, bbox: boxes[0], after: 0, limit: 100).map(\.id) == [1, 2, 3, 4, 5, 6, 8, 9, 10])
        #expect(try store.featurePage(of: v, bbox: boxes[0], after: 6, limit: 2).map(\.id) == [8, 9])
        #expect(try store.featurePage(of: v, bbox: boxes[2], after: 0, limit: 100).map(\.id) == [5])
        #expect(try store.featurePage(of: v, bbox: boxes[3], after: 0, limit: 100).isEmpty)
    }

    // MARK: Publishing

    @Test(arguments: Backend.all)
    func publishingSupersedesThePreviousVersionAndIsAnnouncedOnce(_ backend: Backend) throws {
        let store = try open(backend)
        let log = PublicationLog(store.publications)
        let v1 = try store.write(ContractData.features, publish: false, status: .approved)
        #expect(try store.published(slug: "ranh-gioi-xa") == nil)
        #expect(try store.publishedDatasets().isEmpty)
        #expect(log.all.isEmpty, "writing an unpublished version announced it")

        let p1 = try store.publish(versionID: v1.id)
        #expect(p1 == Publication(dataset: "ranh-gioi-xa", versionID: v1.id, number: 1))
        #expect(log.all == [p1])
        let v2 = try store.write(Array(ContractData.features.prefix(4)), publish: false, status: .approved)
        #expect(try store.published(slug: "ranh-gioi-xa")?.version.id == v1.id, "an unpublished version became current")

        let p2 = try store.publish(versionID: v2.id)
        #expect(p2 == Publication(dataset: "ranh-gioi-xa", versionID: v2.id, number: 2))
        #expect(log.all == [p1, p2])
        #expect(try store.version(id: v1.id)?.status == .superseded)
        let now = try #require(try store.version(id: v2.id))
        #expect(now.status == .published && now.publishedAt != nil)
        #expect(try store.dataset(slug: "ranh-gioi-xa")?.currentVersionID == v2.id)
        let current = try #require(try store.published(slug: "ranh-gioi-xa"))
        #expect(current.version == now && current.version.featureCount == 4)
        #expect(try store.currentVersionIDs() == ["ranh-gioi-xa": v2.id])
        #expect(try store.versions(datasetID: v1.datasetID).map(\.status) == [.superseded, .published])
    }

    @Test(arguments: Backend.all)
    func writingWithPublishTrueAnnouncesOnce(_ backend: Backend) throws {
        let store = try open(backend)
        let log = PublicationLog(store.publications)
        let v1 = try store.write(ContractData.features, publish: true)
        #expect(v1.status == .published && v1.publishedAt != nil)
        #expect(log.all == [Publication(dataset: "ranh-gioi-xa", versionID: v1.id, number: 1)])
        let draft = try store.write(ContractData.features, publish: false)
        #expect(log.all.count == 1)
        let v3 = try store.write(Array(ContractData.features.prefix(1)), publish: true)
        #expect(log.all == [Publication(dataset: "ranh-gioi-xa", versionID: v1.id, number: 1),
                            Publication(dataset: "ranh-gioi-xa", versionID: v3.id, number: 3)])
        #expect(try store.versions(datasetID: v1.datasetID).map(\.status) == [.superseded, .draft, .published])
        #expect(try store.version(id: draft.id)?.status == .draft)
        #expect(try store.published(slug: "ranh-gioi-xa")?.version.id == v3.id)
    }

    @Test(arguments: Backend.all)
    func publishingAVersionThatDoesNotExistChangesNothing(_ backend: Backend) throws {
        let store = try open(backend)
        let log = PublicationLog(store.publications)
        let v1 = try store.write(ContractData.features, publish: true)
        #expect(throws: (any Error).self) { try store.publish(versionID: v1.id + 1000) }
        #expect(log.all.count == 1)
        #expect(try store.currentVersionIDs() == ["ranh-gioi-xa": v1.id])
    }

    @Test(arguments: Backend.all)
    func currentVersionsNameOnlyPublishedDatasets(_ backend: Backend) throws {
        let store = try open(backend)
        #expect(try store.currentVersionIDs().isEmpty)
        let roads = DatasetMetadata(slug: "duong-giao-thong", title: "Đường giao thông")
        let schools = DatasetMetadata(slug: "truong-hoc", title: "Trường học", agencyName: "Sở Giáo dục và Đào tạo")
        let r1 = try store.write(ContractData.features, metadata: roads, publish: true)
        _ = try store.write(ContractData.features, metadata: schools, publish: false)
        _ = try store.write(ContractData.features, publish: false, status: .submitted)
        #expect(try store.currentVersionIDs() == ["duong-giao-thong": r1.id])
        #expect(try store.publishedDatasets().map(\.dataset.slug) == ["duong-giao-thong"])

        let s2 = try store.write(ContractData.features, metadata: schools, publish: false)
        try store.publish(versionID: s2.id)
        #expect(try store.currentVersionIDs() == ["duong-giao-thong": r1.id, "truong-hoc": s2.id])
        let published = try store.publishedDatasets()
        #expect(published.map(\.dataset.slug) == ["duong-giao-thong", "truong-hoc"])
        #expect(published.map(\.version.id) == [r1.id, s2.id])
        #expect(published.map { $0.agency?.name } == [nil, "Sở Giáo dục và Đào tạo"])
        #expect(try store.datasetSlugs() == ["duong-giao-thong", "ranh-gioi-xa", "truong-hoc"])
    }

    @Test(arguments: Backend.all)
    func publishedBySlugBeforeAndAfterPublication(_ backend: Backend) throws {
        let store = try open(backend)
        #expect(try store.published(slug: "ranh-gioi-xa") == nil)
        let v = try store.write(ContractData.features, publish: false)
        #expect(try store.published(slug: "ranh-gioi-xa") == nil)
        try store.publish(versionID: v.id)
        let p = try #require(try store.published(slug: "ranh-gioi-xa"))
        #expect(p.dataset.slug == "ranh-gioi-xa" && p.dataset.title == "Ranh giới xã")
        #expect(p.dataset.currentVersionID == v.id)
        #expect(p.version.id == v.id && p.version.status == .published)
        #expect(p.version.checksum == v.checksum && p.version.bbox == v.bbox && p.version.fields == v.fields)
        #expect(p.agency?.name == "Sở Tài nguyên và Môi trường")
        #expect(try store.published(slug: "ranh-gioi") == nil)
        #expect(try store.published(slug: "ranh-gioi-xa-2") == nil)
    }
}
