import Testing
import Foundation
import GeoModel
import TestSupport
@testable import Tiles

/// Archives built by `TileArchiveBuilder`: every tile equals the one made on demand, and
/// independent readers (the `pmtiles` Python package, GDAL's MBTiles driver) open them.
@Suite struct ArchiveTests {
    static let maxZoom = 11

    /// A store with the Huế communes and an archive of its default tileset.
    func built(_ format: TileArchiveBuilder.Format, in dir: ScratchDirectory) async throws -> (TileService, String, TileArchiveBuilder.Summary, TileTestStore) {
        let cat = try TileTestStore()
        try cat.publishHue()
        let tiles = try TileService(store: cat.store, configuration: .init(cacheMegabytes: 0))
        let out = dir.path("hue.\(format.rawValue)")
        let summary = try await TileArchiveBuilder.build(try await tiles.tileSource(named: "hue-communes"), to: out, format: format, maxZoom: Self.maxZoom)
        return (tiles, out, summary, cat)
    }

    func plain(_ t: EncodedTile?) throws -> [UInt8]? {
        guard let t else { return nil }
        return t.isGzipped ? try Gzip.decompress(t.data) : t.data
    }

    @Test(arguments: TileArchiveBuilder.Format.allCases)
    func everyArchivedTileEqualsTheTileMadeOnDemand(format: TileArchiveBuilder.Format) async throws {
        let dir = ScratchDirectory("archive")
        let (tiles, path, summary, _cat) = try await built(format, in: dir)
        _ = _cat
        #expect(summary.tiles > 40)
        #expect(!FileManager.default.fileExists(atPath: TileArchiveBuilder.temporaryPath(for: path)))
        let archive = try TileArchive.open(path)
        let live = try await tiles.tileSource(named: "hue-communes")
        let meta = try await live.metadata()
        let archived = try await archive.metadata()
        #expect(archived.name == "hue")
        #expect(archived.vectorLayers.map(\.id) == meta.vectorLayers.map(\.id))
        #expect(Set(archived.vectorLayers[0].fields.map(\.name)) == Set(meta.vectorLayers[0].fields.map(\.name)))
        #expect(archived.attribution == meta.attribution)
        #expect(archived.maxZoom == Self.maxZoom)
        var compared = 0, nonEmpty = 0
        for z in 0...Self.maxZoom {
            let r = TileCoord.covering(meta.bounds, zoom: z)
            for x in r.xs { for y in r.ys {
                let c = TileCoord(z: z, x: x, y: y)
                let a = try plain(try await archive.tile(c)), b = try plain(try await live.tile(c))
                #expect(a == b, "tile \(c) differs: archive \(a?.count ?? 0) bytes, on demand \(b?.count ?? 0) bytes")
                if let a {
                    let decoded = try MVTDecoder.decode(a)
                    #expect(decoded.layer("hue-communes")?.features.isEmpty == false)
                    nonEmpty += 1
                }
                compared += 1
            } }
        }
        #expect(nonEmpty == summary.tiles)
        #expect(compared == summary.visited)
        #expect(summary.cut >= summary.tiles && summary.cut <= summary.visited)
        // Tiles outside the bounds are simply absent.
        #expect(try await archive.tile(TileCoord(z: 5, x: 0, y: 0)) == nil)
    }

