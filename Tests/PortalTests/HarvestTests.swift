import Foundation
import Testing
import PublicErrors
import TestSupport
import Hummingbird
import HummingbirdTesting
import App
@testable import Portal
import GeoStore

/// A local HTTP server (Python's) serving a folder on `host` (a loopback address), plus
/// /hold/... that answers nothing until the test calls `release()` (a client's timeout then
/// fires whatever the machine's load: no race between two clocks), /redirect/HOST:PORT/PATH that answers 302 to
/// http://HOST:PORT/PATH, and /endless, a FeatureCollection that never ends and has no length.
final class FixtureServer: @unchecked Sendable {
    let process = ChildProcess()
    let host: String
    let port: Int
    let root: URL

    init(root: URL, host: String = "127.0.0.1") throws {
        self.root = root
        self.host = host
        port = freeLocalPort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-c", """
            import http.server, sys, threading, functools
            released = threading.Event()
            threading.Thread(target=lambda: (sys.stdin.read(), released.set()), daemon=True).start()
            class H(http.server.SimpleHTTPRequestHandler):
                def do_GET(self):
                    if self.path.startswith('/hold'):
                        released.wait()
                    if self.path.startswith('/redirect/'):
                        self.send_response(302)
                        self.send_header('Location', 'http://' + self.path[len('/redirect/'):])
                        self.send_header('Content-Length', '0')
                        self.end_headers()
                        return
                    if self.path.startswith('/endless'):
                        self.send_response(200)
                        self.send_header('Content-Type', 'application/geo+json')
                        self.end_headers()
                        try:
                            self.wfile.write(b'{"type":"FeatureCollection","features":[')
                            chunk = b'{"type":"Feature","properties":{},"geometry":null},' * 1000
                            while True:
                                self.wfile.write(chunk)
                        except Exception:
                            pass
                        return
                    return super().do_GET()
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer.daemon_threads = True
            s = http.server.ThreadingHTTPServer((sys.argv[3], int(sys.argv[1])), functools.partial(H, directory=sys.argv[2]))
            print('ready', flush=True)
            s.serve_forever()
            """, String(port), root.path, host]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = hold
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try process.run()
        _ = out.fileHandleForReading.availableData // blocks until "ready"
    }

    /// Held requests wait until this pipe closes (or the server ends).
    private let hold = Pipe()
    /// Lets every held /hold/... request (and any later one) be answered.
    func release() { try? hold.fileHandleForWriting.close() }

    func url(_ path: String) -> String { "http://\(host):\(port)/\(path)" }
    /// `host:port`, as /redirect/ wants it.
    var authority: String { "\(host):\(port)" }
    func put(_ path: String, _ body: String) throws {
        let u = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(body.utf8).write(to: u)
    }
    // SIGKILL: the child may have inherited an ignored SIGTERM from the test runner.
    deinit { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
}

/// A fetcher that may reach the loopback test servers (as an administrator's `--harvest-allow` would).
func loopbackFetcher(timeout: TimeInterval = 5, maxBytes: Int = HarvestFetcher.defaultMaxBytes, allow: [String] = ["127.0.0.1"]) -> HarvestFetcher {
    HarvestFetcher(timeout: timeout, maxBytes: maxBytes, policy: HarvestAddressPolicy(allowed: allow.map { HarvestNetwork($0)! }))
}

@Suite struct HarvestTests {
    func collection(_ names: [String], next: String? = nil) -> String {
        let f = names.map { #"{"type":"Feature","properties":{"ten":"\#($0)"},"geometry":{"type":"Point","coordinates":[107.6,16.5]}}"# }
        let links = next.map { #","links":[{"rel":"next","href":"\#($0)"}]"# } ?? ""
        return #"{"type":"FeatureCollection","features":[\#(f.joined(separator: ","))]\#(links)}"#
    }

    @Test(arguments: Engine.all) func changedContentBecomesASubmissionAndUnchangedNothing(_ engine: Engine) async throws {
        let fx = try ServiceFixture(engine)
        let scratch = ScratchDirectory("harvest")
        let server = try FixtureServer(root: scratch.url.appendingPathComponent("www"))
        try server.put("roads.geojson", collection(["QL1A", "QL49"]))
        let p = fx.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "roads", title: "Roads", by: fx.admin)
        #expect(throws: PortalError.self) { try p.setHarvestSource(dataset: "roads", url: server.url("roads.geojson"), kind: .geojson, intervalSeconds: 3600, by: fx.editorB) }
        try p.setHarvestSource(dataset: "roads", url: server.url("roads.geojson"), kind: .geojson, intervalSeconds: 3600, by: fx.editorA)
        let seen = SeenFeatures()
        let ingest: @Sendable (URL, UploadKind, String) async throws -> Int = { file, _, dataset in
            let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
            let n = (obj["features"] as! [Any]).count
            seen.add(n)
            return try fx.ingestDraft(dataset, features: n)
        }
        let fetcher = loopbackFetcher(timeout: 60)
        #expect(try p.dueHarvests() == ["roads"])
        #expect(await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest) == .submitted(version: 1))
        #expect(try p.versions(dataset: "roads", by: fx.admin).first?.status == .submitted)
        #expect(await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest) == .unchanged)
        #expect(try p.versions(dataset: "roads", by: fx.admin).count == 1)
        #expect(try p.dueHarvests().isEmpty)

        // The scheduler submitted it in the name of the editor who set the source: an approver may approve it.
        try p.approve(dataset: "roads", number: 1, by: fx.approverA)

        try server.put("roads.geojson", collection(["QL1A", "QL49", "QL49B"]))
        #expect(await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest) == .submitted(version: 2))
        #expect(seen.counts == [2, 3])

        // Garbage, an error status and a timeout: recorded, nothing created, the published version stays.
        // An error status and a timeout read alike ("could not be read"): the detail is in the log.
        try server.put("roads.geojson", "<html>maintenance</html>")
        // The held request never answers while the fetcher waits: its 1 s timeout is the only clock.
        defer { server.release() }
        for (url, expected, client) in [(server.url("roads.geojson"), "did not return a GeoJSON FeatureCollection", fetcher),
                                        (server.url("missing.geojson"), HarvestFetcher.unreadable, fetcher),
                                        (server.url("hold/roads.geojson"), HarvestFetcher.unreadable, loopbackFetcher(timeout: 1))] {
            try p.setHarvestSource(dataset: "roads", url: url, kind: .geojson, intervalSeconds: 3600, by: fx.editorA)
            let outcome = await p.harvest(dataset: "roads", fetcher: client, workDirectory: scratch.url, ingestDraft: ingest)
            guard case .failed(let message) = outcome else { Issue.record("\(url): \(outcome)"); continue }
            #expect(message.contains(expected), "\(message)")
            #expect(try p.harvestSources(by: fx.editorA).first?.lastError?.contains(expected) == true)
        }
        #expect(try p.versions(dataset: "roads", by: fx.admin).map(\.number) == [2, 1])
        #expect(try p.openDataList().first?.currentVersion == 1)
        #expect(seen.counts == [2, 3])
    }

    @Test func ogcAPIFeaturesPagesAreFollowed() async throws {
        let scratch = ScratchDirectory("harvest-ogc")
        let server = try FixtureServer(root: scratch.url.appendingPathComponent("www"))
        try server.put("ogc/collections/wells/items", collection(["G1", "G2"], next: "/ogc/collections/wells/page2"))
        try server.put("ogc/collections/wells/page2", collection(["G3"], next: "page3"))
        try server.put("ogc/collections/wells/page3", collection([]))
        let out = scratch.url.appendingPathComponent("wells.geojson")
        _ = try await loopbackFetcher().fetch(URL(string: server.url("ogc/collections/wells"))!, kind: .ogcapiFeatures, to: out)
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
        let names = (obj["features"] as! [[String: Any]]).map { ($0["properties"] as! [String: Any])["ten"] as! String }
        #expect(names == ["G1", "G2", "G3"])
    }
}

/// Harvest as an attacker would use it (a URL into the server's own network, a redirect there,
/// an endless body) and as an approver who would publish alone.
@Suite struct HarvestSafetyTests {
    static let roads = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"QL1A"},"geometry":{"type":"Point","coordinates":[107.6,16.5]}},{"type":"Feature","properties":{"ten":"QL49"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#

    /// A portal on `engine` with dataset "roads" of so-tnmt, and a pull of it that sets its source first.
    struct Bench {
        let fx: ServiceFixture
        let scratch: ScratchDirectory
        init(_ name: String, _ engine: Engine) throws {
            fx = try ServiceFixture(engine)
            scratch = ScratchDirectory(name)
            try fx.portal.addToOpenDataList(agency: "so-tnmt", slug: "roads", title: "Roads", by: fx.admin)
        }
        func pull(_ url: String, _ fetcher: HarvestFetcher, setBy: Actor? = nil, trigger: Actor? = nil) async throws -> HarvestOutcome {
            try fx.portal.setHarvestSource(dataset: "roads", url: url, kind: .geojson, intervalSeconds: 3600, by: setBy ?? fx.editorA)
            let fx = fx
            return await fx.portal.harvest(dataset: "roads", by: trigger, fetcher: fetcher, workDirectory: scratch.url,
                                           ingestDraft: { _, _, dataset in try fx.ingestDraft(dataset) })
        }
    }

    @Test(arguments: Engine.all) func internalAddressesAndRedirectsThereAreRefusedLikeA404(_ engine: Engine) async throws {
        let b = try Bench("harvest-ssrf", engine)
        let inside = try FixtureServer(root: b.scratch.url.appendingPathComponent("inside"))
        try inside.put("roads.geojson", Self.roads)
        // A server the administrator allowed (127.0.0.2) that redirects into one they did not (127.0.0.1).
        let front = try FixtureServer(root: b.scratch.url.appendingPathComponent("front"), host: "127.0.0.2")
        let frontOnly = loopbackFetcher(allow: ["127.0.0.2"])

        // What an HTTP 404 from an allowed server says: every refusal must say exactly this.
        let notFound = try await b.pull(front.url("missing.geojson"), frontOnly)
        #expect(notFound == .failed(HarvestFetcher.unreadable))

        let closed = HarvestFetcher(timeout: 5)   // `bando serve` without --harvest-allow
        let refused: [(String, HarvestFetcher)] = [
            (inside.url("roads.geojson"), closed),
            ("http://localhost:\(inside.port)/roads.geojson", closed),
            ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", closed),
            ("http://[::1]/", closed),
            ("http://[::1]:\(inside.port)/roads.geojson", closed),
            ("http://[::ffff:127.0.0.1]:\(inside.port)/roads.geojson", closed),
            ("http://[::ffff:a9fe:a9fe]/latest/meta-data/", closed),
            (front.url("redirect/\(inside.authority)/roads.geojson"), frontOnly),
            (front.url("redirect/169.254.169.254/latest/meta-data/"), frontOnly),
        ]
        for (url, fetcher) in refused {
            #expect(try await b.pull(url, fetcher) == notFound, "\(url)")
            #expect(try b.fx.portal.harvestSources(by: b.fx.editorA).first?.lastError == HarvestFetcher.unreadable, "\(url)")
        }
        #expect(try b.fx.portal.versions(dataset: "roads", by: b.fx.admin).isEmpty)

        // Allowed, the same server and the same redirect work: the address was refused, not the server.
        #expect(try await b.pull(front.url("redirect/\(inside.authority)/roads.geojson"), loopbackFetcher(allow: ["127.0.0.2", "127.0.0.1"]))
                == .submitted(version: 1))
        #expect(try await b.pull(inside.url("roads.geojson"), loopbackFetcher()) == .submitted(version: 2))
    }

    @Test func namesAreResolvedAndEveryAddressFormChecked() async throws {
        let open = HarvestAddressPolicy()
        let refused = ["127.0.0.1", "127.1.2.3", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                       "100.64.0.1", "100.127.255.255", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255",
                       "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
                       "::ffff:10.0.0.1", "::ffff:100.64.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "2002:7f00:1::1",
                       "2002:a9fe:a9fe::1"]
        for a in refused { #expect(!open.permits(HarvestIPAddress(a)!), "\(a)") }
        let permitted = ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700:4700::1111",
                         "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]
        for a in permitted { #expect(open.permits(HarvestIPAddress(a)!), "\(a)") }

        // An intranet opened by the administrator, and nothing more.
        let intranet = HarvestAddressPolicy(allowed: ["10.20.0.0/16", "fd00:1::/32", "192.0.2.7"].map { HarvestNetwork($0)! })
        for a in ["10.20.3.4", "::ffff:10.20.3.4", "fd00:1::5", "192.0.2.7"] { #expect(intranet.permits(HarvestIPAddress(a)!), "\(a)") }
        for a in ["10.21.0.1", "169.254.169.254", "fd00:2::5", "127.0.0.1"] { #expect(!intranet.permits(HarvestIPAddress(a)!), "\(a)") }
        for bad in ["10.0.0.0/33", "10/8", "example.org", "::/129", "10.0.0.0/-1", "10.0.0.0/", "", "10.0.0.0/8/8"] {
            #expect(HarvestNetwork(bad) == nil, "\(bad)")
        }

        // A name is resolved before anything connects, and refused by what it resolves to.
        for host in ["localhost", "127.1", "2130706433", "169.254.169.254", "::1"] {
            await #expect(throws: HarvestFailure.self, "\(host)") { try await open.address(for: host) }
        }
        #expect(try await HarvestAddressPolicy(allowed: [HarvestNetwork("127.0.0.0/8")!]).address(for: "127.1") == HarvestIPAddress("127.0.0.1")!)
    }

    @Test(arguments: Engine.all) func aBodyOverTheCapIsRefusedAsItStreams(_ engine: Engine) async throws {
        let b = try Bench("harvest-cap", engine)
        let server = try FixtureServer(root: b.scratch.url.appendingPathComponent("www"))
        try server.put("big.geojson", #"{"type":"FeatureCollection","features":["# + String(repeating: #"{"type":"Feature","properties":{},"geometry":null},"#, count: 60_000) + "]}")
        let capped = loopbackFetcher(timeout: 60, maxBytes: 1 << 20)
        let cap = HarvestFetcher.tooLarge(limit: 1 << 20)
        #expect(cap.message.description.contains("1 MB"))
        // /endless never ends and declares no length: only counting the bytes as they come stops it.
        for path in ["endless", "big.geojson"] {
            #expect(try await b.pull(server.url(path), capped) == .failed(cap.message.description), "\(path)")
            #expect(try b.fx.portal.harvestSources(by: b.fx.editorA).first?.lastError == cap.message.description)
            await #expect(throws: cap, "\(path)") {
                try await capped.fetch(URL(string: server.url(path))!, kind: .geojson, to: b.scratch.url.appendingPathComponent("out.geojson"))
            }
        }
        #expect(try b.fx.portal.versions(dataset: "roads", by: b.fx.admin).isEmpty)
        // Under a larger cap the same file is harvested.
        #expect(try await b.pull(server.url("big.geojson"), loopbackFetcher(maxBytes: 8 << 20)) == .submitted(version: 1))
    }

    @Test(arguments: Engine.all) func theApproverWhoSetsOrTriggersAHarvestCannotApproveWhatItBrings(_ engine: Engine) async throws {
        let b = try Bench("harvest-four-eyes", engine)
        let fx = b.fx, p = b.fx.portal
        let server = try FixtureServer(root: b.scratch.url.appendingPathComponent("www"))
        try server.put("roads.geojson", Self.roads)
        let fetcher = loopbackFetcher()

        // The approver sets the source; the scheduler pulls it: submitted in the approver's name.
        #expect(try await b.pull(server.url("roads.geojson"), fetcher, setBy: fx.approverA) == .submitted(version: 1))
        #expect(try p.version(dataset: "roads", number: 1, by: fx.admin).submittedBy == fx.approverA.username)
        #expect(#expect(throws: PortalError.self) { try p.approve(dataset: "roads", number: 1, by: fx.approverA) }?.kind == .forbidden)
        try p.approve(dataset: "roads", number: 1, by: fx.approverA2)

        // An editor sets it; the approver triggers a pull by hand: the trigger is the submitter.
        try server.put("roads.geojson", Self.roads.replacingOccurrences(of: "QL49", with: "QL49B"))
        #expect(try await b.pull(server.url("roads.geojson"), fetcher, setBy: fx.editorA, trigger: fx.approverA) == .submitted(version: 2))
        #expect(try p.version(dataset: "roads", number: 2, by: fx.admin).submittedBy == fx.approverA.username)
        #expect(#expect(throws: PortalError.self) { try p.approve(dataset: "roads", number: 2, by: fx.approverA) }?.kind == .forbidden)
        try p.approve(dataset: "roads", number: 2, by: fx.approverA2)

        // The audit log names a person for every step, never a nameless harvester.
        let log = try p.auditLog(by: fx.admin, dataset: "roads").filter { ["upload", "submit", "approve"].contains($0.action) }
        #expect(log.map(\.username) == [fx.approverA, fx.approverA, fx.approverA2, fx.approverA, fx.approverA, fx.approverA2].map(\.username))

        // Whoever set the source has left: the scheduler pulls for nobody, so it does not pull.
        try p.setHarvestSource(dataset: "roads", url: server.url("roads.geojson"), kind: .geojson, intervalSeconds: 3600, by: fx.editorA)
        try p.setDisabled(username: fx.editorA.username, true, by: fx.admin)
        try server.put("roads.geojson", Self.roads.replacingOccurrences(of: "QL1A", with: "QL1"))
        let orphan = await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: b.scratch.url,
                                     ingestDraft: { _, _, dataset in try fx.ingestDraft(dataset) })
        guard case .failed(let why) = orphan else { Issue.record("\(orphan)"); return }
        #expect(why.lowercased().contains("nobody stands behind"))
        #expect(try p.versions(dataset: "roads", by: fx.admin).count == 2)
    }

    @Test(arguments: Engine.all) func harvestSourcesAreSeenByTheirAgencyAndAdministratorsOnly(_ engine: Engine) async throws {
        let scratch = ScratchDirectory("harvest-visibility")
        let server = try FixtureServer(root: scratch.url.appendingPathComponent("www"))
        try server.put("roads.geojson", Self.roads)
        let fx = try PortalHTTPFixture(engine, harvestFetcher: loopbackFetcher())
        let p = fx.f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "roads", title: "Roads", by: fx.f.admin)
        try p.addToOpenDataList(agency: "so-gtvt", slug: "bridges", title: "Bridges", by: fx.f.admin)
        try p.setHarvestSource(dataset: "roads", url: server.url("roads.geojson"), kind: .geojson, intervalSeconds: 3600, by: fx.f.editorA)
        try p.setHarvestSource(dataset: "bridges", url: server.url("missing.geojson"), kind: .geojson, intervalSeconds: 3600, by: fx.f.editorB)
        #expect(try p.harvestSources(by: fx.f.editorA).map(\.dataset) == ["roads"])
        #expect(try p.harvestSources(by: fx.f.approverB).map(\.dataset) == ["bridges"])
        #expect(try p.harvestSources(by: fx.f.admin).map(\.dataset) == ["bridges", "roads"])

        try await fx.app.test(.router) { c in
            func listed(_ who: As) async throws -> [String] {
                let list = json(try await c.send(.get, "/api/portal/harvest-sources", as: who)) as? [[String: Any]]
                return (list ?? []).compactMap { $0["dataset"] as? String }
            }
            let editorA = try await c.login("editor-tnmt", "password-editor-tnmt")
            let approverA = try await c.login("leader-tnmt", "password-leader-tnmt")
            let editorB = try await c.login("editor-gtvt", "password-editor-gtvt")
            let admin = try await c.login("admin", "password-admin")
            #expect(try await listed(editorA) == ["roads"])
            #expect(try await listed(editorB) == ["bridges"])
            #expect(try await listed(admin) == ["bridges", "roads"])
            #expect(try await c.send(.get, "/api/portal/harvest-sources").status == .unauthorized)

            // Over HTTP too, a manual trigger is submitted in the name of whoever triggered it.
            #expect(try await c.send(.post, "/api/portal/datasets/roads/harvest", as: approverA).status == .created)
            #expect(try await c.send(.post, "/api/portal/datasets/roads/versions/1/approve", as: approverA).status == .forbidden)
            // A failed pull answers with the generic text only.
            let failed = try await c.send(.post, "/api/portal/datasets/bridges/harvest?lang=en", as: editorB)
            #expect(failed.status == .badGateway)
            #expect(String(buffer: failed.body).contains(HarvestFetcher.unreadable))
            #expect(!String(buffer: failed.body).contains("404"))
        }
    }
}

final class SeenFeatures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func add(_ n: Int) { lock.lock(); list.append(n); lock.unlock() }
    var counts: [Int] { lock.lock(); defer { lock.unlock() }; return list }
}

/// Issue 17: the scheduler waits longer after each failure in a row, and a good pull resets it;
/// `bando serve` runs the scheduler, so a due source becomes a submitted version by itself.
@Suite(.serialized, .printsChildLogsOnFailure) struct HarvestSchedulingTests {
    static let twoRoads = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"QL1A"},"geometry":{"type":"Point","coordinates":[107.58,16.46]}},{"type":"Feature","properties":{"name":"QL49"},"geometry":{"type":"Point","coordinates":[107.6,16.4]}}]}"#

    @Test(arguments: Engine.all) func failuresPushTheNextPullBackAndASuccessResetsIt(_ engine: Engine) async throws {
        let fx = try ServiceFixture(engine)
        let scratch = ScratchDirectory("harvest-backoff")
        let server = try FixtureServer(root: scratch.url.appendingPathComponent("www"))
        let p = fx.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "roads", title: "Roads", by: fx.admin)
        try p.setHarvestSource(dataset: "roads", url: server.url("roads.geojson"), kind: .geojson, intervalSeconds: 3600, by: fx.editorA)
        let ingest: @Sendable (URL, UploadKind, String) async throws -> Int = { _, _, dataset in try fx.ingestDraft(dataset, features: 2) }
        let fetcher = loopbackFetcher(timeout: 30)
        func later(_ seconds: Double) { fx.clock.set(fx.clock.now.addingTimeInterval(seconds)) }
        #expect(try p.dueHarvests() == ["roads"])
        // The file is not there yet: a failure, and the next pull waits two intervals.
        guard case .failed = await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest) else {
            Issue.record("a missing file did not fail"); return
        }
        #expect(try p.harvestSources(by: fx.editorA).first?.failures == 1)
        later(3600 + 60)
        #expect(try p.dueHarvests().isEmpty)
        later(3600)
        #expect(try p.dueHarvests() == ["roads"])
        // A second failure: four intervals.
        _ = await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest)
        later(3 * 3600 + 60)
        #expect(try p.dueHarvests().isEmpty)
        later(3600)
        #expect(try p.dueHarvests() == ["roads"])
        // The file appears: a good pull, the count back to 0, the next pull one interval later.
        try server.put("roads.geojson", Self.twoRoads)
        #expect(await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest) == .submitted(version: 1))
        let info = try #require(try p.harvestSources(by: fx.editorA).first)
        #expect(info.failures == 0 && info.lastStatus == "submitted version 1")
        let last = try #require(info.lastRunAt.flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(info.nextRunAt.flatMap { ISO8601DateFormatter().date(from: $0) } == last.addingTimeInterval(3600))
        #expect(try p.dueHarvests().isEmpty)
    }

    /// The real binary: a source set on the store is pulled by `bando serve`'s scheduler (a
    /// tick of one second here) and its content becomes a version submitted for approval.
    @Test func serveRunsTheSchedulerAndADueSourceBecomesASubmission() async throws {
        let scratch = ScratchDirectory("harvest-serve")
        let path = scratch.path("s.sqlite")
        let www = try FixtureServer(root: scratch.url.appendingPathComponent("www"))
        try www.put("roads.geojson", Self.twoRoads)
        do {
            let store = try Store(path: path)
            let portal = PortalService(store: store, hasher: PasswordHasher(cost: 4))
            let agency = try portal.createAgency(slug: "so-gtvt", name: "Sở Giao thông Vận tải", by: PortalService.commandLine)
            try portal.addToOpenDataList(agency: "so-gtvt", slug: "roads", title: "Đường tỉnh", by: PortalService.commandLine)
            let editor = try portal.createUser(username: "bien-tap", password: "mat-khau-dai-mot-chut", role: .editor, agency: "so-gtvt",
                                               by: PortalService.commandLine)
            try portal.setHarvestSource(dataset: "roads", url: www.url("roads.geojson"), kind: .geojson, intervalSeconds: 3600,
                                        by: Actor(userID: editor.id, username: "bien-tap", role: .editor, agencyID: agency.id))
        }
        let port = freeLocalPort()
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", path, "--port", String(port), "--tiles", scratch.path("none"),
                                                                   "--harvest-allow", "127.0.0.1", "--harvest-tick-seconds", "1"],
                                           log: scratch.path("serve.log"), currentDirectory: TestPaths.root)
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        try server.waitForLog("harvest of roads: version 1 submitted for approval")
        let store = try Store(path: path)
        let portal = PortalService(store: store)
        let versions = try portal.versions(dataset: "roads", by: PortalService.commandLine)
        #expect(versions.map(\.number) == [1] && versions.first?.status == .submitted && versions.first?.featureCount == 2)
        let source = try #require(try portal.harvestSources(by: PortalService.commandLine).first)
        #expect(source.lastStatus == "submitted version 1" && source.failures == 0 && source.nextRunAt != nil)
    }
}
