import Foundation
import Glibc
import Testing
import TestSupport
import GeoStore
import GRDB
import Ingest
import Portal

/// The real binary under load, over real sockets: many readers at once never hang it, and a
/// large upload being ingested never stalls the other routes. The server runs in a process of
/// its own so that a hang fails these tests instead of hanging them.
@Suite(.serialized, .printsChildLogsOnFailure) struct ServerStaysUpTests {
    /// A store with the demo datasets (as `Fixtures/load-demo.sh` loads them) and a portal agency
    /// with an editor, checkpointed and closed so the server starts with an empty WAL.
    static func demoStore(_ scratch: ScratchDirectory) throws -> String {
        let path = scratch.path("bando.sqlite")
        let store = try Store(path: path)
        let agency = "Sở Tài nguyên và Môi trường"
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes-utm48n.shp").path,
                                           metadata: DatasetMetadata(slug: "xa-phuong-hue", title: "Xã, phường Huế", agencyName: agency)), into: store)
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/districts.zip").path,
                                           metadata: DatasetMetadata(slug: "huyen", title: "Huyện", agencyName: agency)), into: store)
        let portal = PortalService(store: store, hasher: PasswordHasher(cost: 4))
        let cli = PortalService.commandLine
        _ = try portal.createAgency(slug: "so-tnmt", name: "Sở TN&MT Huế", by: cli)
        _ = try portal.createUser(username: "bien-tap", password: "mat-khau-bien-tap", role: .editor, agency: "so-tnmt", by: cli)
        _ = try portal.addToOpenDataList(agency: "so-tnmt", slug: "lon", title: "Hai triệu bản ghi", theme: "boundaries",
                                      frequency: .quarterly, description: "", by: cli)
        try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return path
    }

    /// Every read route of the public API, each answered 200 on its own.
    static let readRoutes: [(method: String, path: String, body: String)] = [
        ("GET", "/api/catalog", ""),
        ("GET", "/api/catalog/xa-phuong-hue", ""),
        ("GET", "/api/datasets", ""),
        ("GET", "/catalog.jsonld", ""),
        ("GET", "/api/3/action/package_list", ""),
        ("GET", "/api/3/action/package_show?id=huyen", ""),
        ("POST", "/api/3/action/package_search", #"{"q": "Huế", "rows": 5}"#),
        ("GET", "/ogc/collections", ""),
        ("GET", "/ogc/collections/xa-phuong-hue/items?limit=40", ""),
        ("GET", "/ogc/collections/xa-phuong-hue/items?limit=20&filter=population%20%3E%205000%20AND%20commune_vn%20LIKE%20%27Ph%25%27", ""),
        ("GET", "/ogc/collections/huyen/items?bbox=107.4,16.3,107.7,16.6", ""),
        ("GET", "/ogc/collections/huyen/items/1", ""),
        ("GET", "/tiles/xa-phuong-hue.json", ""),
        ("GET", "/tiles/xa-phuong-hue/10/817/464.mvt", ""),
        ("GET", "/tiles/huyen/10/817/464.mvt", ""),
        ("GET", "/downloads/xa-phuong-hue/latest.geojson", ""),
        ("GET", "/downloads/huyen/latest.csv", ""),
        ("GET", "/api/datasets/huyen/downloads", ""),
        ("GET", "/api/analysis/point-in-area?dataset=xa-phuong-hue&lon=107.59&lat=16.46", ""),
        ("POST", "/api/analysis/point-in-area", #"{"dataset": "huyen", "points": [[107.59, 16.46], [107.3, 16.6]]}"#),
    ]

    @Test func manyReadersOnEveryReadRouteAtOnceNeverHangTheServer() async throws {
        let scratch = ScratchDirectory("stays-up")
        let server = try RunningServer(store: try Self.demoStore(scratch), scratch: scratch)
        defer { server.stop() }
        let port = server.port
        @Sendable func send(_ r: (method: String, path: String, body: String), until deadline: Date) -> HTTPAnswer? {
            httpRequest(port: port, r.method, r.path, headers: r.body.isEmpty ? [:] : ["Content-Type": "application/json"],
                        body: Array(r.body.utf8), until: deadline)
        }
        // Each route alone: the URLs are right, so the load below really reads through each.
        for r in Self.readRoutes {
            let a = send(r, until: Date(timeIntervalSinceNow: 60))
            #expect(a?.status == 200, "\(r.method) \(r.path): \(a.map { "\($0.status) \($0.text.prefix(300))" } ?? "no answer")")
        }

        // 24 clients, each through every route from its own starting point. Before the fix the
        // server stopped answering anything within a few requests; the deadline only turns that
        // hang into a failure.
        let clients = 24, rounds = Self.readRoutes.count
        let deadline = Date(timeIntervalSinceNow: 180)
        let failures = await onThreads(clients) { c -> [String] in
            var failed: [String] = []
            for i in 0..<rounds {
                let r = Self.readRoutes[(c + i) % Self.readRoutes.count]
                guard let a = send(r, until: deadline) else { failed.append("\(r.path): no answer"); break }
                if a.status >= 500 { failed.append("\(r.path): \(a.status) \(a.text.prefix(200))") }
            }
            return failed
        }.flatMap { $0 }
        #expect(failures.isEmpty, "\(failures.count) requests failed, e.g. \(failures.prefix(5))")
        let health = httpRequest(port: port, "/healthz", until: Date(timeIntervalSinceNow: 30))
        #expect(health?.status == 200, "the server no longer answers /healthz")
        #expect(send(Self.readRoutes[0], until: Date(timeIntervalSinceNow: 30))?.status == 200, "the catalogue no longer answers")
    }

    /// While an upload of two million records is being ingested, the server answers everything
    /// else: before, the ingest held the store's only writer for a minute, and sign-ins and the
    /// downloads' counters (on the cooperative threads) waited for it, `/healthz` behind them.
    @Test func aLargeIngestStallsNothingElse() async throws {
        let scratch = ScratchDirectory("stays-up-ingest")
        let store = try Self.demoStore(scratch)
        let zip = try Self.nullShapefileZip(records: 2_000_000, in: scratch)
        let server = try RunningServer(store: store, scratch: scratch)
        defer { server.stop() }
        let port = server.port
        let long = Date(timeIntervalSinceNow: 900)
        @Sendable func signIn() -> HTTPAnswer? {
            httpRequest(port: port, "POST", "/api/portal/login", headers: ["Content-Type": "application/json"],
                        body: Array(#"{"username": "bien-tap", "password": "mat-khau-bien-tap"}"#.utf8), until: long)
        }
        let login = try #require(signIn())
        let cookie = try #require(login.header("Set-Cookie")?.split(separator: ";").first.map(String.init), "\(login.status) \(login.text)")

        let events = EventLog()
        let boundary = "bando-big-upload"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lon.zip\"\r\nContent-Type: application/zip\r\n\r\n".utf8)
        body += try [UInt8](Data(contentsOf: zip))
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let uploadBody = body
        let upload = Task {
            await onThreads(1) { _ -> HTTPAnswer? in
                defer { events.add("upload") }
                return httpRequest(port: port, "POST", "/api/portal/datasets/lon/uploads",
                                   headers: ["Cookie": cookie, "Content-Type": "multipart/form-data; boundary=\(boundary)"],
                                   body: uploadBody, until: long)
            }[0]
        }

        // Wait until the ingest is writing rows: the store's write-ahead log grows past 2 MB
        // (it was emptied before the server started, and rows are all the ingest writes).
        let wal = store + "-wal"
        let writing = await onThreads(1) { _ -> Bool in
            while Date() < long && !events.has("upload") {
                let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                if size > 2 << 20 { return true }
                usleep(20_000)
            }
            return false
        }[0]
        try #require(writing, "the ingest never started writing (upload answered: \(events.has("upload")))")

        // Downloads (each counted) and the probes, all while the rows are being written.
        let probes: [(String, @Sendable () -> HTTPAnswer?)] = [
            ("download 1", { httpRequest(port: port, "/downloads/xa-phuong-hue/latest.geojson", until: long) }),
            ("download 2", { httpRequest(port: port, "/downloads/huyen/latest.geojson", until: long) }),
            ("download 3", { httpRequest(port: port, "/downloads/xa-phuong-hue/latest.csv", until: long) }),
            ("healthz", { httpRequest(port: port, "/healthz", until: long) }),
            ("sign-in", { signIn() }),
            ("tile", { httpRequest(port: port, "/tiles/xa-phuong-hue/11/1636/929.mvt", until: long) }),
        ]
        let answers = await onThreads(probes.count) { i -> HTTPAnswer? in
            let a = probes[i].1()
            events.add(probes[i].0)
            return a
        }
        for (i, a) in answers.enumerated() {
            #expect(a?.status == 200, "\(probes[i].0): \(a.map { "\($0.status) \($0.text.prefix(200))" } ?? "no answer")")
        }

        let uploaded = try #require(await upload.value, "the upload was not answered")
        #expect(uploaded.status == 201, "\(uploaded.status) \(uploaded.text.prefix(300))")
        let version = try JSONSerialization.jsonObject(with: Data(uploaded.body)) as? [String: Any]
        #expect(version?["featureCount"] as? Int == 2_000_000)
        // The order of events: every probe was answered while the upload was still pending.
        let order = events.all
        let uploadAt = try #require(order.firstIndex(of: "upload"))
        for (name, _) in probes {
            let at = order.firstIndex(of: name)
            #expect(at != nil && at! < uploadAt, "\(name) was answered after the ingest ended: \(order)")
        }
    }

    /// A zip of a point shapefile whose `records` records all have a null shape and one number
    /// field, as an agency's export of an attribute-only layer looks (9 MB for two million).
    static func nullShapefileZip(records n: Int, in scratch: ScratchDirectory) throws -> URL {
        func be(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
        func le32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func header(words: Int) -> [UInt8] {
            var h = be(9994) + [UInt8](repeating: 0, count: 20) + be(Int32(words)) + le32(1000) + le32(1)
            h += [UInt8](repeating: 0, count: 64)
            return h
        }
        var shp = header(words: (100 + n * 12) / 2)
        var shx = header(words: (100 + n * 8) / 2)
        shp.reserveCapacity(100 + n * 12); shx.reserveCapacity(100 + n * 8)
        for i in 0..<n {
            shx += be(Int32((100 + i * 12) / 2)) + be(2)
            shp += be(Int32(i + 1)) + be(2) + le32(0)
        }
        var dbf: [UInt8] = [0x03, 126, 1, 1] + le32(Int32(n)) + le16(65) + le16(9) + [UInt8](repeating: 0, count: 20)
        dbf += Array("n".utf8) + [UInt8](repeating: 0, count: 10) + Array("N".utf8) + [0, 0, 0, 0, 8, 0] + [UInt8](repeating: 0, count: 14)
        dbf.append(0x0D)
        dbf.reserveCapacity(dbf.count + n * 9 + 1)
        for i in 0..<n {
            let digits = Array(String(i + 1).utf8)
            dbf.append(0x20)
            dbf += [UInt8](repeating: 0x20, count: 8 - digits.count) + digits
        }
        dbf.append(0x1A)
        let folder = scratch.url.appendingPathComponent("lon")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(shp).write(to: folder.appendingPathComponent("lon.shp"))
        try Data(shx).write(to: folder.appendingPathComponent("lon.shx"))
        try Data(dbf).write(to: folder.appendingPathComponent("lon.dbf"))
        try Data(#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#.utf8)
            .write(to: folder.appendingPathComponent("lon.prj"))
        let zip = scratch.url.appendingPathComponent("lon.zip")
        let r = try Run.process("zip", ["-q", "-j", zip.path] + ["shp", "shx", "dbf", "prj"].map { folder.appendingPathComponent("lon.\($0)").path })
        try #require(r.succeeded, "zip failed: \(r.stderr)")
        return zip
    }
}

/// Names of events in the order they happened, from any thread.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [String] = []
    func add(_ e: String) { lock.withLock { events.append(e) } }
    func has(_ e: String) -> Bool { lock.withLock { events.contains(e) } }
    var all: [String] { lock.withLock { events } }
}
