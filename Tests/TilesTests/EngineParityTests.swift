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
        let sqlite = try TestCatalogue()
        try Self.publishHue(sqlite.store)
        let postgis = try PostGISStore(url: try TestPostgres.url(), schema: TestPostgres.newSchema("tiles"))
        try Self.publishHue(postgis)

        let fromSQLite = try await TileService(store: sqlite.store, configuration: .init(cacheMegabytes: 0)).tileSource(named: "hue-communes")
        let fromPostGIS = try await TileService(store: postgis, configuration: .init(cacheMegabytes: 0)).tileSource(named: "hue-communes")
        let (a, b) = (try await fromSQLite.metadata(), try await fromPostGIS.metadata())
        #expect(a.bounds == b.bounds && a.bounds == HueFixture.source.bounds)
        #expect(a.vectorLayers.map(\.id) == ["hue-communes", "hue-communes_label"])
        #expect(b.vectorLayers.map(\.id) == a.vectorLayers.map(\.id))
        #expect(b.vectorLayers.map { $0.fields.map(\.name) } == a.vectorLayers.map { $0.fields.map(\.name) })
        #expect(b.attribution == a.attribution && b.title == a.title)

        // z5 and z8 come from the overview built ahead, z11 and z13 are cut on demand from the
        // generalised layer (a dense layer keeps only its identifiers there), z15 from full detail.
        var coords: [TileCoord] = []
        for z in [5, 8, 11] {
            let r = TileCoord.covering(a.bounds, zoom: z)
            for x in r.xs { for y in r.ys { coords.append(TileCoord(z: z, x: x, y: y)) } }
        }
        for z in [13, 15] {
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
        #expect(drawnAt == [5, 8, 11, 13, 15])
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
        var nonEmpty = 0
        for z in 0...10 {
            let r = TileCoord.covering(meta.bounds, zoom: z)
            for x in r.xs { for y in r.ys {
                let c = TileCoord(z: z, x: x, y: y)
                let a = try Self.decoded(try await fromPostGIS.tile(c)), b = try Self.decoded(try await fromSQLite.tile(c))
                #expect(a == b, "tile \(c) of the archive built from PostGIS differs from the one built from SQLite")
                if b != nil { nonEmpty += 1 }
            } }
        }
        #expect(nonEmpty > 40, "the archives hold only \(nonEmpty) tiles")
    }
}
