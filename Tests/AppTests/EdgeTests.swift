import Testing
import Foundation
import Glibc
import GeoModel
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import GeoStore
import Tiles
@testable import App

/// A route that answers only once the test opens the gate: a request kept in flight on demand.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))
    var waiting: Int { state.withLock { $0.waiting.count } }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { s in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for c in waiting { c.resume() }
    }

    /// Waits (a generous bound, only to catch a hang) until `n` requests wait here.
    func untilWaiting(_ n: Int) async throws {
        for _ in 0..<1000 where waiting < n { try await Task.sleep(for: .milliseconds(10)) }
        #expect(waiting >= n, "requests never reached the held route")
    }
}

/// The Huế communes behind the whole router and Bando's edge, over a real socket, with limits
/// short enough for a test; `/test/hold` answers when the gate opens.
struct EdgeServer: @unchecked Sendable {
    let fixture: SkeletonFixture
    let tiles: TileService
    let counts = TileFastPathCounts()
    let gate = Gate()

    init() throws {
        fixture = try SkeletonFixture()
        tiles = try TileService(store: fixture.store, configuration: .init(cacheMegabytes: 8, checkInterval: .seconds(30)))
    }

    func app(_ limits: ConnectionLimits, requests: RequestPolicy = RequestPolicy()) -> some ApplicationProtocol {
        let site = MapSite(stylesFolder: TestPaths.root.appendingPathComponent("Styles").path)
        let router = buildRouter(store: fixture.store, tiles: tiles, site: site, requests: requests)
        let gate = self.gate
        router.get("/test/hold") { _, _ in
            await gate.wait()
            return Response(status: .ok, headers: [.contentLength: "0"])
        }
        // The same, then reads its whole body (under no limit of its own).
        router.post("/test/hold") { request, _ in
            await gate.wait()
            var n = 0
            for try await chunk in request.body { n += chunk.readableBytes }
            return Response(status: .ok, headers: [.contentLength: "0", .init("X-Body-Bytes")!: String(n)])
        }
        return Application(router: router, server: httpServer(tiles: tiles, serverName: "bando-test", limits: limits, counts: counts),
                           configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bando-test"))
    }

    static func limits(header: Duration = .seconds(30), idle: Duration = .seconds(30), maxHeaderBytes: Int = 32 * 1024,
                       maxConnections: Int = 100) -> ConnectionLimits {
        var l = ConnectionLimits()
        l.headerTimeout = header
        l.idleTimeout = idle
        l.maxHeaderBytes = maxHeaderBytes
        l.maxConnections = maxConnections
        return l
    }
}

/// `METHOD path HTTP/1.1` with `Host` and the given header lines, up to the blank line.
func rawRequest(_ method: String, _ path: String, _ headers: [String] = []) -> [UInt8] {
    Array(("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n").utf8)
}

func rawGET(_ path: String, _ headers: String...) -> [UInt8] { rawRequest("GET", path, headers) }

/// Issue 16: no header or idle timeout, no connection cap, no header size of our own; a
/// half-sent header was held open for good and 400 idle sockets stopped `/healthz`.
@Suite struct ConnectionLimitTests {
    /// A tile of Huế's communes at zoom 10.
    var tilePath: String {
        let r = TileCoord.covering(BoundingBox(minX: 107.58, minY: 16.46, maxX: 107.58, maxY: 16.46), zoom: 10)
        return "/tiles/xa-hue/10/\(r.xs.lowerBound)/\(r.ys.lowerBound).mvt"
    }

