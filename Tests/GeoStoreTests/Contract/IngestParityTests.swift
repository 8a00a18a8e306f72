import Foundation
import GeoStore
import GeoStorePostGIS
import Testing
import TestSupport

/// Issue 21, the ingest end to end on both engines: the fixtures the project ships (GeoJSON,
/// shapefiles, a zipped shapefile; WGS 84, UTM, VN-2000 TM-3 with and without a .prj; UTF-8,
/// Windows-1258, TCVN3 and VNI text) go through the real `bando ingest` into a SpatiaLite file
/// and into a PostGIS schema, and comes out the same: the same version (features, checksum,
/// box, fields, geometry types, CRS and encoding reported) and, through `bando export`, the
/// same GeoJSON bytes.
@Suite(.serialized) struct IngestParityTests {
    /// One fixture of each kind (the copies of the Huế communes cut for other tests, and VN-2000
    /// files that differ from these only in a detail the ingest tests cover, are left out):
    /// each case is four `bando` processes.
    static let fixtures = [
        "hue/communes.geojson", "hue/communes-utm48n.shp", "hue/districts.zip",
        "vn2000/hue_tm3_loose.shp", "vn2000/hue_utm48_noprj.shp", "vn2000/soctrang_tm3_proj.shp",
        "vn2000/soctrang_tm3_noprj.shp", "vn2000/quangngai_tm3_vni.shp",
        "tiles/quang-ninh-hai-phong-communes.geojson", "features/hue_commune_points.geojson",
    ]

    @Test(arguments: fixtures) func aFixtureIngestedIntoEitherEngineGivesTheSameVersionAndExport(_ fixture: String) throws {
        let scratch = ScratchDirectory("ingest-parity")
        let file = TestPaths.fixture(fixture).path
        #expect(FileManager.default.fileExists(atPath: file), "fixture \(fixture) is missing")
        let schema = TestPostgres.newSchema("ing")
        let postgis = "\(try TestPostgres.url())?schema=\(schema)", sqlite = scratch.path("s.sqlite")
        // The provinces the VN-2000 files without a .prj are in (what an agency would say).
        var extra: [String] = []
        if fixture.contains("noprj") || fixture.contains("loose") {
            extra = ["--province", fixture.contains("soctrang") ? "Sóc Trăng" : "Thừa Thiên Huế"]
        }
        var exports: [String: Data] = [:]
        for (name, store) in [("postgis", postgis), ("sqlite", sqlite)] {
            let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", file, "--dataset", "d", "--title", "Dữ liệu", "--store", store] + extra)
            try #require(ingest.succeeded, "bando ingest \(fixture) into \(name) failed: \(ingest.stderr)")
            let out = scratch.path("\(name).geojson")
            let export = try Run.process(TestPaths.bandoBinary, ["export", "d", "--format", "geojson", "-o", out, "--store", store])
            try #require(export.succeeded, "bando export from \(name) failed: \(export.stderr)")
            exports[name] = try Data(contentsOf: URL(fileURLWithPath: out))
        }
        let fromPostGIS = try #require(try PostGISStore(url: try TestPostgres.url(), schema: schema).published(slug: "d")).version
        let fromSQLite = try #require(try Store(path: sqlite).published(slug: "d")).version
        #expect(fromPostGIS.featureCount > 0)
        #expect(fromPostGIS.featureCount == fromSQLite.featureCount)
        #expect(fromPostGIS.checksum == fromSQLite.checksum)
        #expect(fromPostGIS.bbox == fromSQLite.bbox)
        #expect(fromPostGIS.fields == fromSQLite.fields)
        #expect(fromPostGIS.geometryTypes == fromSQLite.geometryTypes)
        #expect(fromPostGIS.crs == fromSQLite.crs)
        #expect(fromPostGIS.encoding == fromSQLite.encoding)
        #expect(exports["postgis"] == exports["sqlite"], "\(fixture): the GeoJSON exported from PostGIS differs from SpatiaLite's")
        #expect((exports["sqlite"]?.count ?? 0) > 100)
    }
}
