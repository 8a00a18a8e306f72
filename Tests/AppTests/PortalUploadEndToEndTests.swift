import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import GRDB
import Portal
import Tiles
@testable import App

/// The agencies' path through the real server: an editor uploads a real file over HTTP, the
/// real ingest makes it a draft, an approver publishes it, and only then do the public routes
/// (OGC API, tiles) serve it. A broken upload afterwards changes nothing that is published.
@Suite struct PortalUploadEndToEndTests {
    func multipart(_ filename: String, _ content: Data) -> (ByteBuffer, String) {
        let boundary = "bando-e2e-boundary"
        var d = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        d.append(content)
        d.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (ByteBuffer(bytes: d), "multipart/form-data; boundary=\(boundary)")
    }

    func object(_ r: TestResponse) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]
    }

    @Test func uploadedFileIsServedOnlyOnceApproved() async throws {
        let scratch = ScratchDirectory("portal-e2e")
        let store = try Store(path: scratch.path("s.sqlite"))
        let portal = PortalService(store: store)
        let cli = PortalService.commandLine
        _ = try portal.createAgency(slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường", by: cli)
        _ = try portal.createUser(username: "bien-tap", password: "mat-khau-bien-tap", role: .editor, agency: "so-tnmt", by: cli)
        _ = try portal.createUser(username: "lanh-dao", password: "mat-khau-lanh-dao", role: .approver, agency: "so-tnmt", by: cli)
        _ = try portal.addToOpenDataList(agency: "so-tnmt", slug: "xa-hue", title: "Xã, phường Huế", theme: "boundaries",
                                      frequency: .quarterly, description: "", by: cli)
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0, checkInterval: .zero))
        let router = buildRouter(store: store, tiles: tiles)

        try await Application(router: router).test(.live) { c in
            func login(_ user: String) async throws -> HTTPFields {
                let r = try await c.execute(uri: "/api/portal/login", method: .post, headers: [.contentType: "application/json"],
                                            body: ByteBuffer(string: #"{"username":"\#(user)","password":"mat-khau-\#(user)"}"#))
                #expect(r.status == .ok, "login \(user): \(String(buffer: r.body))")
                return [.cookie: r.headers[.setCookie]?.split(separator: ";").first.map(String.init) ?? ""]
            }
            let editor = try await login("bien-tap")
            let approver = try await login("lanh-dao")

            let (body, type) = multipart("communes.geojson", try Data(contentsOf: TestPaths.fixture("hue/communes.geojson")))
            var h = editor; h[.contentType] = type
            let up = try await c.execute(uri: "/api/portal/datasets/xa-hue/uploads", method: .post, headers: h, body: body)
            #expect(up.status == .created, "\(String(buffer: up.body))")
            #expect(object(up)?["status"] as? String == "draft")
            #expect(object(up)?["featureCount"] as? Int == 152)

            // A draft is nobody's business but the agency's.
            #expect(try await c.execute(uri: "/ogc/collections/xa-hue", method: .get).status == .notFound)
            #expect(try await c.execute(uri: "/tiles/xa-hue.json", method: .get).status == .notFound)

            #expect(try await c.execute(uri: "/api/portal/datasets/xa-hue/versions/1/submit", method: .post, headers: editor).status == .ok)
            let ok = try await c.execute(uri: "/api/portal/datasets/xa-hue/versions/1/approve", method: .post, headers: approver)
            #expect(ok.status == .ok, "\(String(buffer: ok.body))")

            let items = try await c.execute(uri: "/ogc/collections/xa-hue/items?commune_vn=Ph%C6%B0%E1%BB%9Dng%20Ph%C3%BA%20Thu%E1%BA%ADn", method: .get)
            #expect(items.status == .ok)
            let features = object(items)?["features"] as? [[String: Any]]
            #expect(features?.count == 1)
            #expect((features?.first?["properties"] as? [String: Any])?["population"] as? Double == 7657)
            let all = try await c.execute(uri: "/ogc/collections/xa-hue/items?limit=1", method: .get)
            #expect(object(all)?["numberMatched"] as? Int == 152)
            #expect(try await c.execute(uri: "/tiles/xa-hue.json", method: .get).status == .ok)

            // A broken upload is refused with a reason and leaves the published version served.
            let (bad, badType) = multipart("communes.geojson", Data(#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[107.5,16.4],"#.utf8))
            h[.contentType] = badType
            let refused = try await c.execute(uri: "/api/portal/datasets/xa-hue/uploads", method: .post, headers: h, body: bad)
            #expect((400..<500).contains(Int(refused.status.code)), "\(refused.status) \(String(buffer: refused.body))")
            #expect(!String(buffer: refused.body).isEmpty)
            let still = try await c.execute(uri: "/ogc/collections/xa-hue/items?limit=1", method: .get)
            #expect(object(still)?["numberMatched"] as? Int == 152)

            // The agency's editor describes the dataset for harvesters through the portal API.
            var json = editor
            json[.contentType] = "application/json"
            let meta = try await c.execute(uri: "/api/portal/datasets/xa-hue/metadata", method: .put, headers: json, body: ByteBuffer(string:
                #"{"titleEN": "Communes of Huế", "keywords": ["ranh giới", "xã"], "contactEmail": "gis@hue.gov.vn", "fieldDescriptions": {"commune_vn": "Tên xã, phường"}}"#))
            #expect(meta.status == .ok, "\(String(buffer: meta.body))")
            #expect(object(meta)?["contactEmail"] as? String == "gis@hue.gov.vn")
            let described = object(try await c.execute(uri: "/api/catalog/xa-hue", method: .get))
            #expect((described?["title"] as? [String: Any])?["en"] as? String == "Communes of Huế")
            #expect(described?["keywords"] as? [String] == ["ranh giới", "xã"])
            // Bad metadata is refused with what to fix and changes nothing; strangers may not edit.
            let badEmail = try await c.execute(uri: "/api/portal/datasets/xa-hue/metadata", method: .put, headers: json,
                                               body: ByteBuffer(string: #"{"contactEmail": "gis at hue"}"#))
            #expect(badEmail.status == .badRequest)
            #expect(String(buffer: badEmail.body).contains("không phải là địa chỉ thư điện tử"))
            let badField = try await c.execute(uri: "/api/portal/datasets/xa-hue/metadata", method: .put, headers: json,
                                               body: ByteBuffer(string: #"{"fieldDescriptions": {"ten_xa": "x"}}"#))
            #expect(badField.status == .badRequest)
            #expect(String(buffer: badField.body).contains("không có trường 'ten_xa'"))
            let anonymous = try await c.execute(uri: "/api/portal/datasets/xa-hue/metadata", method: .put,
                                                headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"titleEN": "x"}"#))
            #expect(anonymous.status == .unauthorized)
            let kept = object(try await c.execute(uri: "/api/portal/datasets/xa-hue/metadata", method: .get, headers: editor))
            #expect(kept?["contactEmail"] as? String == "gis@hue.gov.vn")
            #expect(kept?["titleEN"] as? String == "Communes of Huế")
            #expect(try portal.auditLog(by: cli, dataset: "xa-hue").contains { $0.action == "metadata.edit" && $0.username == "bien-tap" })

            // The download follows publication: a second, smaller file is a draft (the download
            // is still version 1), and once approved the latest download is the new version.
            func latestCount() async throws -> Int? {
                let r = try await c.execute(uri: "/downloads/xa-hue/latest.geojson", method: .get)
                return (object(r)?["features"] as? [Any])?.count
            }
            #expect(try await latestCount() == 152)
            var smaller = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("hue/communes.geojson"))) as? [String: Any])
            smaller["features"] = Array(try #require(smaller["features"] as? [Any]).prefix(100))
            let (body2, type2) = multipart("communes.geojson", try JSONSerialization.data(withJSONObject: smaller))
            h[.contentType] = type2
            let up2 = try await c.execute(uri: "/api/portal/datasets/xa-hue/uploads", method: .post, headers: h, body: body2)
            #expect(up2.status == .created, "\(String(buffer: up2.body))")
            let number = try #require(object(up2)?["number"] as? Int)
            #expect(try await latestCount() == 152)
            #expect(try await c.execute(uri: "/api/portal/datasets/xa-hue/versions/\(number)/submit", method: .post, headers: editor).status == .ok)
            #expect(try await c.execute(uri: "/api/portal/datasets/xa-hue/versions/\(number)/approve", method: .post, headers: approver).status == .ok)
            // The GeoJSON download is produced after the approval, before the first citizen asks.
            let produced = URL(fileURLWithPath: scratch.path("downloads/xa-hue/v\(number).geojson"))
            for _ in 0..<600 where !FileManager.default.fileExists(atPath: produced.path) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(FileManager.default.fileExists(atPath: produced.path), "the approved version's GeoJSON was not produced ahead")
            #expect(try await latestCount() == 100)

            // What changed since version 1 is worked out after the approval, before anyone asks
            // the catalogue (on a large version it takes seconds).
            var summarised = false
            for _ in 0..<600 where !summarised {
                summarised = try await store.pool.read { db in
                    try Bool.fetchOne(db, sql: """
                        SELECT count(*) > 0 FROM version_changes c JOIN dataset_versions v ON v.id = c.version_id
                        JOIN datasets d ON d.id = v.dataset_id WHERE d.slug = 'xa-hue' AND v.number = ?
                        """, arguments: [number]) ?? false
                }
                if !summarised { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(summarised, "no change summary was computed for the approved version")
            let entry = try await c.execute(uri: "/api/catalog/xa-hue", method: .get)
            let versions = object(entry)?["versions"] as? [[String: Any]]
            let latest = versions?.first { $0["number"] as? Int == number }
            #expect((latest?["changes"] as? [String: Any])?["removed"] as? Int == 52, "\(String(buffer: entry.body).prefix(600))")
        }
    }
}
