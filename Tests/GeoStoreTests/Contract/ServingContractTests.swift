import Foundation
import Testing
import TestSupport
import GeoModel
import GeoStore
import GeoStorePostGIS

/// What `bando serve` reads and writes beyond versions and features, on every engine of
/// `backendFactories`: the usage and download counters (what `/api/stats`, `/stats`, the
/// dashboards and the catalogue's download figures show), catalogue metadata and change
/// summaries. The same counts and edits give the same answers whichever engine keeps them.
@Suite struct ServingContractTests {
    let scratch = ScratchDirectory("serving-contract")

    func open(_ backend: Backend) throws -> any GeoStoreBackend {
        try backend.make(scratch.path("contract_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)))
    }

    static func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }
    /// The last half hour of October in UTC (already November in Vietnam), then two November days.
    static let october31 = date("2026-10-31T23:30:00Z"), november2 = date("2026-11-02T05:00:00Z"), november15 = date("2026-11-15T12:00:00Z")
    static let roads = DatasetMetadata(slug: "duong-giao-thong", title: "Đường giao thông")

    /// Two published datasets (the roads without an agency), and counts of both kinds, some
    /// written at once, some batched, some for a dataset the store does not have.
    func counted(_ backend: Backend) throws -> (store: any GeoStoreBackend, agency: String) {
        let store = try open(backend)
        try store.write(ContractData.features, publish: true)
        try store.write(Array(ContractData.features.prefix(2)), metadata: Self.roads, publish: true)
        for _ in 0..<2 { try store.recordDownload(dataset: "ranh-gioi-xa", version: 1, format: "geojson", at: Self.october31) }
        try store.recordDownload(dataset: "ranh-gioi-xa", version: 1, format: "csv", at: Self.november2)
        for _ in 0..<3 { store.downloadCounter.record(dataset: "ranh-gioi-xa", version: 1, format: "geojson", at: Self.november2) }
        store.downloadCounter.record(dataset: "duong-giao-thong", version: 1, format: "kml", at: Self.november15)
        store.downloadCounter.record(dataset: "khong-co", version: 1, format: "csv", at: Self.november15)
        for _ in 0..<4 { store.usageCounter.record(dataset: "ranh-gioi-xa", channel: .tiles, at: Self.october31) }
        store.usageCounter.record(dataset: "ranh-gioi-xa", channel: .ogcItems, at: Self.november2)
        for _ in 0..<2 { store.usageCounter.record(dataset: "duong-giao-thong", channel: .tiles, at: Self.november15) }
        store.usageCounter.record(dataset: "khong-co", channel: .tiles, at: Self.november15)
        return (store, try #require(try store.agencies().first).slug)
    }

    static func query(_ grain: UsageQuery.Grain, by: [UsageQuery.Dimension], from: String? = nil,
                      channel: String? = nil, agency: String? = nil) -> UsageQuery {
        var q = UsageQuery()
        q.grain = grain; q.by = by; q.from = from; q.channel = channel; q.agency = agency
        return q
    }

    @Test(arguments: Backend.all)
    func downloadCountersGiveTheSameFigures(_ backend: Backend) throws {
        let store = try counted(backend).store
        #expect(try store.downloadStats(dataset: "ranh-gioi-xa") == [
            DownloadCount(day: "2026-10-31", version: 1, format: "geojson", count: 2),
            DownloadCount(day: "2026-11-02", version: 1, format: "csv", count: 1),
            DownloadCount(day: "2026-11-02", version: 1, format: "geojson", count: 3),
        ])
        #expect(try store.downloadTotals() == ["ranh-gioi-xa": 6, "duong-giao-thong": 1])
        #expect(try store.downloadTotals(fromDay: "2026-11-01", toDay: "2026-11-30") == ["ranh-gioi-xa": 4, "duong-giao-thong": 1])
        #expect(try store.monthlyDownloads() == ["ranh-gioi-xa": ["2026-10": 2, "2026-11": 4], "duong-giao-thong": ["2026-11": 1]])
        let error = #expect(throws: StoreError.self) { try store.downloadStats(dataset: "khong-co") }
        guard case .datasetNotFound("khong-co")? = error else { Issue.record("not datasetNotFound: \(String(describing: error))"); return }
    }

