import Foundation
import Testing
import TestSupport
import GeoModel
import GRDB
@testable import GeoStore

/// The store's single writer while a version is written: free between batches of rows, and
/// nothing of an unfinished version left behind.
@Suite struct StoreWriterTests {
    let scratch = ScratchDirectory("store-writer")

    /// Another write (here a download counted, as a sign-in's session would be) goes through
    /// while a large version is still being written: the rows are committed in batches into a
    /// table no version names yet, so the writer is not held for the whole file. Before, the
    /// whole version was one transaction and this write waited for its end (here: for ever, as
    /// the body waits for it).
    @Test func otherWritesGoThroughWhileAVersionIsWritten() throws {
        let store = try Store(path: scratch.path("w.sqlite"))
        let fields = [FieldDefinition(name: "n", type: .integer)]
        try store.writeVersion(DatasetMetadata(slug: "song"), fields: fields, publish: true) { sink in
            try sink.insert(geometry: .point(Position(107.6, 16.5)), values: [.integer(1)])
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "song")
        }
        let done = DispatchSemaphore(value: 0)
        var otherWriteFinishedDuringBody = false
        let version = try store.writeVersion(DatasetMetadata(slug: "lon"), fields: fields, publish: true) { sink in
            for i in 0..<20_000 { try sink.insert(geometry: .point(Position(107 + Double(i) * 1e-5, 16)), values: [.integer(Int64(i))]) }
            Thread.detachNewThread {
                try? store.recordDownload(dataset: "song", version: 1, format: "geojson")
                done.signal()
            }
            otherWriteFinishedDuringBody = done.wait(timeout: .now() + 120) == .success
            // Half-written, the version is nobody's business yet.
            #expect(try store.published(slug: "lon") == nil)
            for i in 20_000..<30_000 { try sink.insert(geometry: nil, values: [.integer(Int64(i))]) }
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "test")
        }
        #expect(otherWriteFinishedDuringBody, "a write waited for the whole version to be written")
        #expect(try store.downloadTotals() == ["song": 1])
        #expect(version.featureCount == 30_000)
        #expect(try store.published(slug: "lon")?.version.featureCount == 30_000)
        var n = 0
        try store.forEachFeature(of: version) { f in
            #expect(f.id == Int64(n + 1) && f.values == [.integer(Int64(n))])
            n += 1
        }
        #expect(n == 30_000)
        #expect(try store.verifyChecksum(of: version).matches)
        let staged = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ingest_staging") }
        #expect(staged == 0)
    }

    /// A version whose writing fails leaves no table behind, and the previous one stays current.
    @Test func aFailedVersionLeavesNoTable() throws {
        let store = try Store(path: scratch.path("f.sqlite"))
        let fields = [FieldDefinition(name: "n", type: .integer)]
        let first = try store.writeVersion(DatasetMetadata(slug: "hong"), fields: fields, publish: true) { sink in
            try sink.insert(geometry: .point(Position(107, 16)), values: [.integer(1)])
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "ok")
        }
        let tablesBefore = try featureTables(store)
        struct Broken: Error {}
        #expect(throws: Broken.self) {
            try store.writeVersion(DatasetMetadata(slug: "hong"), fields: fields, publish: true) { sink in
                for i in 0..<12_000 { try sink.insert(geometry: .point(Position(107, 16)), values: [.integer(Int64(i))]) }
                throw Broken()
            }
        }
        #expect(try featureTables(store) == tablesBefore)
        #expect(try store.published(slug: "hong")?.version.id == first.id)
        #expect(try store.versions(datasetID: first.datasetID).count == 1)
    }

    /// Tables of an ingest whose process died are dropped when the store is next opened; those
    /// of a process still running are left to it.
    @Test func tablesOfADeadIngestAreDroppedOnOpening() throws {
        let path = scratch.path("k.sqlite")
        let dead: Int64
        do {
            let p = try Run.process("/bin/sh", ["-c", "echo $$"])
            dead = Int64(p.stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
        }
        do {
            let store = try Store(path: path)
            try store.pool.write { db in
                for (table, pid) in [("features_x_dead", dead), ("features_x_alive", Int64(getpid()))] {
                    try Store.createFeatureTable(db, table: table, fields: [FieldDefinition(name: "n", type: .integer)])
                    try db.execute(sql: "INSERT INTO \(table) (fid, n, geom) VALUES (1, 1, GeomFromText('POINT(107 16)', 4326))")
                    try db.execute(sql: "SELECT CreateSpatialIndex(?, 'geom')", arguments: [table])
                    try db.execute(sql: "INSERT INTO ingest_staging (table_name, pid, started_at) VALUES (?, ?, '')", arguments: [table, pid])
                }
            }
        }
        let reopened = try Store(path: path)
        let tables = try featureTables(reopened)
        #expect(!tables.contains("features_x_dead") && !tables.contains("idx_features_x_dead_geom"))
        #expect(tables.contains("features_x_alive"))
        let registered = try reopened.pool.read { db in
            try String.fetchAll(db, sql: "SELECT f_table_name FROM geometry_columns ORDER BY 1")
        }
        #expect(registered == ["features_x_alive"])
        let staged = try reopened.pool.read { db in try String.fetchAll(db, sql: "SELECT table_name FROM ingest_staging") }
        #expect(staged == ["features_x_alive"])
    }

    func featureTables(_ store: Store) throws -> Set<String> {
        Set(try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'features_%' OR name LIKE 'idx_features_%')")
        })
    }
}
