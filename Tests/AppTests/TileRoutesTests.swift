import Testing
import Foundation
import GeoModel
import GeoStore
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Synchronization
import TestSupport
import Tiles
import GeoStore
@testable import App

/// Every tile route in process, and one over a real socket.
@Suite struct TileRoutesTests {
    /// A store made by `Store(path:)` (the real migrations) with one dataset "parcels" of two
    /// squares near Huế, published through `writeVersion` as an ingest publishes it.
    final class ParcelsStore: @unchecked Sendable {
        let dir = ScratchDirectory("tile-routes")
        let store: Store
        init() throws {
            store = try Store(path: dir.path("store.sqlite"))
            try publish(name: "Phú Hội")
        }
        /// A new version of "parcels": both squares named `name`.
        func publish(name: String) throws {
            let metadata = DatasetMetadata(slug: "parcels", title: "Thửa đất", description: "Hai thửa", licence: "CC-BY-4.0", attribution: "Sở TN&MT Huế")
            try store.writeVersion(metadata, fields: [FieldDefinition(name: "name", type: .text), FieldDefinition(name: "n", type: .integer)],
                                   publish: true) { sink in
                for (i, x) in [107.5, 107.68].enumerated() {
                    let square = Geometry.polygon([[Position(x, 16.4), Position(x + 0.02, 16.4), Position(x + 0.02, 16.42), Position(x, 16.42), Position(x, 16.4)]])
                    try sink.insert(geometry: square, values: [.text(name), .integer(Int64(i))])
                }
                return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "parcels.geojson")
            }
        }
    }

    func app(_ cat: ParcelsStore, cacheMB: Int = 8, checkInterval: Duration = .zero) throws -> some ApplicationProtocol {
        let router = Router(context: BandoRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        let tiles = try TileService(store: cat.store, configuration: .init(cacheMegabytes: cacheMB, checkInterval: checkInterval))
        addTileRoutes(to: router, tiles: tiles)
        return Application(router: router, server: httpServer(tiles: tiles))
    }

    /// z/x/y of the tile at zoom z holding (lon, lat).
    func tile(_ z: Int, _ lon: Double, _ lat: Double) -> String {
        let r = TileCoord.covering(BoundingBox(minX: lon, minY: lat, maxX: lon, maxY: lat), zoom: z)
        return "\(z)/\(r.xs.lowerBound)/\(r.ys.lowerBound)"
    }

    @Test func tilesAreServedWithTypeGzipETagAndCaching() async throws {
        let cat = try ParcelsStore()
        try await app(cat).test(.router) { client in
            let path = "/tiles/parcels/\(tile(12, 107.51, 16.41)).mvt"
            var etag = ""
            try await client.execute(uri: path, method: .get, headers: [.acceptEncoding: "gzip, deflate"]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/vnd.mapbox-vector-tile")
                #expect(r.headers[.contentEncoding] == "gzip")
                #expect(r.headers[.cacheControl]?.contains("max-age") == true)
                etag = r.headers[.eTag] ?? ""
                let t = try MVTDecoder.decode(try Gzip.decompress(Array(buffer: r.body)))
                #expect(t.layer("parcels")?.features.first?.attributes["name"] == .text("Phú Hội"))
            }
            #expect(!etag.isEmpty)
            try await client.execute(uri: path, method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: etag]) { r in
                #expect(r.status == .notModified)
            }
            try await client.execute(uri: path, method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentEncoding] == nil)
                let t = try MVTDecoder.decode(Array(buffer: r.body))
                // The parcels and, as they are polygons, their label points.
                #expect(t.layers.map(\.name).sorted() == ["parcels", "parcels_label"])
            }
            // OGC API - Tiles: row is y, column is x.
            let parts = tile(12, 107.51, 16.41).split(separator: "/")
            try await client.execute(uri: "/collections/parcels/tiles/WebMercatorQuad/\(parts[0])/\(parts[2])/\(parts[1])", method: .get) { r in
                #expect(r.status == .ok)
                let t = try MVTDecoder.decode(Array(buffer: r.body))
                #expect(t.layer("parcels")?.features.count == 1)
            }
        }
    }

    @Test func emptyBadAndOutOfRangeTiles() async throws {
        let cat = try ParcelsStore()
        try await app(cat).test(.router) { client in
            // Between the two squares: inside the bounds, nothing to draw.
            try await client.execute(uri: "/tiles/parcels/\(tile(14, 107.6, 16.41)).mvt", method: .get) { r in #expect(r.status == .noContent) }
            for (uri, status) in [("/tiles/parcels/a/b/c.mvt", HTTPResponse.Status.badRequest), ("/tiles/parcels/-1/0/0.mvt", .badRequest),
                                  ("/tiles/parcels/3/9/0.mvt", .notFound), ("/tiles/parcels/31/0/0.mvt", .notFound),
                                  ("/tiles/parcels/15/0/0.mvt", .notFound), ("/tiles/parcels/10/0/0.mvt", .notFound),
                                  ("/tiles/nothing/1/0/0.mvt", .notFound), ("/tiles/nothing.json", .notFound),
                                  ("/collections/parcels/tiles/WorldCRS84Quad/1/0/0", .notFound),
                                  ("/collections/parcels/tiles/WebMercatorQuad/1/x/0", .badRequest),
                                  // Numbers past Int, and past the shift that sizes a zoom level.
                                  ("/tiles/parcels/99999999999999999999/0/0.mvt", .badRequest), ("/tiles/parcels/9223372036854775807/0/0.mvt", .notFound),
                                  ("/tiles/parcels/64/0/0.mvt", .notFound), ("/tiles/parcels/30/9223372036854775807/0.mvt", .notFound),
                                  ("/collections/parcels/tiles/WebMercatorQuad/3/-9223372036854775808/0", .badRequest)] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == status, "\(uri)")
                    #expect(String(buffer: r.body).count > 10, "\(uri): the error says what was wrong")
                }
            }
        }
    }

    @Test func tileJSONAndOGCDocuments() async throws {
        let cat = try ParcelsStore()
        try await app(cat).test(.router) { client in
            try await client.execute(uri: "/tiles/parcels.json", method: .get) { r in
                #expect(r.status == .ok)
                let j = try JSONSerialization.jsonObject(with: Data(Array(buffer: r.body))) as! [String: Any]
                #expect(j["tilejson"] as? String == "3.0.0")
                #expect((j["tiles"] as? [String])?.first?.hasSuffix("/tiles/parcels/{z}/{x}/{y}.mvt") == true)
                #expect(j["attribution"] as? String == "Sở TN&MT Huế")
                #expect((j["bounds"] as? [Double])?.count == 4 && (j["center"] as? [Double])?.count == 3)
                let layers = j["vector_layers"] as? [[String: Any]]
                #expect(layers?.first?["id"] as? String == "parcels")
                #expect((layers?.first?["fields"] as? [String: String]) == ["name": "String", "n": "Number"])
            }
            try await client.execute(uri: "/tiles", method: .get) { r in #expect(String(buffer: r.body).contains("parcels.json")) }
            try await client.execute(uri: "/tileMatrixSets", method: .get) { r in #expect(String(buffer: r.body).contains("WebMercatorQuad")) }
            try await client.execute(uri: "/tileMatrixSets/WebMercatorQuad", method: .get) { r in
                let j = try JSONSerialization.jsonObject(with: Data(Array(buffer: r.body))) as! [String: Any]
                #expect((j["tileMatrices"] as? [Any])?.count == 25)
            }
            try await client.execute(uri: "/collections/parcels/tiles", method: .get) { r in #expect(String(buffer: r.body).contains("tileMatrixSetURI")) }
            try await client.execute(uri: "/collections/parcels/tiles/WebMercatorQuad", method: .get) { r in
                let j = try JSONSerialization.jsonObject(with: Data(Array(buffer: r.body))) as! [String: Any]
                #expect(j["dataType"] as? String == "vector")
                #expect((j["layers"] as? [[String: Any]])?.first?["id"] as? String == "parcels")
            }
        }
    }

    @Test func overARealSocketANewVersionShowsInTheNextTile() async throws {
        let cat = try ParcelsStore()
        try await app(cat).test(.live) { client in
            let path = "/tiles/parcels/\(tile(12, 107.51, 16.41)).mvt"
            func name() async throws -> FieldValue? {
                try await client.execute(uri: path, method: .get) { r in
                    try MVTDecoder.decode(Array(buffer: r.body)).layer("parcels")?.features.first?.attributes["name"]
                }
            }
            #expect(try await name() == .text("Phú Hội"))
            #expect(try await name() == .text("Phú Hội"))      // now from the cache
            try cat.publish(name: "Vĩnh Ninh")
            #expect(try await name() == .text("Vĩnh Ninh"))
        }
    }

    /// Hot tiles come from the cache before the router (a fast path, counted): the answer must
    /// be the router's (the first, a miss, is the router's), byte for byte and header for
    /// header, and a new version must still show.
    @Test func cachedTilesOverASocketAnswerAsTheRouterDoes() async throws {
        let cat = try ParcelsStore()
        let router = Router(context: BandoRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        let tiles = try TileService(store: cat.store, configuration: .init(cacheMegabytes: 8, checkInterval: .seconds(30)))
        addTileRoutes(to: router, tiles: tiles)
        let counts = TileFastPathCounts()
        @Sendable func fromCache() -> Int { counts.raw.load(ordering: .relaxed) + counts.decoded.load(ordering: .relaxed) }
        let served = Application(router: router, server: httpServer(tiles: tiles, serverName: nil, counts: counts))
        try await served.test(.live) { client in
            let path = "/tiles/parcels/\(tile(12, 107.51, 16.41)).mvt"
            let gz: HTTPFields = [.acceptEncoding: "gzip"]
            let first = try await client.execute(uri: path, method: .get, headers: gz) { $0 }
            #expect(first.status == .ok)
            #expect(fromCache() == 0, "the first request is a miss: the router answers it")
            for n in 1...3 {
                // Several on one connection, each from the cache, each the same answer.
                let again = try await client.execute(uri: path, method: .get, headers: gz) { $0 }
                #expect(again.status == .ok)
                #expect(Array(buffer: again.body) == Array(buffer: first.body))
                for field in [HTTPField.Name.eTag, .contentEncoding, .contentType, .cacheControl, .vary, .contentLength] {
                    #expect(again.headers[field] == first.headers[field], "\(field)")
                }
                #expect(fromCache() == n, "answer \(n) came from the cache, not the router")
            }
            let etag = try #require(first.headers[.eTag])
            let notModified = try await client.execute(uri: path, method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: etag]) { $0 }
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            // Without gzip: the plain tile, decodable, different ETag.
            let plain = try await client.execute(uri: path, method: .get) { $0 }
            let plainAgain = try await client.execute(uri: path, method: .get) { $0 }
            #expect(plainAgain.headers[.contentEncoding] == nil)
            #expect(Array(buffer: plainAgain.body) == Array(buffer: plain.body))
            #expect(try MVTDecoder.decode(Array(buffer: plainAgain.body)).layer("parcels")?.features.first?.attributes["name"] == .text("Phú Hội"))
            // Other routes and bad tiles still go through the router after cached answers.
            let bad = try await client.execute(uri: "/tiles/parcels/12/x/1.mvt", method: .get) { $0 }
            #expect(bad.status == .badRequest)
            let json = try await client.execute(uri: "/tiles/parcels.json", method: .get) { $0 }
            #expect(json.status == .ok)
            // A new version shows in the next tile (what the portal does on publishing), then
            // is itself served from the cache.
            try cat.publish(name: "Vĩnh Ninh")
            tiles.checkCurrentVersionsNow()
            func name() async throws -> FieldValue? {
                let r = try await client.execute(uri: path, method: .get) { $0 }
                return try MVTDecoder.decode(Array(buffer: r.body)).layer("parcels")?.features.first?.attributes["name"]
            }
            #expect(try await name() == .text("Vĩnh Ninh"))
            let before = fromCache()
            #expect(try await name() == .text("Vĩnh Ninh"))
            #expect(fromCache() == before + 1)
        }
    }
}
