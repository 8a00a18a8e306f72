import Testing
import Foundation
import GeoModel
import TestSupport
@testable import Tiles

/// The fixture's whole pyramid, z0–z12, read by clients we did not write.
@Suite(.serialized) struct PyramidTests {
    static let maxZoom = 12

    /// Decodes every tile with `mapbox-vector-tile` and checks it with shapely against the
    /// source GeoJSON: layer name, ids, attribute values, valid geometry lying where the source
    /// feature lies, and every feature that covers a visible part of the tile is there.
    static let checkScript = #"""
import sys, json, glob, math
import mapbox_vector_tile
from shapely.geometry import shape, box
from shapely.ops import transform
from shapely.validation import make_valid
root, src_path = sys.argv[1], sys.argv[2]
src = json.load(open(src_path))["features"]
R = 6378137.0; HALF = math.pi * R
def to_tile(z, x, y):
    size = 2 * HALF / (1 << z); k = 4096 / size
    minx = -HALF + x * size; maxy = HALF - y * size
    def f(lon, lat, zz=None):
        mx = [l * math.pi / 180 * R for l in lon] if hasattr(lon, '__iter__') else lon * math.pi / 180 * R
        if hasattr(lat, '__iter__'):
            my = [math.log(math.tan(math.pi / 4 + a * math.pi / 360)) * R for a in lat]
            return ([(a - minx) * k for a in mx], [(maxy - b) * k for b in my])
        my = math.log(math.tan(math.pi / 4 + lat * math.pi / 360)) * R
        return ((mx - minx) * k, (maxy - my) * k)
    return f
srcshapes = [shape(f["geometry"]) for f in src]
stats = dict(tiles=0, features=0, invalid=[], wrong_attributes=[], misplaced=[], missing=[], bad_layer=[])
inner = box(0, 0, 4096, 4096)
for path in sorted(glob.glob(root + "/*/*/*.mvt")):
    z, x, y = (int(p.split(".")[0]) for p in path.split("/")[-3:])
    tile = mapbox_vector_tile.decode(open(path, "rb").read(), default_options={"y_coord_down": True})
    stats["tiles"] += 1
    if list(tile.keys()) != ["communes"] or tile["communes"]["extent"] != 4096:
        stats["bad_layer"].append(path); continue
    proj = to_tile(z, x, y)
    seen = set()
    for f in tile["communes"]["features"]:
        stats["features"] += 1
        fid = f["id"]; seen.add(fid)
        s = src[fid - 1]["properties"]
        p = f["properties"]
        if p.get("commune_vn") != s["commune_vn"] or p.get("population") != int(s["population"]) \
           or not isinstance(p.get("population"), int) or abs(p.get("area", -1) - s["area"]) > 1e-9:
            stats["wrong_attributes"].append([path, fid, p])
        g = shape(f["geometry"])
        if not g.is_valid:
            stats["invalid"].append([path, fid]); g = make_valid(g)
        want = transform(proj, srcshapes[fid - 1])
        # Rounding (0.5), simplification (1 unit) and clipping only ever shrink or nudge a feature.
        if not g.within(want.buffer(2.5)):
            stats["misplaced"].append([path, fid, g.difference(want.buffer(2.5)).area])
    for i, sh in enumerate(srcshapes):
        want = transform(proj, sh)
        if want.intersects(inner) and want.intersection(inner).area > 64 and (i + 1) not in seen:
            stats["missing"].append([path, i + 1])
print(json.dumps(stats))
"""#

    struct Stats: Decodable {
        var tiles: Int; var features: Int
        var invalid: [[JSONValue]]; var wrong_attributes: [[JSONValue]]; var misplaced: [[JSONValue]]
        var missing: [[JSONValue]]; var bad_layer: [String]
    }
    enum JSONValue: Decodable, CustomStringConvertible {
        case text(String), number(Double), other
        init(from d: any Decoder) throws {
            let c = try d.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else if let n = try? c.decode(Double.self) { self = .number(n) } else { self = .other }
        }
        var description: String { switch self { case .text(let s): s; case .number(let n): "\(n)"; case .other: "…" } }
    }

    @Test func everyTileDecodesWithMapboxVectorTileWithTheRightFeatures() throws {
        let dir = ScratchDirectory("tiles-pyramid")
        let written = try HueFixture.writePyramid(to: dir.url, maxZoom: Self.maxZoom)
        if let keep = ProcessInfo.processInfo.environment["TILES_KEEP_PYRAMID"] {   // for looking at failures by hand
            _ = try HueFixture.writePyramid(to: URL(fileURLWithPath: keep), maxZoom: Self.maxZoom)
        }
        #expect(Set(written.map(\.z)) == Set(0...Self.maxZoom))
        let r = try Run.python(Self.checkScript, [dir.url.path, HueFixture.path])
        try #require(r.succeeded, "decoder failed: \(r.stderr)")
        let s = try JSONDecoder().decode(Stats.self, from: Data(r.stdout.utf8))
        #expect(s.tiles == written.count)
        #expect(s.features > HueFixture.source.features.count)
        #expect(s.bad_layer.isEmpty)
        #expect(s.wrong_attributes.isEmpty, "\(s.wrong_attributes.prefix(5))")
        #expect(s.misplaced.isEmpty, "\(s.misplaced.prefix(5))")
        #expect(s.missing.isEmpty, "\(s.missing.prefix(5))")
        #expect(s.invalid.isEmpty, "\(s.invalid.count) invalid of \(s.features): \(s.invalid.prefix(5))")
    }

    /// GDAL's MVT driver reads each zoom of the pyramid as a layer with every feature's attributes.
    @Test func everyZoomOpensWithGDAL() throws {
        let dir = ScratchDirectory("tiles-gdal")
        let written = try HueFixture.writePyramid(to: dir.url, maxZoom: Self.maxZoom)
        for z in 0...Self.maxZoom {
            let tiles = written.filter { $0.z == z }
            // One file per zoom through GDAL is slow: every tile at low zooms, a spread above.
            let sample = tiles.count <= 12 ? tiles : stride(from: 0, to: tiles.count, by: tiles.count / 12).map { tiles[$0] }
            for c in sample {
                let path = dir.path("\(c.z)/\(c.x)/\(c.y).mvt")
                let r = try Run.process("ogrinfo", ["-ro", "-al", "-geom=SUMMARY", "MVT:" + path])
                #expect(r.succeeded, "\(c): \(r.stderr)")
                #expect(r.stdout.contains("Layer name: communes"), "\(c)")
                #expect(r.stdout.contains("commune_vn (String) = "), "\(c)")
                #expect(r.stdout.contains("population (Integer"), "\(c)")
                #expect(!r.stderr.contains("ERROR"), "\(c): \(r.stderr)")
                // GDAL geo-references z/x/y paths: coordinates come out in EPSG:3857 around Huế.
                let built = TileBuilder.build([LayerCut(layer: HueFixture.source.layer)], at: c)
                let count = try MVTDecoder.decode(built.data).layers[0].features.count
                #expect(r.stdout.contains("Feature Count: \(count)"), "\(c): expected \(count) features")
            }
        }
    }
}
