import Foundation
import Testing
import TestSupport
import GeoModel
import GeoStore
import GRDB
@testable import Ingest

/// What GDAL itself reads from a file (`ogr2ogr` to GeoJSON in WGS 84): the reference that
/// every ingest is compared with.
func gdalReference(_ path: String) throws -> [[String: Any]] {
    let scratch = ScratchDirectory("gdal-ref")
    let out = scratch.path("ref.geojson")
    let r = try Run.process("ogr2ogr", ["-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco", "RFC7946=YES", "-lco", "COORDINATE_PRECISION=9", out, path])
    guard r.succeeded else { throw TestSupportError("ogr2ogr failed: \(r.stderr)") }
    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
    return obj["features"] as! [[String: Any]]
}

func firstPosition(_ g: Geometry) -> Position {
    var first: Position?
    g.forEachPosition { if first == nil { first = $0 } }
    return first!
}

func firstPosition(_ geojson: [String: Any]) -> Position {
    var c: Any = geojson["coordinates"]!
    while let a = c as? [Any], let inner = a.first, inner is [Any] { c = inner }
    let xy = c as! [Any]
    return Position((xy[0] as! NSNumber).doubleValue, (xy[1] as! NSNumber).doubleValue)
}

@Suite struct IngestTests {
    let scratch = ScratchDirectory("ingest")

    func ingest(_ fixture: String, slug: String = "t", store: Store? = nil, crs: String? = nil) throws -> (Store, DatasetVersionRecord, IngestReport) {
        let store = try store ?? Store(path: scratch.path("s.sqlite"))
        let (v, r) = try Ingestor.run(IngestOptions(path: TestPaths.fixture(fixture).path, metadata: DatasetMetadata(slug: slug), crs: crs), into: store)
        return (store, v, r)
    }

    @Test(arguments: ["hue/communes-utm48n.shp", "hue/communes.geojson", "hue/districts.zip"])
    func matchesWhatGDALReads(fixture: String) throws {
        let (store, version, report) = try ingest(fixture)
        let path = fixture.hasSuffix(".zip") ? "/vsizip/" + TestPaths.fixture(fixture).path + "/districts.shp" : TestPaths.fixture(fixture).path
        let ref = try gdalReference(path)
        #expect(report.featuresWritten == ref.count)
        #expect(version.featureCount == ref.count)
        var stored: [Feature] = []
        try store.forEachFeature(of: version) { stored.append($0) }
        #expect(stored.count == ref.count)
        let nameIndex = try #require(version.fields.firstIndex { $0.name.hasPrefix("commune_vn") || $0.name.hasPrefix("district_v") })
        for (f, r) in zip(stored, ref) {
            let props = r["properties"] as! [String: Any]
            let refName = props[version.fields[nameIndex].name] as? String
            #expect(f.values[nameIndex] == .text(refName ?? ""))
            let a = firstPosition(f.geometry!), b = firstPosition(r["geometry"] as! [String: Any])
            #expect(abs(a.x - b.x) < 1e-7 && abs(a.y - b.y) < 1e-7, "position \(a) vs GDAL's \(b)")
        }
        #expect(report.crs.contains(fixture.contains("utm48") ? "32648" : "4326"))
    }

    @Test func reIngestPublishesANewVersionAndKeepsTheOld() throws {
        let (store, v1, _) = try ingest("hue/communes.geojson")
        let (_, v2, _) = try ingest("hue/communes.geojson", store: store)
        #expect(v2.number == v1.number + 1)
        #expect(try store.published(slug: "t")?.version.id == v2.id)
        #expect(try store.version(id: v1.id)?.status == .superseded)
        #expect(v1.checksum == v2.checksum)
    }

    @Test func vn2000TM3ShapefileLandsWithinOneMetreOfTheOriginal() throws {
        let (store, version, report) = try ingest("vn2000/hue_tm3_esri.shp")
        #expect(report.crsDecision.hasPrefix("recognised"))
        let ref = try gdalReference(TestPaths.fixture("vn2000/originals/hue.geojson").path)
        var stored: [Feature] = []
        try store.forEachFeature(of: version) { stored.append($0) }
        #expect(stored.count == ref.count)
        for (f, r) in zip(stored, ref) {
            let a = firstPosition(f.geometry!), b = firstPosition(r["geometry"] as! [String: Any])
            let metres = hypot((a.x - b.x) * 111_320 * cos(b.y * .pi / 180), (a.y - b.y) * 110_574)
            #expect(metres < 1, "\(metres) m off")
        }
    }
}

