import Foundation
import Testing
import TestSupport

/// Issue 21: the served surface end to end on both engines (`Tests/Operations/engine_parity.py`).
/// The same command-line loads into a SpatiaLite file and a PostGIS schema, two `bando serve`
/// with the same public URL, and the same battery of public requests to both — OGC API -
/// Features with CQL2, the analysis API, tiles, downloads, the catalogue documents, the
/// portal's pages — before and after one portal workflow through HTTP: every answer is the
/// same, but for the dates of the two loads (the script says what it masks). Every difference
/// is named by its URL.
@Suite(.serialized) struct ServedSurfaceParityTests {
    @Test func bothEnginesServeTheSameAnswersBeforeAndAfterAnApproval() throws {
        let scratch = ScratchDirectory("engine-parity")
        let store = try TestPostgres.url() + "?schema=" + TestPostgres.newSchema("parity")
        let script = TestPaths.root.appendingPathComponent("Tests/Operations/engine_parity.py").path
        let r = try Run.process(TestPaths.python, [script, TestPaths.bandoBinary, TestPaths.fixtures.path, scratch.path("work"), store],
                                currentDirectory: TestPaths.root, timeout: 600)
        try #require(r.succeeded, "the parity run stopped: \(r.stderr.suffix(4_000))")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        // Both batteries ran whole (four datasets, then five: some 480 requests), and most answers
        // are data, not two equal refusals.
        #expect((report["compared"] as? Int ?? 0) > 400, "requests compared: \(report["compared"] ?? "none")")
        #expect(((report["statuses"] as? [String: Int])?["200"] ?? 0) > 400, "statuses: \(report["statuses"] ?? "none")")
        #expect(report["approvedVersionServed"] as? [Bool] == [true, true], "the approved version is not served on both: \(report)")
        let differences = report["differences"] as? [[String: Any]] ?? [["report": r.stdout]]
        for difference in differences {
            let text = (try? JSONSerialization.data(withJSONObject: difference, options: [.prettyPrinted, .sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(difference)"
            Issue.record("the engines answer differently: \(text)")
        }
    }
}
