import Foundation
import Testing
import TestSupport
import GeoModel
import GeoStore
import GeoStorePostGIS

/// The PostGIS backend keeps the SpatiaLite store's promises: the same inputs written to both
/// give the same versions, checksums, counts, extents and features back, through pages and
/// boxes; a failed write leaves nothing; a publication reaches every process on the database.
/// Each test has its own schema of the database `make test` starts (see `TestPostgres`).
@Suite struct PostGISBackendTests {
    let scratch = ScratchDirectory("postgis")

    /// One field of every type, a name with a quote and Vietnamese letters.
    static let fields = [
        FieldDefinition(name: "ma", type: .integer), FieldDefinition(name: "dien_tich", type: .real),
        FieldDefinition(name: "tên \"xã\"", type: .text), FieldDefinition(name: "con_hieu_luc", type: .boolean),
        FieldDefinition(name: "ngay_ban_hanh", type: .date), FieldDefinition(name: "cap_nhat", type: .dateTime),
    ]

    /// A square ring, closed, anticlockwise.
    static func ring(_ x: Double, _ y: Double, _ size: Double) -> [Position] {
        [Position(x, y), Position(x + size, y), Position(x + size, y + size), Position(x, y + size), Position(x, y)]
    }

    /// Feature i (from 1): mostly points near Huế; every 500th a multipolygon with a hole,
    /// and a few other shapes; nulls in every field now and then; text that COPY must escape.
    static func feature(_ i: Int) -> Feature {
        let x = 107.0 + Double(i % 100) * 0.01, y = 16.0 + Double(i / 100) * 0.005
        let geometry: Geometry? = switch i % 500 {
        case 0: .multiPolygon([[ring(x, y, 0.004), ring(x + 0.001, y + 0.001, 0.001)], [ring(x + 0.005, y, 0.002)]])
        case 1: .lineString([Position(x, y), Position(x + 0.003, y + 0.002), Position(x + 0.006, y)])
        case 2: .polygon([ring(x, y, 0.003)])
        case 3: .multiPoint([Position(x, y), Position(x + 0.001, y + 0.001)])
        case 4: .multiLineString([[Position(x, y), Position(x + 0.002, y)], [Position(x, y + 0.001), Position(x + 0.002, y + 0.001)]])
        case 5: nil
        default: .point(Position(x, y))
        }
        let text = switch i % 4 {
        case 0: "Phường Phú Hội \(i)"
        case 1: "Xã Hương Thọ\tthôn \(i)\nđường \\ kiệt \"3\""
        case 2: ""
        default: "Thửa số \(i) – Đông Ba"
        }
        return Feature(id: Int64(i), geometry: geometry, values: [
            i % 11 == 0 ? .null : .integer(Int64(i) * 1_000_003 - 5_000_000_000),
            i % 7 == 0 ? .null : .real(Double(i) * 1.25 + 1e-9),
            i % 13 == 0 ? .null : .text(text),
            i % 17 == 0 ? .null : .boolean(i % 3 == 0),
            i % 19 == 0 ? .null : .text("2024-\(String(format: "%02d", i % 12 + 1))-15"),
            i % 23 == 0 ? .null : .text("2024-06-01T08:\(String(format: "%02d", i % 60)):00+07:00"),
        ])
    }

    static let count = 5_321   // more than one COPY batch of 5 000
    static let now = Date(timeIntervalSince1970: 1_733_000_000)

