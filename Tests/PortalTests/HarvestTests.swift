import Foundation
import Testing
import TestSupport
@testable import Portal

/// A local HTTP server (Python's) serving a folder, plus /slow that answers after 3 s.
final class FixtureServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    let root: URL

    init(root: URL) throws {
        self.root = root
        port = freeLocalPort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-c", """
            import http.server, sys, time, functools
            class H(http.server.SimpleHTTPRequestHandler):
                def do_GET(self):
                    if self.path.startswith('/slow'):
                        time.sleep(3)
                    return super().do_GET()
                def log_message(self, *a): pass
            s = http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), functools.partial(H, directory=sys.argv[2]))
            print('ready', flush=True)
            s.serve_forever()
            """, String(port), root.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        _ = out.fileHandleForReading.availableData // blocks until "ready"
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }
    func put(_ path: String, _ body: String) throws {
        let u = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(body.utf8).write(to: u)
    }
    // SIGKILL: the child may have inherited an ignored SIGTERM from the test runner.
    deinit { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
}

@Suite struct HarvestTests {
    func collection(_ names: [String], next: String? = nil) -> String {
        let f = names.map { #"{"type":"Feature","properties":{"ten":"\#($0)"},"geometry":{"type":"Point","coordinates":[107.6,16.5]}}"# }
        let links = next.map { #","links":[{"rel":"next","href":"\#($0)"}]"# } ?? ""
        return #"{"type":"FeatureCollection","features":[\#(f.joined(separator: ","))]\#(links)}"#
    }

    @Test func changedContentBecomesASubmissionAndUnchangedNothing() async throws {
        let fx = try ServiceFixture()
        let scratch = ScratchDirectory("harvest")
        let server = try FixtureServer(root: scratch.url.appendingPathComponent("www"))
        try server.put("roads.geojson", collection(["QL1A", "QL49"]))
        let p = fx.portal
        try p.addToCatalogue(agency: "so-tnmt", slug: "roads", title: "Roads", by: fx.admin)
        #expect(throws: PortalError.self) { try p.setHarvestSource(dataset: "roads", url: server.url("roads.geojson"), kind: .geojson, intervalSeconds: 3600, by: fx.editorB) }
        try p.setHarvestSource(dataset: "roads", url: server.url("roads.geojson"), kind: .geojson, intervalSeconds: 3600, by: fx.editorA)
        let seen = SeenFeatures()
        let ingest: @Sendable (URL, UploadKind, String) async throws -> Int = { file, _, dataset in
            let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
            let n = (obj["features"] as! [Any]).count
            seen.add(n)
            return try fx.ingestDraft(dataset, features: n)
        }
        let fetcher = HarvestFetcher(timeout: 1)
        #expect(try p.dueHarvests() == ["roads"])
        #expect(await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest) == .submitted(version: 1))
        #expect(try p.versions(dataset: "roads", by: fx.admin).first?.status == .submitted)
        #expect(await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest) == .unchanged)
        #expect(try p.versions(dataset: "roads", by: fx.admin).count == 1)
        #expect(try p.dueHarvests().isEmpty)

        // The harvester submitted it, so any approver of the agency may approve it.
        try p.approve(dataset: "roads", number: 1, by: fx.approverA)

        try server.put("roads.geojson", collection(["QL1A", "QL49", "QL49B"]))
        #expect(await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest) == .submitted(version: 2))
        #expect(seen.counts == [2, 3])

        // Garbage, an error status and a timeout: recorded, nothing created, the published version stays.
        try server.put("roads.geojson", "<html>maintenance</html>")
        for (url, expected) in [(server.url("roads.geojson"), "did not return a GeoJSON FeatureCollection"),
                                (server.url("missing.geojson"), "HTTP 404"),
                                (server.url("slow/roads.geojson"), "could not be reached")] {
            try p.setHarvestSource(dataset: "roads", url: url, kind: .geojson, intervalSeconds: 3600, by: fx.editorA)
            let outcome = await p.harvest(dataset: "roads", fetcher: fetcher, workDirectory: scratch.url, ingestDraft: ingest)
            guard case .failed(let message) = outcome else { Issue.record("\(url): \(outcome)"); continue }
            #expect(message.contains(expected), "\(message)")
            #expect(try p.harvestSources().first?.lastError?.contains(expected) == true)
        }
        #expect(try p.versions(dataset: "roads", by: fx.admin).map(\.number) == [2, 1])
        #expect(try p.catalogue().first?.currentVersion == 1)
        #expect(seen.counts == [2, 3])
    }

    @Test func ogcAPIFeaturesPagesAreFollowed() async throws {
        let scratch = ScratchDirectory("harvest-ogc")
        let server = try FixtureServer(root: scratch.url.appendingPathComponent("www"))
        try server.put("ogc/collections/wells/items", collection(["G1", "G2"], next: "/ogc/collections/wells/page2"))
        try server.put("ogc/collections/wells/page2", collection(["G3"], next: "page3"))
        try server.put("ogc/collections/wells/page3", collection([]))
        let out = scratch.url.appendingPathComponent("wells.geojson")
        _ = try await HarvestFetcher(timeout: 5).fetch(URL(string: server.url("ogc/collections/wells"))!, kind: .ogcapiFeatures, to: out)
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
        let names = (obj["features"] as! [[String: Any]]).map { ($0["properties"] as! [String: Any])["ten"] as! String }
        #expect(names == ["G1", "G2", "G3"])
    }
}

final class SeenFeatures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func add(_ n: Int) { lock.lock(); list.append(n); lock.unlock() }
    var counts: [Int] { lock.lock(); defer { lock.unlock() }; return list }
}
