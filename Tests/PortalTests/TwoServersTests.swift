import Foundation
import Testing
import TestSupport

/// Issue 21: two `bando serve` processes on one PostGIS database behind nginx
/// (`Tests/Operations/two_servers.py`). A version approved through server A is what server B
/// serves in its very next tile and download, and what every answer through nginx holds, with
/// no restart and no wait: the publication reaches B through PostgreSQL's `LISTEN`/`NOTIFY`.
@Suite(.serialized) struct TwoServersTests {
    @Test func aVersionApprovedThroughOneServerIsInTheOthersNextTileAndDownload() throws {
        let scratch = ScratchDirectory("two-servers")
        let store = try TestPostgres.url() + "?schema=" + TestPostgres.newSchema("two")
        let script = TestPaths.root.appendingPathComponent("Tests/Operations/two_servers.py").path
        let r = try Run.process(TestPaths.python, [script, TestPaths.bandoBinary, TestPaths.fixtures.path, scratch.path("work"), store],
                                currentDirectory: TestPaths.root, timeout: 600)
        try #require(r.succeeded, "the two-server run stopped: \(r.stderr.suffix(4_000))")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(report["bTileChanged"] as? Bool == true, "B's tile did not change with the approval made through A")
        #expect(report["bTileEqualsA"] as? Bool == true, "B's tile is not A's tile of the new version")
        #expect(report["bDownloadFeatures"] as? [Int] == [10, 25], "B's downloads: \(report["bDownloadFeatures"] ?? "none")")
        let nginx = try #require(report["throughNginx"] as? [[String: Any]])
        #expect(nginx.count == 6)
        for answer in nginx {
            #expect(answer["features"] as? Int == 25, "a download through nginx: \(answer)")
            #expect(answer["tileIsNew"] as? Bool == true, "a tile through nginx: \(answer)")
        }
        // nginx spread the requests over both servers, so both were checked.
        #expect((report["upstreams"] as? [String])?.count == 2, "upstreams: \(report["upstreams"] ?? "none")")
    }
}