    @Test(arguments: Backend.all)
    func usageCountersGiveTheSameRowsInTheSameOrder(_ backend: Backend) throws {
        let (store, agency) = try counted(backend)
        func row(_ period: String, _ dataset: String?, _ agency: String?, _ channel: String?, _ uses: Int) -> UsageRow {
            UsageRow(period: period, dataset: dataset, agency: agency, channel: channel, uses: uses)
        }
        // The default: by month, dataset and channel, downloads as `download:<format>`.
        #expect(try store.usage(UsageQuery()) == [
            row("2026-10", "ranh-gioi-xa", nil, "download:geojson", 2), row("2026-10", "ranh-gioi-xa", nil, "tiles", 4),
            row("2026-11", "duong-giao-thong", nil, "download:kml", 1), row("2026-11", "duong-giao-thong", nil, "tiles", 2),
            row("2026-11", "ranh-gioi-xa", nil, "download:csv", 1), row("2026-11", "ranh-gioi-xa", nil, "download:geojson", 3),
            row("2026-11", "ranh-gioi-xa", nil, "ogc-items", 1),
        ])
        // A dataset without an agency comes first, as SQLite orders NULL.
        #expect(try store.usage(Self.query(.all, by: [.agency])) == [row("all", nil, nil, nil, 3), row("all", nil, agency, nil, 11)])
        #expect(try store.usage(Self.query(.year, by: [])) == [row("2026", nil, nil, nil, 14)])
        #expect(try store.usage(Self.query(.day, by: [.dataset], channel: "download")) == [
            row("2026-10-31", "ranh-gioi-xa", nil, nil, 2), row("2026-11-02", "ranh-gioi-xa", nil, nil, 4),
            row("2026-11-15", "duong-giao-thong", nil, nil, 1),
        ])
        #expect(try store.usage(Self.query(.all, by: [.channel], agency: agency)) == [
            row("all", nil, nil, "download:csv", 1), row("all", nil, nil, "download:geojson", 5),
            row("all", nil, nil, "ogc-items", 1), row("all", nil, nil, "tiles", 4),
        ])
        // Nothing counted in the period: no row, not a row of nothing.
        #expect(try store.usage(Self.query(.all, by: [], from: "2027-01-01")) == [])
        #expect(try store.usage(Self.query(.month, by: [.dataset], from: "2027-01-01")) == [])
        #expect(try store.usageTotals() == ["ranh-gioi-xa": 11, "duong-giao-thong": 3])
    }

    @Test(arguments: Backend.all)
    func metadataAndChangeSummariesAreKeptTheSame(_ backend: Backend) throws {
        let store = try open(backend)
        let a1 = try store.write(ContractData.features, publish: true)
        let b1 = try store.write(Array(ContractData.features.prefix(2)), metadata: Self.roads, publish: true)
        let a2 = try store.write(Array(ContractData.features.prefix(6)), publish: true)
        #expect(try store.catalogueDescriptions(of: [a1.datasetID, b1.datasetID]).isEmpty)

        let set = CatalogueMetadataRecord(titleEN: "Commune boundaries", descriptionEN: "", keywords: ["ranh giới", "xã"],
                                          contactName: "Sở TN&MT", contactEmail: "", temporalStart: "2024-01-01",
                                          identityField: "ma", fieldDescriptions: ["ma": "Mã xã", "tên xã": "Tên xã"])
        var seen: [CatalogueMetadataRecord?] = []
        try store.updateCatalogueMetadata(datasetID: a1.datasetID, at: ContractData.now) { old in seen.append(old); return set }
        // Empty texts are kept as unset.
        var kept = set
        kept.descriptionEN = nil; kept.contactEmail = nil
        #expect(try store.catalogueDescriptions(of: [a1.datasetID, b1.datasetID])
                == [a1.datasetID: CatalogueDescriptionRecord(theme: nil, updateFrequency: nil, metadata: kept)])

        let summary = VersionChangeRecord(versionID: a2.id, previousVersionID: a1.id, previousNumber: nil, identity: "field:ma",
                                          added: 0, removed: 4, changed: 1, unchanged: 5)
        try store.saveVersionChange(summary, at: ContractData.now)
        var read = summary
        read.previousNumber = 1
        #expect(try store.versionChanges(of: [a1.id, a2.id]) == [a2.id: read])
        // Saving again replaces.
        read.changed = 2; read.unchanged = 4
        try store.saveVersionChange(read, at: ContractData.now)
        #expect(try store.versionChanges(of: [a2.id]) == [a2.id: read])

        // A change that keeps the identity field keeps the summaries; one that changes it drops them.
        try store.updateCatalogueMetadata(datasetID: a1.datasetID, at: ContractData.now) { old in
            seen.append(old); var m = old!; m.titleEN = "Communes"; return m
        }
        #expect(try store.versionChanges(of: [a2.id]) == [a2.id: read])
        try store.updateCatalogueMetadata(datasetID: a1.datasetID, at: ContractData.now) { old in
            seen.append(old); var m = old!; m.identityField = ""; return m
        }
        #expect(try store.versionChanges(of: [a2.id]).isEmpty)
        var communes = kept
        communes.titleEN = "Communes"
        #expect(seen == [nil, kept, communes])
        communes.identityField = nil
        #expect(try store.catalogueDescriptions(of: [a1.datasetID])[a1.datasetID]?.metadata == communes)
    }

    /// Two stores on one schema stand for two `bando serve` processes behind a load balancer:
    /// counting the same downloads and uses at once, batched and flushed over and over, they
    /// lose none.
    @Test func twoProcessesCountingAtOnceLoseNothing() throws {
        let schema = TestPostgres.newSchema("count")
        let first = try PostGISStore(url: try TestPostgres.url(), schema: schema)
        let second = try PostGISStore(url: try TestPostgres.url(), schema: schema)
        try first.write(ContractData.features, publish: true)
        let rounds = 40, perRound = 5
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let store = i == 0 ? first : second
            for _ in 0..<rounds {
                for _ in 0..<perRound {
                    store.downloadCounter.record(dataset: "ranh-gioi-xa", version: 1, format: "geojson", at: Self.november2)
                    store.usageCounter.record(dataset: "ranh-gioi-xa", channel: .tiles, at: Self.november2)
                }
                try? store.recordDownload(dataset: "ranh-gioi-xa", version: 1, format: "geojson", at: Self.november2)
                try? store.downloadCounter.flush()
                try? store.usageCounter.flush()
            }
        }
        try second.downloadCounter.flush(); try second.usageCounter.flush()
        let downloads = 2 * rounds * (perRound + 1)
        #expect(try first.downloadStats(dataset: "ranh-gioi-xa") == [DownloadCount(day: "2026-11-02", version: 1, format: "geojson", count: downloads)])
        #expect(try first.usage(Self.query(.all, by: [.channel])) == [
            UsageRow(period: "all", dataset: nil, agency: nil, channel: "download:geojson", uses: downloads),
            UsageRow(period: "all", dataset: nil, agency: nil, channel: "tiles", uses: 2 * rounds * perRound),
        ])
    }
}
