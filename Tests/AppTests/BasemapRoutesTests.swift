import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import NIOCore
import GeoStore
import GeoModel
import Tiles
import Catalogue
import PublicErrors
@testable import Web
@testable import App

/// The built-in basemap, made once for the suite from `Fixtures/basemap/` by the same code
/// `bando serve` runs when its archive is missing.
enum BuiltBasemap {
    static let scratch = ScratchDirectory("basemap-archive")
    static let made = Task<String, any Error> {
        let path = scratch.path("basemap.pmtiles")
        try await Basemap.build(from: TestPaths.fixture("basemap"), to: path)
        return path
    }
}

/// The map's basemap routes (`/basemap/style.json`, `/basemap/tiles.json`, its tiles), the
/// place search (`/api/places`), the map page's datasets, and the flags that choose another
/// basemap: in process, over the communes of Huế (`xa-hue`, with a field description).
@Suite(.serialized) struct BasemapRoutesTests {
    let fixture: WebFixture
    init() throws { fixture = try WebFixture() }

    func router(_ basemap: Basemap) throws -> Router<BandoRequestContext> {
        let tiles = try TileService(store: fixture.store, configuration: .init(cacheMegabytes: 0))
        return buildRouter(store: fixture.store, tiles: tiles, basemap: basemap)
    }

