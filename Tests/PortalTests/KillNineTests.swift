import Foundation
import Testing
import TestSupport

/// Issue 17: `bando` killed with SIGKILL at random moments of an ingest, a backup, an approval
/// and a harvest, 52 times on one growing store (`Tests/Operations/kill9.py`): after every kill
/// the store passes `PRAGMA integrity_check`, every version published before is still there and
/// exports byte for byte as before, `bando verify --all` passes, and the audit log records every
/// publication. The report of the runs is printed and kept in `.build/kill9-report.json`.
@Suite(.serialized, .printsChildLogsOnFailure) struct KillNineTests {
    @Test func killedFiftyTwoTimesTheStoreStaysWholeAndThePublishedDataUnchanged() throws {
        let scratch = ScratchDirectory("kill9")
        let script = TestPaths.root.appendingPathComponent("Tests/Operations/kill9.py").path
        let seed = Int.random(in: 1...1_000_000)
        let r = try Run.process(TestPaths.python, [script, TestPaths.bandoBinary, TestPaths.fixtures.path, scratch.path("work"), "52", String(seed)],
                                currentDirectory: TestPaths.root, timeout: 1_200)
        FileHandle.standardError.write(Data("kill -9 harness (seed \(seed)):\n\(r.stderr)".utf8))
        try #require(r.succeeded, "the harness stopped: \(r.stderr.suffix(3_000))")
        try? Data(r.stdout.utf8).write(to: TestPaths.root.appendingPathComponent(".build/kill9-report.json"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(summary["runs"] as? Int == 52)
        #expect(summary["failedRuns"] as? Int == 0, "runs with problems (seed \(seed)): \(r.stderr)")
        let byWork = try #require(summary["byWork"] as? [String: Int])
        #expect(byWork == ["ingest": 13, "backup": 13, "approve": 13, "harvest": 13])
        // Most kills land while the work is under way, not after it ended.
        #expect((summary["interrupted"] as? Int ?? 0) >= 20, "\(summary["interrupted"] ?? 0) of 52 runs interrupted the work")
    }
}
