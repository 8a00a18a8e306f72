import Foundation
import Testing
import TestSupport

/// The posix_spawn child processes every test that runs a program goes through (`Run.process`,
/// `BackgroundProcess`): what a test reads of a program must be what the program did.
@Suite struct ChildProcessTests {
    @Test func outputStatusDirectoryAndEnvironmentReachTheTest() throws {
        let scratch = ScratchDirectory("child")
        let r = try Run.process("/bin/sh", ["-c", "pwd; echo \"$BANDO_CHILD_TEST\" >&2; read line; echo \"got $line\"; exit 3"],
                                environment: ["BANDO_CHILD_TEST": "giá trị"], currentDirectory: scratch.url,
                                stdin: Data("dòng\n".utf8))
        #expect(r.status == 3)
        #expect(r.stdout == scratch.url.resolvingSymlinksInPath().path + "\ngot dòng\n")
        #expect(r.stderr == "giá trị\n")
        // Looked up on PATH when the name has no slash.
        #expect(try Run.process("true", []).succeeded)
        #expect(throws: (any Error).self) { try Run.process("/nonexistent/program", []) }
    }

    @Test func aSignalIsReportedAsTheCause() throws {
        let child = ChildProcess()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        #expect(child.isRunning)
        child.terminate()
        child.waitUntilExit()
        #expect(!child.isRunning)
        #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGTERM)
    }

    /// A program kept running by one test must not hold another test's output pipe open: its
    /// reader would wait for the end of that pipe until the first program ended. A child holds
    /// its three standard streams and nothing else of this process.
    @Test func aChildHoldsNoDescriptorButItsStandardStreams() throws {
        let open = Pipe()
        let long = ChildProcess()
        long.executableURL = URL(fileURLWithPath: "/bin/sleep")
        long.arguments = ["60"]
        defer { long.terminate(); long.waitUntilExit() }
        try long.run()   // started while `open` is open in this process
        // posix_spawn returns once the child has exec'd, while its dynamic loader may still hold
        // a library open as descriptor 3 for a moment: look until that has settled. A descriptor
        // inherited from this process never goes away, so it still fails this after 5 s.
        let deadline = Date().addingTimeInterval(5)
        var held: [String]
        repeat {
            held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(long.processIdentifier)/fd").sorted()
            if held == ["0", "1", "2"] { break }
            usleep(10_000)
        } while Date() < deadline
        #expect(held == ["0", "1", "2"])
        let short = ChildProcess()
        short.executableURL = URL(fileURLWithPath: "/bin/echo")
        short.arguments = ["fini"]
        short.standardOutput = open
        try short.run()
        #expect(String(decoding: open.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "fini\n")
        short.waitUntilExit()
        #expect(short.terminationReason == .exit && short.terminationStatus == 0)
    }
}
