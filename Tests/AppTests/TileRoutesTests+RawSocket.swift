import Testing
import Foundation
import Glibc
import GeoModel
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Tiles
@testable import App

/// The raw-bytes fast path (`RawTileFastPath`) over a real socket, with hand-written request
/// bytes: every answer must be the router's, byte for byte (the `Date` value aside, which
/// moves with the clock). The router's answer for a request is taken from the same request
/// sent with `Connection: close`, which neither fast path answers.
extension TileRoutesTests {
    struct Served {
        let app: any ApplicationProtocol
        let tiles: TileService
        let counts: TileFastPathCounts
        var raw: Int { counts.raw.load(ordering: .relaxed) }
        var decoded: Int { counts.decoded.load(ordering: .relaxed) }
        var forwardedReads: Int { counts.forwardedReads.load(ordering: .relaxed) }

        /// Waits until the raw path has handed more than `count` reads to the decoder: an
        /// event, polled; the bound only turns a server that never gets there into a failure.
        func waitForForwardedReads(above count: Int) async throws {
            for _ in 0..<5_000 where forwardedReads <= count { try await Task.sleep(for: .milliseconds(2)) }
            try #require(forwardedReads > count, "the raw path never handed the partial request to the decoder")
        }
    }

    func served(_ cat: ParcelsStore) throws -> Served {
        // HEAD on GET routes as `buildRouter` has it: the fast path answers HEAD for cached tiles too.
        let router = Router(context: BandoRequestContext.self, options: .autoGenerateHeadEndpoints)
        let tiles = try TileService(store: cat.store, configuration: .init(cacheMegabytes: 8, checkInterval: .seconds(30)))
        addTileRoutes(to: router, tiles: tiles)
        let counts = TileFastPathCounts()
        let app = Application(router: router, server: httpServer(tiles: tiles, serverName: "bando-test", counts: counts),
                              configuration: .init(serverName: "bando-test"))
        return Served(app: app, tiles: tiles, counts: counts)
    }

    /// `GET path HTTP/1.1` with `Host` and the given header lines.
    func get(_ path: String, _ headers: String...) -> [UInt8] {
        Array(("GET \(path) HTTP/1.1\r\nHost: localhost\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n").utf8)
    }

    /// The router's answer to `request` (a request ending in a blank line): the same with `Connection: close`.
    func routerAnswer(_ port: Int, _ request: [UInt8]) async throws -> RawResponse {
        let closing = Array(request.dropLast(2)) + Array("Connection: close\r\n\r\n".utf8)
        let c = try RawConnection(port: port)
        try c.send(closing)
        // A HEAD answer has no body, whatever its Content-Length says.
        return try #require(try await c.responses(1, head: request.starts(with: Array("HEAD".utf8))).first)
    }

    @Test func rawFastPathAnswersHitsGzip304AndPipelinedRequestsAsTheRouterDoes() async throws {
        let cat = try ParcelsStore()
        let s = try served(cat)
        try await s.app.test(.live) { client in
            let port = try #require(client.port)
            let path = "/tiles/parcels/\(tile(12, 107.51, 16.41)).mvt"
            let plain = get(path), gzip = get(path, "Accept-Encoding: gzip, deflate")
            let routerPlain = try await routerAnswer(port, plain)   // a miss: built and cached
            let routerGzip = try await routerAnswer(port, gzip)
            #expect(routerPlain.status == 200 && routerGzip.status == 200)
            #expect(routerGzip.header("Content-Encoding") == "gzip" && routerPlain.header("Content-Encoding") == nil)
            let etag = try #require(routerGzip.header("ETag"))
            let conditional = get(path, "Accept-Encoding: gzip", "If-None-Match: \"nope\", \(etag)")
            let router304 = try await routerAnswer(port, conditional)
            #expect(router304.status == 304 && router304.body.isEmpty)
            #expect(s.raw == 0)

            // One request at a time on a keep-alive connection, then four pipelined in one write.
            let c = try RawConnection(port: port)
            for (request, expected) in [(plain, routerPlain), (gzip, routerGzip), (conditional, router304)] {
                try c.send(request)
                let answer = try #require(try await c.responses(1).first)
                #expect(answer.masked == expected.masked)
                #expect(answer.header("Date")?.hasSuffix(" GMT") == true && answer.header("Server") == "bando-test")
            }
            #expect(s.raw == 3)
            try c.send(plain + gzip + conditional + plain)
            let four = try await c.responses(4)
            #expect(four.map(\.masked) == [routerPlain, routerGzip, router304, routerPlain].map(\.masked))
            #expect(s.raw == 7 && s.decoded == 0)
            // Header names in any case, keep-alive in any case, no Host at all.
            let odd = Array("GET \(path) HTTP/1.1\r\naCCept-EnCoding: GZIP\r\nCONNECTION: Keep-Alive\r\nif-NONE-match: \(etag)\r\n\r\n".utf8)
            try c.send(odd)
            let oddAnswer = try await c.responses(1).first
            #expect(oddAnswer?.masked == router304.masked, "\(oddAnswer?.head ?? "none") \(oddAnswer?.body.count ?? -1)")
            #expect(s.raw == 8)
        }
    }

