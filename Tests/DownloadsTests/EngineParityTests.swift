import Foundation
import Testing
import TestSupport
import GeoStore
import GeoStorePostGIS
import GeoModel
import Ingest
@testable import Downloads

/// Downloads read through the store's interface (issue 21): the same version kept by SQLite and
/// by PostGIS gives the same files, byte for byte, through the exporter and the cache.
@Suite struct DownloadsEngineParityTests {
    let scratch = ScratchDirectory("downloads-engines")
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    /// The Huế communes as an ingest reads them (Vietnamese names, integers, reals), written at
    /// the same moment into a new SpatiaLite store and a new PostGIS schema.
    func stores() throws -> (sqlite: Store, postgis: PostGISStore) {
        let source = try Store(path: scratch.path("source.sqlite"))
        let meta = DatasetMetadata(slug: "xa-hue", title: "Xã, phường Huế", agencyName: "Sở Tài nguyên và Môi trường",
                                   licence: "CC-BY-4.0", attribution: "censusVN2009 (Marc Choisy, MIT)")
        let (ingested, _) = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path, metadata: meta), into: source)
        var features: [Feature] = []
        try source.forEachFeature(of: ingested) { features.append($0) }
        let sqlite = try Store(path: scratch.path("s.sqlite"))
        let postgis = try PostGISStore(url: try TestPostgres.url(), schema: TestPostgres.newSchema("downloads"))
        for store in [sqlite as any VersionWriting, postgis] {
            try store.writeVersion(meta, fields: ingested.fields, publish: true, status: .draft, now: Self.now) { sink in
                for f in features { try sink.insert(geometry: f.geometry, values: f.values) }
                return VersionProvenance(crs: ingested.crs, encoding: ingested.encoding, sourceName: ingested.sourceName)
            }
        }
        return (sqlite, postgis)
    }

    @Test func theSameVersionGivesTheSameGeoJSONAndCSVFromSQLiteAndPostGIS() async throws {
        let (sqlite, postgis) = try stores()
        let a = try #require(try sqlite.published(slug: "xa-hue")), b = try #require(try postgis.published(slug: "xa-hue"))
        #expect(a.version.featureCount == 152 && b.version.checksum == a.version.checksum)
        for format in [DownloadFormat.geojson, .csv] {
            let fromSQLite = scratch.path("sqlite.\(format.fileExtension)"), fromPostGIS = scratch.path("postgis.\(format.fileExtension)")
            let ra = try Exporter(store: sqlite).write(a, as: format, to: fromSQLite)
            let rb = try Exporter(store: postgis).write(b, as: format, to: fromPostGIS)
            #expect(ra.featureCount == 152 && rb.featureCount == 152)
            #expect(try Data(contentsOf: URL(fileURLWithPath: fromPostGIS)) == Data(contentsOf: URL(fileURLWithPath: fromSQLite)),
                    "the \(format) export differs between the engines")
            #expect(rb.sha256 == ra.sha256)
        }
        #expect(try Exporter(store: postgis).csvTypes(b.version) == Exporter(store: sqlite).csvTypes(a.version))

        // The cache finds the version and produces the same file from PostGIS.
        let cache = DownloadCache(store: postgis, folder: scratch.url.appendingPathComponent("cache"))
        let subject = try cache.subject(dataset: "xa-hue", version: nil)
        #expect(subject.version.id == b.version.id)
        let file = try await cache.file(subject, format: .geojson)
        #expect(file.sha256 == (try Exporter(store: sqlite).write(a, as: .geojson, to: scratch.path("again.geojson"))).sha256)
        #expect(throws: DownloadsError.self) { try cache.subject(dataset: "xa-hue", version: 2) }
    }
}