    static func write(_ store: any GeoStoreBackend, slug: String = "thua-dat", count: Int = count, publish: Bool) throws -> DatasetVersionRecord {
        try store.writeVersion(DatasetMetadata(slug: slug, title: "Thửa đất", agencyName: "Sở Tài nguyên và Môi trường"),
                               fields: fields, publish: publish, status: .submitted, now: now) { sink in
            for i in 1...count { let f = feature(i); try sink.insert(geometry: f.geometry, values: f.values) }
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "thua-dat.geojson")
        }
    }

    static func allFeatures(_ store: any GeoStoreBackend, _ version: DatasetVersionRecord, bbox: BoundingBox? = nil) throws -> [Feature] {
        var out: [Feature] = []
        try store.forEachFeature(of: version, bbox: bbox, pageSize: 700) { out.append($0) }
        return out
    }

    func postgis(_ schema: String = TestPostgres.newSchema()) throws -> PostGISStore {
        try PostGISStore(url: try TestPostgres.url(), schema: schema)
    }

    @Test func theSameInputsGiveTheSameVersionsAndFeaturesAsSQLite() throws {
        let sqlite = try Store(path: scratch.path("s.sqlite"))
        let pg = try postgis()
        let s1 = try Self.write(sqlite, publish: true), p1 = try Self.write(pg, publish: true)
        let s2 = try Self.write(sqlite, count: 40, publish: false), p2 = try Self.write(pg, count: 40, publish: false)

        for (s, p) in [(s1, p1), (s2, p2)] {
            #expect(p.number == s.number)
            #expect(p.status == s.status)
            #expect(p.checksum == s.checksum)
            #expect(p.featureCount == s.featureCount)
            #expect(p.bbox == s.bbox)
            #expect(p.fields == s.fields)
            #expect(p.geometryTypes == s.geometryTypes)
            #expect(p.createdAt == s.createdAt)
        }
        #expect([p1.number, p2.number] as [Int] == [1, 2])
        #expect(p2.status == .submitted)

        // Every feature, through pages, exactly as SQLite gives it back.
        let fromSQLite = try Self.allFeatures(sqlite, s1), fromPostGIS = try Self.allFeatures(pg, p1)
        #expect(fromPostGIS.count == Self.count)
        let differing = zip(fromSQLite, fromPostGIS).filter { $0 != $1 }.map(\.0.id)
        #expect(differing.isEmpty, "features read differently from PostGIS: \(differing.prefix(5))")
        #expect(fromPostGIS.map(\.id) == fromSQLite.map(\.id))
        // …and as they were written: their checksum is the stored one.
        var sum = FeatureChecksum()
        for f in fromPostGIS { sum.add(id: f.id, values: f.values, wkb: f.geometry.map(WKB.encode)) }
        #expect(sum.finalize() == p1.checksum)

        // A box and a page after an id.
        let box = BoundingBox(minX: 107.2, minY: 16.05, maxX: 107.45, maxY: 16.1)
        let inBox = try Self.allFeatures(pg, p1, bbox: box).map(\.id)
        #expect(!inBox.isEmpty && inBox.count < Self.count)
        #expect(inBox == (try Self.allFeatures(sqlite, s1, bbox: box).map(\.id)))
        #expect(try pg.featurePage(of: p1, bbox: nil, after: 5_000, limit: 3).map(\.id) == [5_001, 5_002, 5_003])

        // The catalogue reads the same.
        let sp = try #require(try sqlite.published(slug: "thua-dat")), pp = try #require(try pg.published(slug: "thua-dat"))
        #expect(pp.version.id == p1.id && pp.version.status == .published)
        #expect(pp.dataset.title == sp.dataset.title && pp.dataset.licence == sp.dataset.licence)
        #expect(pp.agency?.slug == sp.agency?.slug && pp.agency?.name == "Sở Tài nguyên và Môi trường")
        #expect(try pg.versions(datasetID: pp.dataset.id).map(\.number) == (try sqlite.versions(datasetID: sp.dataset.id).map(\.number)))
        #expect(try pg.datasetSlugs() == (try sqlite.datasetSlugs()))
        #expect(try pg.currentVersionIDs() == ["thua-dat": p1.id])
    }

    /// A second published version becomes current, the first superseded, in both engines.
    @Test func publishingSwitchesTheCurrentVersionAsInSQLite() throws {
        let sqlite = try Store(path: scratch.path("s.sqlite"))
        let pg = try postgis()
        var statuses: [[VersionStatus]] = []
        for store in [sqlite, pg] as [any GeoStoreBackend] {
            let v1 = try Self.write(store, count: 10, publish: true)
            let v2 = try Self.write(store, count: 20, publish: false)
            try store.publish(versionID: v2.id)
            let current = try #require(try store.published(slug: "thua-dat"))
            #expect(current.version.id == v2.id && current.version.featureCount == 20)
            #expect(try store.version(id: v1.id)?.status == .superseded)
            statuses.append(try store.versions(datasetID: current.dataset.id).map(\.status))
        }
        #expect(statuses[1] == statuses[0])
        #expect(statuses[1] == [.superseded, .published])
    }

    /// A write whose source fails after a COPY went in leaves no dataset, version or table.
    @Test func aFailedWriteLeavesNoVersionAndNoTable() throws {
        struct SourceBroke: Error {}
        let schema = TestPostgres.newSchema()
        let pg = try postgis(schema)
        #expect(throws: SourceBroke.self) {
            try pg.writeVersion(DatasetMetadata(slug: "hong"), fields: Self.fields, publish: true, status: .draft, now: Self.now) { sink in
                for i in 1...6_000 { let f = Self.feature(i); try sink.insert(geometry: f.geometry, values: f.values) }
                throw SourceBroke()
            }
        }
        #expect(try pg.dataset(slug: "hong") == nil)
        // Only the schema's own tables: no feature table (they are all `features_…`) was left.
        let tables = try TestPostgres.query("SELECT tablename FROM pg_tables WHERE schemaname = '\(schema)' ORDER BY 1")
        #expect(tables.contains("datasets") && tables.contains("dataset_versions"))
        #expect(!tables.contains { $0.hasPrefix("features") })
        // The store is still usable on the same pool of connections.
        #expect(try Self.write(pg, count: 5, publish: true).number == 1)
    }

    /// The feature table is PostGIS's own: a typed geometry column in EPSG:4326, a GiST index.
    @Test func aVersionIsAPostGISTableWithAGiSTIndex() throws {
        let schema = TestPostgres.newSchema()
        let pg = try postgis(schema)
        let v = try Self.write(pg, count: 600, publish: true)
        #expect(try TestPostgres.query("SELECT srid, type FROM geometry_columns WHERE f_table_schema = '\(schema)' AND f_table_name = '\(v.featureTable)'")
                == ["4326|GEOMETRY"])
        #expect(try TestPostgres.query("SELECT indexdef LIKE '%USING gist (geom)%' FROM pg_indexes WHERE schemaname = '\(schema)' AND tablename = '\(v.featureTable)' AND indexdef LIKE '%gist%'")
                == ["t"])
        #expect(try TestPostgres.query("SELECT count(*), count(*) FILTER (WHERE ST_IsValid(geom)) FROM \"\(schema)\".\"\(v.featureTable)\" WHERE GeometryType(geom) = 'MULTIPOLYGON'")
                == ["1|1"])
    }

    /// Two stores on one database and schema stand for two `bando serve` processes: a
    /// publication through one is announced on the other, and on its own exactly once.
    @Test func aPublicationReachesEveryProcessOnTheDatabase() throws {
        let schema = TestPostgres.newSchema()
        let first = try postgis(schema), second = try postgis(schema)
        let elsewhere = try postgis()   // another schema of the same database hears nothing
        let heardByFirst = Heard(), heardBySecond = Heard(), heardElsewhere = Heard()
        first.publications.subscribe { heardByFirst.add($0) }
        second.publications.subscribe { heardBySecond.add($0) }
        elsewhere.publications.subscribe { heardElsewhere.add($0) }

        let v1 = try Self.write(first, count: 5, publish: true)
        let v2 = try Self.write(first, count: 7, publish: false)
        try first.publish(versionID: v2.id)
        let expected = [Publication(dataset: "thua-dat", versionID: v1.id, number: 1), Publication(dataset: "thua-dat", versionID: v2.id, number: 2)]

        #expect(heardBySecond.wait(for: 2) == expected, "the second process did not hear both publications")
        #expect(try second.published(slug: "thua-dat")?.version.id == v2.id)
        // The first process's own LISTEN has had the same notifications by now: still only once each.
        Thread.sleep(forTimeInterval: 0.5)
        #expect(heardByFirst.all == expected)
        #expect(heardElsewhere.all.isEmpty)
    }
}

