import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Tiles
import Foundation
import Synchronization

/// Answers `GET` (and `HEAD`) `/tiles/{tileset}/{z}/{x}/{y}.mvt` straight from the tile cache on the event
/// loop, before the request reaches the router; anything else (a miss, another route, a
/// request asking to close the connection, a connection with a request still being answered)
/// passes through untouched to the full route, which gives the same answer more slowly.
///
/// Hot tiles are most of a map's traffic: skipping the router, the async hop and the response
/// writer for them is what brings cached tiles near a static file server's rate. Connections
/// whose requests are all plain cached-tile GETs are answered earlier still, from raw bytes, by
/// `RawTileFastPath`; this handler serves the others (after a miss, a request with a body...).
final class CachedTileFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let tiles: TileService
    private let serverName: String?
    private let counts: TileFastPathCounts?
    /// Told the tileset of each tile answered here (the datasets' use statistics).
    private let uses: TileUses?
    private var date = DateHeader()
    /// Requests handed to the router whose response has not ended: while one is, answering the
    /// next here would overtake it.
    private var inFlight = 0
    /// The request being answered here: its body and end are dropped.
    private var answering = false
    private var needsFlush = false
    /// Requests answered to the end, here or by the router (see `hasAnswered(all:)`).
    private var answered = 0

    /// Whether `count` requests have come in and each has been answered to its end, none being
    /// under way: `RawTileFastPath` then takes the connection back.
    func hasAnswered(all count: Int) -> Bool { !answering && inFlight == 0 && answered == count }

    /// `serverName`: the `Server` header Hummingbird adds to the router's answers, if any.
    init(tiles: TileService, serverName: String?, counts: TileFastPathCounts? = nil, uses: TileUses? = nil) {
        self.tiles = tiles
        self.serverName = serverName
        self.counts = counts
        self.uses = uses
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            if inFlight == 0, let response = answer(request) {
                answering = true
                context.write(wrapOutboundOut(.head(response.head)), promise: nil)
                if let body = response.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
                needsFlush = true
                answered += 1
                return
            }
            inFlight += 1
            context.fireChannelRead(data)
        case .body:
            if !answering { context.fireChannelRead(data) }
        case .end:
            if answering { answering = false } else { context.fireChannelRead(data) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush { needsFlush = false; context.flush() }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { inFlight = max(0, inFlight - 1); answered += 1 }
        context.write(data, promise: promise)
    }

    private func answer(_ request: HTTPRequest) -> (head: HTTPResponse, body: ByteBuffer?)? {
        // Byte checks only: this runs for every request on the connection.
        // HEAD too (RFC 9110): the same head, no body.
        guard request.method == .get || request.method == .head, let path = request.path, path.utf8.starts(with: "/tiles/".utf8), path.hasSuffix(".mvt"),
              !path.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "%") }) else { return nil }
        if let connection = request.headerFields[.connection], connection.lowercased().contains("close") { return nil }
        // A GET with a body: the router's body limit judges it, rather than this path dropping it unread.
        if request.headerFields[.transferEncoding] != nil || (request.headerFields[.contentLength].map { $0 != "0" } ?? false) { return nil }
        let parts = path.utf8.dropFirst("/tiles/".utf8.count).dropLast(".mvt".utf8.count).split(separator: UInt8(ascii: "/"))
        guard parts.count == 4, let name = String(parts[0]),
              let z = Self.number(parts[1]), let x = Self.number(parts[2]), let y = Self.number(parts[3]),
              z <= 30, x < (1 << z), y < (1 << z) else { return nil }
        let gzip = TileRoutes.acceptsGzip(request.headerFields[.acceptEncoding])
        guard case .tile(let data, let gzipped, let etag)? = tiles.cachedAnswer(name, z: z, x: x, y: y, acceptsGzip: gzip) else {
            return nil
        }
        let notModified = request.headerFields[.ifNoneMatch].map { TileRoutes.ifNoneMatch($0.utf8, matches: etag.utf8) } ?? false
        var head = TileRoutes.tileHead(etag: etag, gzipped: gzipped, length: data.count, notModified: notModified, maxAge: tiles.configuration.maxAge)
        // What Hummingbird adds to every answer of the router, in its order.
        head.headerFields[.date] = date.current().string
        if let serverName { head.headerFields[.server] = serverName }
        counts?.decoded.add(1, ordering: .relaxed)
        if !notModified { uses?.record(name) }
        return (head, notModified || request.method == .head ? nil : ByteBuffer(bytes: data))
    }

    /// A path segment of decimal digits (no sign, no leading zeros beyond "0"), else nil.
    private static func number(_ s: Substring.UTF8View) -> Int? {
        guard !s.isEmpty, s.count <= 10, s.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        var n = 0
        for c in s { n = n * 10 + Int(c - UInt8(ascii: "0")) }
        return n
    }
}
