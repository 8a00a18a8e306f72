import Foundation
import Testing
import GeoModel
import GeoStore

/// What tiles and downloads read (`FieldSubsetReading`, `DownloadReading`), the same on every
/// engine: the tiles and files made from a version then are the same whichever engine keeps it.
extension GeoStoreContractTests {
    @Test(arguments: Backend.all)
    func aSubsetOfFieldsComesBackInTheOrderAsked(_ backend: Backend) throws {
        let store = try open(backend)
        let v = try store.write(ContractData.features, publish: true)
        let subset = try store.featurePage(of: v, fields: ["tên xã", "ma"], bbox: nil, after: 0, limit: 100)
        #expect(subset.map(\.id) == ContractData.features.map(\.id))
        #expect(subset.map(\.geometry) == ContractData.features.map(\.geometry))
        #expect(subset.map(\.values) == ContractData.features.map { [$0.values[2], $0.values[0]] })
        // Boxes and pages as for whole features.
        let box = BoundingBox(minX: 107.40, minY: 16.40, maxX: 107.60, maxY: 16.50)
        #expect(try store.featurePage(of: v, fields: ["ma"], bbox: box, after: 0, limit: 100).map(\.id)
                == store.featurePage(of: v, bbox: box, after: 0, limit: 100).map(\.id))
        var streamed: [Feature] = []
        try store.forEachFeature(of: v, fields: ["dien_tich"], pageSize: 3) { streamed.append($0) }
        #expect(streamed.map(\.values) == ContractData.features.map { [$0.values[1]] })
        // No field at all: ids and geometries alone (a tileset that draws shapes only).
        #expect(try store.featurePage(of: v, fields: [], bbox: nil, after: 8, limit: 100).map(\.values) == [[], []])
        #expect(throws: UnknownFieldError(field: "khong_co", versionID: v.id)) {
            try store.featurePage(of: v, fields: ["ma", "khong_co"], bbox: nil, after: 0, limit: 100)
        }
    }

    @Test(arguments: Backend.all)
    func downloadsFindTheVersionsThePublicMayHave(_ backend: Backend) throws {
        let store = try open(backend)
        let v1 = try store.write(ContractData.features, publish: true)
        let v2 = try store.write(Array(ContractData.features.prefix(3)), publish: true)
        let v3 = try store.write(Array(ContractData.features.prefix(1)), publish: false, status: .submitted)
        // The draft under review is not public; the superseded version is.
        #expect(try store.publicVersions(dataset: "ranh-gioi-xa").map(\.id) == [v1.id, v2.id])
        #expect(try store.publicVersions(dataset: "ranh-gioi-xa").map(\.status) == [.superseded, .published])
        #expect(try store.publicVersions(dataset: "khong-co").isEmpty)

        let third = try #require(try store.version(dataset: "ranh-gioi-xa", number: 3))
        #expect(third.version == v3)
        #expect(third.dataset.slug == "ranh-gioi-xa" && third.dataset.currentVersionID == v2.id)
        #expect(third.agency?.name == "Sở Tài nguyên và Môi trường")
        #expect(try store.version(dataset: "ranh-gioi-xa", number: 1)?.version == store.version(id: v1.id))
        #expect(try store.version(dataset: "ranh-gioi-xa", number: 4) == nil)
        #expect(try store.version(dataset: "khong-co", number: 1) == nil)
    }

    @Test(arguments: Backend.all)
    func integerFieldsWithin32BitsAreTheSameOnEveryEngine(_ backend: Backend) throws {
        let store = try open(backend)
        // `ma` holds Int64.max and Int64.min: 64-bit; the ids fit in 32 bits.
        let wide = try store.write(ContractData.features, publish: false)
        #expect(try store.integerFieldsWithin32Bits(of: wide) == ["fid"])
        let narrow = try store.write(ContractData.features.filter { $0.id != 3 && $0.id != 4 }, publish: false)
        #expect(try store.integerFieldsWithin32Bits(of: narrow) == ["fid", "ma"])
        let empty = try store.write([], publish: false)
        #expect(try store.integerFieldsWithin32Bits(of: empty) == ["fid", "ma"])
    }

    @Test(arguments: Backend.all)
    func aVersionsChecksumIsRecomputedFromItsFeatures(_ backend: Backend) throws {
        let store = try open(backend)
        let v = try store.write(ContractData.features, publish: true)
        let verified = try store.verifyChecksum(of: v)
        #expect(verified.matches && verified.recomputed == ContractData.checksum && verified.featureCount == 10)
        let checks = try store.verifyVersions(datasets: ["ranh-gioi-xa"])
        #expect(checks.map(\.passed) == [true])
        #expect(throws: StoreError.self) { try store.verifyVersions(datasets: ["khong-co"]) }
    }
}
