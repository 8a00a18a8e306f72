import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import GeoStore
import Ingest
import Tiles
@testable import App

/// A store with the Huế communes published, and the router over it.
struct SkeletonFixture {
    /// A new store at `path` with the Huế communes published as `xa-hue` (agency and attribution
    /// set), as the route tests and the portal page tests start.
    static func storeWithCommunes(at path: String) throws -> Store {
        let store = try Store(path: path)
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes-utm48n.shp").path,
                                           metadata: DatasetMetadata(slug: "xa-hue", title: "Xã, phường Huế", agencyName: "Sở Tài nguyên và Môi trường",
                                                                     attribution: "censusVN2009 (Marc Choisy, MIT)")), into: store)
        return store
    }

    let scratch = ScratchDirectory("routes")
    let store: Store
    let router: Router<BandoRequestContext>

    init() throws {
        store = try Self.storeWithCommunes(at: scratch.path("s.sqlite"))
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0))
        router = buildRouter(store: store, tiles: tiles)
    }
}

@Suite struct SkeletonRoutesTests {
    @Test func healthz() async throws {
        let f = try SkeletonFixture()
        try await Application(router: f.router).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func datasetList() async throws {
        let f = try SkeletonFixture()
        try await Application(router: f.router).test(.router) { client in
            try await client.execute(uri: "/api/datasets", method: .get) { r in
                #expect(r.status == .ok)
                let obj = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as! [String: Any]
                let d = try #require((obj["datasets"] as? [[String: Any]])?.first)
                #expect(d["id"] as? String == "xa-hue")
                #expect(d["title"] as? String == "Xã, phường Huế")
                #expect(d["agency"] as? String == "Sở Tài nguyên và Môi trường")
                #expect(d["featureCount"] as? Int == 152)
                #expect(d["currentVersion"] as? Int == 1)
                let bbox = try #require(d["bbox"] as? [Double])
                #expect(bbox[0] > 107 && bbox[2] < 108.3 && bbox[1] > 15.9 && bbox[3] < 16.8)
            }
        }
    }

    @Test func geojsonDownload() async throws {
        let f = try SkeletonFixture()
        try await Application(router: f.router).test(.router) { client in
            try await client.execute(uri: "/downloads/xa-hue.geojson", method: .get) { r in
                #expect(r.status == .movedPermanently && r.headers[.location] == "/downloads/xa-hue/latest.geojson")
            }
            let etag = try await client.execute(uri: "/downloads/xa-hue/latest.geojson", method: .get) { r -> String in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/geo+json")
                #expect(r.headers[.contentDisposition] == "attachment; filename=\"xa-hue-v1.geojson\"")
                let obj = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as! [String: Any]
                #expect(obj["type"] as? String == "FeatureCollection")
                #expect((obj["features"] as? [Any])?.count == 152)
                #expect(obj["attribution"] as? String == "censusVN2009 (Marc Choisy, MIT)")
                return try #require(r.headers[.eTag])
            }
            try await client.execute(uri: "/downloads/xa-hue/latest.geojson", method: .get, headers: [.ifNoneMatch: etag]) {
                #expect($0.status == .notModified)
            }
            try await client.execute(uri: "/downloads/nope/latest.geojson", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/downloads/xa-hue.exe", method: .get) { #expect($0.status == .notFound) }
        }
    }
}

@Suite(.printsChildLogsOnFailure) struct EndToEndTests {
    /// The real binary, a real socket: ingest with the CLI, serve, download, read with GDAL.
    @Test func ingestServeDownload() throws {
        let scratch = ScratchDirectory("e2e")
        let storePath = scratch.path("s.sqlite")
        let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/districts.zip").path,
                                                             "--dataset", "huyen", "--store", storePath])
        #expect(ingest.succeeded, "\(ingest.stderr)")
        // As many as GDAL reads from the zip (the nine districts of Thừa Thiên Huế).
        let counted = try Run.process("ogrinfo", ["-so", "-al", "/vsizip/" + TestPaths.fixture("hue/districts.zip").path])
        let countLine = try #require(counted.stdout.split(separator: "\n").first { $0.contains("Feature Count:") })
        let expected = try #require(Int(countLine.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)))
        #expect(expected == 9)
        #expect(ingest.stdout.contains("\(expected) written"), "\(ingest.stdout)")
        let port = freeLocalPort()
        // Its log stays in the scratch folder; printed if it dies under the test.
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", storePath, "--port", String(port), "--tiles", scratch.path("no-tiles")],
                                           log: scratch.path("serve.log"))
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        let out = scratch.path("d.geojson")
        let fetched = try Run.process("curl", ["-sfL", "-o", out, "http://127.0.0.1:\(port)/downloads/huyen.geojson"])
        #expect(fetched.succeeded, "curl: \(fetched.stderr)\n\(server.logTail())")
        let info = try Run.process("ogrinfo", ["-so", "-al", out])
        #expect(info.stdout.contains("Feature Count: \(expected)"), "\(info.stdout)")
    }
}
