import Testing
import Foundation
import GeoModel
import GeoStore
import GeoStorePostGIS
import TestSupport
@testable import Tiles

/// Tiles read through the store's interface (issue 21): the same communes kept by SQLite and by
/// PostGIS give the same tiles, decoded feature by feature, at generalised zooms (built ahead
/// and on demand) and at full detail; `bando tiles build` writes the same archive from either.
@Suite struct EngineParityTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    /// Writes the Huế communes fixture (152 polygons) as the published dataset `slug`.
    static func publishHue(_ store: any VersionWriting, slug: String = "hue-communes") throws {
        let fields = HueFixture.fieldNames.map { FieldDefinition(name: $0, type: $0 == "area" ? .real : $0.hasSuffix("_vn") ? .text : .integer) }
        let metadata = DatasetMetadata(slug: slug, title: "Communes of Thừa Thiên Huế", description: "About them",
                                       attribution: "Administrative boundaries: censusVN2009 (Marc Choisy, MIT licence)")
        try store.writeVersion(metadata, fields: fields, publish: true, status: .draft, now: now) { sink in
            for f in HueFixture.source.features { try sink.insert(geometry: f.geometry, values: f.values) }
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "\(slug).geojson")
        }
    }

    /// A tile as a reader sees it: each layer's features in order with their ids, types,
    /// attributes and geometry (nil: no tile).
    static func decoded(_ tile: EncodedTile?) throws -> [String]? {
        guard let tile else { return nil }
        let t = try MVTDecoder.decode(tile.isGzipped ? try Gzip.decompress(tile.data) : tile.data)
        return t.layers.flatMap { layer in
            ["layer \(layer.name) extent \(layer.extent)"] + layer.features.map { f in
                "\(f.id.map(String.init) ?? "-") \(f.type.map { "\($0)" } ?? "-") \(f.attributes.sorted { $0.key < $1.key }) \(f.parts)"
            }
        }
    }

    @Test func theSameCommunesGiveTheSameTilesFromSQLiteAndPostGIS() async throws {
        let sqlite = try TileTestStore()
        try Self.publishHue(sqlite.store)
        let postgis = try PostGISStore(url: try TestPostgres.url(), schema: TestPostgres.newSchema("tiles"))
        try Self.publishHue(postgis)

        // Beside the dataset's default tileset, one drawing two of its fields (in another order)
        // at full detail, past the generalised zooms.
        let folder = ScratchDirectory("tiles-engines")
        try Data(#"{"layers": [{"id": "xa", "dataset": "hue-communes", "minzoom": 12, "maxzoom": 16, "fields": ["population", "commune_vn"]}]}"#.utf8)
            .write(to: folder.url.appendingPathComponent("detail.json"))
        let services = (try TileService(store: sqlite.store, configuration: .init(tilesFolder: folder.url, cacheMegabytes: 0)),
                        try TileService(store: postgis, configuration: .init(tilesFolder: folder.url, cacheMegabytes: 0)))
        let fromSQLite = try await services.0.tileSource(named: "hue-communes")
        let fromPostGIS = try await services.1.tileSource(named: "hue-communes")
        let (a, b) = (try await fromSQLite.metadata(), try await fromPostGIS.metadata())
        #expect(a.bounds == b.bounds && a.bounds == HueFixture.source.bounds)
        #expect(a.vectorLayers.map(\.id) == ["hue-communes", "hue-communes_label"])
        #expect(b.vectorLayers.map(\.id) == a.vectorLayers.map(\.id))
        #expect(b.vectorLayers.map { $0.fields.map(\.name) } == a.vectorLayers.map { $0.fields.map(\.name) })
        #expect(b.attribution == a.attribution && b.title == a.title)

        // z5 and z8 come from the overview built ahead, z11 and z14 are cut on demand from the
        // generalised layer.
        var coords: [TileCoord] = []
        for z in [5, 8, 11] {
            let r = TileCoord.covering(a.bounds, zoom: z)
            for x in r.xs { for y in r.ys { coords.append(TileCoord(z: z, x: x, y: y)) } }
        }
        for z in [14] {
            let c = centre(z)
            for dx in -1...1 { for dy in -1...1 { coords.append(TileCoord(z: z, x: c.x + dx, y: c.y + dy)) } }
        }
        var drawnAt = Set<Int>()
        for c in coords {
            let left = try Self.decoded(try await fromSQLite.tile(c)), right = try Self.decoded(try await fromPostGIS.tile(c))
            #expect(left == right, "tile \(c) differs between SQLite (\(left?.count ?? 0) lines) and PostGIS (\(right?.count ?? 0) lines)")
            if let left, left.count > 1 { drawnAt.insert(c.z) }
        }
        // Every zoom compared drew communes, not only empty tiles.
        #expect(drawnAt == [5, 8, 11, 14])

        let (detailSQLite, detailPostGIS) = (try await services.0.tileSource(named: "detail"), try await services.1.tileSource(named: "detail"))
        var detailed = 0
        for z in [15, 16] {
            let c = centre(z)
            for dx in -1...1 { for dy in -1...1 {
                let t = TileCoord(z: z, x: c.x + dx, y: c.y + dy)
                let left = try Self.decoded(try await detailSQLite.tile(t)), right = try Self.decoded(try await detailPostGIS.tile(t))
                #expect(left == right, "tile \(t) of the detailed tileset differs between SQLite and PostGIS")
                if let left, left.count > 1 { detailed += 1 }
            } }
        }
        #expect(detailed > 9, "only \(detailed) detailed tiles drew anything")
        let sample = try #require(try await detailPostGIS.tile(centre(16)))
        let layer = try #require(try MVTDecoder.decode(sample.isGzipped ? try Gzip.decompress(sample.data) : sample.data).layer("xa"))
        #expect(layer.features.allSatisfy { Set($0.attributes.keys) == ["population", "commune_vn"] })
    }

    /// `--store postgres://…` for `tiles build`, `export`, `datasets` and `verify`: the same
    /// communes ingested into a PostGIS schema and into a SpatiaLite file give the same archive,
    /// the same export, the same listing and a verified checksum.
    @Test func commandsOnPostGISGiveWhatTheyGiveOnSQLite() async throws {
        let scratch = ScratchDirectory("tiles-build-postgis")
        let fixture = TestPaths.fixture("hue/communes.geojson").path
        let schema = TestPostgres.newSchema("cli")
        let stores = ["\(try TestPostgres.url())?schema=\(schema)", scratch.path("s.sqlite")]
        var archives: [String] = [], exports: [Data] = [], listings: [String] = []
        for (i, store) in stores.enumerated() {
            func bando(_ arguments: [String]) throws -> String {
                let r = try Run.process(TestPaths.bandoBinary, arguments + ["--store", store], currentDirectory: scratch.url)
                #expect(r.succeeded, "bando \(arguments.joined(separator: " ")) --store \(store) failed: \(r.stderr)")
                return r.stdout
            }
            _ = try bando(["ingest", fixture, "--dataset", "xa"])
            let folder = scratch.url.appendingPathComponent("\(i)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let out = folder.appendingPathComponent("xa.pmtiles").path
            _ = try bando(["tiles", "build", "xa", "-o", out, "--maxzoom", "10"])
            archives.append(out)
            let csv = folder.appendingPathComponent("xa.csv").path
            _ = try bando(["export", "xa", "--format", "csv", "-o", csv])
            exports.append(try Data(contentsOf: URL(fileURLWithPath: csv)))
            listings.append(try bando(["datasets"]))
            #expect(try bando(["verify", "xa"]).contains("xa v1\t152 features\tOK"))
        }
        #expect(exports[0] == exports[1] && !exports[0].isEmpty, "the CSV exported from PostGIS differs from SQLite's")
        #expect(listings[0] == listings[1] && listings[0].hasPrefix("xa\tv1\t152 features"))

        let (fromPostGIS, fromSQLite) = (try TileArchive.open(archives[0]), try TileArchive.open(archives[1]))
        let meta = try await fromSQLite.metadata()
        #expect(try await fromPostGIS.metadata().bounds == meta.bounds)
        #expect(try await fromPostGIS.metadata().vectorLayers.map(\.id) == meta.vectorLayers.map(\.id))
        var drawnAt = Set<Int>()
        for z in 0...10 {
            let r = TileCoord.covering(meta.bounds, zoom: z)
            for x in r.xs { for y in r.ys {
                let c = TileCoord(z: z, x: x, y: y)
                let a = try Self.decoded(try await fromPostGIS.tile(c)), b = try Self.decoded(try await fromSQLite.tile(c))
                #expect(a == b, "tile \(c) of the archive built from PostGIS differs from the one built from SQLite")
                if b != nil { drawnAt.insert(z) }
            } }
        }
        // At z0 every commune is under the minimum size of the default bands: no tile there.
        #expect(drawnAt == Set(1...10), "the archives hold tiles at zooms \(drawnAt.sorted())")
    }
}