    @Test func rawFastPathHandsEverythingElseToTheRouterInOrder() async throws {
        let cat = try ParcelsStore()
        let s = try served(cat)
        try await s.app.test(.live) { client in
            let port = try #require(client.port)
            let path = "/tiles/parcels/\(tile(12, 107.51, 16.41)).mvt"
            let plain = get(path)
            let routerPlain = try await routerAnswer(port, plain)

            // A request split across two writes: the decoder assembles it. The rest is sent
            // once the server has read the first part and handed it to the decoder (an event,
            // not a pause that a loaded machine could outlast, merging both parts in one read).
            let split = try RawConnection(port: port)
            let forwardedBefore = s.forwardedReads
            try split.send(Array(plain[..<20]))
            try await s.waitForForwardedReads(above: forwardedBefore)
            try split.send(Array(plain[20...]))
            #expect(try await split.responses(1).first?.masked == routerPlain.masked)
            // Having handed the decoder part of a request, the raw path never takes that
            // connection back: the next hit comes from the cache after the decoder.
            let (rawSplit, decodedSplit) = (s.raw, s.decoded)
            try split.send(plain)
            #expect(try await split.responses(1).first?.masked == routerPlain.masked)
            #expect(s.raw == rawSplit && s.decoded == decodedSplit + 1)

            // Hit, miss, bad tile, hit on one connection, the first three in one write: answered
            // in order. Once the router has answered the miss and the bad tile to the end, the
            // connection is back at a clean start and the last hit comes from raw bytes again.
            let missPath = "/tiles/parcels/\(tile(13, 107.51, 16.41)).mvt"
            let bad = get("/tiles/parcels/12/x/1.mvt")
            let c = try RawConnection(port: port)
            let rawBefore = s.raw, decodedBefore = s.decoded
            try c.send(plain + get(missPath) + bad)
            var answers = try await c.responses(3)
            try c.send(plain)
            answers += try await c.responses(1)
            #expect(answers.count == 4)
            let routerMiss = try await routerAnswer(port, get(missPath))   // now cached: same tile, same ETag
            let routerBad = try await routerAnswer(port, bad)
            #expect(answers.map(\.masked) == [routerPlain, routerMiss, routerBad, routerPlain].map(\.masked))
            // This router has no error middleware (buildRouter's answers bad tiles 400 with a message,
            // AppTests' TileRoutesTests check that): here the point is only that both paths agree.
            #expect(routerBad.status >= 400)
            #expect(s.raw == rawBefore + 2, "the first hit, and the last one once the router's answers had ended")
            #expect(s.decoded == decodedBefore)

            // Requests the raw path must leave alone: each gets the router's answer.
            for request in [get(path + "?v=1"), get(path.replacingOccurrences(of: "parcels", with: "parc%65ls")),
                            Array("HEAD \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8),
                            get(path, "Content-Length: 0"), get(path, "Connection: keep-alive, x-custom")] {
                let before = s.raw
                let expected = try await routerAnswer(port, request)
                let c = try RawConnection(port: port)
                try c.send(request)
                #expect(try await c.responses(1, head: request.starts(with: Array("HEAD".utf8))).first?.masked == expected.masked,
                        "\(String(decoding: request, as: UTF8.self))")
                #expect(s.raw == before)
            }

            // Connection: close: answered, then the server closes the connection.
            let closing = try RawConnection(port: port)
            try closing.send(get(path, "Connection: close"))
            #expect(try await closing.responses(1).first?.masked == routerPlain.masked)
            #expect(try await closing.closedByServer())

            // HTTP/1.0: not for the raw path (the router answers it), the same tile.
            let rawBefore10 = s.raw
            let old = try RawConnection(port: port)
            try old.send(Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8))
            let answer10 = try await old.responses(1)
            #expect(answer10.first?.status == 200 && answer10.first?.body == routerPlain.body)
            #expect(s.raw == rawBefore10)
        }
    }

    @Test func rawFastPathShowsANewVersionInTheNextTile() async throws {
        let cat = try ParcelsStore()
        let s = try served(cat)
        try await s.app.test(.live) { client in
            let port = try #require(client.port)
            let path = "/tiles/parcels/\(tile(12, 107.51, 16.41)).mvt"
            func name(_ r: RawResponse?) throws -> FieldValue? {
                try MVTDecoder.decode(try #require(r).body).layer("parcels")?.features.first?.attributes["name"]
            }
            _ = try await routerAnswer(port, get(path))
            let c = try RawConnection(port: port)
            try c.send(get(path))
            #expect(try name(try await c.responses(1).first) == .text("Phú Hội"))
            #expect(s.raw == 1)
            // What the portal does on publishing: the next tile shows the new version.
            try cat.publish(name: "Vĩnh Ninh")
            s.tiles.checkCurrentVersionsNow()
            try c.send(get(path))
            #expect(try name(try await c.responses(1).first) == .text("Vĩnh Ninh"))
            // And the new version's tile is then served from raw bytes on a new connection.
            let d = try RawConnection(port: port)
            try d.send(get(path))
            #expect(try name(try await d.responses(1).first) == .text("Vĩnh Ninh"))
            #expect(s.raw == 2)
        }
    }
}