@Suite struct IngestBadInputTests {
    let scratch = ScratchDirectory("ingest-bad")

    /// Publishes a good version, runs `attempt`, and checks it failed with `expected` in its
    /// message while the good version stays published and the store holds nothing new.
    func expectRefused(_ expected: String, _ attempt: (Store) throws -> Void) throws {
        let store = try Store(path: scratch.path("s.sqlite"))
        let (good, _) = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path,
                                                       metadata: DatasetMetadata(slug: "xa")), into: store)
        let tablesBefore = try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") }
        do {
            try attempt(store)
            Issue.record("expected a failure mentioning '\(expected)'")
        } catch {
            #expect("\(error)".contains(expected), "message was: \(error)")
        }
        #expect(try store.published(slug: "xa")?.version.id == good.id)
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") } == tablesBefore)
    }

    func copyShapefile(except: String? = nil, truncate: Bool = false) throws -> String {
        let dir = scratch.url.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] where ext != except {
            try FileManager.default.copyItem(at: TestPaths.fixture("hue/communes-utm48n.\(ext)"), to: dir.appendingPathComponent("c.\(ext)"))
        }
        let shp = dir.appendingPathComponent("c.shp")
        if truncate {
            let data = try Data(contentsOf: shp)
            try data.prefix(data.count / 2).write(to: shp)
        }
        return shp.path
    }

    func run(_ path: String, _ store: Store, slug: String = "xa", crs: String? = nil) throws {
        _ = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: slug), crs: crs), into: store)
    }

    @Test func missingSidecars() throws {
        for ext in ["shx", "dbf"] {
            let path = try copyShapefile(except: ext)
            try expectRefused(".\(ext) sidecar file is missing") { try run(path, $0) }
        }
    }

    @Test func truncatedShapefile() throws {
        let path = try copyShapefile(truncate: true)
        try expectRefused("c.shp") { try run(path, $0) }
    }

    @Test func unreadablePrj() throws {
        let path = try copyShapefile()
        try "PROJCS[\"nonsense\"".write(toFile: path.replacingOccurrences(of: ".shp", with: ".prj"), atomically: true, encoding: .utf8)
        try expectRefused("CRS") { try run(path, $0) }
    }

    @Test func unknownCRSFlag() throws {
        try expectRefused("EPSG:999999") { try run(TestPaths.fixture("hue/communes.geojson").path, $0, crs: "EPSG:999999") }
    }

    @Test func invalidJSON() throws {
        let path = scratch.path("bad.geojson")
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","#.write(toFile: path, atomically: true, encoding: .utf8)
        try expectRefused("bad.geojson") { try run(path, $0) }
    }

    @Test func zipWithoutShapefile() throws {
        let txt = scratch.path("readme.txt")
        try "hello".write(toFile: txt, atomically: true, encoding: .utf8)
        let zip = scratch.path("empty.zip")
        try Run.process("zip", ["-j", "-q", zip, txt])
        try expectRefused("holds no shapefile") { try run(zip, $0) }
    }

    @Test func emptyLayer() throws {
        let path = scratch.path("empty.geojson")
        try #"{"type":"FeatureCollection","features":[]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        try expectRefused("no features") { try run(path, $0) }
    }

    @Test func oddSlug() throws {
        try expectRefused("not a valid dataset name") { try run(TestPaths.fixture("hue/communes.geojson").path, $0, slug: "Xã Huế/../x") }
    }

    @Test func killedIngestLeavesNoHalfVersion() throws {
        // A child process ingests a large file and is killed mid-way; the store must show the
        // previous version only, and open cleanly.
        let store = try Store(path: scratch.path("k.sqlite"))
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path, metadata: DatasetMetadata(slug: "xa")), into: store)
        // The real national communes file (shared/ beside the clone) makes the kill land mid-write.
        let big = TestPaths.root.deletingLastPathComponent().appendingPathComponent("shared/data/communes.geojson").path
        let source = FileManager.default.fileExists(atPath: big) ? big : TestPaths.fixture("hue/communes.geojson").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestPaths.bandoBinary)
        p.arguments = ["ingest", source, "--dataset", "xa", "--store", scratch.path("k.sqlite")]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(700_000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let reopened = try Store(path: scratch.path("k.sqlite"))
        let published = try #require(try reopened.published(slug: "xa"))
        #expect(published.version.featureCount == 152 || published.version.featureCount == 11_163)
        let versions = try reopened.versions(datasetID: published.dataset.id)
        #expect(versions.allSatisfy { $0.status != .draft })
    }
}
