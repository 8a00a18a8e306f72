import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoModel
import GeoStore
import GRDB
import Portal
import Tiles
@testable import App

/// Issue 21: every publication is announced once by the store, whichever path made it, and a
/// stored value reads the same through every channel.
@Suite struct PublicationEventTests {
    let scratch = ScratchDirectory("publication-event")

    /// Writes a version of "diem": one point near Huế per name, `n` counting from 0.
    @discardableResult
    func write(_ store: Store, _ names: [String], fields: [FieldDefinition]? = nil, values: ((Int) -> FieldValue)? = nil,
               publish: Bool) throws -> DatasetVersionRecord {
        let fields = fields ?? [FieldDefinition(name: "n", type: .integer), FieldDefinition(name: "name", type: .text)]
        return try store.writeVersion(DatasetMetadata(slug: "diem"), fields: fields, publish: publish) { sink in
            for (i, name) in names.enumerated() {
                try sink.insert(geometry: .point(Position(107.58 + Double(i) * 0.001, 16.46)),
                                values: [values?(i) ?? .integer(Int64(i)), .text(name)])
            }
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "test")
        }
    }

    /// The z10 tile holding the points.
    let tilePath: String = {
        let r = TileCoord.covering(BoundingBox(minX: 107.58, minY: 16.46, maxX: 107.58, maxY: 16.46), zoom: 10)
        return "/tiles/diem/10/\(r.xs.lowerBound)/\(r.ys.lowerBound).mvt"
    }()

    func json(_ r: TestResponse) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]
    }

    /// `bando ingest --publish` run in process (the command line's approval) used to publish
    /// without the hook App wired to the portal's routes: the tile service and the OGC
    /// collections went on serving the old version until their next look at the store (an hour
    /// here for tiles). Announced by the store, the very next answers show the new version.
    @Test func aCommandLinePublicationShowsInTheNextTileAndCollection() async throws {
        let store = try Store(path: scratch.path("cli.sqlite"))
        try write(store, ["Một"], publish: true)
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 8, checkInterval: .seconds(3600)))
        let router = buildRouter(store: store, tiles: tiles)
        try await Application(router: router).test(.router) { c in
            func tileFeatures() async throws -> Int? {
                let r = try await c.execute(uri: tilePath, method: .get)
                #expect(r.status == .ok)
                return try MVTDecoder.decode(Array(buffer: r.body)).layer("diem")?.features.count
            }
            func matched() async throws -> Int? {
                json(try await c.execute(uri: "/ogc/collections/diem/items?limit=10", method: .get))?["numberMatched"] as? Int
            }
            // Both caches hold version 1.
            #expect(try await tileFeatures() == 1)
            #expect(try await matched() == 1)

            let draft = try write(store, ["Một", "Hai"], publish: false)
            try await BlockingPool.requests.run {
                _ = try PortalService(store: store).recordCommandLineIngest(dataset: "diem", number: draft.number, source: "/tmp/hai.geojson",
                                                                            publish: true, by: "Nguyễn Văn An")
            }
            #expect(try await tileFeatures() == 2)
            #expect(try await matched() == 2)
        }
    }

    /// A whole REAL kept in an integer field (what SQLite keeps in a column without INTEGER
    /// affinity, as a field retyped after its table was made) used to read 3 in tiles but 3.0
    /// in OGC items and downloads. One decoder, one answer: the declared type, 3.
    @Test func aWholeRealInAnIntegerFieldReadsAsAnIntegerEverywhere() async throws {
        let store = try Store(path: scratch.path("decoder.sqlite"))
        let version = try write(store, ["Ba"], fields: [FieldDefinition(name: "n", type: .real), FieldDefinition(name: "name", type: .text)],
                                values: { _ in .real(3.0) }, publish: true)
        // The column is REAL (it holds 3.0 as a REAL); the field is declared integer.
        let integerFields = String(decoding: try JSONEncoder().encode([FieldDefinition(name: "n", type: .integer),
                                                                        FieldDefinition(name: "name", type: .text)]), as: UTF8.self)
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE dataset_versions SET fields_json = ? WHERE id = ?", arguments: [integerFields, version.id])
        }
        let stored = try #require(try store.published(slug: "diem")).version
        #expect(try store.featurePage(of: stored, limit: 1).first?.values.first == .integer(3))

        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0, checkInterval: .zero))
        try await Application(router: buildRouter(store: store, tiles: tiles)).test(.router) { c in
            let tile = try await c.execute(uri: tilePath, method: .get)
            #expect(tile.status == .ok)
            #expect(try MVTDecoder.decode(Array(buffer: tile.body)).layer("diem")?.features.first?.attributes["n"] == .integer(3))

            let items = try await c.execute(uri: "/ogc/collections/diem/items", method: .get)
            #expect(items.status == .ok)
            #expect(String(buffer: items.body).contains(#""properties":{"n":3,"name":"Ba"}"#), "\(String(buffer: items.body))")

            let download = try await c.execute(uri: "/downloads/diem/latest.geojson", method: .get)
            #expect(download.status == .ok)
            #expect(String(buffer: download.body).contains(#""properties":{"n":3,"name":"Ba"}"#), "\(String(buffer: download.body))")
        }
    }
}