    /// An archive build skips the tiles the packs say are empty: at every zoom, every tile
    /// cut with features on demand is covered, and some of Huế's box (the sea) is not.
    @Test func coverageHoldsEveryTileWithFeaturesAndLeavesOutTheSea() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        let tiles = try TileService(store: cat.store, configuration: .init(cacheMegabytes: 0, overviewTiles: 0))
        let live = try await tiles.tileSource(named: "hue-communes")
        let meta = try await live.metadata()
        var withFeatures = 0, leftOut = 0
        for z in 0...12 {
            let r = TileCoord.covering(meta.bounds, zoom: z)
            let coverage = try #require(try await live.coverage(zoom: z, xs: r.xs, ys: r.ys))
            for x in r.xs { for y in r.ys {
                let c = TileCoord(z: z, x: x, y: y)
                if try await live.tile(c) != nil {
                    withFeatures += 1
                    #expect(coverage.contains(c), "tile \(c) has features but is not covered")
                }
                if !coverage.contains(c) { leftOut += 1 }
            } }
        }
        #expect(withFeatures > 100)
        #expect(leftOut > 0)
    }

    @Test func pythonPMTilesReaderOpensTheArchive() async throws {
        let dir = ScratchDirectory("archive-py")
        let (tiles, path, summary, _cat) = try await built(.pmtiles, in: dir)
        _ = _cat
        let centre = HueFixture.source.bounds.center
        let r10 = TileCoord.covering(BoundingBox(minX: centre.x, minY: centre.y, maxX: centre.x, maxY: centre.y), zoom: 10)
        let c = TileCoord(z: 10, x: r10.xs.lowerBound, y: r10.ys.lowerBound)
        let expected = try plain(try await tiles.tileSource(named: "hue-communes").tile(c))
        let r = try Run.python(#"""
import sys, json, gzip
from pmtiles.reader import Reader, MmapSource
import mapbox_vector_tile
with open(sys.argv[1], "rb") as f:
    r = Reader(MmapSource(f))
    h = r.header()
    m = r.metadata()
    t = r.get(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    tile = mapbox_vector_tile.decode(gzip.decompress(t)) if t else {}
    print(json.dumps(dict(magic_ok=True, min_zoom=h["min_zoom"], max_zoom=h["max_zoom"], addressed=h["addressed_tiles_count"],
        clustered=h["clustered"], tile_compression=h["tile_compression"].name, layers=[l["id"] for l in m["vector_layers"]],
        attribution=m.get("attribution", ""), features=sum(len(l["features"]) for l in tile.values()),
        names=sorted(f["properties"].get("commune_vn", "") for l in tile.values() for f in l["features"]))))
"""#, [path, String(c.z), String(c.x), String(c.y)])
        try #require(r.succeeded, "pmtiles reader failed: \(r.stderr)")
        struct Out: Decodable { var min_zoom: Int; var max_zoom: Int; var addressed: Int; var clustered: Bool; var tile_compression: String
                                var layers: [String]; var attribution: String; var features: Int; var names: [String] }
        let out = try JSONDecoder().decode(Out.self, from: Data(r.stdout.utf8))
        // Communes narrower than the smallest part drawn (4 of 4096 units) are left out, so
        // the first zooms, where the whole province is a few units wide, hold no tile.
        #expect(out.min_zoom > 0 && out.min_zoom <= 4 && out.max_zoom == Self.maxZoom, "\(out.min_zoom)–\(out.max_zoom)")
        #expect(out.addressed == summary.tiles)
        #expect(out.clustered)
        #expect(out.tile_compression == "GZIP")
        #expect(out.layers == ["hue-communes", "hue-communes_label"])
        #expect(out.attribution.contains("censusVN2009"))
        let mine = try MVTDecoder.decode(try #require(expected))
        #expect(out.features == mine.layers.reduce(0) { $0 + $1.features.count })
        #expect(out.features > 0)
        #expect(out.names.contains { $0.contains("Phường") || $0.contains("Xã") || $0.contains("Thị trấn") })
    }

    @Test func gdalReadsTheMBTiles() async throws {
        let dir = ScratchDirectory("archive-gdal")
        let (_, path, _, _cat) = try await built(.mbtiles, in: dir)
        _ = _cat
        let r = try Run.process("ogrinfo", ["-ro", "-so", "-oo", "ZOOM_LEVEL=10", path, "hue-communes"])
        try #require(r.succeeded, "ogrinfo failed: \(r.stderr)")
        #expect(r.stdout.contains("Layer name: hue-communes"))
        #expect(r.stdout.contains("commune_vn: String"))
        let count = r.stdout.split(separator: "\n").first { $0.hasPrefix("Feature Count:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        #expect(count >= 100, "\(r.stdout)")   // the 152 communes, some cut in two by tile edges, deduplicated by GDAL
    }

    /// A polygon much larger than a tile makes the same tile again and again (every tile inside
    /// it); the MBTiles keeps one copy of each distinct tile in the layout tippecanoe writes
    /// (`map`, `images`, the view `tiles`), and sqlite3, GDAL and the pmtiles converter read it.
    @Test func mbtilesHoldsEachDistinctTileOnce() async throws {
        let dir = ScratchDirectory("archive-dedup")
        let cat = try TileTestStore()
        let square: Geometry = .polygon([[Position(106.5, 16.0), Position(108.0, 16.0), Position(108.0, 17.2),
                                          Position(106.5, 17.2), Position(106.5, 16.0)]])
        try cat.publish("vung", fields: [FieldDefinition(name: "ten", type: .text)],
                        features: [Feature(id: 1, geometry: square, values: [.text("Vùng thử")])], title: "Vùng")
        let tiles = try TileService(store: cat.store, configuration: .init(cacheMegabytes: 0))
        let path = dir.path("vung.mbtiles")
        let summary = try await TileArchiveBuilder.build(try await tiles.tileSource(named: "vung"), to: path, format: .mbtiles, maxZoom: 12)

        let counts = try Run.process("sqlite3", [path, """
            SELECT (SELECT COUNT(*) FROM map), (SELECT COUNT(*) FROM images), (SELECT COUNT(DISTINCT tile_data) FROM images),
                   (SELECT COUNT(*) FROM tiles), (SELECT type FROM sqlite_master WHERE name = 'tiles');
            """])
        try #require(counts.succeeded, "sqlite3: \(counts.stderr)")
        let cells = counts.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
        try #require(cells.count == 5, "\(counts.stdout)")
        let placed = Int(cells[0]) ?? 0, stored = Int(cells[1]) ?? 0, distinct = Int(cells[2]) ?? 0
        #expect(placed == summary.tiles, "every tile has its place in map")
        #expect(Int(cells[3]) == placed, "the tiles view lists every tile")
        #expect(cells[4] == "view")
        #expect(stored == distinct, "each distinct tile stored once: \(stored) rows, \(distinct) distinct")
        #expect(stored * 2 < placed, "the tiles inside the square are one tile: \(stored) stored for \(placed) places")

        // Every tile read back through the archive reader equals the tile made on demand.
        let archive = try TileArchive.open(path)
        let live = try await tiles.tileSource(named: "vung")
        let meta = try await live.metadata()
        for z in [6, 9, 12] {
            let r = TileCoord.covering(meta.bounds, zoom: z)
            for x in r.xs { for y in r.ys {
                let c = TileCoord(z: z, x: x, y: y)
                #expect(try plain(try await archive.tile(c)) == plain(try await live.tile(c)), "tile \(c)")
            } }
        }
        // GDAL's MBTiles driver and the pmtiles converter (which query the `tiles` view) read it.
        let info = try Run.process("ogrinfo", ["-ro", "-so", "-oo", "ZOOM_LEVEL=12", path, "vung"])
        #expect(info.succeeded && info.stdout.contains("ten: String"), "\(info.stdout)\(info.stderr)")
        let converted = try Run.python(#"""
import sys, json
from pmtiles.convert import mbtiles_to_pmtiles
from pmtiles.reader import Reader, MmapSource
mbtiles_to_pmtiles(sys.argv[1], sys.argv[2], 15)
with open(sys.argv[2], "rb") as f:
    h = Reader(MmapSource(f)).header()
print(json.dumps({"addressed": h["addressed_tiles_count"], "contents": h["tile_contents_count"]}))
"""#, [path, dir.path("vung.pmtiles")])
        try #require(converted.succeeded, "pmtiles convert: \(converted.stderr)")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(converted.stdout.utf8)) as? [String: Int])
        #expect(header["addressed"] == placed)
        #expect(header["contents"] == distinct)
    }

    @Test func badInputIsRefusedWithItsReason() async throws {
        let dir = ScratchDirectory("archive-bad")
        let cat = try TileTestStore()
        try cat.publishHue()
        let tiles = try TileService(store: cat.store)
        await #expect(throws: TilesError.self) { _ = try await tiles.tileSource(named: "no-such-tileset") }
        do {
            _ = try await TileArchiveBuilder.build(try await tiles.tileSource(named: "hue-communes"), to: dir.path("missing/x.pmtiles"), format: .pmtiles)
            Issue.record("a missing output folder was accepted")
        } catch let e as TilesError {
            #expect(e.kind == .badArchive && e.detail.contains("does not exist") && e.detail.contains("missing"))
        }
        // A good archive, then damaged copies of it.
        let good = dir.path("good.pmtiles")
        _ = try await TileArchiveBuilder.build(try await tiles.tileSource(named: "hue-communes"), to: good, format: .pmtiles, maxZoom: 8)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let cases: [(String, Data, String)] = [
            ("truncated", bytes.prefix(bytes.count / 2), "truncated"),
            ("short", bytes.prefix(60), "shorter than a PMTiles header"),
            ("notpm", Data("{\"type\": \"FeatureCollection\"}".utf8) + Data(count: 200), "magic number"),
            ("badroot", bytes.prefix(127) + Data(repeating: 0xAB, count: 400) + bytes.dropFirst(527), "directory"),
        ]
        for (name, data, expected) in cases {
            let p = dir.path("\(name).pmtiles")
            try data.write(to: URL(fileURLWithPath: p))
            do { _ = try TileArchive.open(p); Issue.record("\(name) archive was accepted") } catch let e as TilesError {
                #expect(e.kind == .badArchive)
                #expect(e.detail.contains(p) && e.detail.contains(expected), "\(name): \(e.detail)")
            }
        }
        let junk = dir.path("junk.mbtiles")
        try Data(repeating: 0x42, count: 5000).write(to: URL(fileURLWithPath: junk))
        #expect { _ = try TileArchive.open(junk) } throws: { ($0 as? TilesError)?.detail.contains(junk) == true }
        #expect { _ = try TileArchive.open(dir.path("absent.pmtiles")) } throws: { ($0 as? TilesError)?.detail.contains("does not exist") == true }
    }

    @Test func hilbertIdsMatchTheSpecAndOrderIsIncreasing() {
        // Values from the PMTiles spec's reference implementation.
        #expect(PMTiles.tileId(TileCoord(z: 0, x: 0, y: 0)) == 0)
        #expect(PMTiles.tileId(TileCoord(z: 1, x: 0, y: 0)) == 1)
        #expect(PMTiles.tileId(TileCoord(z: 1, x: 0, y: 1)) == 2)
        #expect(PMTiles.tileId(TileCoord(z: 1, x: 1, y: 1)) == 3)
        #expect(PMTiles.tileId(TileCoord(z: 1, x: 1, y: 0)) == 4)
        #expect(PMTiles.tileId(TileCoord(z: 2, x: 0, y: 0)) == 5)
        for c in [TileCoord(z: 12, x: 3245, y: 1900), TileCoord(z: 20, x: 833_333, y: 476_111)] {
            #expect(PMTiles.coord(PMTiles.tileId(c)) == c)
        }
        let order = Array(TileArchiveBuilder.hilbertOrder(z: 10, xs: 800...830, ys: 460...480))
        #expect(order.count == 31 * 21)
        #expect(zip(order, order.dropFirst()).allSatisfy { PMTiles.tileId($0) < PMTiles.tileId($1) })
    }
}
