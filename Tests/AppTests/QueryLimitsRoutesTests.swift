import Foundation
import Testing
import Hummingbird
import HummingbirdTesting
import TestSupport
import HTTPTypes
@testable import App
@testable import Features

/// Hostile numbers and filters on `/ogc` and `/api/analysis`, in process: each is a 400 whose
/// message names the parameter and what is allowed, and the same router answers normally
/// afterwards. Before, `"k": 1e300` trapped the process, 25,000 parentheses overflowed its
/// stack, and a CQL2 JSON filter 100 levels deep was a 500.
@Suite(.serialized) struct QueryLimitsRoutesTests {
    let store: TestStore

    init() throws {
        store = try TestStore()
        try store.publish("communes", geoJSON: Fixture.communes)
        try store.publish("points", geoJSON: Fixture.points)
    }

    func app() -> some ApplicationProtocol {
        let router = Router(context: BandoRequestContext.self)
        router.add(middleware: EnglishAnswers())
        router.add(middleware: ErrorMiddleware())
        let directory = StoreCollectionDirectory(store: store.store)
        let queries = FeatureQueries(store: store.store)
        addOGCFeaturesRoutes(to: router, api: OGCFeaturesAPI(directory: directory, queries: queries))
        addAnalysisRoutes(to: router, api: AnalysisAPI(directory: directory, analysis: Analysis(queries: queries)))
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    /// Expects a 400 OGC exception whose description contains `fragment`.
    func expectRefused(_ r: TestResponse, _ fragment: String, _ what: String) throws {
        #expect(r.status == .badRequest, "\(what)")
        let doc = try json(r.body)
        #expect(doc["code"] as? String == "InvalidParameterValue", "\(what)")
        let description = doc["description"] as? String ?? ""
        #expect(description.contains(fragment), "\(what): \(description)")
        #expect(!description.contains("SELECT"), "\(what): SQL in the body")
    }

    func nearestStillAnswers(_ client: some TestClientProtocol) async throws {
        try await client.execute(uri: "/api/analysis/nearest?dataset=points&lon=107.59&lat=16.46&k=3", method: .get) { r in
            #expect(r.status == .ok)
            let results = try json(r.body)["results"] as? [[String: Any]]
            #expect(results?.count == 3)
        }
    }

    @Test func nearestRefusesAKThatIsNotACount() async throws {
        try await app().test(.router) { client in
            for k in ["1e300", "1e19", "-1", "0", "1001", "2.5", "-1e300", "\"NaN\"", "\"1e300\"", "true", "null", "[3]", "{}"] {
                let body = ByteBuffer(string: #"{"dataset": "points", "lon": 107.59, "lat": 16.46, "k": \#(k)}"#)
                try await client.execute(uri: "/api/analysis/nearest", method: .post, body: body) { r in
                    try expectRefused(r, "k must be a whole number from 1 to 1000", "k: \(k)")
                }
            }
            for k in ["1e300", "1e19", "NaN", "inf", "-1", "99999999999999999999", "3.0", ""] {
                try await client.execute(uri: "/api/analysis/nearest?dataset=points&lon=107.59&lat=16.46&k=\(k)", method: .get) { r in
                    try expectRefused(r, "k must be a whole number from 1 to 1000", "k=\(k)")
                }
            }
            // A number JSON cannot hold in a double is not JSON we read.
            let huge = ByteBuffer(string: #"{"dataset": "points", "lon": 107.59, "lat": 16.46, "k": 1e400}"#)
            try await client.execute(uri: "/api/analysis/nearest", method: .post, body: huge) { r in
                try expectRefused(r, "request body must be a JSON object", "k: 1e400")
            }
            // Whole numbers written as reals are counts.
            let real = ByteBuffer(string: #"{"dataset": "points", "lon": 107.59, "lat": 16.46, "k": 2.0}"#)
            try await client.execute(uri: "/api/analysis/nearest", method: .post, body: real) { r in
                #expect(r.status == .ok)
                let results = try json(r.body)["results"] as? [[String: Any]]
                #expect(results?.count == 2)
            }
            try await nearestStillAnswers(client)
        }
    }

    @Test func withinDistanceRefusesBadNumbers() async throws {
        try await app().test(.router) { client in
            for (field, value, fragment) in [("limit", "1e300", "limit must be a whole number from 1 to 10000"),
                                             ("limit", "0", "limit must be a whole number from 1 to 10000"),
                                             ("distance", "1e300", "distance is in metres"),
                                             ("distance", "\"far\"", "distance must be a number")] {
                let body = ByteBuffer(string: #"{"dataset": "points", "lon": 107.59, "lat": 16.46, "distance": 100, "\#(field)": \#(value)}"#)
                try await client.execute(uri: "/api/analysis/within-distance", method: .post, body: body) { r in
                    try expectRefused(r, fragment, "\(field): \(value)")
                }
            }
            let outside = ByteBuffer(string: #"{"dataset": "points", "distance": 100, "geometry": {"type": "Point", "coordinates": [1e300, 16]}}"#)
            try await client.execute(uri: "/api/analysis/within-distance", method: .post, body: outside) { r in
                try expectRefused(r, "WGS 84", "geometry at 1e300")
            }
            try await nearestStillAnswers(client)
        }
    }

    @Test func itemsRefuseNumbersOutOfRange() async throws {
        try await app().test(.router) { client in
            for (query, fragment) in [("limit=1e300", "limit must be a whole number from 1 to 10000"), ("limit=-1", "from 1 to 10000"),
                                      ("limit=0", "from 1 to 10000"), ("limit=99999999999999999999", "from 1 to 10000"),
                                      ("offset=-1", "offset must be a whole number from 0 to 1000000000"),
                                      ("offset=1e19", "from 0 to 1000000000"), ("offset=9223372036854775807", "from 0 to 1000000000"),
                                      ("bbox=1e400,0,1,1", "bbox must be four numbers"), ("bbox=nan,0,1,1", "bbox must be four numbers"),
                                      ("population=1&population=2", "more than once")] {
                try await client.execute(uri: "/ogc/collections/communes/items?\(query)", method: .get) { r in
                    try expectRefused(r, fragment, query)
                }
            }
            // The deepest page allowed is an empty page, not a crash.
            try await client.execute(uri: "/ogc/collections/communes/items?offset=1000000000", method: .get) { r in
                #expect(r.status == .ok)
                let returned = try json(r.body)["numberReturned"] as? Int
                #expect(returned == 0)
            }
        }
    }

    func items(_ client: some TestClientProtocol, filter: String, lang: String = "cql2-text") async throws -> TestResponse {
        let escaped = try #require(filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        return try await client.execute(uri: "/ogc/collections/communes/items?filter-lang=\(lang)&limit=1000&filter=\(escaped)", method: .get) { $0 }
    }

    @Test func deeplyNestedFiltersAreRefusedAndTheServerGoesOn() async throws {
        try await app().test(.router) { client in
            let parens = String(repeating: "(", count: 25_000) + "population > 1" + String(repeating: ")", count: 25_000)
            try expectRefused(try await items(client, filter: parens), "more than 64 levels", "25,000 parentheses")
            let nots = String(repeating: "NOT ", count: 25_000) + "population > 1"
            try expectRefused(try await items(client, filter: nots), "more than 64 levels", "25,000 NOTs")
            let json250 = String(repeating: #"{"op":"not","args":["#, count: 250) + #"{"op":">","args":[{"property":"population"},1]}"#
                + String(repeating: "]}", count: 250)
            try expectRefused(try await items(client, filter: json250, lang: "cql2-json"), "more than 64 levels", "JSON 250 deep")
            let arrays = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            try expectRefused(try await items(client, filter: arrays, lang: "cql2-json"), "not valid JSON", "100,000 arrays")
            try await nearestStillAnswers(client)
        }
    }

    /// 60 levels (30 × `NOT (`) give what the flat filter gives, in text and in JSON; the JSON
    /// form was a 500 past 18 levels, when each NOT became `NOT coalesce((…), 0)` in SQL.
    @Test func sixtyLevelsDeepStillAnswer() async throws {
        try await app().test(.router) { client in
            func matched(_ r: TestResponse) throws -> [Int] {
                #expect(r.status == .ok, "\(String(buffer: r.body).prefix(300))")
                let features = try json(r.body)["features"] as? [[String: Any]] ?? []
                return features.compactMap { $0["id"] as? Int }
            }
            let flat = try matched(try await items(client, filter: "population > 8000"))
            #expect(!flat.isEmpty && flat.count < 152)
            let text = String(repeating: "NOT (", count: 30) + "population > 8000" + String(repeating: ")", count: 30)
            #expect(try matched(try await items(client, filter: text)) == flat)
            let jsonFilter = String(repeating: #"{"op":"not","args":["#, count: 60) + #"{"op":">","args":[{"property":"population"},8000]}"#
                + String(repeating: "]}", count: 60)
            #expect(try matched(try await items(client, filter: jsonFilter, lang: "cql2-json")) == flat)
        }
    }
}

/// The assertions read the English messages: ask for them as a client would.
struct EnglishAnswers<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var head = request.head
        head.headerFields[.acceptLanguage] = "en"
        return try await next(Request(head: head, body: request.body), context)
    }
}
