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

/// The rings (or the one line, or the points) of a geometry, in order.
func rings(_ g: Geometry) -> [[Position]] {
    switch g {
    case .point(let p): [[p]]
    case .multiPoint(let ps), .lineString(let ps): [ps]
    case .multiLineString(let rs), .polygon(let rs): rs
    case .multiPolygon(let polys): polys.flatMap { $0 }
    case .geometryCollection(let members): members.flatMap(rings)
    }
}

/// The same, from a GeoJSON geometry object as GDAL writes it.
func rings(_ geojson: [String: Any]) -> [[Position]] {
    func positions(_ a: Any) -> [Position] {
        (a as? [Any] ?? []).map { let c = $0 as? [NSNumber] ?? []; return Position(c[0].doubleValue, c[1].doubleValue) }
    }
    let c: Any = geojson["coordinates"] ?? []
    switch geojson["type"] as? String {
    case "Point": return [positions([c])]
    case "LineString", "MultiPoint": return [positions(c)]
    case "Polygon", "MultiLineString": return (c as? [Any] ?? []).map(positions)
    case "MultiPolygon": return (c as? [Any] ?? []).flatMap { ($0 as? [Any] ?? []).map(positions) }
    default: return []
    }
}

/// Whether a stored value is the value GDAL read (numbers to 1e-9 relative, text exactly).
func sameValue(_ stored: FieldValue, _ gdal: Any?) -> Bool {
    switch (stored, gdal) {
    case (.null, nil), (.null, is NSNull): return true
    case (.text(let s), let t as String): return s == t
    case (.boolean(let b), let n as NSNumber): return b == n.boolValue
    case (.integer(let i), let n as NSNumber): return Double(i) == n.doubleValue
    case (.real(let d), let n as NSNumber): return abs(d - n.doubleValue) <= 1e-9 * max(1, abs(d))
    default: return false
    }
}

/// Every stored feature against GDAL's reading of the source: every field by name and every
/// vertex of every ring within `tolerance` degrees (a ring may be reversed: the reference is
/// written RFC 7946 style, outer rings counterclockwise).
func expectSameAsGDAL(_ stored: [Feature], fields: [FieldDefinition], _ ref: [[String: Any]], tolerance: Double = 1e-7) throws {
    for (n, (f, r)) in try zipNonEmpty(stored, ref, "stored and GDAL's features").enumerated() {
        let props = r["properties"] as? [String: Any] ?? [:]
        #expect(Set(props.keys) == Set(fields.map(\.name)), "feature \(n + 1): GDAL's fields \(props.keys.sorted())")
        for (i, field) in fields.enumerated() {
            #expect(sameValue(f.values[i], props[field.name]), "feature \(n + 1) \(field.name): \(f.values[i]) vs GDAL's \(String(describing: props[field.name]))")
        }
        let mine = f.geometry.map(rings) ?? [], theirs = (r["geometry"] as? [String: Any]).map(rings) ?? []
        #expect(mine.map(\.count) == theirs.map(\.count), "feature \(n + 1): ring sizes \(mine.map(\.count)) vs GDAL's \(theirs.map(\.count))")
        for (a, b) in zip(mine, theirs) where a.count == b.count {
            func close(_ ring: [Position]) -> Bool { zip(ring, b).allSatisfy { abs($0.x - $1.x) < tolerance && abs($0.y - $1.y) < tolerance } }
            #expect(close(a) || close(a.reversed()), "feature \(n + 1): a ring is not GDAL's to \(tolerance)°")
        }
    }
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
        try expectSameAsGDAL(stored, fields: version.fields, ref)
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
        // Every vertex of every ring, not only the first.
        for (n, (f, r)) in try zipNonEmpty(stored, ref, "stored and original features").enumerated() {
            let mine = try rings(#require(f.geometry)), theirs = rings(r["geometry"] as? [String: Any] ?? [:])
            #expect(mine.map(\.count) == theirs.map(\.count), "feature \(n + 1)")
            var worst = 0.0
            func metres(_ ringA: [Position], _ ringB: [Position]) -> Double {
                zip(ringA, ringB).map { a, b in hypot((a.x - b.x) * 111_320 * cos(b.y * .pi / 180), (a.y - b.y) * 110_574) }.max() ?? 0
            }
            // The reference is written RFC 7946 style: a ring may come back reversed.
            for (ringA, ringB) in zip(mine, theirs) { worst = max(worst, min(metres(ringA, ringB), metres(ringA.reversed(), ringB))) }
            #expect(worst < 1, "feature \(n + 1): a vertex \(worst) m off")
        }
    }
}

@Suite(.printsChildLogsOnFailure) struct IngestBadInputTests {
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
        // A child process ingests a large file and is killed mid-write; the store must show
        // the previous version only, and open cleanly.
        let store = try Store(path: scratch.path("k.sqlite"))
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path, metadata: DatasetMetadata(slug: "xa")), into: store)
        // 200 × 152 features: the first progress line comes at 5,000 read, inside the write,
        // with 25,000 still to go.
        let big = scratch.path("big.geojson")
        try LargeFixtures.repeatedCommunes(200, to: big)
        let child = try BackgroundProcess(TestPaths.bandoBinary, ["ingest", big, "--dataset", "xa", "--store", scratch.path("k.sqlite")],
                                          log: scratch.path("ingest.log"))
        try child.waitForLog("read 5000 of")
        child.signalAndWait(SIGKILL)
        // It died of the signal, so it was still running when the kill came (not done and exited).
        #expect(child.process.terminationReason == .uncaughtSignal && child.process.terminationStatus == SIGKILL,
                "the ingest ended by itself (status \(child.process.terminationStatus)) before the kill: \(child.logTail())")
        let reopened = try Store(path: scratch.path("k.sqlite"))
        let published = try #require(try reopened.published(slug: "xa"))
        #expect(published.version.featureCount == 152)
        #expect(published.version.number == 1)
        let versions = try reopened.versions(datasetID: published.dataset.id)
        #expect(versions.map(\.number) == [1], "no half-written version is left: \(versions.map { ($0.number, $0.status) })")
    }
}
