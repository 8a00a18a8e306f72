import Foundation
import Testing
import TestSupport

/// The helpers every test leans on must fail loudly themselves: a hung tool fails its test
/// (instead of stopping the suite), a child that dies before the awaited event says so with
/// its log, and an element-wise comparison refuses lists that would prove nothing.
@Suite struct TestSupportTests {
    @Test func aToolStillRunningAtItsTimeoutIsKilledAndFails() throws {
        let scratch = ScratchDirectory("run-timeout")
        let pidFile = scratch.path("pid")
        do {
            // `sleep 600` would outlast any test; the 1 s timeout must end it.
            try Run.process("sh", ["-c", "echo $$ > \(pidFile); echo started; exec sleep 600"], timeout: 1)
            Issue.record("Run.process returned although its child was still running")
        } catch let e as TestSupportError {
            #expect(e.description.contains("was still running after 1 s and was killed") && e.description.contains("started"), "\(e)")
        }
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the child \(pid) is still alive")
    }

    @Test func aChildEndingBeforeTheAwaitedLineFailsWithItsLog() throws {
        let scratch = ScratchDirectory("background")
        let child = try BackgroundProcess("/bin/sh", ["-c", "echo 'cannot open the store' >&2; exit 3"], log: scratch.path("child.log"))
        do {
            try child.waitForLog("listening")
            Issue.record("the wait returned although the line never came")
        } catch let e as TestSupportError {
            #expect(e.description.contains("status 3") && e.description.contains("cannot open the store"), "\(e)")
        }
    }

    @Test func zipNonEmptyRefusesEmptyAndUnequalLists() throws {
        #expect(throws: TestSupportError.self) { try zipNonEmpty([Int](), [Int]()) }
        #expect(throws: TestSupportError.self) { try zipNonEmpty([1, 2], [1]) }
        #expect(try zipNonEmpty([1, 2], ["a", "b"]).map { "\($0)\($1)" } == ["1a", "2b"])
    }
}
