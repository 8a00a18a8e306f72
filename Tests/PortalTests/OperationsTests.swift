import Foundation
import Testing
import TestSupport
import GRDB
import GeoStore

/// Issue 17, what an operator of `bando serve` meets: `/metrics` read by a Prometheus parser,
/// the uses of each dataset by channel on `/api/stats`, one access-log line per request, the
/// server's own integrity check, a graceful stop, and a full disk during an ingest.
@Suite(.serialized, .printsChildLogsOnFailure) struct OperationsTests {
    /// A store with the Huế districts published as `huyen`, served on a free port.
    struct Served {
        let scratch: ScratchDirectory
        let store: String
        let port: Int
        let server: BackgroundProcess
        func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
        func get(_ path: String, _ extra: [String] = []) throws -> ProcessResult {
            try Run.process("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + extra + [url(path)])
        }
        func body(_ path: String) throws -> String { try Run.process("curl", ["-s", url(path)]).stdout }
    }

    static func serve(_ name: String, _ flags: [String] = [], dataset: String = "hue/districts.zip") throws -> Served {
        let scratch = ScratchDirectory(name)
        let store = scratch.path("s.sqlite")
        let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture(dataset).path, "--dataset", "huyen", "--store", store])
        try #require(ingest.succeeded, "\(ingest.stderr)")
        let port = freeLocalPort()
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port), "--tiles", scratch.path("none")] + flags,
                                           log: scratch.path("serve.log"), currentDirectory: TestPaths.root)
        try server.waitForHTTP(port: port)
        return Served(scratch: scratch, store: store, port: port, server: server)
    }

    /// A tile of the Huế districts at zoom 10 (Huế city).
    static let tile = "/tiles/huyen/10/818/465.mvt"

    /// The samples of a scrape, parsed by `prometheus_client`'s own text parser: name{labels} → value.
    static func scrape(_ s: Served) throws -> [String: Double] {
        let text = try s.body("/metrics")
        let file = s.scratch.path("metrics.txt")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let r = try Run.python("""
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for family in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
                for sample in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                    out[f"{sample.name}{{{labels}}}"] = sample.value
            print(json.dumps(out))
            """, [file])
        try #require(r.succeeded, "the Prometheus parser refused /metrics: \(r.stderr)\n\(text.prefix(2000))")
        return try JSONDecoder().decode([String: Double].self, from: Data(r.stdout.utf8))
    }

    @Test func metricsParseWithPrometheusAndTheirCountersMoveWithRequests() throws {
        let s = try Self.serve("ops-metrics")
        defer { s.server.stop() }
        let items = "bando_http_requests_total{method=GET,route=/ogc/collections/{collectionId}/items,status=200}"
        #expect(try s.get("/ogc/collections/huyen/items?limit=1").stdout == "200")
        for _ in 0..<3 { #expect(try s.get(Self.tile).stdout == "200") }
        let first = try Self.scrape(s)
        #expect(first[items] == 1, "\(first.keys.sorted().filter { $0.contains("requests_total") })")
        #expect(first["bando_tile_cache_misses_total{}"] == 1 && first["bando_tile_cache_hits_total{}"] == 2)
        #expect((first["bando_open_connections{}"] ?? 0) >= 1)
        let histogram = "bando_http_request_duration_seconds_count{method=GET,route=/ogc/collections/{collectionId}/items,status=200}"
        #expect(first[histogram] == 1)
        // Refusals are counted under their status.
        #expect(try s.get("/ogc/collections/nothing-here/items").stdout == "404")
        #expect(try s.get("/ogc/collections/huyen/items?limit=2").stdout == "200")
        #expect(try s.get(Self.tile).stdout == "200")
        let second = try Self.scrape(s)
        #expect(second[items] == 2)
        #expect(second["bando_http_requests_total{method=GET,route=/ogc/collections/{collectionId}/items,status=404}"] == 1)
        #expect(second["bando_tile_cache_hits_total{}"] == 3)
    }

    /// Every channel counts a use of the dataset it served; `/api/stats` answers them by
    /// dataset and channel in JSON and CSV (the same numbers), and refuses a bad query in words.
    @Test func usesAreCountedByChannelAndServedAsJSONAndCSV() throws {
        let s = try Self.serve("ops-stats")
        defer { s.server.stop() }
        for path in ["/ogc/collections/huyen/items?limit=1", "/ogc/collections/huyen/items/1", Self.tile, Self.tile, Self.tile,
                     "/api/analysis/point-in-area?dataset=huyen&lon=107.59&lat=16.46", "/downloads/huyen/v1.csv",
                     "/ogc/collections/huyen/queryables"] {
            #expect(try s.get(path).stdout == "200", "\(path)")
        }
        // CKAN clients post JSON (ckanapi does).
        let ckan = try Run.process("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                                            "-d", #"{"id": "huyen"}"#, s.url("/api/3/action/package_show")])
        #expect(ckan.stdout == "200")
        // A tile no dataset draws, and an unknown dataset's items: no use.
        #expect(try s.get("/ogc/collections/khong-co/items").stdout == "404")

        let json = try s.body("/api/stats?period=all&by=dataset,channel")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        let rows = try #require(doc["rows"] as? [[String: Any]])
        var uses: [String: Int] = [:]
        for r in rows {
            #expect(r["dataset"] as? String == "huyen")
            uses[r["channel"] as? String ?? "?"] = r["uses"] as? Int
        }
        #expect(uses == ["ogc-items": 2, "tiles": 3, "analysis": 1, "ckan": 1, "download:csv": 1], "\(json)")
        #expect(doc["total"] as? Int == 8)

        let csv = try s.body("/api/stats?period=month&by=agency,channel&format=csv")
        let lines = csv.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "period,agency,channel,uses")
        let month = String(ISO8601DateFormatter().string(from: Date()).prefix(7))
        #expect(lines.contains("\(month),,tiles,3") && lines.contains("\(month),,download:csv,1"), "\(csv)")
        #expect(lines.count == 6)
        // Only tiles, only downloads of any format.
        #expect(try s.body("/api/stats?period=all&channel=download").contains(#""uses":1"#))

        let bad = try Run.process("curl", ["-s", "-w", "\n%{http_code}", s.url("/api/stats?from=2026-02-30")])
        #expect(bad.stdout.hasSuffix("400") && bad.stdout.contains("yyyy-mm-dd"), "\(bad.stdout)")
        let badEN = try s.body("/api/stats?period=week&lang=en")
        #expect(badEN.contains("period is day, month, year or all"), "\(badEN)")
    }

    /// One line per request, with the id the client was given: a refusal can be found in the log.
    @Test func eachRequestLeavesOneAccessLogLine() throws {
        let s = try Self.serve("ops-access")
        defer { s.server.stop() }
        let refused = try s.body("/ogc/collections/khong-co/items?f=json")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(refused.utf8)) as? [String: Any])?["request_id"] as? String, "\(refused)")
        #expect(try s.get("/downloads/huyen/v1.geojson").stdout == "200")
        try s.server.waitForLog("request_id=\(id)")
        let lines = s.server.logText.split(separator: "\n").filter { $0.contains("bando.access") }
        let line = try #require(lines.first { $0.contains("request_id=\(id)") })
        #expect(line.contains("status=404") && line.contains("route=") && line.contains("client=127.0.0.1") && line.contains("ms="))
        #expect(!line.contains("khong-co"), "the access log keeps the route, not what the client typed: \(line)")
        try s.server.wait(for: "the download's line") { s.server.logText.contains("route=/downloads/{dataset}/{file} status=200") }
        let download = try #require(s.server.logText.split(separator: "\n").first { $0.contains("route=/downloads/{dataset}/{file} status=200") })
        let size = try Data(contentsOf: URL(fileURLWithPath: s.scratch.path("downloads/huyen/v1.geojson"))).count
        #expect(download.contains("bytes=\(size)"), "\(download) (file: \(size) bytes)")
    }

    /// The server checks the store by itself: a clean check, then an audit row edited by hand
    /// is named in the log, on `/healthz?details` and in `/metrics`, and the server serves on.
    @Test func theServersOwnIntegrityCheckNamesATamperedAuditRow() throws {
        // About every 1.1 s.
        let s = try Self.serve("ops-verify", ["--verify-every-hours", "0.0003"])
        defer { s.server.stop() }
        try s.server.waitForLog("integrity check passed: 1 versions and the audit log")
        let rowID: Int64 = try {
            let store = try Store(path: s.store)
            return try store.pool.write { db in
                try db.execute(sql: "DROP TRIGGER audit_log_no_update")
                let id = try Int64.fetchOne(db, sql: "SELECT max(id) FROM audit_log")!
                try db.execute(sql: "UPDATE audit_log SET detail = 'sửa tay' WHERE id = ?", arguments: [id])
                return id
            }
        }()
        try s.server.waitForLog("integrity check: audit row \(rowID) was changed after it was written")
        let details = try s.body("/healthz?details")
        let status = try #require(try JSONSerialization.jsonObject(with: Data(details.utf8)) as? [String: Any], "\(details)")
        let integrity = try #require(status["integrity"] as? [String: Any])
        #expect(status["status"] as? String == "degraded" && integrity["passed"] as? Bool == false)
        #expect((integrity["problems"] as? [String])?.contains("audit row \(rowID) was changed after it was written") == true, "\(details)")
        let metrics = try Self.scrape(s)
        #expect((metrics["bando_integrity_checks_total{outcome=failed}"] ?? 0) >= 1 && (metrics["bando_integrity_checks_total{outcome=ok}"] ?? 0) >= 1)
        #expect(try s.get(Self.tile).stdout == "200" && s.server.isRunning)
    }

    /// SIGTERM while a large download is being produced: the download arrives whole, then the
    /// server ends cleanly (exit 0) with the store's write-ahead log folded back into the file.
    @Test func sigtermLetsTheRequestUnderWayFinishAndClosesTheStore() throws {
        let scratch = ScratchDirectory("ops-sigterm")
        let store = scratch.path("s.sqlite")
        let big = scratch.path("big.geojson")
        try LargeFixtures.repeatedCommunes(8, to: big)
        let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", big, "--dataset", "xa", "--store", store])
        try #require(ingest.succeeded, "\(ingest.stderr)")
        let port = freeLocalPort()
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port), "--tiles", scratch.path("none")],
                                           log: scratch.path("serve.log"), currentDirectory: TestPaths.root)
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        let out = scratch.path("xa.gpkg")
        let download = try BackgroundProcess("/usr/bin/curl", ["-s", "-o", out, "-w", "%{http_code}", "http://127.0.0.1:\(port)/downloads/xa/v1.gpkg"],
                                             log: scratch.path("curl.log"))
        // The request is under way once its GeoPackage is being produced (the server prepares
        // the GeoJSON by itself at start, so only a .gpkg file says the request arrived).
        try server.wait(for: "the download to start") {
            ((try? FileManager.default.contentsOfDirectory(atPath: scratch.path("downloads/xa"))) ?? []).contains { $0.contains(".gpkg") }
        }
        server.signalAndWait(SIGTERM)
        download.process.waitUntilExit()
        #expect(download.logText == "200", "the download under way at SIGTERM: \(download.logText)")
        let header = try FileHandle(forReadingFrom: URL(fileURLWithPath: out)).read(upToCount: 16) ?? Data()
        #expect(String(decoding: header, as: UTF8.self).hasPrefix("SQLite format 3"), "a whole GeoPackage")
        #expect(server.process.terminationStatus == 0, "\(server.logTail())")
        #expect(server.logText.contains("store closed cleanly"))
        let wal = (try? FileManager.default.attributesOfItem(atPath: store + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0, "the write-ahead log is folded back at shutdown (\(wal) bytes left)")
    }

    /// An ingest into a store whose disk fills up says so in plain words, writes nothing, and
    /// the server running on that store goes on serving the published version.
    @Test func anIngestOntoAFullDiskSaysSoAndThePublishedDataStaysServed() throws {
        let scratch = ScratchDirectory("ops-full-disk")
        let seed = scratch.path("seed.sqlite")
        let first = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/districts.zip").path, "--dataset", "huyen", "--store", seed])
        try #require(first.succeeded, "\(first.stderr)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: seed)[.size] as? Int)
        let tiny = scratch.path("tiny")
        try FileManager.default.createDirectory(atPath: tiny, withIntermediateDirectories: true)
        let mount = try Run.process("mount", ["-t", "tmpfs", "-o", "size=\(size / 1024 + 800)k", "tmpfs", tiny])
        try #require(mount.succeeded, "this test mounts a small tmpfs and needs root: \(mount.stderr)")
        defer { _ = try? Run.process("umount", ["-l", tiny]) }
        let store = tiny + "/s.sqlite"
        try FileManager.default.copyItem(atPath: seed, toPath: store)
        let port = freeLocalPort()
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port), "--tiles", scratch.path("none")],
                                           log: scratch.path("serve.log"), currentDirectory: TestPaths.root)
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        let before = try Run.process("curl", ["-sf", "http://127.0.0.1:\(port)/downloads/huyen/v1.geojson"])
        try #require(before.succeeded)
        // Fill what is left.
        _ = try Run.process("dd", ["if=/dev/zero", "of=\(tiny)/filler", "bs=4k"])
        let full = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/communes.geojson").path, "--dataset", "xa", "--store", store])
        #expect(full.status != 0)
        #expect(full.stderr.contains("the disk holding the store is full") && full.stderr.contains("free space"), "\(full.stderr)")
        #expect(!full.stderr.contains("SQLite") && !full.stderr.contains("COMMIT"), "\(full.stderr)")
        let after = try Run.process("curl", ["-sf", "http://127.0.0.1:\(port)/downloads/huyen/v1.geojson"])
        #expect(after.succeeded && after.stdout == before.stdout, "the published download is still served, unchanged")
        #expect(try Run.process("curl", ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)\(Self.tile)"]).succeeded)
        try FileManager.default.removeItem(atPath: tiny + "/filler")
        let v = try Run.process(TestPaths.bandoBinary, ["verify", "--all", "--store", store])
        #expect(v.succeeded && !v.stdout.contains("xa v"), "\(v.stdout)\(v.stderr)")
    }

    /// The systemd unit under deploy/ is one systemd accepts, and the command line it runs is one
    /// `bando serve` accepts: started with that line (its folders moved into a scratch folder),
    /// the server answers.
    @Test func theSystemdUnitIsValidAndItsCommandLineServes() throws {
        let scratch = ScratchDirectory("ops-unit")
        let unit = try String(contentsOf: TestPaths.root.appendingPathComponent("deploy/bando.service"), encoding: .utf8)
        let joined = unit.replacingOccurrences(of: "\\\n", with: " ")
        let exec = try #require(joined.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        var args = exec.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
        #expect(args.removeFirst() == "/opt/bando/bin/bando")
        for flag in ["NoNewPrivileges=yes", "ProtectSystem=strict", "User=bando", "KillSignal=SIGTERM"] {
            #expect(unit.contains(flag), "the unit sets \(flag)")
        }
        // systemd's own check, on a copy that runs the binary under test.
        let copy = scratch.path("bando.service")
        try unit.replacingOccurrences(of: "/opt/bando/bin/bando", with: TestPaths.bandoBinary)
            .write(toFile: copy, atomically: true, encoding: .utf8)
        let verify = try Run.process("systemd-analyze", ["verify", copy])
        #expect(verify.succeeded && verify.stderr.isEmpty, "systemd-analyze verify: \(verify.stderr)")

        let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/districts.zip").path, "--dataset", "huyen",
                                                             "--store", scratch.path("lib/bando.sqlite")])
        try #require(ingest.succeeded, "\(ingest.stderr)")
        let port = freeLocalPort()
        args = args.map {
            $0.replacingOccurrences(of: "/var/lib/bando", with: scratch.path("lib"))
                .replacingOccurrences(of: "/var/backups/bando", with: scratch.path("backups"))
                .replacingOccurrences(of: "/opt/bando/Tiles", with: scratch.path("tiles"))
                .replacingOccurrences(of: "8080", with: String(port))
        }
        let server = try BackgroundProcess(TestPaths.bandoBinary, args, log: scratch.path("serve.log"), currentDirectory: TestPaths.root)
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        #expect(try Run.process("curl", ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)\(Self.tile)"]).succeeded)
        let details = try Run.process("curl", ["-sf", "http://127.0.0.1:\(port)/healthz?details"]).stdout
        #expect(details.contains("\"backup\"") && details.contains("\"integrity\""), "backups and checks are on: \(details)")
    }

    /// `serve --backup-dir`: an approval through the server is followed by a backup that holds
    /// the version just published.
    @Test func anApprovalThroughTheServerIsFollowedByABackupHoldingIt() throws {
        let scratch = ScratchDirectory("ops-backup-after-publication")
        let store = scratch.path("s.sqlite")
        let password = "mat-khau-du-dai-1"
        for args in [["agencies", "add", "so-tnmt", "--name", "Sở Tài nguyên và Môi trường"],
                     ["users", "add", "quan-tri", "--role", "administrator", "--password-stdin"],
                     ["users", "add", "bien-tap", "--role", "editor", "--agency", "so-tnmt", "--password-stdin"],
                     ["users", "add", "lanh-dao", "--role", "approver", "--agency", "so-tnmt", "--password-stdin"]] {
            let r = try Run.process(TestPaths.bandoBinary, args + ["--store", store], stdin: Data((password + "\n").utf8))
            try #require(r.succeeded, "\(args): \(r.stderr)")
        }
        let backups = scratch.path("backups")
        let port = freeLocalPort()
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port), "--tiles", scratch.path("none"),
                                                                   "--backup-dir", backups],
                                           log: scratch.path("serve.log"), currentDirectory: TestPaths.root)
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        let api = "http://127.0.0.1:\(port)/api/portal"
        func signIn(_ user: String) throws -> String {
            let jar = scratch.path("\(user).cookies")
            let r = try Run.process("curl", ["-sf", "-c", jar, "-H", "Content-Type: application/json",
                                             "-d", #"{"username": "\#(user)", "password": "\#(password)"}"#, "\(api)/login"])
            try #require(r.succeeded, "sign-in of \(user): \(r.stdout)")
            return jar
        }
        func post(_ jar: String, _ path: String, _ extra: [String]) throws -> String {
            let r = try Run.process("curl", ["-s", "-b", jar, "-w", "\n%{http_code}"] + extra + ["\(api)\(path)"])
            let status = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
            try #require(status.hasPrefix("2"), "POST \(path): \(r.stdout)")
            return r.stdout
        }
        _ = try post(try signIn("quan-tri"), "/catalogue", ["-H", "Content-Type: application/json",
                                                          "-d", #"{"agency": "so-tnmt", "slug": "xa", "title": "Xã, phường"}"#])
        let editor = try signIn("bien-tap")
        let draft = try post(editor, "/datasets/xa/uploads?filename=xa.geojson",
                             ["-H", "Content-Type: application/geo+json", "--data-binary", "@" + TestPaths.fixture("hue/communes.geojson").path])
        #expect(draft.contains(#""number":1"#), "\(draft)")
        _ = try post(editor, "/datasets/xa/versions/1/submit", ["-X", "POST"])
        #expect(!server.logText.contains("backup written"), "no publication yet, no backup")
        _ = try post(try signIn("lanh-dao"), "/datasets/xa/versions/1/approve", ["-X", "POST"])
        try server.waitForLog("backup written: ")
        let folders = try FileManager.default.contentsOfDirectory(atPath: backups).filter { $0.hasPrefix("bando-") }
        try #require(folders.count == 1, "\(folders)")
        let manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(contentsOf: URL(fileURLWithPath: backups + "/" + folders[0] + "/manifest.json")))
        #expect(manifest.versions.contains { $0.dataset == "xa" && $0.number == 1 }, "\(manifest.versions)")
    }
}
