import Testing
import Foundation
import GeoModel
import TestSupport
@testable import Tiles

@Suite struct TileServiceTests {
    @Test func everyPublishedDatasetHasADefaultTileset() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        let tiles = try TileService(store: cat.store)
        #expect(try await tiles.tilesetNames() == ["hue-communes"])
        let meta = try await tiles.metadata("hue-communes")
        #expect(meta.vectorLayers.map(\.id) == ["hue-communes", "hue-communes_label"])
        #expect(meta.vectorLayers[0].fields.map(\.name) == ["commune_id", "commune_vn", "district_vn", "population", "area"])
        #expect(meta.vectorLayers[0].fields.map(\.type) == ["Number", "String", "String", "Number", "Number"])
        #expect(meta.attribution.contains("censusVN2009"))
        #expect(abs(meta.bounds.minX - HueFixture.source.bounds.minX) < 1e-9)

        let tile = try decode(try await tiles.tile("hue-communes", centre(10), acceptsGzip: true))
        let layer = try #require(tile.layer("hue-communes"))
        #expect(layer.features.count == (try HueFixture.communesIntersecting(centre(10))), "every commune the tile's buffered area meets")
        #expect(layer.features.allSatisfy { $0.attributes["commune_vn"] != nil && $0.type == .polygon })
    }

    @Test func gzipOnlyForClientsThatAcceptIt() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        for mb in [0, 16] {
            let tiles = try TileService(store: cat.store, configuration: .init(cacheMegabytes: mb))
            guard case .tile(let gz, true, let etag1) = try await tiles.tile("hue-communes", centre(9), acceptsGzip: true),
                  case .tile(let plain, false, let etag2) = try await tiles.tile("hue-communes", centre(9), acceptsGzip: false) else {
                Issue.record("wrong encodings"); continue
            }
            #expect(Gzip.isGzip(gz) && !Gzip.isGzip(plain))
            #expect(try Gzip.decompress(gz) == plain)
            #expect(etag1 != etag2)
        }
    }

    @Test func outOfRangeUnknownAndEmptyTiles() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        let tiles = try TileService(store: cat.store)
        await #expect {
            try await tiles.tile("hue-communes", centre(15), acceptsGzip: false)
        } throws: { ($0 as? TilesError)?.kind == .outOfRange && ($0 as? TilesError)?.detail == "Tileset hue-communes has zooms 0 to 14; 15 is outside" }
        do { _ = try await tiles.tile("hue-communes", TileCoord(z: 10, x: 0, y: 0), acceptsGzip: false); Issue.record("served a tile outside the bounds") }
        catch let e as TilesError { #expect(e.kind == .outOfRange) }
        do { _ = try await tiles.tile("nowhere", centre(5), acceptsGzip: false); Issue.record("served an unknown tileset") }
        catch let e as TilesError { #expect(e.kind == .unknownTileset && e.detail.contains("nowhere")) }
        do { _ = try await tiles.tile("hue-communes", TileCoord(z: 3, x: 8, y: 0), acceptsGzip: false); Issue.record("served x beyond 2^z") }
        catch let e as TilesError { #expect(e.kind == .badCoordinate) }
        // Inside the bounds but at sea: no feature, an empty answer (HTTP 204).
        let b = HueFixture.source.bounds
        let r = TileCoord.covering(BoundingBox(minX: b.maxX - 0.001, minY: b.maxY - 0.001, maxX: b.maxX, maxY: b.maxY), zoom: 14)
        let answer = try await tiles.tile("hue-communes", TileCoord(z: 14, x: r.xs.upperBound, y: r.ys.lowerBound), acceptsGzip: false)
        guard case .empty = answer else { Issue.record("expected an empty tile, got \(answer)"); return }
    }

    @Test func aNewPublishedVersionShowsInTheNextTile() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        try cat.publish("other", fields: [FieldDefinition(name: "name", type: .text)],
                        features: [Feature(id: 1, geometry: .point(Position(107.6, 16.46)), values: [.text("Huế")])])
        let tiles = try TileService(store: cat.store, configuration: .init(cacheMegabytes: 16, checkInterval: .zero))
        let c = centre(11)
        let before = try decode(try await tiles.tile("hue-communes", c, acceptsGzip: false))
        _ = try await tiles.tile("other", c, acceptsGzip: false)
        #expect(tiles.cacheUsage.tiles == 2)
        let names = Set(before.layers[0].features.compactMap { if case .text(let s)? = $0.attributes["commune_vn"] { s } else { nil } })
        #expect(!names.isEmpty && names.allSatisfy { !$0.hasPrefix("Mới ") })

        try cat.publishHue(rename: { "Mới " + $0 })
        let after = try decode(try await tiles.tile("hue-communes", c, acceptsGzip: false))
        let renamed = Set(after.layers[0].features.compactMap { if case .text(let s)? = $0.attributes["commune_vn"] { s } else { nil } })
        #expect(renamed == Set(names.map { "Mới " + $0 }))
        // Only the changed dataset's tiles left the cache.
        #expect(tiles.cacheUsage.tiles == 2)
        let meta = try await tiles.metadata("hue-communes")
        #expect(meta.revision == "3")
    }

    /// The low zooms are built ahead when a version is prepared (issue 23): what a citizen
    /// gets from them is exactly what cutting on demand gives, tile for tile; zooms past the
    /// overview's budget are cut on demand; a new version gets a new overview.
    @Test func overviewTilesAreTheTilesCutOnDemandAndFollowNewVersions() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        let onDemand = try TileService(store: cat.store, configuration: .init(cacheMegabytes: 0, overviewTiles: 0))
        let ahead = try TileService(store: cat.store, configuration: .init(cacheMegabytes: 0, checkInterval: .zero, overviewTiles: 20))
        await ahead.prepare(["hue-communes"])
        func bytes(_ a: TileService.Answer) -> [UInt8]? { if case .tile(let d, _, _) = a { d } else { nil } }
        var compared = 0, drawn = 0
        for z in 0...11 {
            let r = TileCoord.covering(HueFixture.source.bounds, zoom: z)
            for x in r.xs {
                for y in r.ys {
                    let c = TileCoord(z: z, x: x, y: y)
                    let a = bytes(try await onDemand.tile("hue-communes", c, acceptsGzip: false))
                    let b = bytes(try await ahead.tile("hue-communes", c, acceptsGzip: false))
                    #expect(a == b, "tile \(c) differs between the overview and on demand")
                    compared += 1
                    if a != nil { drawn += 1 }
                }
            }
        }
        #expect(compared > 60 && drawn > 40)
        let source = try #require(try await ahead.source("hue-communes") as? StoreTileSource)
        let overview = try await source.overview()
        // 16 tiles cover the fixture from z0 to z9, 12 more at z10: z10 and above are cut on demand.
        #expect(overview.zooms == 0...9, "zooms built ahead: \(String(describing: overview.zooms))")

        try cat.publishHue(rename: { "Mới " + $0 })
        let z5 = try decode(try await ahead.tile("hue-communes", centre(5), acceptsGzip: false))
        let labels = z5.layer("hue-communes_label")?.features ?? []
        let names: [String] = labels.compactMap { f -> String? in if case .text(let s)? = f.attributes["commune_vn"] { s } else { nil } }
        #expect(!names.isEmpty && names.allSatisfy { $0.hasPrefix("Mới ") }, "the z5 overview tile still shows the old version: \(names.prefix(3))")
    }

    @Test func tilesetFilesAreCheckedAgainstTheStore() async throws {
        let cat = try TileTestStore()
        try cat.publishHue()
        let dir = ScratchDirectory("tileset-files")
        try Data(#"{"layers":[{"id":"communes","dataset":"hue-communes","minzoom":8,"maxzoom":12,"fields":["commune_vn"]}]}"#.utf8)
            .write(to: dir.url.appendingPathComponent("admin.json"))
        let good = try TileService(store: cat.store, configuration: .init(tilesFolder: dir.url))
        try await good.checkTilesets()
        #expect(try await good.tilesetNames() == ["admin", "hue-communes"])
        let t = try decode(try await good.tile("admin", centre(10), acceptsGzip: false))
        #expect(t.layers.map(\.name) == ["communes", "communes_label"])
        #expect(Set(t.layers.flatMap(\.features).flatMap(\.attributes.keys)) == ["commune_vn"])
        await #expect(throws: TilesError.self) { try await good.tile("admin", centre(7), acceptsGzip: false) }

        try Data(#"{"layers":[{"id":"communes","dataset":"hue-communes","fields":["ten_xa"]}]}"#.utf8)
            .write(to: dir.url.appendingPathComponent("admin.json"))
        let bad = try TileService(store: cat.store, configuration: .init(tilesFolder: dir.url))
        do { try await bad.checkTilesets(); Issue.record("accepted a field the dataset lacks") }
        catch let e as TilesError { #expect(e.kind == .badTileset && e.detail.contains("ten_xa") && e.detail.contains("admin")) }

        try Data(#"{"layers":[{"id":"communes","dataset":"no-such-dataset"}]}"#.utf8)
            .write(to: dir.url.appendingPathComponent("admin.json"))
        let missing = try TileService(store: cat.store, configuration: .init(tilesFolder: dir.url))
        do { try await missing.checkTilesets(); Issue.record("accepted an unpublished dataset") }
        catch let e as TilesError { #expect(e.detail.contains("no-such-dataset")) }
    }

    @Test func aDatasetWithNoDrawableGeometryGivesEmptyTilesNotErrors() async throws {
        let cat = try TileTestStore()
        try cat.publish("broken", fields: [], features: [
            Feature(id: 1, geometry: .polygon([[Position(107, 16), Position(107, 16), Position(107, 16)]]), values: []),
            Feature(id: 2, geometry: .lineString([Position(.nan, 16), Position(107.5, .infinity)]), values: []),
            Feature(id: 3, geometry: nil, values: []),
        ])
        let tiles = try TileService(store: cat.store)
        let answer = try await tiles.tile("broken", TileCoord(z: 0, x: 0, y: 0), acceptsGzip: true)
        guard case .empty = answer else { Issue.record("expected an empty tile, got \(answer)"); return }
    }
}
