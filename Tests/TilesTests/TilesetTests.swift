import Testing
import Foundation
import TestSupport
@testable import Tiles

@Suite struct TilesetTests {
    func write(_ files: [String: String]) -> ScratchDirectory {
        let dir = ScratchDirectory("tilesets")
        for (name, text) in files { try! Data(text.utf8).write(to: dir.url.appendingPathComponent(name)) }
        return dir
    }

    @Test func filesDefineTilesetsNamedAfterTheFile() throws {
        let dir = write(["admin.json": #"{"description":"Admin","layers":[{"id":"communes","dataset":"hue-communes","minzoom":6,"maxzoom":14,"fields":["commune_vn"]},{"id":"districts","dataset":"hue-districts"}]}"#,
                         "notes.txt": "not a tileset"])
        let defs = try TilesetDefinition.loadAll(from: dir.url)
        #expect(defs.count == 1)
        #expect(defs[0].name == "admin")
        #expect(defs[0].minZoom == 0 && defs[0].maxZoom == 14)
        #expect(defs[0].layers[0].fields == ["commune_vn"])
    }

    @Test(arguments: [
        (#"{"layers":[]}"#, "has no layers"),
        (#"{"layers":[{"id":"a","dataset":"d","minzoom":10,"maxzoom":5}]}"#, "minzoom 10 is above maxzoom 5"),
        (#"{"layers":[{"id":"a","dataset":"d","maxzoom":40}]}"#, "zooms must lie between 0 and 24"),
        (#"{"layers":[{"id":"a","dataset":"d"},{"id":"a","dataset":"e"}]}"#, "layer id \"a\" appears twice"),
        (#"{"layers":[{"id":"a"}]}"#, "missing \"dataset\""),
        (#"{"layers":[{"id":"a","dataset":"d","minzoom":"six"}]}"#, "wrong type at layers.0.minzoom"),
        (#"{"layers": [ "#, "invalid JSON"),
        (#"{"name":"bad name/..","layers":[{"id":"a","dataset":"d"}]}"#, "must be letters, digits"),
    ])
    func badFilesStopStartUpWithAMessageNamingTheProblem(text: String, expected: String) throws {
        let dir = write(["broken.json": text])
        do {
            _ = try TilesetDefinition.loadAll(from: dir.url)
            Issue.record("accepted a bad tileset: \(text)")
        } catch {
            #expect(error.kind == .badTileset)
            #expect(error.detail.contains("broken.json"), "\(error.detail)")
            #expect(error.detail.contains(expected), "\(error.detail)")
        }
    }

    @Test func missingFolderMeansDefaultTilesetsOnly() throws {
        #expect(try TilesetDefinition.loadAll(from: URL(fileURLWithPath: "/nonexistent/Tiles")).isEmpty)
        let d = TilesetDefinition.defaultFor(dataset: "hue-communes")
        #expect(d.name == "hue-communes" && d.layers.map(\.dataset) == ["hue-communes"] && d.maxZoom == 14)
    }

    @Test func cacheEvictsLeastRecentlyUsedWithinItsBudget() {
        // An entry costs twice its bytes (room for the fast path's response copy) plus ~600.
        let cache = TileCache(capacityBytes: 20_000)
        func entry(_ n: Int) -> CachedTile {
            CachedTile(plain: Array(repeating: 1, count: n), gzipped: [], etag: "e", revision: "e", featureCount: 1, droppedForSize: 0)
        }
        func key(_ i: Int, _ t: String = "a") -> TileCache.Key { .init(tileset: t, coord: .init(z: 1, x: Int32(i), y: 0)) }
        for i in 0..<4 { cache.put(key(i), entry(2000)) }
        _ = cache.get(key(0))                     // 0 is now the most recent
        cache.put(key(4), entry(2000))            // over budget: 1 goes, not 0
        #expect(cache.get(key(0)) != nil)
        #expect(cache.get(key(1)) == nil)
        #expect(cache.usedBytes <= 20_000)
        cache.put(key(9, "b"), entry(100))
        cache.removeAll(tileset: "a")
        #expect(cache.count == 1 && cache.get(key(9, "b")) != nil)
        #expect(TileCache(capacityBytes: 0).get(key(0)) == nil)
    }
}
