import Foundation
import Testing
import Hummingbird
import HummingbirdTesting
import TestSupport
import GRDB
import HTTPTypes
@testable import App
@testable import Features

/// The `/ogc` and `/api/analysis` routes in process, and real OGC clients (GDAL's OAPIF
/// driver, OWSLib) against them over a socket.
@Suite(.serialized) struct OGCFeaturesRoutesTests {
    let store: TestStore
    /// The communes' feature table, where the reference answers are read.
    let communes: String

    init() throws {
        store = try TestStore()
        communes = try store.publish("communes", geoJSON: Fixture.communes).table.name
        try store.publish("points", geoJSON: Fixture.points)
    }

    func app() -> some ApplicationProtocol {
        let router = Router(context: BandoRequestContext.self)
        let directory = StoreCollectionDirectory(store: store.store)
        let queries = FeatureQueries(store: store.store)
        addOGCFeaturesRoutes(to: router, api: OGCFeaturesAPI(directory: directory, queries: queries))
        addAnalysisRoutes(to: router, api: AnalysisAPI(directory: directory, analysis: Analysis(queries: queries)))
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func landingConformanceAndCollections() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/ogc", method: .get) { r in
                #expect(r.status == .ok)
                let rels = (try json(r.body)["links"] as! [[String: Any]]).map { $0["rel"] as! String }
                #expect(rels.contains("service-desc") && rels.contains("conformance") && rels.contains("data"))
            }
            try await client.execute(uri: "/ogc/conformance", method: .get) { r in
                let classes = try json(r.body)["conformsTo"] as! [String]
                #expect(classes.contains("http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"))
            }
            try await client.execute(uri: "/ogc/collections", method: .get) { r in
                let cs = try json(r.body)["collections"] as! [[String: Any]]
                #expect(cs.map { $0["id"] as! String } == ["communes", "points"])
            }
            try await client.execute(uri: "/ogc/api", method: .get) { r in
                let paths = try json(r.body)["paths"] as! [String: Any]
                #expect(paths.keys.contains("/collections/{collectionId}/items"))
            }
            try await client.execute(uri: "/ogc?f=html", method: .get) { r in
                #expect(r.headers[.contentType]?.hasPrefix("text/html") == true)
            }
        }
    }

    /// /ogc/api is a valid OpenAPI 3.0 document (checked by openapi-spec-validator), every path
    /// in it answers, and every route of /ogc is in it.
    @Test func openAPIIsValidAndTrue() async throws {
        let scratch = ScratchDirectory("ogc-openapi")
        try await app().test(.router) { client in
            let doc = try await client.execute(uri: "/ogc/api", method: .get) { r in
                #expect(r.headers[.contentType] == "application/vnd.oai.openapi+json;version=3.0")
                return try json(r.body)
            }
            let file = scratch.path("openapi.json")
            try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: file))
            let check = try Run.python("import sys; from openapi_spec_validator import validate; from openapi_spec_validator.readers import read_from_filename; validate(read_from_filename(sys.argv[1])[0]); print('valid')", [file])
            #expect(check.stdout.contains("valid"), "\(check.stderr)")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            for route in ["/", "/api", "/conformance", "/collections", "/collections/{collectionId}", "/collections/{collectionId}/queryables",
                          "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}", "/collections/communes/items"] {
                #expect(paths[route] != nil, "\(route) missing from /ogc/api")
            }
            for path in paths.keys {
                let uri = "/ogc" + (path == "/" ? "" : path).replacingOccurrences(of: "{collectionId}", with: "communes").replacingOccurrences(of: "{featureId}", with: "1")
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .ok, "\(uri)") }
                // Every parameter the document lists for items is accepted.
                if path == "/collections/communes/items" {
                    let names = ((paths[path]?["get"] as? [String: Any])?["parameters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                    #expect(names.contains("population") && names.contains("bbox-crs") && names.contains("filter-crs"))
                }
            }
            // A property the document offers as a filter works as one.
            try await client.execute(uri: "/ogc/collections/communes/items?district_vn=Th%C3%A0nh%20ph%E1%BB%91%20Hu%E1%BA%BF&limit=1", method: .get) { r in
                #expect(r.status == .ok)
                let matched = try json(r.body)["numberMatched"] as? Int ?? 0
                #expect(matched > 1)
            }
        }
    }

    @Test func itemsHaveGeoJSONMediaTypeLinksAndContentCrs() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/ogc/collections/communes/items?bbox=107.55,16.42,107.65,16.50&limit=10", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/geo+json")
                #expect(r.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
                #expect(r.headers[values: HTTPField.Name("Link")!].contains { $0.contains("rel=\"next\"") })
                let doc = try json(r.body)
                #expect(doc["numberReturned"] as? Int == 10)
            }
            // VN-2000 / UTM 48N on request, named in Content-Crs; a bbox in it is accepted.
            try await client.execute(uri: "/ogc/collections/communes/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/3405&bbox=772000,1817000,783000,1827000&bbox-crs=EPSG:3405", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/EPSG/0/3405>")
                let matched = try json(r.body)["numberMatched"] as? Int ?? 0
                #expect(matched > 10)
            }
        }
    }

    @Test func badRequestsGetOGCExceptions() async throws {
        try await app().test(.router) { client in
            for (query, fragment) in [("bbox=1,2", "bbox"), ("limit=20000", "maximum"), ("crs=EPSG:1", "not offered"),
                                      ("filter=population%20%3E%3E%201", "character 13"), ("filter=nope%20%3D%201", "queryables")] {
                try await client.execute(uri: "/ogc/collections/communes/items?\(query)", method: .get, headers: [.acceptLanguage: "en"]) { r in
                    #expect(r.status == .badRequest, "\(query)")
                    let doc = try json(r.body)
                    #expect(doc["code"] as? String == "InvalidParameterValue")
                    #expect((doc["description"] as? String)?.contains(fragment) == true, "\(query): \(doc)")
                }
            }
            try await client.execute(uri: "/ogc/collections/nope/items", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/analysis/point-in-area?dataset=communes&lon=100&lat=10&lang=en", method: .get) { r in
                #expect(r.status == .badRequest)
                let d = try json(r.body)
                #expect((d["description"] as? String)?.contains("lies in no area") == true)
            }
        }
    }

    @Test func analysisRoutes() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/analysis/point-in-area?dataset=communes&lon=107.59&lat=16.46", method: .get) { r in
                let results = try json(r.body)["results"] as! [[String: Any]]
                let area = (results[0]["areas"] as! [[String: Any]])[0]["properties"] as! [String: Any]
                #expect(area["district_vn"] as? String == "Thành phố Huế")
            }
            let body = ByteBuffer(string: #"{"dataset": "communes", "points": [[107.59, 16.46], [100, 10]]}"#)
            try await client.execute(uri: "/api/analysis/point-in-area?format=csv", method: .post, body: body) { r in
                #expect(r.headers[.contentType]?.hasPrefix("text/csv") == true)
                let lines = String(buffer: r.body).split(separator: "\r\n")
                #expect(lines.count == 3 && lines[0].hasPrefix("index,lon,lat,id,"))
            }
            try await client.execute(uri: "/api/analysis/nearest?dataset=points&lon=107.59&lat=16.46&k=3", method: .get) { r in
                let d = try json(r.body)
                #expect((d["results"] as! [[String: Any]]).count == 3)
            }
            try await client.execute(uri: "/api/analysis/aggregate?dataset=points&areas=communes&field=population&format=csv", method: .get) { r in
                #expect(String(buffer: r.body).split(separator: "\r\n").count == 153)
            }
        }
    }

    /// GDAL's OAPIF driver lists the collections and copies one with the store's count and values.
    @Test func gdalReadsTheService() async throws {
        let scratch = ScratchDirectory("ogc-gdal")
        try await app().test(.live) { client in
            let url = "OAPIF:http://127.0.0.1:\(client.port!)/ogc"
            let info = try Run.process("ogrinfo", ["-ro", "-q", url])
            #expect(info.succeeded, "\(info.stderr)")
            #expect(info.stdout.contains("communes") && info.stdout.contains("points"))
            let out = scratch.path("copy.gpkg")
            let copy = try Run.process("ogr2ogr", ["-f", "GPKG", out, url, "communes"])
            #expect(copy.succeeded, "\(copy.stderr)")
            let count = try Run.process("ogrinfo", ["-ro", "-q", "-sql", "SELECT count(*) AS n, sum(population) AS p FROM communes", out])
            let expected = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT sum(population) FROM \(communes)")! }
            #expect(count.stdout.contains("n (Integer) = 152"), "\(count.stdout)")
            #expect(count.stdout.contains("p (Integer64) = \(expected)") || count.stdout.contains("p (Integer) = \(expected)") || count.stdout.contains("p (Real) = \(expected)"), "\(count.stdout)")
        }
    }

    /// OWSLib reads the landing page, collections, queryables and a filtered page.
    @Test func owslibReadsTheService() async throws {
        try await app().test(.live) { client in
            let script = """
            import sys, json
            from owslib.ogcapi.features import Features
            w = Features(sys.argv[1])
            out = {"title": w.links is not None, "collections": [c["id"] for c in w.collections()["collections"]]}
            out["queryables"] = sorted(w.collection_queryables("communes")["properties"].keys())
            items = w.collection_items("communes", filter="population > 15000 AND S_INTERSECTS(geometry, BBOX(107.4, 16.3, 107.8, 16.6))", limit=500)
            out["matched"] = items["numberMatched"]
            out["ids"] = [f["id"] for f in items["features"]]
            print(json.dumps(out))
            """
            let r = try Run.python(script, ["http://127.0.0.1:\(client.port!)/ogc"])
            #expect(r.succeeded, "\(r.stderr)")
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(doc["collections"] as? [String] == ["communes", "points"])
            #expect((doc["queryables"] as? [String])?.contains("population") == true)
            let expected = try store.fids("SELECT fid FROM \(communes) WHERE population > 15000 AND ST_Intersects(geom, BuildMbr(107.4, 16.3, 107.8, 16.6, 4326)) = 1 ORDER BY fid")
            #expect(!expected.isEmpty)
            #expect((doc["ids"] as? [Int])?.map(Int64.init) == expected)
        }
    }
}
