import Foundation
import Testing
import TestSupport
@testable import GDALKit

/// A shapefile set that does not hold together is refused before GDAL reads it, with the problem
/// named: GDAL alone would read every one of these and make something of it (issue 16's corpus).
@Suite struct ShapefileCheckTests {
    static let corpus = TestPaths.root.appendingPathComponent("Tests/Hostile/files/shapefile")

    @Test(arguments: [
        ("shp-missing-dbf", "missingFile"), ("shp-missing-shx", "missingFile"), ("shp-zero-byte-dbf", "damaged"),
        ("shp-bad-shape-type", "shapeType"), ("shp-record-length-huge", "record"), ("shp-record-length-negative", "record"),
        ("shp-record-length-zero", "record"), ("shp-record-type-mismatch", "record"), ("shp-truncated-record", "damaged"),
        ("shp-file-length-huge", "damaged"), ("shp-bad-file-code", "damaged"), ("shp-zero-byte-shp", "damaged"),
        ("shp-nan-x", "nonFinite"), ("shp-nan-y", "nonFinite"), ("shp-nan-second", "nonFinite"), ("shp-inf-x", "nonFinite"),
        ("shp-poly-nan-ring", "nonFinite"), ("shp-poly-inf-ring", "nonFinite"), ("shp-poly-points-huge", "record"),
        ("shp-poly-negative-counts", "record"),
        ("shp-dbf-count-huge", "tableShort"), ("shp-dbf-count-4g", "tableShort"), ("shp-dbf-header-len-huge", "damaged"),
        ("shp-dbf-record-len-zero", "damaged"), ("shp-dbf-garbage", "damaged"),
    ])
    func brokenSetIsRefusedWithItsProblem(_ name: String, _ problem: String) throws {
        let path = Self.corpus.appendingPathComponent(name + ".zip").path
        #expect(FileManager.default.fileExists(atPath: path), "corpus file \(name)")
        do {
            _ = try VectorSource(path: path)
            Issue.record("\(name) was opened")
        } catch let defect as ShapefileDefect {
            #expect(defect.problem == problem, "\(name): \(defect)")
        }
    }

    /// The fixtures, plain files and zipped, shapefiles of every kind the ingest tests use, pass.
    @Test(arguments: ["hue/districts.zip", "hue/communes-utm48n.shp", "vn2000/hue_tm3_esri.shp", "vn2000/quangngai_tm3_vni.shp",
                      "vn2000/hue_utm48_noprj.shp"])
    func wellFormedSetsPass(_ fixture: String) throws {
        let source = try VectorSource(path: TestPaths.fixture(fixture).path)
        #expect(try source.layer(0).featureCount > 0)
    }

    /// The shapes and the table must count the same records: a `.dbf` of another layer is refused.
    @Test func recordCountsMustAgree() throws {
        let scratch = ScratchDirectory("shp-counts")
        let base = TestPaths.fixture("vn2000/hue_tm3_esri")
        for ext in ["shp", "shx", "prj"] {
            try FileManager.default.copyItem(atPath: base.path + "." + ext, toPath: scratch.path("mixed." + ext))
        }
        // The .dbf of a layer with another number of records.
        try FileManager.default.copyItem(atPath: TestPaths.fixture("vn2000/quangngai_tm3_epsg.dbf").path, toPath: scratch.path("mixed.dbf"))
        let shapes = try VectorSource(path: base.path + ".shp").layer(0).featureCount
        let records = try VectorSource(path: TestPaths.fixture("vn2000/quangngai_tm3_epsg.shp").path).layer(0).featureCount
        try #require(shapes != records, "the two fixtures must differ in size for this test")
        do {
            _ = try VectorSource(path: scratch.path("mixed.shp"))
            Issue.record("a .dbf of another layer was taken")
        } catch let defect as ShapefileDefect {
            #expect(defect.problem == "counts")
            #expect(defect.arguments == ["shapes": String(shapes), "records": String(records)])
        }
    }
}
