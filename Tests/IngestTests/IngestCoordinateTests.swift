import Foundation
import Testing
import TestSupport
import GeoModel
import GeoStore
import GRDB
@testable import Ingest

/// Coordinates that are not numbers, or not on the Earth once in WGS 84, refuse the whole
/// ingest with a message naming the feature; the published version stays as it was.
@Suite struct IngestCoordinateTests {
    let scratch = ScratchDirectory("ingest-coords")

    /// Publishes a good version, runs the ingest, and checks it failed with every one of
    /// `expected` in its message, with nothing new in the store.
    func expectRefused(_ path: String, gdalOnly: Bool = false, crs: String? = nil, _ expected: [String]) throws {
        let store = try Store(path: scratch.path("\(UUID().uuidString).sqlite"))
        let (good, _) = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path,
                                                       metadata: DatasetMetadata(slug: "xa")), into: store)
        let tablesBefore = try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") }
        do {
            _ = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "xa"), crs: crs), into: store, gdalOnly: gdalOnly)
            Issue.record("the ingest of \(path) succeeded; expected a refusal mentioning \(expected)")
        } catch {
            let message = "\(error)"
            #expect(error is IngestError)
            for e in expected { #expect(message.contains(e), "message was: \(message)") }
        }
        #expect(try store.published(slug: "xa")?.version.id == good.id)
        let versions = try store.versions(datasetID: try #require(try store.published(slug: "xa")).dataset.id)
        #expect(versions.count == 1)
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") } == tablesBefore)
    }

    func geojson(_ name: String, _ features: [String], crs: String? = nil) throws -> String {
        let path = scratch.path(name)
        let crsMember = crs.map { #""crs":{"type":"name","properties":{"name":"\#($0)"}},"# } ?? ""
        try #"{"type":"FeatureCollection",\#(crsMember)"features":[\#(features.joined(separator: ","))]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func point(_ x: String, _ y: String, id: String? = nil, name: String = "a") -> String {
        let idMember = id.map { #""id":\#($0),"# } ?? ""
        return #"{"type":"Feature",\#(idMember)"properties":{"ten":"\#(name)"},"geometry":{"type":"Point","coordinates":[\#(x),\#(y)]}}"#
    }

    @Test func infiniteGeoJSONPointIsRefusedByBandosReader() throws {
        let path = try geojson("inf.geojson", [point("107.5", "16.4", id: "6"), point("1e400", "-1e400", id: "7")])
        #expect(GeoJSONReader.open(path) != nil, "Bando's own reader takes this file")
        try expectRefused(path, ["feature 2 (id 7)", "not a number", "(infinity, -infinity)", "upload the file again"])
    }

    @Test func infiniteGeoJSONPointIsRefusedThroughGDAL() throws {
        let path = try geojson("inf-gdal.geojson", [point("107.5", "16.4", id: "6"), point("1e400", "-1e400", id: "7")])
        try expectRefused(path, gdalOnly: true, ["feature 2 (id 7)", "not a number"])
    }

    @Test func stringIdIsNamedToo() throws {
        // A string id sends the file to GDAL, which makes it a field called "id".
        let path = try geojson("str-id.geojson", [point("107.5", "16.4", id: #""a-1""#), point("1e400", "16", id: #""b-2""#)])
        #expect(GeoJSONReader.open(path) == nil)
        try expectRefused(path, ["feature 2 (id b-2)", "not a number"])
    }

    @Test func featureWithoutIdIsNamedByItsNumber() throws {
        let path = try geojson("no-id.geojson", [point("107.5", "16.4"), point("107.6", "16.5"), point("1e999", "16")])
        try expectRefused(path, ["feature 3 has a coordinate"])
    }

    @Test(arguments: [false, true])
    func longitudeBeyond180IsRefused(gdalOnly: Bool) throws {
        let path = try geojson("lon.geojson", [point("107.5", "16.4", id: "1"), point("250", "16.4", id: "2")])
        try expectRefused(path, gdalOnly: gdalOnly, ["feature 2 (id 2)", "outside the world", "(250.0, 16.4)", "coordinate system"])
    }

    @Test func latitudeBeyond90IsRefused() throws {
        let path = try geojson("lat.geojson", [point("107.5", "95", id: "1")])
        try expectRefused(path, ["feature 1 (id 1)", "outside the world"])
    }

    @Test func vn2000PositionThatReprojectsToInfinityIsRefused() throws {
        // VN-2000 TM-3 zone 107°45' (Huế): an easting of 10⁹ m has no latitude/longitude.
        let path = try geojson("vn2000.geojson", [point("560000", "1820000", id: "1"), point("1e9", "1e5", id: "2")], crs: "EPSG:9210")
        #expect(GeoJSONReader.open(path) != nil)
        try expectRefused(path, ["feature 2 (id 2)", "cannot be reprojected", "VN-2000"])
    }

    @Test func edgeOfTheWorldIsKept() throws {
        let path = try geojson("edge.geojson", [point("180", "90", id: "1"), point("-180", "-90", id: "2")])
        let store = try Store(path: scratch.path("edge.sqlite"))
        let (version, _) = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "edge")), into: store)
        #expect(version.featureCount == 2)
    }

    /// A point shapefile made by ogr2ogr from GeoJSON, then one record's X patched in the
    /// .shp bytes (no tool writes NaN or an infinity into a shapefile on purpose).
    func shapefile(patching record: Int, x: Double, srs: String = "EPSG:4326") throws -> String {
        let dir = scratch.url.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let src = try geojson("\(UUID().uuidString).geojson",
                              (1...3).map { point(srs == "EPSG:4326" ? "107.\($0)" : "56\($0)000", srs == "EPSG:4326" ? "16.4" : "1820000", name: "xa \($0)") })
        let shp = dir.appendingPathComponent("p.shp").path
        let r = try Run.process("ogr2ogr", ["-f", "ESRI Shapefile", "-a_srs", srs, shp, src])
        guard r.succeeded else { throw TestSupportError("ogr2ogr failed: \(r.stderr)") }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shp))
        // 100-byte header; each point record: 8-byte record header, shape type (4), X (8), Y (8).
        let at = 100 + 28 * (record - 1) + 8 + 4
        #expect(bytes.count >= at + 16)
        withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.replaceSubrange(at..<at + 8, with: $0) }
        try bytes.write(to: URL(fileURLWithPath: shp))
        return shp
    }

    @Test func shapefileWithInfiniteCoordinateIsRefused() throws {
        let shp = try shapefile(patching: 2, x: .infinity)
        try expectRefused(shp, ["feature 2", "not a number", "nothing was published"])
    }

    /// GDAL's shapefile driver reads a point whose x is NaN as POINT EMPTY: that feature has no
    /// geometry, and nothing that is not a number reaches the store or its extent.
    @Test func shapefileWithNaNCoordinateStoresNoNaN() throws {
        let shp = try shapefile(patching: 2, x: .nan)
        let store = try Store(path: scratch.path("\(UUID().uuidString).sqlite"))
        let (version, _) = try Ingestor.run(IngestOptions(path: shp, metadata: DatasetMetadata(slug: "xa")), into: store)
        let box = try #require(try store.published(slug: "xa")?.version.bbox)
        // The three points are kept, the NaN one without a geometry; the extent is the other two's.
        #expect(version.featureCount == 3)
        let finite = [box.minX, box.minY, box.maxX, box.maxY].allSatisfy { $0.isFinite }
        #expect(finite, "\(box)")
        #expect([box.minX, box.minY, box.maxX, box.maxY] == [107.1, 16.4, 107.3, 16.4], "\(box)")
    }

    @Test func vn2000ShapefileThatReprojectsToInfinityIsRefused() throws {
        let shp = try shapefile(patching: 3, x: 1e9, srs: "EPSG:9210")
        try expectRefused(shp, ["feature 3", "cannot be reprojected"])
    }
}
