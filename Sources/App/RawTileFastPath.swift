import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import Synchronization
import Tiles

/// Answers cached tiles from the raw bytes of the connection, in front of the HTTP decoder:
/// a plain `GET /tiles/{tileset}/{z}/{x}/{y}.mvt HTTP/1.1` whose tile is in the cache costs a
/// byte scan, a cache lookup and three writes of shared, prebuilt buffers (head, `Date`,
/// `Server` + body), with no HTTP decoding, no header objects and no allocation.
///
/// Per connection, a two-state machine. In *fast* mode every request seen so far was answered
/// here. The first bytes that are not a complete request this handler is sure to answer as the
/// router would (a miss, another route, a request cut across reads, a body, HTTP/1.0, HEAD,
/// `Connection: close`, `?` or `%` in the path, a header block over 8 KiB, a socket not taking
/// our writes...) are forwarded, from the start of that request, to the HTTP decoder, and the
/// connection is in *passthrough* mode: this handler then only forwards. Answers already
/// written went out first, so responses stay in request order. A connection passes back to
/// *fast* mode at a clean start: when everything it forwarded was whole requests without bodies
/// and each has been answered to its end (`canResume`), as after a browser's cache miss or its
/// style request; once it forwarded part of a request or a body, it passes through for good.
///
/// The answer is byte for byte the router's (`TileRoutes.tileHead`, then `Date` and `Server`
/// as Hummingbird appends them). Hummingbird's `HTTPConnectionStateHandler` never sees the
/// requests answered here, so its idle timeout is not used: the `ConnectionGuard` in front of
/// this handler keeps the header and keep-alive timeouts, told of each request answered here.
/// On graceful shutdown the state handler closes such a connection at once, as it does any
/// connection with no request in progress.
final class RawTileFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let tiles: TileService
    private let serverName: String?
    private let counts: TileFastPathCounts?
    /// Header blocks larger go to the decoder, which answers them 400 past the server's limit.
    private let maxHeaderBytes: Int
    private var passthrough = false
    private var needsFlush = false
    private var date = DateHeader()
    /// The connection's timeouts, told of each request answered here (looked up on first use:
    /// it is added to the pipeline after this handler).
    private var connectionGuard: ConnectionGuard??

    init(tiles: TileService, serverName: String?, counts: TileFastPathCounts? = nil,
         maxHeaderBytes: Int = RawTileRequest.maxHeaderBytes) {
        self.tiles = tiles
        self.serverName = serverName
        self.counts = counts
        self.maxHeaderBytes = min(maxHeaderBytes, RawTileRequest.maxHeaderBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if passthrough {
            guard canResume(context) else { return forward(buffer, context: context) }
            passthrough = false
        }
        // Every complete request in this read, in order (pipelining), until one is not ours.
        while buffer.readableBytes > 0 {
            // A client not reading its answers: leave flow control to the full path.
            guard context.channel.isWritable, let used = answer(buffer, context: context) else {
                passthrough = true
                forward(buffer, context: context)
                return
            }
            buffer.moveReaderIndex(forwardBy: used)
        }
    }

    /// Requests handed to the HTTP decoder, counted while every read handed over held whole
    /// requests without bodies; nil once one did not (the decoder may then hold part of a
    /// request, and only it knows where the next one starts).
    private var forwarded: Int? = 0
    /// The after-decoder path, which counts the answers to the requests handed over.
    private var decodedPath: CachedTileFastPath?

    private func forward(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        if let n = forwarded {
            forwarded = buffer.withUnsafeReadableBytes { RawTileRequest.wholeRequests($0, maxHeaderBytes: maxHeaderBytes) }.map { n + $0 }
        }
        context.fireChannelRead(wrapInboundOut(buffer))
    }

    /// Whether a passing-through connection is back at a clean start: every request handed to
    /// the decoder was whole and has been answered to the end, so the decoder, the pipelining
    /// handler and the router hold nothing of it. A browser's connection that met a cache miss
    /// or fetched a style then comes back to the raw path for its next hits.
    private func canResume(_ context: ChannelHandlerContext) -> Bool {
        guard let n = forwarded, context.channel.isWritable else { return false }
        if decodedPath == nil { decodedPath = try? context.pipeline.syncOperations.handler(type: CachedTileFastPath.self) }
        return decodedPath?.hasAnswered(all: n) ?? false
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush { needsFlush = false; context.flush() }
        if passthrough { context.fireChannelReadComplete() }
    }

    /// Writes the answer to the request at the start of `buffer` and returns its length, or
    /// nil (having written nothing) when the request is not one to answer here.
    private func answer(_ buffer: ByteBuffer, context: ChannelHandlerContext) -> Int? {
        guard let request = buffer.withUnsafeReadableBytes({ RawTileRequest.parse($0, maxHeaderBytes: maxHeaderBytes) }),
              let hit = tiles.cachedTile(request.tileset, z: request.z, x: request.x, y: request.y) else { return nil }
        let responses = hit.attachment.value { TileResponses(hit, maxAge: tiles.configuration.maxAge, serverName: serverName) }
        guard responses.serverName == serverName else { return nil }   // built by another server: let the router answer
        let variant = request.acceptsGzip ? responses.gzipped : responses.plain
        let notModified = request.ifNoneMatch.map { range in
            buffer.withUnsafeReadableBytes { TileRoutes.ifNoneMatch(UnsafeRawBufferPointer(rebasing: $0[range]), matches: variant.etag) }
        } ?? false
        context.write(wrapOutboundOut(notModified ? variant.notModifiedHead : variant.okHead), promise: nil)
        context.write(wrapOutboundOut(date.current().line), promise: nil)
        context.write(wrapOutboundOut(notModified ? responses.end : variant.okEnd), promise: nil)
        needsFlush = true
        counts?.raw.add(1, ordering: .relaxed)
        if connectionGuard == nil { connectionGuard = .some(try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)) }
        connectionGuard??.requestAnsweredWhole()
        return request.length
    }
}

