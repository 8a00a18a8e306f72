import Foundation
import GeoModel
import Testing
import TestSupport
@testable import Tiles

/// Layers prepared on disk (`LayerPack`), region by region: the tiles they give are those of
/// the layer generalised whole in memory, their files go with their version, and a full disk
/// is reported as such.
@Suite struct LayerPackTests {
    static let bands: @Sendable (Int) -> ZoomSettings = { z in
        ZoomSettings(tolerance: z <= 7 ? 4 : z <= 9 ? 2 : 1, minSize: 4, fieldIndices: z <= 7 ? [0, 1] : nil)
    }

    static func tile(at p: Position, zoom z: Int) -> TileCoord {
        let r = TileCoord.covering(BoundingBox(minX: p.x, minY: p.y, maxX: p.x, maxY: p.y), zoom: z)
        return TileCoord(z: z, x: r.xs.lowerBound, y: r.ys.lowerBound)
    }

    static func pack(_ layer: PreparedLayer, in folder: URL, regionSize: Int, settings: @escaping (Int) -> ZoomSettings,
                     fullDetail: Bool, shareSimilarLevels: Bool = false) throws -> LayerPack {
        let s = (0...14).map(settings)
        var plan = LayerPackBuilder.Plan(name: layer.name, fieldNames: layer.fieldNames, minZoom: 0, maxZoom: 14, settings: s,
                                         labels: true, fullDetail: fullDetail)
        plan.regionSize = regionSize
        plan.shareSimilarLevels = shareSimilarLevels
        let dir = folder.appendingPathComponent("pack")
        try LayerPackBuilder.build(into: dir, plan: plan) { body in
            for f in layer.features { try body(f) }
            return 0
        }
        return try LayerPack(folder: dir, settings: s)
    }

    /// Every tile over `bounds` at `zooms` from both cuts, compared byte for byte; returns how
    /// many were not empty.
    static func compare(_ a: LayerCut, _ b: LayerCut, bounds: BoundingBox, zooms: ClosedRange<Int>, limit: Int = 400) -> Int {
        var nonEmpty = 0
        for z in zooms {
            let r = TileCoord.covering(bounds, zoom: z)
            var seen = 0
            for x in r.xs { for y in r.ys where seen < limit {
                seen += 1
                let c = TileCoord(z: z, x: x, y: y)
                let one = TileBuilder.build([a], at: c), two = TileBuilder.build([b], at: c)
                #expect(one.data == two.data, "tile \(c): \(one.data.count) bytes in memory, \(two.data.count) from the pack")
                if !one.isEmpty { nonEmpty += 1 }
            } }
        }
        return nonEmpty
    }

    /// Regions of twelve communes, each generalised with its own topology (and its
    /// neighbours): the tiles, label points included, are byte for byte those of the whole
    /// layer generalised at once, so boundaries shared across regions are simplified alike and
    /// neighbours still meet; past z14 the whole detail is drawn as before.
    @Test func packBuiltByRegionsGivesTheTilesOfTheWholeLayer() throws {
        let source = HueFixture.source
        let whole = GeneralisedLayer(layer: source.layer, minZoom: 0, maxZoom: 14, settings: Self.bands)
        let dir = ScratchDirectory("tiles-pack")
        let pack = try Self.pack(source.layer, in: dir.url, regionSize: 12, settings: Self.bands, fullDetail: true)
        #expect(pack.featureCount == source.layer.features.count)
        let n = Self.compare(LayerCut(layer: source.layer, maxZoom: 16, generalised: whole, labelLayer: "communes_label"),
                             LayerCut(pack: pack, maxZoom: 16, labelLayer: "communes_label"),
                             bounds: source.bounds, zooms: 5...15)
        #expect(n > 100)
    }

    /// What a tile learns of a feature's rounded rings (each short ring simple, the rings
    /// apart) holds in every tile that draws it whole, as rounding is the same in each: tiles
    /// cut once every check is known, skipping them, are byte for byte those cut in memory,
    /// which never skips them.
    @Test func ringChecksLearnedInOneTileHoldInTheOthers() throws {
        let source = HueFixture.source
        let whole = GeneralisedLayer(layer: source.layer, minZoom: 0, maxZoom: 14, settings: Self.bands)
        let dir = ScratchDirectory("tiles-pack-checks")
        let pack = try Self.pack(source.layer, in: dir.url, regionSize: 64, settings: Self.bands, fullDetail: false)
        let memory = LayerCut(layer: source.layer, generalised: whole), packed = LayerCut(pack: pack)
        func learned(_ state: TileClipper.RingChecks) -> Int {
            (8...12).reduce(0) { n, z in
                guard let m = pack.ringChecks(zoom: z) else { return n }
                return n + (0..<m.count).filter { m[$0] == state }.count
            }
        }
        #expect(learned(.clean) == 0)
        _ = Self.compare(memory, packed, bounds: source.bounds, zooms: 8...12)
        let clean = learned(.clean)
        #expect(clean > 200, "\(clean) features known clean")
        #expect(Self.compare(memory, packed, bounds: source.bounds, zooms: 8...12) > 50)
    }

