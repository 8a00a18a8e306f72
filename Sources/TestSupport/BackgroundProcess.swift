// A program a test keeps running while it works (`bando serve`, a long build it interrupts):
// its output goes to a log file in the test's scratch folder, never /dev/null, so that when
// the test fails the log says why (printed by the `.printsChildLogsOnFailure` trait); waits are for events (a line in the log, an answer on a
// port), bounded so that a program that never gets there fails the test instead of hanging it.
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class BackgroundProcess: @unchecked Sendable {
    public let process = ChildProcess()
    /// Where its standard output and standard error go.
    public let logPath: String
    private let lock = NSLock()
    private var stopped = false

    /// Starts `executable` with its output appended to `log` (created when missing).
    public init(_ executable: String, _ arguments: [String], log: String, currentDirectory: URL? = nil,
                environment: [String: String] = [:]) throws {
        logPath = log
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        var env = ProcessInfo.processInfo.environment
        // A crash ends the process at once instead of after a long backtrace.
        env["SWIFT_BACKTRACE"] = "enable=no"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        ChildLogs.register(name, logPath: log)
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }
    public var logText: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    public func logTail(_ characters: Int = 4_000) -> String { String(logText.suffix(characters)) }

    /// Returns once `ready()` holds. Throws, with the end of the log, when the program ends
    /// first or `timeout` seconds pass (the bound that turns a hang into a failure: nothing
    /// is asserted about how long it took).
    public func wait(for what: String, timeout: TimeInterval = Run.defaultTimeout, until ready: () -> Bool) throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if ready() { return }
            if !process.isRunning {
                throw TestSupportError("\(name) ended (status \(process.terminationStatus)) before \(what). Its log (\(logPath)):\n\(logTail())")
            }
            if Date() > deadline {
                throw TestSupportError("\(name) was still running without \(what) after \(Int(timeout)) s. Its log (\(logPath)):\n\(logTail())")
            }
            usleep(20_000)
        }
    }

    /// Waits for a line of the log holding `text`.
    public func waitForLog(_ text: String, timeout: TimeInterval = Run.defaultTimeout) throws {
        try wait(for: "writing \"\(text)\"", timeout: timeout) { logText.contains(text) }
    }

    /// Waits until `GET http://127.0.0.1:<port><path>` answers 200 (curl, one second per try).
    public func waitForHTTP(port: Int, path: String = "/healthz", timeout: TimeInterval = Run.defaultTimeout) throws {
        try wait(for: "answering \(path) on port \(port)", timeout: timeout) {
            (try? Run.process("curl", ["-sf", "-m", "1", "-o", "/dev/null", "http://127.0.0.1:\(port)\(path)"]))?.succeeded == true
        }
    }

    /// Sends `signal` and waits for the program to end (then `stop()` does nothing).
    public func signalAndWait(_ signal: Int32) {
        lock.lock(); stopped = true; lock.unlock()
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        ChildLogs.keep(logPath: logPath)
    }

    /// Stops it (SIGTERM, then SIGKILL when it has not ended 10 s later). A program that had
    /// already ended on its own died under the test: its log is printed to standard error.
    public func stop() {
        lock.lock()
        let first = !stopped
        stopped = true
        lock.unlock()
        defer { ChildLogs.keep(logPath: logPath) }
        guard first else { return }
        guard process.isRunning else {
            FileHandle.standardError.write(Data("\(name) had ended (status \(process.terminationStatus)) before the test stopped it. Its log (\(logPath)):\n\(logTail())\n".utf8))
            return
        }
        process.terminate()
        let until = Date(timeIntervalSinceNow: 10)
        while process.isRunning && Date() < until { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Prints the log to standard error (call it where a check about the program fails).
    public func printLog(_ reason: String) {
        FileHandle.standardError.write(Data("\(reason): log of \(name) (\(logPath)):\n\(logTail())\n".utf8))
    }

    private var name: String {
        ([process.executableURL?.lastPathComponent ?? "?"] + (process.arguments ?? []).prefix(2)).joined(separator: " ")
    }

    deinit { stop() }
}