/// A request `RawTileFastPath` may answer, read from raw bytes: only the plainest form of a
/// tile GET qualifies, anything else is nil and goes to the HTTP decoder.
struct RawTileRequest {
    /// Bytes of the request line and headers, up to and including the blank line.
    var length: Int
    var tileset: String
    var z: Int, x: Int, y: Int
    var acceptsGzip: Bool
    /// Where the `If-None-Match` value lies in the bytes parsed.
    var ifNoneMatch: Range<Int>?

    /// Beyond this a header block goes to the decoder (and its own limits).
    static let maxHeaderBytes = 8 * 1024

    static func parse(_ p: UnsafeRawBufferPointer, maxHeaderBytes: Int = RawTileRequest.maxHeaderBytes) -> RawTileRequest? {
        guard let end = headerEnd(p, limit: maxHeaderBytes) else { return nil }   // partial or too large
        // Request line: `GET /tiles/{name}/{z}/{x}/{y}.mvt HTTP/1.1` exactly.
        guard starts(p, at: 0, with: "GET /tiles/") else { return nil }
        var i = 11
        let nameStart = i
        while i < end, isNameByte(p[i]) { i += 1 }
        guard i > nameStart, i - nameStart <= 64, i < end, p[i] == UInt8(ascii: "/") else { return nil }
        let nameEnd = i
        i += 1
        guard let z = number(p, &i, end), i < end, p[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        guard let x = number(p, &i, end), i < end, p[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        let tail: StaticString = ".mvt HTTP/1.1\r\n"
        guard let y = number(p, &i, end), starts(p, at: i, with: tail) else { return nil }
        i += tail.utf8CodeUnitCount
        // Tiles outside the quad tree get the router's error.
        guard z <= 30, x < (1 << z), y < (1 << z) else { return nil }

        var acceptEncoding: Range<Int>?, ifNoneMatch: Range<Int>?, connection: Range<Int>?
        while i < end + 2 {   // header lines, each ending in CRLF; the last CRLF is at `end`
            var colon = i
            while colon < end, isTokenByte(p[colon]) { colon += 1 }
            guard colon > i, p[colon] == UInt8(ascii: ":") else { return nil }   // also: no space before ':', no obs-fold
            var lineEnd = colon + 1
            while p[lineEnd] != UInt8(ascii: "\r") {
                let b = p[lineEnd]
                // Control bytes, DEL and non-ASCII: let the decoder judge.
                guard (b >= 0x20 && b < 0x7F) || b == UInt8(ascii: "\t") else { return nil }
                lineEnd += 1
            }
            guard p[lineEnd + 1] == UInt8(ascii: "\n") else { return nil }
            let name = UnsafeRawBufferPointer(rebasing: p[i..<colon])
            let value = (colon + 1)..<lineEnd
            if equalsLowercased(name, "accept-encoding") {
                guard acceptEncoding == nil else { return nil }   // repeated: the router would join them; rare
                acceptEncoding = value
            } else if equalsLowercased(name, "if-none-match") {
                guard ifNoneMatch == nil else { return nil }
                ifNoneMatch = value
            } else if equalsLowercased(name, "connection") {
                guard connection == nil else { return nil }
                connection = value
            } else if equalsLowercased(name, "content-length") || equalsLowercased(name, "transfer-encoding")
                        || equalsLowercased(name, "expect") || equalsLowercased(name, "upgrade") {
                return nil
            }
            i = lineEnd + 2
        }
        // Keep-alive is all HTTP/1.1 does by default; any other option (close) is the decoder's.
        if let connection {
            for token in p[connection].split(separator: UInt8(ascii: ",")) {
                guard equalsLowercased(trimmed(token), "keep-alive") else { return nil }
            }
        }
        return RawTileRequest(
            length: end + 4,
            tileset: String(decoding: UnsafeRawBufferPointer(rebasing: p[nameStart..<nameEnd]), as: UTF8.self),
            z: z, x: x, y: y,
            acceptsGzip: acceptEncoding.map { TileRoutes.acceptsGzip(UnsafeRawBufferPointer(rebasing: p[$0])) } ?? false,
            ifNoneMatch: ifNoneMatch)
    }

    /// How many requests `p` holds when it is exactly that: whole header blocks, each opening
    /// with an HTTP/1.x request line and announcing no body (no `Content-Length`,
    /// `Transfer-Encoding`, `Expect` or `Upgrade`); nil otherwise.
    static func wholeRequests(_ p: UnsafeRawBufferPointer, maxHeaderBytes: Int = RawTileRequest.maxHeaderBytes) -> Int? {
        var start = 0, n = 0
        while start < p.count {
            let block = UnsafeRawBufferPointer(rebasing: p[start...])
            guard let end = headerEnd(block, limit: maxHeaderBytes) else { return nil }
            var lineEnd = 0
            while block[lineEnd] != UInt8(ascii: "\r") { lineEnd += 1 }
            let requestLine = UnsafeRawBufferPointer(rebasing: block[..<lineEnd])
            guard let space = requestLine.firstIndex(of: UInt8(ascii: " ")), space > 0,
                  requestLine[..<space].allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }),
                  requestLine.count > 9, requestLine[(lineEnd - 9)..<(lineEnd - 1)].elementsEqual(" HTTP/1.".utf8) else { return nil }
            var i = lineEnd + 2
            while i < end + 2 {
                var colon = i
                while colon < end, block[colon] != UInt8(ascii: ":"), block[colon] != UInt8(ascii: "\r") { colon += 1 }
                let name = UnsafeRawBufferPointer(rebasing: block[i..<colon])
                if equalsLowercased(name, "content-length") || equalsLowercased(name, "transfer-encoding")
                    || equalsLowercased(name, "expect") || equalsLowercased(name, "upgrade") { return nil }
                while block[i] != UInt8(ascii: "\r") { i += 1 }
                i += 2
            }
            n += 1
            start += end + 4
        }
        return n
    }