/// `bando ingest --store postgres://…` writes through the PostGIS backend: the same file gives
/// the same version as an ingest into a SpatiaLite file, and its publication, made by another
/// process, is announced to a store open on the same schema in this one.
@Suite struct PostGISIngestCommandTests {
    let scratch = ScratchDirectory("postgis-cli")

    @Test func ingestIntoPostGISGivesTheSameVersionAsIntoSQLite() throws {
        let fixture = TestPaths.fixture("hue/communes.geojson").path
        let schema = TestPostgres.newSchema("cli")
        let file = scratch.path("s.sqlite")
        let pg = try PostGISStore(url: try TestPostgres.url(), schema: schema)
        let heard = Heard()
        pg.publications.subscribe { heard.add($0) }
        for store in ["\(try TestPostgres.url())?schema=\(schema)", file] {
            let run = try Run.process(TestPaths.bandoBinary, ["ingest", fixture, "--dataset", "xa", "--title", "Xã, phường", "--store", store])
            #expect(run.succeeded, "bando ingest --store \(store) failed: \(run.stderr)")
        }
        let fromPostGIS = try #require(try pg.published(slug: "xa")), fromSQLite = try #require(try Store(path: file).published(slug: "xa"))
        #expect(fromPostGIS.version.featureCount == 152)
        #expect(fromPostGIS.version.checksum == fromSQLite.version.checksum)
        #expect(fromPostGIS.version.bbox == fromSQLite.version.bbox)
        #expect(fromPostGIS.dataset.title == "Xã, phường")
        #expect(heard.wait(for: 1) == [Publication(dataset: "xa", versionID: fromPostGIS.version.id, number: 1)],
                "the publication made by the bando process was not announced in this one")
    }
}

/// Publications a subscriber received, from whichever thread posts them.
final class Heard: @unchecked Sendable {
    private let condition = NSCondition()
    private var publications: [Publication] = []

    func add(_ p: Publication) { condition.withLock { publications.append(p); condition.broadcast() } }
    var all: [Publication] { condition.withLock { publications } }

    /// What was received once there are `count`, or after 20 s (a notification that never
    /// comes fails the test by its contents, not by a time limit on the work).
    func wait(for count: Int) -> [Publication] {
        condition.withLock {
            let deadline = Date().addingTimeInterval(20)
            while publications.count < count, condition.wait(until: deadline) {}
            return publications
        }
    }
}