/// One HTTP/1.1 response as read off the socket.
struct RawResponse: Equatable {
    var head: String
    var body: [UInt8]
    var status: Int { Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0 }
    func header(_ name: String) -> String? {
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
    /// The response with its `Date` value blanked: two answers a second apart still compare equal.
    var masked: RawResponse {
        // Date and the request id differ from one answer to the next; the rest must be the same bytes.
        let lines = head.components(separatedBy: "\r\n").map {
            $0.lowercased().hasPrefix("date:") ? "Date: -" : $0.lowercased().hasPrefix("x-request-id:") ? "X-Request-Id: -" : $0
        }
        let text = String(decoding: body, as: UTF8.self)
        let id = #/"request_id":"[0-9a-f]+"/#
        let maskedBody = text.contains(id) ? Array(text.replacing(id, with: #""request_id":"-""#).utf8) : body
        return RawResponse(head: lines.joined(separator: "\r\n"), body: maskedBody)
    }
}

/// A plain TCP connection with blocking I/O done off the cooperative pool (the server under
/// test answers on it); reads give up after 10 s so a broken server fails the test, not hangs it.
final class RawConnection: @unchecked Sendable {
    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int) throws {
        guard let fd = loopbackSocket(port: port, timeout: SO_RCVTIMEO, seconds: 10) else {
            throw RawConnectionError(message: "connect to port \(port) failed: errno \(errno)")
        }
        self.fd = fd
    }
    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n == bytes.count else { throw RawConnectionError(message: "send failed: errno \(errno)") }
    }

    /// Up to `count` responses: fewer when the server closes the connection (or 10 s pass).
    /// `head`: the answers are to HEAD requests (no body whatever Content-Length says).
    func responses(_ count: Int, head: Bool = false) async throws -> [RawResponse] {
        try await offCooperativePool { [self] in
            var out: [RawResponse] = []
            while out.count < count {
                if let r = self.parseOne(head: head) { out.append(r); continue }
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = chunk.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                self.pending += chunk[..<n]
            }
            return out
        }
    }

    /// Whether the server closed the connection (nothing more to read).
    func closedByServer() async throws -> Bool {
        try await offCooperativePool { [self] in
            var byte: UInt8 = 0
            return self.pending.isEmpty && recv(self.fd, &byte, 1, 0) == 0
        }
    }

    private func parseOne(head isHead: Bool) -> RawResponse? {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        guard pending.count >= 4, let end = (0...(pending.count - 4)).first(where: { Array(pending[$0..<$0 + 4]) == crlf2 }) else { return nil }
        let head = String(decoding: pending[..<end], as: UTF8.self)
        var r = RawResponse(head: head, body: [])
        let length = isHead ? 0 : Int(r.header("Content-Length") ?? "0") ?? 0
        guard pending.count >= end + 4 + length else { return nil }
        r.body = Array(pending[(end + 4)..<(end + 4 + length)])
        pending.removeFirst(end + 4 + length)
        return r
    }
}

struct RawConnectionError: Error { var message: String }

/// What the raw fast path takes as its own: only the plainest tile GETs, the rest is nil (and
/// goes to the HTTP decoder and the router).
@Suite struct RawTileRequestTests {
    func parse(_ s: String) -> RawTileRequest? {
        Array(s.utf8).withUnsafeBytes { RawTileRequest.parse($0) }
    }
    let line = "GET /tiles/a_b-1/12/3271/1858.mvt HTTP/1.1\r\n"