    /// Offset of the CRLF CRLF ending the header block, if within `limit` bytes.
    private static func headerEnd(_ p: UnsafeRawBufferPointer, limit: Int) -> Int? {
        let limit = min(p.count, limit)
        var i = 0
        while i + 3 < limit {
            if p[i + 3] != UInt8(ascii: "\n") { i += 1; continue }
            if p[i] == UInt8(ascii: "\r"), p[i + 1] == UInt8(ascii: "\n"), p[i + 2] == UInt8(ascii: "\r") { return i }
            i += 1
        }
        return nil
    }

    /// 1 to 10 decimal digits (2^30 has 10); leading zeros pass, as the router's `Int(_:)` takes them.
    private static func number(_ p: UnsafeRawBufferPointer, _ i: inout Int, _ end: Int) -> Int? {
        var n = 0
        let start = i
        while i < end, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") {
            n = n * 10 + Int(p[i] - UInt8(ascii: "0"))
            i += 1
            if i - start > 10 { return nil }
        }
        return i > start ? n : nil
    }

    private static func starts(_ p: UnsafeRawBufferPointer, at i: Int, with s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= p.count else { return false }
        return memcmp(p.baseAddress! + i, s.utf8Start, n) == 0
    }

    /// Tileset names served here: letters, digits, `-` and `_` (a dataset slug); others go to the router.
    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }

    /// RFC 9110 `tchar`, what a header name is made of.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        if isNameByte(b) { return true }
        switch b {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "|"),
             UInt8(ascii: "~"): return true
        default: return false
        }
    }

    private static func trimmed(_ s: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var a = s.startIndex, b = s.endIndex
        while a < b, s[a] == UInt8(ascii: " ") || s[a] == UInt8(ascii: "\t") { a += 1 }
        while b > a, s[b - 1] == UInt8(ascii: " ") || s[b - 1] == UInt8(ascii: "\t") { b -= 1 }
        return s[a..<b]
    }

    private static func equalsLowercased(_ bytes: some Collection<UInt8>, _ lower: StaticString) -> Bool {
        let l = UnsafeRawBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        return bytes.elementsEqual(l) { a, b in (a >= 65 && a <= 90 ? a | 0x20 : a) == b }
    }
}

