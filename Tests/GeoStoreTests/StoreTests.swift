import Foundation
import Testing
import TestSupport
import GRDB
import GeoModel
import GeoStore

/// The store's public behaviour on real SpatiaLite files: migrations, `writeVersion` in
/// batches and reading back, publishing, and a failed write leaving nothing behind.
@Suite struct StoreTests {
    let scratch = ScratchDirectory("geostore")

    static let fields = [FieldDefinition(name: "ma", type: .integer), FieldDefinition(name: "ten", type: .text),
                         FieldDefinition(name: "dien_tich", type: .real)]

    /// Feature i (from 1): a point near Huế, its number, a Vietnamese name and an area (null every 7th).
    static func feature(_ i: Int) -> Feature {
        Feature(id: Int64(i), geometry: .point(Position(107.0 + Double(i % 1000) * 0.001, 16.0 + Double(i / 1000) * 0.01)),
                values: [.integer(Int64(i)), .text("Thửa số \(i) – phường Phú Hội"), i % 7 == 0 ? .null : .real(Double(i) * 1.25)])
    }

    static func provenance() -> VersionProvenance { VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "thua-dat.geojson") }

    func tables(_ store: Store) throws -> Set<String> {
        try store.pool.read { db in Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")) }
    }

    @Test func anEmptyFileIsMigratedOnceAndOpensAgain() throws {
        let path = scratch.path("moi/thu-muc/s.sqlite")   // folders that do not exist yet
        let store = try Store(path: path)
        let made = try tables(store)
        for table in ["agencies", "datasets", "dataset_versions", "ingest_staging", "users", "auth_tokens", "catalogue_entries",
                      "dataset_proposals", "audit_log", "feedback", "harvest_sources", "dataset_metadata", "version_changes",
                      "download_counts", "spatial_ref_sys", "geometry_columns"] {
            #expect(made.contains(table), "no table \(table) after migrating an empty file")
        }
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try store.publishedDatasets().isEmpty)
        #expect(try store.agencies().isEmpty)
        let applied = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(applied.contains("v1-catalogue") && applied.contains("portal-1"))

        let again = try Store(path: path)
        #expect(try again.pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") } == applied)
        #expect(try tables(again) == made)
    }

    /// 12 001 features: more than two batches of 5 000, each its own transaction; every one
    /// comes back with its values and geometry, in id order, through pages and a box.
    @Test func writeVersionInBatchesThenReadBack() throws {
        let store = try Store(path: scratch.path("s.sqlite"))
        let n = 12_001
        var expectedBox = BoundingBox.empty
        let version = try store.writeVersion(DatasetMetadata(slug: "thua-dat", title: "Thửa đất"), fields: Self.fields, publish: true) { sink in
            for i in 1...n {
                let f = Self.feature(i)
                if let b = f.geometry?.boundingBox { expectedBox.extend(b) }
                try sink.insert(geometry: f.geometry, values: f.values)
            }
            return Self.provenance()
        }
        #expect(version.number == 1)
        #expect(version.status == .published)
        #expect(version.featureCount == n)
        #expect(version.fields.map(\.name) == ["ma", "ten", "dien_tich"])
        #expect(version.geometryTypes == ["Point"])
        #expect(version.bbox == expectedBox)
        #expect(version.sourceName == "thua-dat.geojson")

        var seen = 0
        var mismatches: [Int64] = []
        try store.forEachFeature(of: version, pageSize: 1_000) { f in
            seen += 1
            if f != Self.feature(seen) { mismatches.append(f.id) }
        }
        #expect(seen == n)
        #expect(mismatches.isEmpty, "features read back differently: \(mismatches.prefix(10))")

        let page = try store.featurePage(of: version, after: 5_000, limit: 3)
        #expect(page.map(\.id) == [5_001, 5_002, 5_003])
        let box = BoundingBox(minX: 107.1, minY: 16.05, maxX: 107.2, maxY: 16.1)
        let inBox = try store.featurePage(of: version, bbox: box, limit: n).map(\.id)
        let bruteForce = (1...n).filter { i in
            guard case .point(let p)? = Self.feature(i).geometry else { return false }
            return p.x >= box.minX && p.x <= box.maxX && p.y >= box.minY && p.y <= box.maxY
        }.map(Int64.init)
        #expect(!bruteForce.isEmpty)
        #expect(inBox == bruteForce)

        let published = try #require(try store.published(slug: "thua-dat"))
        #expect(published.version.id == version.id)
        #expect(published.dataset.title == "Thửa đất")
        let verified = try store.verifyChecksum(of: version)
        #expect(verified.matches && verified.featureCount == n)
    }

    /// A second published version becomes current; the first is kept, superseded; a draft is not published.
    @Test func publishingSwitchesTheCurrentVersion() throws {
        let store = try Store(path: scratch.path("s.sqlite"))
        func write(_ count: Int, publish: Bool) throws -> DatasetVersionRecord {
            try store.writeVersion(DatasetMetadata(slug: "thua-dat"), fields: Self.fields, publish: publish) { sink in
                for i in 1...count { let f = Self.feature(i); try sink.insert(geometry: f.geometry, values: f.values) }
                return Self.provenance()
            }
        }
        let v1 = try write(10, publish: true)
        let v2 = try write(20, publish: true)
        let v3 = try write(30, publish: false)
        #expect([v1.number, v2.number, v3.number] as [Int] == [1, 2, 3])
        #expect(v3.status == .draft)
        let current = try #require(try store.published(slug: "thua-dat"))
        #expect(current.version.number == 2 && current.version.featureCount == 20)
        let all = try store.versions(datasetID: current.dataset.id).sorted { $0.number < $1.number }
        #expect(all.map(\.status) == [.superseded, .published, .draft])
        #expect(try store.publishedDatasets().map(\.dataset.slug) == ["thua-dat"])
    }

    /// A write that fails after a batch went in leaves no dataset, version or table behind.
    @Test func aFailedWriteLeavesNothing() throws {
        struct SourceBroke: Error {}
        let store = try Store(path: scratch.path("s.sqlite"))
        let before = try tables(store)
        #expect(throws: SourceBroke.self) {
            try store.writeVersion(DatasetMetadata(slug: "hong"), fields: Self.fields, publish: true) { sink in
                for i in 1...6_000 { let f = Self.feature(i); try sink.insert(geometry: f.geometry, values: f.values) }
                throw SourceBroke()
            }
        }
        #expect(try store.dataset(slug: "hong") == nil)
        #expect(try tables(store).filter { $0.hasPrefix("features_") || $0.hasPrefix("idx_features_") }.isEmpty)
        #expect(try tables(store) == before)
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ingest_staging") } == 0)
    }

    @Test func aSlugThatIsNotPlainIsRefused() throws {
        let store = try Store(path: scratch.path("s.sqlite"))
        for slug in ["Thửa đất", "-dau-gach", "a/b", "", String(repeating: "a", count: 65)] {
            #expect(throws: StoreError.self, "\(slug)") {
                try store.writeVersion(DatasetMetadata(slug: slug), fields: Self.fields, publish: true) { _ in Self.provenance() }
            }
        }
        #expect(try store.publishedDatasets().isEmpty)
    }

    /// A file that is not SQLite is refused with its path named, not opened as empty.
    @Test func aFileThatIsNotAStoreIsRefused() throws {
        let path = scratch.path("khong-phai.sqlite")
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Store(path: path)
            Issue.record("a file of 'B's opened as a store")
        } catch {
            #expect("\(error)".contains("khong-phai.sqlite"), "\(error)")
        }
    }
}

/// The other side of the pool's bound: all of its threads work at once (a pool that ran one
/// closure at a time would pass the upper-bound test but serialise every request).
@Suite struct BlockingPoolParallelismTests {
    @Test func everyThreadOfThePoolWorksAtOnce() async throws {
        let threads = 4
        let pool = BlockingPool(name: "test-parallel", threads: threads)
        let arrived = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let jobs = (0..<threads).map { i in Task { try await pool.run { arrived.signal(); release.wait(); return i } } }
        // Each closure signals on entry and then holds its thread: all `threads` must arrive
        // while none has been let go. A generous wait turns a serialising pool into a failure, not a hang.
        var inside = 0
        for _ in 0..<threads {
            if await arrived.waitOffThePool(timeout: .now() + 60) == .success { inside += 1 }
        }
        for _ in 0..<threads { release.signal() }
        var results: [Int] = []
        for j in jobs { results.append(try await j.value) }
        #expect(inside == threads, "only \(inside) of \(threads) closures ran at once")
        #expect(results == Array(0..<threads))
    }
}
