// TestSupport: what every test target needs and none should write again — where the
// repository, its fixtures and the test virtualenv are, scratch folders, and running the
// external tools (GDAL's CLI, Python decoders, the built `bando` binary) that check our output.
// Used by tests only; no production target depends on it.
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum TestPaths {
    /// The repository root (the folder holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    public static var fixtures: URL { root.appendingPathComponent("Fixtures") }
    public static func fixture(_ relative: String) -> URL { fixtures.appendingPathComponent(relative) }

    /// The Python of the test virtualenv that `make test` sets up (`.venv`), holding the
    /// independent decoders and clients (mapbox-vector-tile, pmtiles, owslib, ckanapi…).
    public static var python: String { root.appendingPathComponent(".venv/bin/python").path }

    /// The built `bando` binary of this build (debug unless BANDO_BIN says otherwise).
    public static var bandoBinary: String {
        if let p = ProcessInfo.processInfo.environment["BANDO_BIN"] { return p }
        return root.appendingPathComponent(".build/debug/bando").path
    }
}

/// Large inputs made from the fixtures, for the tests that need size (a reader over thousands
/// of features, an ingest or a build still running when it is interrupted), so that a fresh
/// clone runs them fully instead of skipping them without data from outside the repository.
public enum LargeFixtures {
    /// Writes a GeoJSON FeatureCollection of the 152 Huế communes of
    /// Fixtures/hue/communes.geojson, `copies` times over, to `path`.
    public static func repeatedCommunes(_ copies: Int, to path: String) throws {
        let text = try String(contentsOf: TestPaths.fixture("hue/communes.geojson"), encoding: .utf8)
        guard let open = text.range(of: "\"features\": ["), let close = text.range(of: "]", options: .backwards) else {
            throw TestSupportError("Fixtures/hue/communes.geojson is not the FeatureCollection expected")
        }
        let head = text[..<open.upperBound], features = text[open.upperBound..<close.lowerBound], tail = text[close.lowerBound...]
        let body = Array(repeating: features.trimmingCharacters(in: .whitespacesAndNewlines), count: copies).joined(separator: ",\n")
        try (head + "\n" + body + "\n" + tail).write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// A fresh folder under the system temp directory, removed when the value is released.
public final class ScratchDirectory: @unchecked Sendable {
    public let url: URL
    public init(_ label: String = "bando-test") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The outcome of running an external program.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var succeeded: Bool { status == 0 }
}

public enum Run {
    /// How long a program may run before `process` kills it and fails: a hung tool or server
    /// fails its test with a message instead of stopping the whole suite. BANDO_TEST_TIMEOUT
    /// (seconds) overrides it for slow machines.
    public static var defaultTimeout: TimeInterval {
        ProcessInfo.processInfo.environment["BANDO_TEST_TIMEOUT"].flatMap(TimeInterval.init) ?? 600
    }

    /// Runs a program to completion, capturing its output. `executable` is looked up on PATH
    /// when it has no slash. A program still running after `timeout` seconds is killed
    /// (SIGKILL) and the call throws, naming the program and showing what it wrote so far.
    @discardableResult
    public static func process(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                               currentDirectory: URL? = nil, stdin: Data? = nil,
                               timeout: TimeInterval? = nil) throws -> ProcessResult {
        let p = ChildProcess()
        if executable.contains("/") {
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [executable] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let currentDirectory { p.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        let limit = timeout ?? defaultTimeout
        let killed = LockedFlag()
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem {
            guard p.isRunning else { return }
            killed.set()
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: watchdog)
        defer { watchdog.cancel() }
        if let stdin { inPipe.fileHandleForWriting.write(stdin); try? inPipe.fileHandleForWriting.close() }
        // Read both pipes concurrently so a chatty program cannot fill one and block.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        let result = ProcessResult(status: p.terminationStatus,
                                   stdout: String(decoding: outData, as: UTF8.self),
                                   stderr: String(decoding: errData, as: UTF8.self))
        if killed.isSet {
            throw TestSupportError("""
                \(executable) \(arguments.joined(separator: " ").prefix(300)) was still running after \(Int(limit)) s and was killed.
                stdout (end): \(result.stdout.suffix(2_000))
                stderr (end): \(result.stderr.suffix(2_000))
                """)
        }
        return result
    }

    /// Runs a Python snippet with the test virtualenv's interpreter; arguments become `sys.argv[1:]`.
    public static func python(_ script: String, _ arguments: [String] = [], timeout: TimeInterval? = nil) throws -> ProcessResult {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.python) else {
            throw TestSupportError("the test virtualenv is missing at \(TestPaths.python): run `make test` (or `make venv`) to create it")
        }
        return try process(TestPaths.python, ["-c", script] + arguments, timeout: timeout)
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// A TCP port that is free right now on 127.0.0.1 (for end-to-end tests of the real server).
public func freeLocalPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A flag set from another thread (the watchdog of `Run.process`).
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// `zip(a, b)` for comparing two lists element by element, refusing what would make the
/// comparison prove nothing: `zip` stops at the shorter list, and over two empty lists every
/// check inside the loop passes unseen. Throws when either is empty or their lengths differ.
public func zipNonEmpty<A: Collection, B: Collection>(_ a: A, _ b: B, _ what: String = "the two lists") throws -> Zip2Sequence<A, B> {
    guard !a.isEmpty, !b.isEmpty else {
        throw TestSupportError("\(what): nothing to compare (\(a.count) and \(b.count) elements)")
    }
    guard a.count == b.count else {
        throw TestSupportError("\(what) differ in length: \(a.count) and \(b.count) elements")
    }
    return zip(a, b)
}
