import Foundation
import Testing
import TestSupport

/// Issue 16: no request can crash or stall the server. Every case of the hostile-input corpus
/// (`Tests/Hostile/manifest.jsonl`, written by `make-corpus.py`; zip bombs made at test time by
/// `make-large.py`) is sent to the real `bando serve` over a socket. Each must get the status
/// the case names (a 4xx unless it says otherwise) with a body that says what was wrong and
/// shows no path, SQL or stack trace; afterwards the same process still answers `/healthz`
/// and a tile. A case that kills the server is reported and the server restarted, so one run
/// lists every failing case.
@Suite(.serialized) struct HostileCorpusTests {
    /// A case that gets no answer within this long has stalled the server (not a time limit
    /// on a right answer: a right answer to malformed input takes milliseconds).
    static let deadline = 60.0
    /// Half-sent requests: the server must time them out and close; they wait longer, alongside.
    static let slowDeadline = 120.0

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var failures: [(surface: String, line: String)] = []
        private(set) var passed = 0
        func add(_ c: HostileCase, _ problem: String?, _ answer: WireAnswer?) {
            lock.lock(); defer { lock.unlock() }
            guard let problem else { passed += 1; return }
            failures.append((c.surface, "\(c.name) [\(c.surface)]: \(problem); got \(answer?.summary ?? "-") (input: \(c.what))"))
        }
    }

    @Test func everyMalformedInputGetsAClearRefusalAndTheServerStaysUp() throws {
        let cases = try HostileCase.load()
        #expect(cases.count >= 300, "the corpus holds \(cases.count) cases")
        #expect(Set(cases.map(\.name)).count == cases.count, "case names must be unique")

        let site = try BandoSite()
        let generated = site.scratch.url.appendingPathComponent("large")
        let made = try Run.process("python3", [HostileCase.folder.appendingPathComponent("make-large.py").path, generated.path])
        try #require(made.succeeded, "make-large.py failed: \(made.stderr)")
        try site.start()
        try site.signInEveryone()
        try site.catalogueDatasets()
        let firstPID = site.pid

        let results = Results()
        var deaths: [String] = []

        // The slow cases hold their connections open alongside the others.
        let slowGroup = DispatchGroup()
        for c in cases where c.slow == true {
            let bytes = try c.bytes(port: site.port, tokens: site.tokens, generated: generated)
            let port = site.port
            slowGroup.enter()
            DispatchQueue.global().async {
                let answer = Wire.exchange(port: port, bytes, deadline: Self.slowDeadline).last!
                results.add(c, c.problem(with: answer), answer)
                slowGroup.leave()
            }
        }

        for c in cases where c.slow != true {
            let bytes = try c.bytes(port: site.port, tokens: site.tokens, generated: generated)
            let answer = Wire.exchange(port: site.port, bytes, deadline: Self.deadline, responses: c.second == true ? 2 : 1).last!
            results.add(c, c.problem(with: answer), answer)
            // A dying process may still be running for a while: when the case got no whole
            // answer and /healthz does not answer either, wait for it to end.
            if answer.outcome != .answered, site.health().status != 200 {
                for _ in 0..<600 where site.isRunning { usleep(100_000) }
            }
            if !site.isRunning {
                usleep(200_000)
                let how = site.server.map { "\($0.terminationReason == .uncaughtSignal ? "signal" : "exit") \($0.terminationStatus)" } ?? "?"
                deaths.append("\(c.name) [\(c.surface)] killed the server (\(how)); log: \(site.logTail(600).replacingOccurrences(of: "\n", with: "⏎"))")
                try site.restart()
            }
        }
        _ = slowGroup.wait(timeout: .now() + Self.slowDeadline + 30)

        // Afterwards: the same process answers /healthz and a tile.
        let health = site.health()
        let tile = site.call("GET", BandoSite.tilePath)
        let sameProcess = site.starts == 1 && site.pid == firstPID && site.isRunning

        var report = "Hostile corpus: \(cases.count) cases, \(results.passed) passed, \(results.failures.count) failed, server killed \(deaths.count) time(s)\n"
        for surface in Set(cases.map(\.surface)).sorted() {
            let total = cases.filter { $0.surface == surface }.count
            let failed = results.failures.filter { $0.surface == surface }.count
            report += "  \(surface): \(total) cases, \(failed) failed\n"
        }
        if !deaths.isEmpty { report += "Cases that killed the server:\n" + deaths.map { "  " + $0 }.joined(separator: "\n") + "\n" }
        if !results.failures.isEmpty {
            report += "Failing cases:\n" + results.failures.sorted { ($0.surface, $0.line) < ($1.surface, $1.line) }.map { "  " + $0.line }.joined(separator: "\n") + "\n"
        }
        report += "Afterwards: /healthz \(health.summary); tile \(tile.status.map(String.init) ?? tile.summary); same process: \(sameProcess)\n"
        // Kept for the reader of a failed run (the test's own output may be cut).
        try? report.write(to: TestPaths.root.appendingPathComponent(".build/hostile-corpus-report.txt"), atomically: true, encoding: .utf8)
        print(report)

        #expect(deaths.isEmpty, "\(deaths.count) case(s) killed the server:\n\(deaths.joined(separator: "\n"))")
        // Cases known not to be refused cleanly yet: listed in Tests/Hostile/known-failures.tsv,
        // reported but not failed on; every other failure fails the test.
        let knownText = (try? String(contentsOf: TestPaths.root.appendingPathComponent("Tests/Hostile/known-failures.tsv"), encoding: .utf8)) ?? ""
        let known = Set(knownText.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: "\t").first.map(String.init) })
        let names = Set(cases.map(\.name))
        #expect(known.subtracting(names).isEmpty, "known failures that are not in the manifest: \(known.subtracting(names).sorted())")
        let failedNames = Set(results.failures.map { String($0.line.prefix { $0 != " " }) })
        let nowPassing = known.subtracting(failedNames).intersection(names)
        if !nowPassing.isEmpty { print("Known failures that now pass (remove them from known-failures.tsv): \(nowPassing.sorted())") }
        let unexpected = results.failures.filter { !known.contains(String($0.line.prefix { $0 != " " })) }
        print("Known, not yet refused cleanly: \(results.failures.count - unexpected.count) case(s)")
        #expect(unexpected.isEmpty, "\(unexpected.count) of \(cases.count) cases were not refused cleanly:\n\(unexpected.map(\.line).joined(separator: "\n"))")
        #expect(sameProcess, "the server of the first case is not the one answering now (it was restarted \(site.starts - 1) time(s))")
        #expect(health.status == 200, "/healthz afterwards: \(health.summary)")
        #expect(tile.status == 200, "a tile afterwards: \(tile.summary)")
    }
}