    @Test func headerNamesAndCodingsInAnyCase() throws {
        let r = try #require(parse("GET /tiles/a/1/0/1.mvt HTTP/1.1\r\naCCept-EnCoding: GZIP\r\nCONNECTION: Keep-Alive\r\nif-NONE-match: \"x\"\r\n\r\n"))
        #expect(r.acceptsGzip)
        #expect(r.ifNoneMatch == 94..<98)
        #expect(r.tileset == "a" && r.z == 1 && r.x == 0 && r.y == 1)
        #expect(parse(line + "Accept-Encoding: gzip;q=0\r\n\r\n")?.acceptsGzip == false)
        #expect(parse(line + "Accept-Encoding: br, *\r\n\r\n")?.acceptsGzip == true)
        #expect(parse(line + "\r\n")?.acceptsGzip == false)
    }

    @Test func onlyTheFirstOfPipelinedRequestsAndItsLength() throws {
        let one = line + "Host: h\r\n\r\n"
        let r = try #require(parse(one + one + "GET /tiles/a/1/0"))
        #expect(r.length == one.utf8.count && r.tileset == "a_b-1" && r.z == 12 && r.x == 3271 && r.y == 1858)
        #expect(parse("GET /tiles/a/01/0/1.mvt HTTP/1.1\r\n\r\n")?.z == 1, "leading zeros, as Int(_:) reads them")
    }

    /// What the raw path hands the decoder is counted only while it is whole requests without
    /// bodies: that is what lets a connection come back to the raw path.
    @Test func handedOverRequestsAreCountedOnlyWhenWhole() {
        func count(_ s: String) -> Int? { Array(s.utf8).withUnsafeBytes { RawTileRequest.wholeRequests($0) } }
        let get = "GET /styles/base.json HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n"
        #expect(count(get) == 1)
        #expect(count(get + "HEAD /tiles/a.json HTTP/1.1\r\n\r\n" + get) == 3)
        #expect(count("GET / HTTP/1.0\r\n\r\n") == 1)
        #expect(count(get + "GET /a HTTP/1.1\r\nHost: h\r\n") == nil, "the second is cut short")
        #expect(count("POST /api/portal/login HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}") == nil)
        #expect(count("PUT /x HTTP/1.1\r\ncontent-length: 0\r\n\r\n") == nil)
        #expect(count("GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == nil)
        #expect(count("GET /x HTTP/1.1\r\nUpgrade: websocket\r\n\r\n") == nil)
        #expect(count("Accept: */*\r\n\r\n") == nil, "the rest of a request, not one")
        #expect(count("\r\n") == nil)
    }

    @Test func everythingElseIsLeftToTheDecoder() {
        let refused = [
            "HEAD /tiles/a/1/0/1.mvt HTTP/1.1\r\n\r\n", "GET /tiles/a/1/0/1.mvt HTTP/1.0\r\n\r\n",
            "GET /tiles/a/1/0/1.mvt?x=1 HTTP/1.1\r\n\r\n", "GET /tiles/%61/1/0/1.mvt HTTP/1.1\r\n\r\n",
            "GET /tiles/a/1/0/1.pbf HTTP/1.1\r\n\r\n", "GET /tiles/a/1/x/1.mvt HTTP/1.1\r\n\r\n",
            "GET /tiles/a/1/2/0.mvt HTTP/1.1\r\n\r\n", "GET /tiles/a/31/0/0.mvt HTTP/1.1\r\n\r\n",
            "GET /tiles//1/0/1.mvt HTTP/1.1\r\n\r\n", "GET /tiles/a/1/0/1.mvt HTTP/1.1\r\nHost: h\r\n",   // partial
            line + "Content-Length: 0\r\n\r\n", line + "Transfer-Encoding: chunked\r\n\r\n",
            line + "Connection: close\r\n\r\n", line + "Connection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n\r\n",
            line + "Expect: 100-continue\r\n\r\n", line + "Host : h\r\n\r\n", line + "Host: h\r\n folded\r\n\r\n",
            line + "Host: h\nX: y\r\n\r\n", line + "X: caf\u{E9}\r\n\r\n",
            line + "Accept-Encoding: gzip\r\nAccept-Encoding: br\r\n\r\n",
            line + "X: " + String(repeating: "a", count: RawTileRequest.maxHeaderBytes) + "\r\n\r\n",
            "\r\n" + line + "\r\n",
        ]
        for request in refused { #expect(parse(request) == nil, "\(request.prefix(120))") }
    }
}