/// The raw fast path's answers for one cached tile, built once on its first hit and kept in
/// the cache entry's attachment: per encoding, the bytes before `Date` and those after it.
final class TileResponses: Sendable {
    struct Variant: Sendable {
        /// The quoted ETag, to compare with `If-None-Match`.
        let etag: [UInt8]
        /// Status line and headers up to `Date` (200 and 304).
        let okHead: ByteBuffer
        let notModifiedHead: ByteBuffer
        /// `Server`, the blank line and the tile.
        let okEnd: ByteBuffer
    }
    let serverName: String?
    let plain: Variant
    let gzipped: Variant
    /// `Server` and the blank line: the end of a 304.
    let end: ByteBuffer

    init(_ hit: CachedTileHit, maxAge: Int, serverName: String?) {
        self.serverName = serverName
        let end = ByteBuffer(string: (serverName.map { "Server: \($0)\r\n" } ?? "") + "\r\n")
        func variant(_ gzip: Bool) -> Variant {
            guard case .tile(let data, let gzipped, let etag) = hit.answer(acceptsGzip: gzip) else { fatalError("a cached tile has data") }
            let ok = TileRoutes.tileHead(etag: etag, gzipped: gzipped, length: data.count, notModified: false, maxAge: maxAge)
            let notModified = TileRoutes.tileHead(etag: etag, gzipped: gzipped, length: data.count, notModified: true, maxAge: maxAge)
            var okEnd = end
            okEnd.writeBytes(data)
            return Variant(etag: Array(etag.utf8), okHead: Self.head(ok), notModifiedHead: Self.head(notModified), okEnd: okEnd)
        }
        plain = variant(false)
        gzipped = variant(true)
        self.end = end
    }

    /// A response head as NIO's HTTP/1 encoder writes it, without the final blank line.
    private static func head(_ r: HTTPResponse) -> ByteBuffer {
        var s = "HTTP/1.1 \(r.status.code) \(r.status.reasonPhrase)\r\n"
        for field in r.headerFields { s += "\(field.name.rawName): \(field.value)\r\n" }
        return ByteBuffer(string: s)
    }
}

/// The `Date` header as Hummingbird writes it (RFC 9110 IMF-fixdate), formatted once a second.
struct DateHeader {
    private var second = -1
    private var value = (string: "", line: ByteBuffer())

    /// The date now, as a header value and as the whole `Date: ...\r\n` line.
    mutating func current() -> (string: String, line: ByteBuffer) {
        let now = time(nil)
        if now != second {
            second = now
            var t = tm()
            var clock = now
            gmtime_r(&clock, &t)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let s = "\(days[Int(t.tm_wday)]), \(two(t.tm_mday)) \(months[Int(t.tm_mon)]) \(1900 + t.tm_year) "
                + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
            value = (s, ByteBuffer(string: "Date: \(s)\r\n"))
        }
        return value
    }
}

/// How many tiles each fast path answered (tests check that a fast path, not the router, did).
final class TileFastPathCounts: Sendable {
    let raw = Atomic<Int>(0)
    let decoded = Atomic<Int>(0)
}