    /// The islands of Hạ Long Bay (communes of many parts), in regions of 25.
    @Test func islandsInRegionsMatchTheWholeLayer() throws {
        let source = HueFixture.islands
        let whole = GeneralisedLayer(layer: source.layer, minZoom: 0, maxZoom: 14, settings: Self.bands)
        let dir = ScratchDirectory("tiles-pack")
        let pack = try Self.pack(source.layer, in: dir.url, regionSize: 25, settings: Self.bands, fullDetail: false)
        let n = Self.compare(LayerCut(layer: source.layer, generalised: whole, labelLayer: "communes_label"),
                             LayerCut(pack: pack, labelLayer: "communes_label"),
                             bounds: source.bounds, zooms: 6...12, limit: 150)
        #expect(n > 50)
    }

    /// Twenty thousand points: thinned at low zooms as in memory, every point at the top zoom.
    @Test func pointsAreThinnedAsInMemory() throws {
        var rng = SystemRandomNumberGenerator()
        var features: [PreparedFeature] = []
        for i in 0..<20_000 {
            let p = Position(107.5 + Double.random(in: 0..<0.5, using: &rng), 16.3 + Double.random(in: 0..<0.3, using: &rng))
            features.append(PreparedFeature(id: Int64(i + 1), geometry: PreparedGeometry(lonLat: .point(p))!, values: [.integer(Int64(i % 7))]))
        }
        let layer = PreparedLayer(name: "points", fieldNames: ["kind"], features: features)
        let whole = GeneralisedLayer(layer: layer, minZoom: 0, maxZoom: 14) { _ in ZoomSettings() }
        let dir = ScratchDirectory("tiles-pack")
        let pack = try Self.pack(layer, in: dir.url, regionSize: 1000, settings: { _ in ZoomSettings() }, fullDetail: false)
        let bounds = BoundingBox(minX: 107.5, minY: 16.3, maxX: 108, maxY: 16.6)
        let n = Self.compare(LayerCut(layer: layer, generalised: whole), LayerCut(pack: pack), bounds: bounds, zooms: 4...12, limit: 40)
        #expect(n > 30)
        // The low zooms hold a sample, the top zoom every point.
        let z6 = try MVTDecoder.decode(TileBuilder.build([LayerCut(pack: pack)], at: Self.tile(at: Position(107.7, 16.4), zoom: 6)).data)
        #expect((z6.layers.first?.features.count ?? 0) <= GeneralisedLayer.pointsPerTile)
    }

    /// A service's packs live in a folder of its own, go when their version stops being
    /// current and when the service goes; a folder left by a killed process is removed by the
    /// next one.
    @Test func packFilesFollowTheirVersionAndTheirProcess() throws {
        let base = ScratchDirectory("tiles-packs")
        let stale = base.url.appendingPathComponent("999999999-dead")    // no such process
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        var folder: PackFolder? = try PackFolder(base: base.url)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        let source = HueFixture.source
        let plan = LayerPackBuilder.Plan(name: "communes", fieldNames: HueFixture.fieldNames, minZoom: 0, maxZoom: 14,
                                         settings: (0...14).map(Self.bands), labels: true, fullDetail: false)
        func build(_ version: Int64) throws -> LayerPack {
            try folder!.build(version: version, plan: plan, settings: plan.settings) { body in
                for f in source.layer.features { try body(f) }
                return 0
            }
        }
        let one = try build(1), two = try build(2)
        // Zooms whose level is a copy of the one above within 3 % draw that one (the default).
        let stored = try FileManager.default.contentsOfDirectory(atPath: one.folder.path).filter { $0.hasSuffix(".xy") }
        #expect(stored.count < 15, "levels kept: \(stored.sorted())")
        #expect(!TileBuilder.build([LayerCut(pack: one)], at: centre(12)).isEmpty)
        #expect(FileManager.default.fileExists(atPath: one.folder.path) && FileManager.default.fileExists(atPath: two.folder.path))
        folder!.keepOnly(versions: [2])
        #expect(!FileManager.default.fileExists(atPath: one.folder.path))
        #expect(FileManager.default.fileExists(atPath: two.folder.path))
        // A pack still mapped keeps drawing after its files are removed.
        #expect(!TileBuilder.build([LayerCut(pack: one)], at: centre(10)).isEmpty)
        let own = folder!.url
        folder = nil
        #expect(!FileManager.default.fileExists(atPath: own.path))
    }

