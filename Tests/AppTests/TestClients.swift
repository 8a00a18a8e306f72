import Foundation
import Glibc
import TestSupport

/// Runs a test client's blocking socket work on a thread of its own, so clients neither take
/// the cooperative threads nor the server's blocking pools they are testing.
func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// An HTTP answer as a plain client reads it.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// One request on a connection of its own (`Connection: close`), read to the end, with
/// blocking sockets on the calling thread. Nil when the server has not answered by `deadline`
/// (or the connection failed): a hang becomes a missing answer, not a stuck test.
func httpRequest(port: Int, _ path: String, until deadline: Date) -> HTTPAnswer? {
    httpRequest(port: port, "GET", path, until: deadline)
}

func httpRequest(port: Int, _ method: String, _ path: String, headers: [String: String] = [:],
                 body: [UInt8] = [], until deadline: Date) -> HTTPAnswer? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    func setTimeout() -> Bool {
        let left = deadline.timeIntervalSinceNow
        guard left > 0 else { return false }
        var t = timeval(tv_sec: Int(left), tv_usec: Int((left - left.rounded(.down)) * 1_000_000) + 1)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        return true
    }
    guard setTimeout() else { return nil }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { return nil }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    for (k, v) in headers { head += "\(k): \(v)\r\n" }
    if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
    let request = Array((head + "\r\n").utf8) + body
    var sent = 0
    while sent < request.count {
        guard setTimeout() else { return nil }
        let n = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n > 0 else { return nil }
        sent += n
    }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        guard setTimeout() else { return nil }
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { break }
        guard n > 0 else { return nil }
        received += chunk[..<n]
    }
    return parseAnswer(received)
}

private func parseAnswer(_ bytes: [UInt8]) -> HTTPAnswer? {
    let crlf2: [UInt8] = [13, 10, 13, 10]
    guard bytes.count >= 12, let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<$0 + 4].elementsEqual(crlf2) }) else { return nil }
    let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
    let statusParts = lines[0].split(separator: " ")
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
    let headers = lines.dropFirst().compactMap { line -> (String, String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    var answer = HTTPAnswer(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
    if answer.header("Transfer-Encoding")?.lowercased() == "chunked" {
        var out: [UInt8] = [], i = 0, raw = answer.body
        while let lineEnd = (i..<max(i, raw.count - 1)).first(where: { raw[$0] == 13 && raw[$0 + 1] == 10 }),
              let size = Int(String(decoding: raw[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16), size > 0 {
            let start = lineEnd + 2
            guard start + size <= raw.count else { break }
            out += raw[start..<(start + size)]
            i = start + size + 2
        }
        raw = out
        answer.body = raw
    }
    return answer
}

/// `bando serve` on a free port over `store`, from the repository root; stopped by `stop()`.
final class RunningServer: @unchecked Sendable {
    let process = ChildProcess()
    let port = freeLocalPort()
    let log: String

    init(store: String, scratch: ScratchDirectory, extra: [String] = []) throws {
        log = scratch.path("serve-\(port).log")
        FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: TestPaths.bandoBinary)
        process.currentDirectoryURL = TestPaths.root
        process.arguments = ["serve", "--store", store, "--port", String(port),
                             "--tiles", TestPaths.root.appendingPathComponent("Tiles").path] + extra
        let out = FileHandle(forWritingAtPath: log)
        process.standardOutput = out
        process.standardError = out
        try process.run()
        ChildLogs.register("bando serve on port \(port)", logPath: log)
        let ready = Date(timeIntervalSinceNow: 60)
        while Date() < ready, process.isRunning {
            if httpRequest(port: port, "/healthz", until: Date(timeIntervalSinceNow: 2))?.status == 200 { return }
            usleep(100_000)
        }
        stop()
        throw TestSupportError("bando serve did not start: \(logText)")
    }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    private var stopped = false

    /// Stops the server, with SIGKILL when it does not end on SIGTERM (a hung server may not).
    func stop() {
        defer { ChildLogs.keep(logPath: log) }
        guard process.isRunning else {
            // It ended under the test (stop() has not run yet): say why, from its log.
            if !stopped { FileHandle.standardError.write(Data("bando serve ended (status \(process.terminationStatus)) during the test; its log (\(log)):\n\(logText.suffix(4_000))\n".utf8)) }
            stopped = true
            return
        }
        stopped = true
        process.terminate()
        let until = Date(timeIntervalSinceNow: 10)
        while process.isRunning && Date() < until { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Runs `work(i)` for i in 0..<count, each on a thread of its own, and returns when all are done.
func onThreads<T: Sendable>(_ count: Int, _ work: @escaping @Sendable (Int) -> T) async -> [T] {
    await withTaskGroup(of: (Int, T).self) { group in
        for i in 0..<count {
            group.addTask {
                await withCheckedContinuation { c in Thread.detachNewThread { c.resume(returning: (i, work(i))) } }
            }
        }
        var out = [(Int, T)]()
        for await r in group { out.append(r) }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
