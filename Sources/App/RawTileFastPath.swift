import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import Synchronization
import Tiles

/// Answers cached tiles from the raw bytes of the connection, in front of the HTTP decoder:
/// a plain `GET /tiles/{tileset}/{z}/{x}/{y}.mvt HTTP/1.1` whose tile is in the cache costs a
/// byte scan, a cache lookup and two writes: the prebuilt head with `Date`, copied into the
/// connection's own buffer, and the shared, prebuilt `Server` + body. No HTTP decoding, no
/// header objects and, once the connection's previous answer has left, no allocation.
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
    /// Told the tileset of each tile answered here (the datasets' use statistics).
    private let uses: TileUses?
    /// Header blocks larger go to the decoder, which answers them 400 past the server's limit.
    private let maxHeaderBytes: Int
    private var passthrough = false
    private var needsFlush = false
    private var date = DateHeader()
    /// The status line, headers and `Date` of the answer being written.
    private var head = ByteBufferAllocator().buffer(capacity: 512)
    /// The connection's timeouts, told of each request answered here (looked up on first use:
    /// it is added to the pipeline after this handler).
    private var connectionGuard: ConnectionGuard??

    init(tiles: TileService, serverName: String?, counts: TileFastPathCounts? = nil,
         maxHeaderBytes: Int = RawTileRequest.maxHeaderBytes, uses: TileUses? = nil) {
        self.tiles = tiles
        self.serverName = serverName
        self.counts = counts
        self.uses = uses
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
        counts?.forwardedReads.add(1, ordering: .relaxed)
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
        // The head and `Date` go out as one buffer, the connection's own, reused once the last
        // answer has left (no allocation then): two writes an answer rather than three.
        head.clear()
        head.writeImmutableBuffer(notModified ? variant.notModifiedHead : variant.okHead)
        head.writeImmutableBuffer(date.current().line)
        context.write(wrapOutboundOut(head), promise: nil)
        context.write(wrapOutboundOut(notModified ? responses.end : variant.okEnd), promise: nil)
        needsFlush = true
        counts?.raw.add(1, ordering: .relaxed)
        if !notModified { uses?.record(request.tileset) }
        if connectionGuard == nil { connectionGuard = .some(try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)) }
        connectionGuard??.requestAnsweredWhole()
        return request.length
    }
}

/// The raw fast path's answers for one cached tile, built once on its first hit and kept in
/// the cache entry's attachment: per encoding, the bytes before `Date` and those after it.
final class TileResponses: Sendable {
    /// A class, so a hit reads its buffers through one reference instead of copying them all.
    final class Variant: Sendable {
        /// The quoted ETag, to compare with `If-None-Match`.
        let etag: [UInt8]
        /// Status line and headers up to `Date` (200 and 304).
        let okHead: ByteBuffer
        let notModifiedHead: ByteBuffer
        /// `Server`, the blank line and the tile.
        let okEnd: ByteBuffer

        init(etag: [UInt8], okHead: ByteBuffer, notModifiedHead: ByteBuffer, okEnd: ByteBuffer) {
            self.etag = etag; self.okHead = okHead; self.notModifiedHead = notModifiedHead; self.okEnd = okEnd
        }
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

/// How many tiles each fast path answered (tests check that a fast path, not the router, did),
/// and how many reads the raw path handed to the HTTP decoder (tests wait for that event, for
/// example before sending the rest of a request they cut in two).
final class TileFastPathCounts: Sendable {
    let raw = Atomic<Int>(0)
    let decoded = Atomic<Int>(0)
    let forwardedReads = Atomic<Int>(0)
}