    /// A full disk (here /dev/full) is reported as one, so the version is prepared in memory
    /// instead and its tiles still served.
    @Test func aFullDiskIsReported() throws {
        let w = try PackFileWriter(path: "/dev/full")
        var caught: (any Error)?
        do {
            for _ in 0..<300_000 { try w.append(1.0) }
            try w.finish()
        } catch { caught = error }
        let e = try #require(caught as? PackError)
        #expect(String(describing: e).contains("No space left on device"))
    }

    /// Decodes the tiles of two folders and reports, per folder: features, invalid polygons,
    /// the attribute keys seen, whether any feature has an id, the area drawn inside the tiles.
    static let coalesceScript = #"""
import sys, glob, os, json
import mapbox_vector_tile
from shapely.geometry import shape, box
inner = box(0, 0, 4096, 4096)
out = {}
for root in sys.argv[1:]:
    r = dict(features=0, invalid=0, keys=[], ids=0, area=0.0, bytes=0)
    keys = set()
    for path in glob.glob(f"{root}/*/*/*.mvt"):
        data = open(path, "rb").read(); r["bytes"] += len(data)
        t = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
        for f in t.get("communes", {}).get("features", []):
            g = shape(f["geometry"]); r["features"] += 1
            if not g.is_valid: r["invalid"] += 1; g = g.buffer(0)
            if f.get("id"): r["ids"] += 1   # (decoded as 0 when absent)
            keys.update(f["properties"].keys())
            r["area"] += g.intersection(inner).area
    r["keys"] = sorted(keys)
    out[os.path.basename(root)] = r
print(json.dumps(out))
"""#

    struct CoalesceReport: Decodable { var features: Int; var invalid: Int; var keys: [String]; var ids: Int; var area: Double; var bytes: Int }

    /// A dense layer at z6–z7, coalesced: the Huế communes merge into their nine districts (the
    /// field they share; each commune's own name and code are left out), valid polygons
    /// without ids covering what the communes covered, in fewer bytes; in regions of forty
    /// communes, so districts cut by a region's edge are merged on each side of it.
    @Test func denseCommunesCoalesceIntoTheirDistrictsAtLowZooms() throws {
        let source = HueFixture.source
        let plain: @Sendable (Int) -> ZoomSettings = { z in ZoomSettings(tolerance: z <= 7 ? 4 : 1, minSize: 4, fieldIndices: z <= 7 ? [0, 1, 2] : nil) }
        let merged: @Sendable (Int) -> ZoomSettings = { z in var s = plain(z); s.coalesce = z <= 7; return s }
        let dir = ScratchDirectory("tiles-coalesce")
        let a = try Self.pack(source.layer, in: dir.url.appendingPathComponent("a"), regionSize: 40, settings: plain, fullDetail: false)
        let b = try Self.pack(source.layer, in: dir.url.appendingPathComponent("b"), regionSize: 40, settings: merged, fullDetail: false)
        let plainDir = dir.url.appendingPathComponent("plain"), mergedDir = dir.url.appendingPathComponent("merged")
        _ = try GeneralisationTests.writeTiles([LayerCut(pack: a)], to: plainDir, zooms: 6...7)
        _ = try GeneralisationTests.writeTiles([LayerCut(pack: b)], to: mergedDir, zooms: 6...7)
        let r = try Run.python(Self.coalesceScript, [plainDir.path, mergedDir.path])
        try #require(r.succeeded, "check failed: \(r.stderr)")
        let report = try JSONDecoder().decode([String: CoalesceReport].self, from: Data(r.stdout.utf8))
        let p = try #require(report["plain"]), m = try #require(report["merged"])
        #expect(p.features > 150 && p.keys == ["commune_id", "commune_vn", "district_vn"])
        // Districts whose merged boundary would cross itself once rounded stay as communes.
        #expect(m.features < p.features * 7 / 10, "\(m.features) coalesced features against \(p.features) communes")
        #expect(m.keys == ["district_vn"] && m.ids == 0)
        #expect(m.invalid == 0 && p.invalid == 0)
        // The same land: more where small communes no longer leave holes, never less.
        #expect(m.area >= p.area * 0.995 && m.area <= p.area * 1.02, "coalesced area \(m.area), communes \(p.area)")
        #expect(m.bytes * 2 < p.bytes, "\(m.bytes) bytes coalesced, \(p.bytes) not")
        // From z8 every commune again, with every field.
        let z8 = try MVTDecoder.decode(TileBuilder.build([LayerCut(pack: b)], at: centre(8)).data)
        #expect(Set(z8.layer("communes")?.keys ?? []) == Set(HueFixture.fieldNames))
    }
}