    static func json(_ r: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any])
    }

    @Test func theBuiltInBasemapHasTheCountryProvincesDistrictsAndTheirNames() async throws {
        let path = try await BuiltBasemap.made.value
        let basemap = Basemap.archive(try TileArchive.open(path), builtIn: true)
        try await Application(router: try router(basemap)).test(.router) { c in
            let tilejson = try await c.execute(uri: "/basemap/tiles.json", method: .get)
            #expect(tilejson.status == .ok)
            let doc = try Self.json(tilejson)
            let layers = (doc["vector_layers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(layers == ["country", "provinces", "districts", "places"])
            #expect((doc["tiles"] as? [String])?.first?.hasSuffix("/basemap/tiles/{z}/{x}/{y}.mvt") == true, "\(doc["tiles"] ?? "")")
            #expect((doc["attribution"] as? String) == Basemap.attribution)

            // A zoom-7 tile over Huế: its province outline and the names of the province and its city.
            let r = TileCoord.covering(BoundingBox(minX: 107.58, minY: 16.46, maxX: 107.58, maxY: 16.46), zoom: 7)
            let uri = "/basemap/tiles/7/\(r.xs.lowerBound)/\(r.ys.lowerBound).mvt"
            let tile = try await c.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(tile.status == .ok && tile.headers[.contentEncoding] == "gzip")
            let plain = try await c.execute(uri: uri, method: .get)
            #expect(plain.status == .ok && plain.headers[.contentEncoding] == nil)
            let mvt = try MVTDecoder.decode(Array(plain.body.readableBytesView))
            func names(_ layer: String) -> Set<String> {
                Set(mvt.layer(layer)?.features.compactMap { if case .text(let t) = $0.attributes["name"] { t } else { nil } } ?? [])
            }
            #expect(names("provinces").contains("Thừa Thiên Huế"))
            #expect(names("places").isSuperset(of: ["Thừa Thiên Huế", "Thành phố Huế"]), "\(names("places"))")
            #expect(mvt.layer("country")?.features.isEmpty == false)
            // Nothing at sea far from Việt Nam, and no tile deeper than the archive.
            #expect(try await c.execute(uri: "/basemap/tiles/7/0/0.mvt", method: .get).status == .noContent)

            // The style draws it under the datasets, names in Vietnamese or English attribution.
            let vi = try Self.json(try await c.execute(uri: "/basemap/style.json?lang=vi", method: .get))
            let ids = (vi["layers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.contains("basemap/provinces") && ids.contains("basemap/districts") && ids.contains("basemap/province-names"))
            #expect(ids.allSatisfy { $0.hasPrefix("basemap/") })
            let source = (vi["sources"] as? [String: [String: Any]])?["basemap"]
            #expect((source?["tiles"] as? [String])?.first?.hasSuffix("/basemap/tiles/{z}/{x}/{y}.mvt") == true)
            #expect((source?["attribution"] as? String)?.contains("Ranh giới hành chính: censusVN2009") == true)
            #expect((vi["glyphs"] as? String)?.hasSuffix("/fonts/{fontstack}/{range}.pbf") == true)
            let en = try Self.json(try await c.execute(uri: "/basemap/style.json?lang=en", method: .get))
            #expect(((en["sources"] as? [String: [String: Any]])?["basemap"]?["attribution"] as? String) == Basemap.attribution)
        }
    }

    @Test func placeSearchFindsHueFromHueWithoutAccentsOrCase() async throws {
        try await Application(router: try router(.none)).test(.router) { c in
            for q in ["hue", "HUE", "Huế"] {
                let doc = try Self.json(try await c.execute(uri: "/api/places?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", method: .get))
                let places = doc["places"] as? [[String: Any]] ?? []
                // The city first (its name is the query), then the province, then the datasets about it.
                #expect(places.first?["name"] as? String == "Thành phố Huế", "\(q): \(places)")
                #expect(places.first?["detail"] as? String == "Thừa Thiên Huế")
                #expect(places.first?["kind_label"] as? String == "Quận, huyện, thị xã")
                let bbox = places.first?["bbox"] as? [Double] ?? []
                #expect(bbox.count == 4 && bbox[0] < 107.58 && 107.58 < bbox[2] && bbox[1] < 16.46 && 16.46 < bbox[3], "\(bbox)")
                #expect(places.contains { $0["name"] as? String == "Thừa Thiên Huế" && $0["kind"] as? String == "province" })
                #expect(places.contains { $0["kind"] as? String == "dataset" && $0["name"] as? String == "Xã, phường Huế"
                        && $0["url"] as? String == "/datasets/xa-hue?lang=vi" })
            }
            // English: the dataset's English title and the kinds in English.
            let en = try Self.json(try await c.execute(uri: "/api/places?q=hue&lang=en", method: .get))["places"] as? [[String: Any]] ?? []
            #expect(en.first?["kind_label"] as? String == "District")
            #expect(en.contains { $0["name"] as? String == "Communes and wards of Huế" && $0["url"] as? String == "/datasets/xa-hue?lang=en" })
            // A province by its name without accents, a place that is not there, no query.
            let dalat = try Self.json(try await c.execute(uri: "/api/places?q=lam%20dong", method: .get))["places"] as? [[String: Any]] ?? []
            #expect(dalat.first?["name"] as? String == "Lâm Đồng")
            #expect((try Self.json(try await c.execute(uri: "/api/places?q=atlantis", method: .get))["places"] as? [Any])?.isEmpty == true)
            #expect((try Self.json(try await c.execute(uri: "/api/places", method: .get))["places"] as? [Any])?.isEmpty == true)
            let long = try await c.execute(uri: "/api/places?q=" + String(repeating: "a", count: 201), method: .get)
            #expect(long.status == .badRequest)
        }
    }

    @Test func theMapPageNamesDatasetsByTitleWithTheirFieldDescriptions() async throws {
        try await Application(router: try router(.none)).test(.router) { c in
            let (_, _, vi) = try await WebFixture.page(c, "/map?lang=vi")
            #expect(vi.contains(#"data-style="/basemap/style.json?lang=vi""#))
            // The datasets' titles, pages and field descriptions for the script, escaped for the attribute.
            #expect(vi.contains("&quot;title&quot;:&quot;Xã, phường Huế&quot;"), "\(vi)")
            #expect(vi.contains("&quot;commune_vn&quot;:&quot;Tên xã bằng tiếng Việt&quot;"))
            #expect(vi.contains("&quot;url&quot;:&quot;/datasets/xa-hue?lang=vi&quot;"))
            #expect(vi.contains(#"<label for="place-q">Tìm địa danh hoặc bộ dữ liệu</label>"#))
            let (_, _, en) = try await WebFixture.page(c, "/map?lang=en")
            #expect(en.contains("&quot;title&quot;:&quot;Communes and wards of Huế&quot;"))
            #expect(en.contains(#"<label for="place-q">Find a place or dataset</label>"#))
        }
    }

    @Test func aProvinceMayServeItsOwnArchiveOrStyleAsTheBasemap() async throws {
        // Another archive (here the communes themselves, as an OpenStreetMap extract would be):
        // its own layers, drawn plainly; nothing of the built-in design.
        let other = fixture.scratch.path("province-extract.pmtiles")
        let tiles = try TileService(store: fixture.store, configuration: .init(cacheMegabytes: 0))
        _ = try await TileArchiveBuilder.build(try await tiles.tileSource(named: "xa-hue"), to: other, format: .pmtiles, maxZoom: 8)
        let chosen = try await Basemap.open(BasemapConfiguration(archive: other), logger: Logger(label: "test"))
        try await Application(router: try router(chosen)).test(.router) { c in
            let doc = try Self.json(try await c.execute(uri: "/basemap/tiles.json", method: .get))
            #expect((doc["vector_layers"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["xa-hue", "xa-hue_label"])
            let style = try Self.json(try await c.execute(uri: "/basemap/style.json", method: .get))
            let ids = (style["layers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.contains("basemap/xa-hue/fill") && ids.contains("basemap/xa-hue/line"), "\(ids)")
            #expect(!ids.contains("basemap/provinces"))
            #expect(!ids.contains("basemap/xa-hue_label/point"), "label points are not drawn as data: \(ids)")
        }
        // A style from the province's own tile server: the maps load it, the pages may reach it.
        let style = try await Basemap.open(BasemapConfiguration(styleURL: "https://tiles.example.gov.vn/styles/osm.json"),
                                           logger: Logger(label: "test"))
        try await Application(router: try router(style)).test(.router) { c in
            let redirect = try await c.execute(uri: "/basemap/style.json", method: .get)
            #expect(redirect.status == .found && redirect.headers[.location] == "https://tiles.example.gov.vn/styles/osm.json")
            let (_, headers, page) = try await WebFixture.page(c, "/map")
            #expect(page.contains(#"data-style="https://tiles.example.gov.vn/styles/osm.json""#))
            let policy = (headers[.contentSecurityPolicy] ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(policy.contains { $0.hasPrefix("connect-src ") && $0.hasSuffix(" https://tiles.example.gov.vn") }, "\(policy)")
            #expect(policy.contains { $0.hasPrefix("img-src ") && $0.hasSuffix(" https://tiles.example.gov.vn") }, "\(policy)")
            #expect(try await c.execute(uri: "/basemap/tiles.json", method: .get).status == .notFound)
        }
        await #expect(throws: (any Error).self) {
            try await Basemap.open(BasemapConfiguration(styleURL: "file:///etc/passwd"), logger: Logger(label: "test"))
        }
        await #expect(throws: (any Error).self) {
            try await Basemap.open(BasemapConfiguration(archive: fixture.scratch.path("missing.pmtiles")), logger: Logger(label: "test"))
        }
    }

    @Test func withoutItsSourcesOrAPlaceToWriteTheMapsGoWithoutABasemap() async throws {
        var missing = BasemapConfiguration()
        missing.sourceFolder = fixture.scratch.path("no-such-folder")
        var unwritable = BasemapConfiguration()
        unwritable.sourceFolder = TestPaths.fixture("basemap").path
        unwritable.builtArchive = "/proc/bando-basemap/basemap.pmtiles"
        for config in [missing, unwritable] {
            let basemap = try await Basemap.open(config, logger: Logger(label: "test"))
            guard case .none = basemap else { Issue.record("\(config.builtArchive): \(basemap)"); continue }
            try await Application(router: try router(basemap)).test(.router) { c in
                // The style still loads (the background alone), so the maps still work.
                let style = try Self.json(try await c.execute(uri: "/basemap/style.json", method: .get))
                #expect((style["layers"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["basemap/background"])
                #expect(try await c.execute(uri: "/basemap/tiles.json", method: .get).status == .notFound)
            }
        }
    }

    @Test func theBuiltInArchiveIsRemadeWhenItsSourcesAreNewer() throws {
        let scratch = ScratchDirectory("basemap-stale")
        let source = scratch.path("country.geojson"), archive = scratch.path("basemap.pmtiles")
        #expect(Basemap.isStale(archive, sources: [source]))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: source))
        try Data("x".utf8).write(to: URL(fileURLWithPath: archive))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: source)
        #expect(!Basemap.isStale(archive, sources: [source]))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: source)
        #expect(Basemap.isStale(archive, sources: [source]))
    }
}