    @Test func aHalfSentHeaderIsClosedWhileOthersAreAnswered() async throws {
        let s = try EdgeServer()
        try await s.app(EdgeServer.limits(header: .milliseconds(300))).test(.live) { client in
            let port = try #require(client.port)
            let slow = try RawConnection(port: port)
            try slow.send(Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8))
            let other = try RawConnection(port: port)
            try other.send(rawGET("/healthz"))
            #expect(try await other.responses(1).first?.status == 200)
            #expect(try await slow.closedByServer(), "the half-sent request was not closed")
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAlsoAfterFastTileAnswers() async throws {
        let s = try EdgeServer()
        try await s.app(EdgeServer.limits(idle: .milliseconds(300))).test(.live) { client in
            let c = try RawConnection(port: try #require(client.port))
            try c.send(rawGET(tilePath))       // a miss: the router answers and caches it
            #expect(try await c.responses(1).first?.status == 200)
            try c.send(rawGET(tilePath))       // a hit, answered from the raw bytes
            #expect(try await c.responses(1).first?.status == 200)
            #expect(s.counts.raw.load(ordering: .relaxed) == 1)
            #expect(try await c.closedByServer(), "the idle keep-alive connection was not closed")
        }
    }

    @Test func aBusyConnectionIsNotClosedByTheTimeouts() async throws {
        let s = try EdgeServer()
        try await s.app(EdgeServer.limits(header: .milliseconds(100), idle: .milliseconds(100))).test(.live) { client in
            defer { s.gate.open() }
            let c = try RawConnection(port: try #require(client.port))
            try c.send(rawGET("/test/hold"))
            try await s.gate.untilWaiting(1)
            try await Task.sleep(for: .milliseconds(500))   // both timeouts over several times
            s.gate.open()
            #expect(try await c.responses(1).first?.status == 200)
        }
    }

    /// A head over the limit gets 431 with the one error shape (code, a message saying what to
    /// do, a request id), not Hummingbird's empty 400, on the router's path and the raw tile path.
    @Test func aHeaderOverTheLimitIs431WithAMessageOnEveryPath() async throws {
        let s = try EdgeServer()
        try await s.app(EdgeServer.limits(maxHeaderBytes: 2048)).test(.live) { client in
            let port = try #require(client.port)
            let big = "X-Big: " + String(repeating: "a", count: 3000)
            func expectRefused(_ r: RawResponse?) throws {
                #expect(r?.status == 431)
                #expect(r?.header("Connection") == "close")
                let body = try JSONSerialization.jsonObject(with: Data(try #require(r).body)) as? [String: String]
                #expect(body?["code"] == "RequestHeaderFieldsTooLarge")
                #expect(body?["description"]?.contains("2 KB") == true, "\(body ?? [:])")
                #expect(body?["request_id"] == r?.header("X-Request-Id"))
            }
            let c = try RawConnection(port: port)
            try c.send(rawGET("/healthz", big))
            try expectRefused(try await c.responses(1).first)
            // The raw tile path hands it to the decoder too, even for a cached tile.
            let warm = try RawConnection(port: port)
            try warm.send(rawGET(tilePath))
            #expect(try await warm.responses(1).first?.status == 200)
            let t = try RawConnection(port: port)
            try t.send(rawGET(tilePath, big))
            try expectRefused(try await t.responses(1).first)
            let fine = try RawConnection(port: port)
            try fine.send(rawGET("/healthz", "X-Small: " + String(repeating: "a", count: 1000)))
            #expect(try await fine.responses(1).first?.status == 200)
            // A request line that is not HTTP: 400, with the message.
            let garbage = try RawConnection(port: port)
            try garbage.send(Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n".utf8))
            let r = try await garbage.responses(1).first
            #expect(r?.status == 400)
            let text = String(decoding: r?.body ?? [], as: UTF8.self)
            #expect(text.contains("HTTP/1.1"), "\(text)")
        }
    }

    /// A body announced and not sent (or a chunk of 2^64 bytes) used to hold its connection and
    /// its handler for good: after the body timeout the client gets a 408 saying why, and the
    /// connection is closed; a body that keeps coming, however slowly, is read to its end.
    @Test func aBodyThatStopsIs408() async throws {
        let s = try EdgeServer()
        var limits = EdgeServer.limits()
        limits.bodyTimeout = .seconds(1)
        try await s.app(limits).test(.live) { client in
            let port = try #require(client.port)
            let half = try RawConnection(port: port)
            try half.send(rawRequest("POST", "/api/3/action/package_search", ["Content-Type: application/json", "Content-Length: 100"])
                          + Array(#"{"q":"abc"#.utf8))
            let r = try await half.responses(1).first
            #expect(r?.status == 408)
            let text = String(decoding: r?.body ?? [], as: UTF8.self)
            #expect(text.contains("RequestTimeout"), "\(text)")
            #expect(try await half.closedByServer())

            let huge = try RawConnection(port: port)
            try huge.send(rawRequest("POST", "/api/3/action/package_search", ["Transfer-Encoding: chunked"])
                          + Array("ffffffffffffffff\r\nabc\r\n0\r\n\r\n".utf8))
            #expect(try await huge.responses(1).first?.status == 408)

            // Slow but steady: each piece well within the timeout, the whole over it.
            let body = Array(#"{"q":"xa",             "rows": 5}"#.utf8)   // 33 bytes, 1.6 s
            let slow = try RawConnection(port: port)
            try slow.send(rawRequest("POST", "/api/3/action/package_search", ["Content-Type: application/json", "Content-Length: \(body.count)"]))
            for byte in body {
                try await Task.sleep(for: .milliseconds(50))
                try slow.send([byte])
            }
            #expect(try await slow.responses(1).first?.status == 200)
        }
    }

    /// The body clock is the client's, not the handler's: a handler that holds off reading a
    /// large body (the server stops reading the socket meanwhile, backpressure) for longer than
    /// the body timeout still gets its body and answers.
    @Test func aHandlerHoldingOffItsBodyIsNotTimedOut() async throws {
        let s = try EdgeServer()
        var limits = EdgeServer.limits()
        limits.bodyTimeout = .milliseconds(300)
        try await s.app(limits, requests: RequestPolicy(maxBodyBytes: 16 << 20)).test(.live) { client in
            defer { s.gate.open() }
            let c = try RawConnection(port: try #require(client.port))
            let body = [UInt8](repeating: 0x61, count: 8 << 20)   // far past NIO's buffers and the socket's
            let sent = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                try? c.send(rawRequest("POST", "/test/hold", ["Content-Length: \(body.count)"]) + body)
                sent.signal()
            }
            try await s.gate.untilWaiting(1)
            try await Task.sleep(for: .seconds(1))   // the handler holds off three body timeouts
            s.gate.open()
            let r = try await c.responses(1).first
            #expect(r?.status == 200)
            #expect(r?.header("X-Body-Bytes") == String(body.count))
            _ = sent.wait(timeout: .now() + 30)
        }
    }

    @Test func malformedChunkedBodiesAre400NotServerErrors() async throws {
        let s = try EdgeServer()
        try await s.app(EdgeServer.limits()).test(.live) { client in
            let port = try #require(client.port)
            let cases = [
                rawRequest("POST", "/api/3/action/package_search", ["Transfer-Encoding: xchunked", "Content-Type: application/json"]) + Array("2\r\n{}\r\n0\r\n\r\n".utf8),
                rawRequest("POST", "/api/3/action/package_search", ["Transfer-Encoding: chunked", "Content-Type: application/json"])
                    + Array("FFFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n".utf8),
                rawRequest("POST", "/api/portal/login", ["Transfer-Encoding: chunked", "Content-Type: application/json"])
                    + Array("FFFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n".utf8),
            ]
            for bytes in cases {
                let c = try RawConnection(port: port)
                try c.send(bytes)
                let r = try await c.responses(1).first
                #expect(r?.status == 400, "\(String(decoding: bytes.prefix(80), as: UTF8.self)): \(r.map { "\($0.head)" } ?? "closed")")
            }
            let after = try RawConnection(port: port)
            try after.send(rawGET("/healthz"))
            #expect(try await after.responses(1).first?.status == 200)
        }
    }

    @Test func bodiesOverTheDefaultLimitAre413AndTheConnectionClosed() async throws {
        let s = try EdgeServer()
        try await s.app(EdgeServer.limits(), requests: RequestPolicy(maxBodyBytes: 1024)).test(.live) { client in
            let port = try #require(client.port)
            // Declared too large: answered before the body is sent, and closed.
            let declared = try RawConnection(port: port)
            try declared.send(rawRequest("POST", "/api/3/action/package_search", ["Content-Length: 50000000", "Content-Type: application/json"]))
            let r = try await declared.responses(1).first
            #expect(r?.status == 413)
            let text = String(decoding: r.map(\.body) ?? [], as: UTF8.self)
            #expect(text.contains("PayloadTooLarge") && text.contains("1 KB"), "\(text)")
            #expect(try await declared.closedByServer())
            // Streamed past the limit.
            let streamed = try RawConnection(port: port)
            let chunk = "400\r\n" + String(repeating: " ", count: 1024) + "\r\n"
            try streamed.send(rawRequest("POST", "/api/3/action/package_search", ["Transfer-Encoding: chunked", "Content-Type: application/json"])
                              + Array((chunk + chunk + "0\r\n\r\n").utf8))
            #expect(try await streamed.responses(1).first?.status == 413)
            // Under it, the route answers.
            let small = try RawConnection(port: port)
            try small.send(rawRequest("POST", "/api/3/action/package_search", ["Content-Length: 2", "Content-Type: application/json"]) + Array("{}".utf8))
            #expect(try await small.responses(1).first?.status == 200)
        }
    }

    @Test func overTheCapTheIdleLongestIsClosedAndWhenAllAreBusyA503() async throws {
        let s = try EdgeServer()
        try await s.app(EdgeServer.limits(maxConnections: 3)).test(.live) { client in
            defer { s.gate.open() }
            let port = try #require(client.port)
            let a = try RawConnection(port: port), b = try RawConnection(port: port)
            try a.send(rawGET("/test/hold"))
            try b.send(rawGET("/test/hold"))
            try await s.gate.untilWaiting(2)
            let idle = try RawConnection(port: port)
            try idle.send(rawGET("/healthz"))
            #expect(try await idle.responses(1).first?.status == 200)
            // A fourth: the idle one makes room, the busy ones are untouched.
            let d = try RawConnection(port: port)
            try d.send(rawGET("/healthz"))
            #expect(try await d.responses(1).first?.status == 200)
            #expect(try await idle.closedByServer())
            // All three busy: the next is told at once.
            try d.send(rawGET("/test/hold"))
            try await s.gate.untilWaiting(3)
            let refused = try RawConnection(port: port)
            let answer = try await refused.responses(1).first
            #expect(answer?.status == 503)
            #expect(answer?.header("Retry-After") != nil)
            s.gate.open()
            for c in [a, b, d] { #expect(try await c.responses(1).first?.status == 200) }
            let after = try RawConnection(port: port)
            try after.send(rawGET("/healthz"))
            #expect(try await after.responses(1).first?.status == 200)
        }
    }

    /// The real binary started with 256 open files at most (soft and hard): 500 idle sockets
    /// used to take every descriptor, after which nothing, `/healthz` included, was answered.
    @Test(arguments: ["ulimit -S -n 256", "ulimit -n 256"])
    func fiveHundredIdleSocketsDoNotStopHealthz(_ limit: String) throws {
        let scratch = ScratchDirectory("idle-sockets")
        let port = freeLocalPort()
        let server = ChildProcess()
        server.executableURL = URL(fileURLWithPath: "/bin/sh")
        server.arguments = ["-c", "\(limit) && exec \"$0\" serve --store \"$1\" --port \"$2\" --tiles \"$3\"",
                            TestPaths.bandoBinary, scratch.path("s.sqlite"), String(port), scratch.path("no-tiles")]
        let log = scratch.path("serve.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        server.standardError = server.standardOutput
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        var up = false
        for _ in 0..<200 where !up {
            usleep(100_000)
            up = (try? Run.process("curl", ["-sf", "-m", "5", "http://127.0.0.1:\(port)/healthz"]))?.succeeded ?? false
        }
        try #require(up, "bando serve did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        var idle: [Int32] = []
        defer { for fd in idle { close(fd) } }
        for _ in 0..<500 {
            guard let fd = connectWithTimeout(port: port) else { break }
            idle.append(fd)
        }
        let health = try Run.process("curl", ["-s", "-m", "10", "-w", "%{http_code}", "http://127.0.0.1:\(port)/healthz"])
        #expect(health.stdout.hasSuffix("200"), "with \(idle.count) idle sockets: \(health.stdout) \(health.stderr)")
    }
}

/// A TCP connection to 127.0.0.1 that gives up after 5 s (a server that stopped accepting
/// fills its backlog, and a plain `connect` would then wait for minutes).
func connectWithTimeout(port: Int) -> Int32? { loopbackSocket(port: port, timeout: SO_SNDTIMEO, seconds: 5) }

/// A socket connected to 127.0.0.1:`port` with the socket timeout `timeout` (`SO_SNDTIMEO`,
/// `SO_RCVTIMEO`) set to `seconds`; nil when the connection fails.
func loopbackSocket(port: Int, timeout: Int32, seconds: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var limit = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, timeout, &limit, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if rc != 0 { close(fd); return nil }
    return fd
}
