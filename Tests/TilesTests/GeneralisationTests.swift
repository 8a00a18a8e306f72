import Testing
import Foundation
import GeoModel
import TestSupport
@testable import Tiles

/// Generalisation once per version (issue 23): tiles from geometry simplified per zoom stay
/// valid, neighbours keep meeting, each place is labelled once, points thin out at low zooms.
@Suite struct GeneralisationTests {
    static let zooms = 6...12

    /// Every tile of the Huế fixture at `zooms`, written as `dir/z/x/y.mvt`.
    static func writeTiles(_ cuts: [LayerCut], to dir: URL, bounds: BoundingBox = HueFixture.source.bounds,
                           zooms: ClosedRange<Int> = zooms) throws -> Int {
        var written = 0
        for z in zooms {
            let r = TileCoord.covering(bounds, zoom: z)
            for x in r.xs { for y in r.ys {
                let built = TileBuilder.build(cuts, at: TileCoord(z: z, x: x, y: y))
                guard !built.isEmpty else { continue }
                let folder = dir.appendingPathComponent("\(z)/\(x)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(built.data).write(to: folder.appendingPathComponent("\(y).mvt"))
                written += 1
            } }
        }
        return written
    }

    /// Decodes every tile with mapbox-vector-tile and checks it with GEOS (shapely): invalid
    /// polygons, the area where two communes overlap (neighbours that no longer meet), and
    /// for each zoom how often each commune is labelled and whether its label is inside it.
    static let checkScript = #"""
import sys, glob, os, json
from collections import Counter
import mapbox_vector_tile
from shapely.geometry import shape, box
from shapely.ops import unary_union
root, layer, labels = sys.argv[1], sys.argv[2], sys.argv[3]
inner = box(0, 0, 4096, 4096)
report = dict(tiles=0, polygons=0, invalid=[], overlap=0.0, area=0.0, labelled_twice=[], unlabelled=[], label_outside=[])
drawn, labelled = {}, {}
for path in sorted(glob.glob(f"{root}/*/*/*.mvt")):
    key = os.path.splitext(os.path.relpath(path, root))[0]
    z = int(key.split("/")[0])
    t = mapbox_vector_tile.decode(open(path, "rb").read(), default_options={"y_coord_down": True})
    report["tiles"] += 1
    shapes = {}
    for f in t.get(layer, {}).get("features", []):
        g = shape(f["geometry"])
        report["polygons"] += 1
        if not g.is_valid:
            report["invalid"].append(key); g = g.buffer(0)
        shapes[f["id"]] = g
        drawn.setdefault(z, set()).add(f["id"])
    parts = [g.intersection(inner) for g in shapes.values()]
    total = sum(p.area for p in parts)
    report["area"] += total
    report["overlap"] += total - unary_union(parts).area if parts else 0
    for f in t.get(labels, {}).get("features", []):
        labelled.setdefault(z, Counter())[f["id"]] += 1
        p = shape(f["geometry"])
        if f["id"] not in shapes or shapes[f["id"]].distance(p) > 1: report["label_outside"].append([key, f["id"]])
for z, ids in drawn.items():
    counts = labelled.get(z, Counter())
    report["labelled_twice"] += [[z, i] for i, n in counts.items() if n > 1]
    # Every commune of Huế is at least 48 units wide from z11, so labelled there.
    if z >= 11: report["unlabelled"] += [[z, i] for i in ids if counts[i] == 0]
print(json.dumps(report))
"""#

    struct Report: Decodable {
        var tiles: Int
        var polygons: Int
        var invalid: [String]
        var overlap: Double
        var area: Double
        var labelled_twice: [[Int]]
        var unlabelled: [[Int]]
        var label_outside: [[PyramidTests.JSONValue]]
    }

    static func check(_ cuts: [LayerCut], bounds: BoundingBox = HueFixture.source.bounds, zooms: ClosedRange<Int> = zooms) throws -> Report {
        let dir = ScratchDirectory("tiles-generalised")
        let written = try writeTiles(cuts, to: dir.url, bounds: bounds, zooms: zooms)
        try #require(written > 20)
        let r = try Run.python(checkScript, [dir.url.path, "communes", "communes_label"])
        try #require(r.succeeded, "check failed: \(r.stderr)")
        return try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
    }

    static func generalised(tolerance: Double) -> GeneralisedLayer {
        GeneralisedLayer(layer: HueFixture.source.layer, minZoom: 0, maxZoom: 14) { _ in ZoomSettings(tolerance: tolerance, minSize: 4) }
    }

    /// A coarse tolerance shows the difference: simplified ring by ring, two communes each
    /// move their shared boundary their own way and overlap (the per-tile simplification of
    /// before); simplified arc by arc, they keep meeting, and overlap no more than the source
    /// data does where its neighbours were digitised apart (unsimplified tiles).
    @Test func neighboursStillMeetAfterSimplificationAndTilesStayValid() throws {
        let source = try Self.check([LayerCut(layer: HueFixture.source.layer, tolerance: 0)])
        let perTile = try Self.check([LayerCut(layer: HueFixture.source.layer, tolerance: 8)])
        let perArc = try Self.check([LayerCut(layer: HueFixture.source.layer, tolerance: 8, generalised: Self.generalised(tolerance: 8),
                                              labelLayer: "communes_label")])
        #expect(perArc.polygons > 500)
        #expect(perArc.invalid.isEmpty, "invalid polygons in \(perArc.invalid.prefix(10))")
        // (The source's own overlap is mostly enclaves drawn without a hole in their host.)
        #expect(perArc.overlap <= source.overlap + perArc.area * 1e-6,
                "communes overlap over \(perArc.overlap) square units, the source data \(source.overlap)")
        #expect(perTile.overlap > source.overlap + perArc.area * 1e-5,
                "the measure should see ring-by-ring simplification (\(perTile.overlap), source \(source.overlap))")
    }

    /// The islands of Hạ Long Bay at z5–z10 with the default bands' tolerances (4 units to z7,
    /// 2 to z9): a commune of nineteen islands a few units apart, each ring simplified and
    /// rounded on its own, used to come out with rings crossing each other (three invalid
    /// communes over the whole country at z6–z7, GEOS "Self-intersection").
    @Test func communesOfManyIslandsStayValidAtLowZooms() throws {
        let source = HueFixture.islands
        let g = GeneralisedLayer(layer: source.layer, minZoom: 0, maxZoom: 14) { z in
            ZoomSettings(tolerance: z <= 7 ? 4 : z <= 9 ? 2 : 1, minSize: 4)
        }
        let report = try Self.check([LayerCut(layer: source.layer, generalised: g, labelLayer: "communes_label")],
                                    bounds: source.bounds, zooms: 5...10)
        #expect(report.polygons > 400)
        #expect(report.invalid.isEmpty, "invalid polygons in \(report.invalid.prefix(10))")
    }

    @Test func eachPlaceIsLabelledOnceInsideItself() throws {
        let report = try Self.check([LayerCut(layer: HueFixture.source.layer, generalised: Self.generalised(tolerance: 1),
                                              labelLayer: "communes_label")])
        #expect(report.labelled_twice.isEmpty, "labelled more than once (zoom, id): \(report.labelled_twice.prefix(10))")
        #expect(report.unlabelled.isEmpty, "drawn but never labelled (zoom, id): \(report.unlabelled.prefix(10))")
        #expect(report.label_outside.isEmpty, "labels outside their commune: \(report.label_outside.prefix(10))")
    }

    /// 20,000 points in a small square: every one at z14, a thinned share at z6 whose
    /// members are all still there at z10 (what a zoom keeps, the next keeps too).
    @Test func pointsAreThinnedAtLowZoomsAndAllShownAtHighZooms() throws {
        var rng = SystemRandomNumberGenerator()
        let features = (0..<20_000).map { i in
            let p = Position(107.5 + Double.random(in: 0..<0.05, using: &rng), 16.4 + Double.random(in: 0..<0.05, using: &rng))
            return PreparedFeature(id: Int64(i + 1), geometry: PreparedGeometry(lonLat: .point(p))!, values: [])
        }
        let layer = PreparedLayer(name: "points", fieldNames: [], features: features)
        let g = GeneralisedLayer(layer: layer, minZoom: 0, maxZoom: 14) { _ in ZoomSettings() }
        let cut = LayerCut(layer: layer, generalised: g)
        func ids(_ z: Int) throws -> Set<UInt64> {
            let r = TileCoord.covering(BoundingBox(minX: 107.5, minY: 16.4, maxX: 107.55, maxY: 16.45), zoom: z)
            var out = Set<UInt64>()
            for x in r.xs { for y in r.ys {
                let built = TileBuilder.build([cut], at: TileCoord(z: z, x: x, y: y))
                guard !built.isEmpty else { continue }
                for f in try MVTDecoder.decode(built.data).layer("points")?.features ?? [] { out.insert(f.id!) }
            } }
            return out
        }
        let z6 = try ids(6), z10 = try ids(10), z14 = try ids(14)
        #expect(z14.count == 20_000)
        #expect(z6.count <= GeneralisedLayer.pointsPerTile && z6.count >= GeneralisedLayer.pointsPerTile / 4, "\(z6.count) points at z6")
        #expect(z6.isSubset(of: z10))
    }

    @Test func arcsSharedByNeighboursAreSimplifiedOnce() {
        // Two unit squares side by side, the shared side drawn with a wiggle (a position 0.01
        // off the line): simplified, both lose the wiggle together.
        func square(_ x0: Double, _ wiggleOnRight: Bool) -> PreparedGeometry {
            var g = PreparedGeometry(family: .polygon)
            let pts: [(Double, Double)] = wiggleOnRight
                ? [(x0, 0), (x0 + 1, 0), (x0 + 1.01, 0.5), (x0 + 1, 1), (x0, 1)]
                : [(x0, 0), (x0 + 0.01, 0.5), (x0, 1), (x0 + 1, 1), (x0 + 1, 0)].reversed()
            for p in pts { g.xs.append(p.0 * 1000); g.ys.append(p.1 * 1000); g.bbox.extend(Position(p.0 * 1000, p.1 * 1000)) }
            g.partEnds = [Int32(pts.count)]; g.exterior = [true]
            return g
        }
        let topology = ArcTopology([square(0, true), square(1, false)])
        let out = topology.simplified(tolerance: 50, minSize: 0)
        let left = Set(zip(out[0]!.xs, out[0]!.ys).map { "\($0),\($1)" })
        let right = Set(zip(out[1]!.xs, out[1]!.ys).map { "\($0),\($1)" })
        #expect(left.intersection(right) == ["1000.0,0.0", "1000.0,1000.0"])
        #expect(!left.contains("1010.0,500.0") && !right.contains("1010.0,500.0"))
    }
}

/// Zoom bands through the service: what the default tileset carries at each zoom, what a
/// tileset file's bands change, and preparation when a version is published.
@Suite struct ZoomBandTests {
    @Test func defaultTilesetCarriesNamesAtLowZoomsEveryFieldFromZ8AndLabelPoints() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        let tiles = try TileService(store: cat.store)
        let meta = try await tiles.metadata("hue-communes")
        #expect(meta.vectorLayers.map(\.id) == ["hue-communes", "hue-communes_label"])
        let all = Set(HueFixture.fieldNames)
        for (z, fields) in [(7, Set(["commune_id", "commune_vn", "district_vn"])), (8, all), (12, all)] {
            let tile = try decode(try await tiles.tile("hue-communes", centre(z), acceptsGzip: true))
            let polygons = try #require(tile.layer("hue-communes"))
            #expect(Set(polygons.keys) == fields, "z\(z)")
            let labels = try #require(tile.layer("hue-communes_label"), "z\(z): no label layer")
            #expect(!labels.features.isEmpty && labels.features.allSatisfy { $0.type == .point && $0.attributes["commune_vn"] != nil })
            #expect(labels.features.count < polygons.features.count, "z\(z): communes cut by the tile's edges are labelled in one tile only")
        }
    }

    /// A dense layer's low zooms are coalesced (its features merged by the names and codes
    /// they share), a sparse one's are not; a band carrying only some fields carries them, and
    /// the label points still carry the names.
    @Test func aDenseLayerIsCoalescedAtLowZoomsAndItsLabelsKeepTheNames() throws {
        let fields = HueFixture.fieldNames
        let sparse = ZoomBand.defaults(fieldNames: fields, featureCount: 152)
        #expect(sparse.first?.fields == ["commune_id", "commune_vn", "district_vn"] && sparse.first?.coalesce == nil)
        let dense = ZoomBand.defaults(fieldNames: fields, featureCount: 11_163)
        #expect(dense.first?.fields == ["commune_id", "commune_vn", "district_vn"] && dense.first?.coalesce == true && dense.first?.maxzoom == 7)
        #expect(dense.dropFirst().allSatisfy { $0.fields == nil }, "every field from z8")

        let layer = HueFixture.source.layer
        let g = GeneralisedLayer(layer: layer, minZoom: 0, maxZoom: 14) { z in ZoomSettings(tolerance: 4, minSize: 4, fieldIndices: z <= 7 ? [0] : nil) }
        let tile = try MVTDecoder.decode(TileBuilder.build([LayerCut(layer: layer, generalised: g, labelLayer: "communes_label")], at: centre(7)).data)
        let polygons = try #require(tile.layer("communes"))
        #expect(polygons.keys == ["commune_id"] && polygons.features.count > 50)
        let labels = try #require(tile.layer("communes_label"))
        #expect(!labels.features.isEmpty && labels.features.allSatisfy { $0.attributes["commune_vn"] != nil && $0.attributes["district_vn"] != nil })
    }

    @Test func aTilesetFileDecidesTheFieldsOfEachBand() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        let folder = ScratchDirectory("tiles-bands")
        let json = #"{"layers": [{"id": "xa", "dataset": "hue-communes", "minzoom": 6, "labels": false,"#
            + #" "bands": [{"maxzoom": 8, "fields": ["commune_vn"], "minSize": 8, "tolerance": 2}]}]}"#
        try Data(json.utf8).write(to: folder.url.appendingPathComponent("xa.json"))
        let tiles = try TileService(store: cat.store, configuration: .init(tilesFolder: folder.url))
        #expect(try await tiles.metadata("xa").vectorLayers.map(\.id) == ["xa"])
        let z8 = try decode(try await tiles.tile("xa", centre(8), acceptsGzip: false))
        #expect(z8.layer("xa")?.keys == ["commune_vn"])
        #expect(z8.layer("xa_label") == nil)
        let z9 = try decode(try await tiles.tile("xa", centre(9), acceptsGzip: false))
        #expect(Set(z9.layer("xa")?.keys ?? []) == Set(HueFixture.fieldNames))
    }

    @Test func badBandsAreRefusedWithAMessageNamingTheLayer() throws {
        let def = TilesetDefinition(name: "xa", layers: [.init(id: "xa", dataset: "d", fields: ["a"],
                                                               bands: [ZoomBand(maxzoom: 9), ZoomBand(maxzoom: 8)])])
        #expect { try def.validate(source: "xa.json") } throws: { "\($0)".contains("layer \"xa\": band maxzooms must rise") }
        let extra = TilesetDefinition(name: "xa", layers: [.init(id: "xa", dataset: "d", fields: ["a"], bands: [ZoomBand(maxzoom: 8, fields: ["b"])])])
        #expect { try extra.validate(source: "xa.json") } throws: { "\($0)".contains("keeps field \"b\"") }
    }

    /// Publishing makes the tiles ready without waiting for a citizen's first request.
    @Test func publishingPreparesTheNewVersionBeforeAnyTileIsAsked() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        let tiles = try TileService(store: cat.store)
        _ = try await tiles.metadata("hue-communes")
        let v2 = try cat.publishHue()
        tiles.checkCurrentVersionsNow()
        var ready = false
        for _ in 0..<1200 where !ready {
            ready = tiles.prepared.isPrepared(versionId: v2)
            if !ready { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(ready, "version \(v2) was not prepared after its publication")
    }
}
