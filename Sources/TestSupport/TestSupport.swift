// TestSupport: what every test target needs and none should write again — where the
// repository, its fixtures and the test virtualenv are, scratch folders, and running the
// external tools (GDAL's CLI, Python decoders, the built `bando` binary) that check our output.
// Used by tests only; no production target depends on it.
public import Foundation

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
    /// Runs a program to completion, capturing its output. `executable` is looked up on PATH
    /// when it has no slash.
    @discardableResult
    public static func process(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                               currentDirectory: URL? = nil, stdin: Data? = nil) throws -> ProcessResult {
        let p = Process()
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
        if let stdin { inPipe.fileHandleForWriting.write(stdin); try? inPipe.fileHandleForWriting.close() }
        // Read both pipes concurrently so a chatty program cannot fill one and block.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a Python snippet with the test virtualenv's interpreter; arguments become `sys.argv[1:]`.
    public static func python(_ script: String, _ arguments: [String] = []) throws -> ProcessResult {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.python) else {
            throw TestSupportError("the test virtualenv is missing at \(TestPaths.python): run `make test` (or `make venv`) to create it")
        }
        return try process(TestPaths.python, ["-c", script] + arguments)
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
