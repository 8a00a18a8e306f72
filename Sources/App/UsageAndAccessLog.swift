// Two things every request leaves behind, neither naming a person:
// - a use of the dataset it served, by channel, for the sharing statistics (`/api/stats`);
// - one access-log line: route, status, bytes, time, request id and the client's address.
public import Hummingbird
public import GeoStore
public import Tiles
import Logging
import Glibc
import NIOCore
import Synchronization
import Foundation

/// Counts tiles as uses of the datasets their tileset draws.
public struct TileUses: Sendable {
    let tiles: TileService
    let usage: UsageCounter
    public init(tiles: TileService, usage: UsageCounter) { self.tiles = tiles; self.usage = usage }

    func record(_ tileset: String) {
        for dataset in tiles.datasets(ofTileset: tileset) { usage.record(dataset: dataset, channel: .tiles) }
    }
}

/// Counts the routes that serve a dataset's data (OGC items, tiles) as its uses, from the
/// matched route and the path, after a successful answer. Analyses and CKAN packages are
/// counted where their handler reads the dataset from the body; downloads by `DownloadCounter`.
struct UsageMiddleware<Context: RequestContext>: RouterMiddleware {
    let usage: UsageCounter
    let tiles: TileUses

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        guard (200..<300).contains(response.status.code), request.method == .get, let route = context.endpointPath else { return response }
        switch route {
        case "/ogc/collections/{collectionId}/items", "/ogc/collections/{collectionId}/items/{featureId}":
            if let id = Self.parameter("collectionId", route: route, path: request.uri.path) { usage.record(dataset: id, channel: .ogcItems) }
        case "/tiles/{tileset}/{z}/{x}/{y}.mvt":
            if let name = Self.parameter("tileset", route: route, path: request.uri.path) { tiles.record(name) }
        case "/collections/{id}/tiles/{tms}/{z}/{row}/{col}":
            if let name = Self.parameter("id", route: route, path: request.uri.path) { tiles.record(name) }
        default: break
        }
        return response
    }

    /// The path segment where `route` has `{name}`, percent-decoded.
    static func parameter(_ name: String, route: String, path: String) -> String? {
        let r = route.split(separator: "/", omittingEmptySubsequences: true)
        let p = path.split(separator: "/", omittingEmptySubsequences: true)
        guard r.count == p.count, let i = r.firstIndex(of: Substring("{\(name)}")) else { return nil }
        return String(p[i]).removingPercentEncoding
    }
}

/// One line per request answered by the router, written when its body has been sent:
/// `request_id`, `method`, `route` (the pattern, so no query text or identifiers a person typed),
/// `status`, `bytes` sent, `ms` from the request to the last byte, and `client` (the peer, or what a
/// trusted proxy says). Tiles answered from the cache in front of the router are counted in
/// `/metrics` instead (a line each would cost more than the tile).
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = BandoRequestContext
    let writer: AccessLogWriter
    let clients: ClientIdentification

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let client = clients.client(request, peer: context.remoteAddress)
        let line = AccessLine(writer: writer, id: context.id, method: request.method.rawValue, client: client, start: start)
        do {
            var response = try await next(request, context)
            let status = Int(response.status.code)
            let original = response.body
            let route = context.endpointPath ?? "-"
            response.body = ResponseBody(contentLength: original.contentLength) { writer in
                let counted = CountingWriter(base: writer) { bytes in line.write(route: route, status: status, bytes: bytes) }
                try await original.write(counted)
            }
            return response
        } catch {
            // The error middleware inside has answered what it could; what reaches here is the
            // framework's own (404 for an unknown path) or a dropped connection.
            let status = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            line.write(route: context.endpointPath ?? "-", status: status, bytes: 0)
            throw error
        }
    }
}

/// What one access-log line is made of before the response is sent.
struct AccessLine: Sendable {
    let writer: AccessLogWriter
    let id: String
    let method: String
    let client: String
    let start: ContinuousClock.Instant

    func write(route: String, status: Int, bytes: Int) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        writer.append("request_id=\(id) method=\(method) route=\(route) status=\(status) bytes=\(bytes) ms=\(String(format: "%.2f", ms)) client=\(client)")
    }
}

/// Access-log lines written in batches to standard output (the journal under systemd): a request
/// formats its line and appends it to a buffer; one write a moment later (100 ms, or at once past
/// 64 KB) sends every line gathered, so a request pays for a string, not for a system call and
/// the logging lock. `flush()` at shutdown writes what is left.
public final class AccessLogWriter: Sendable {
    private let fd: Int32
    private let pending = Mutex<(bytes: [UInt8], scheduled: Bool)>(([], false))
    /// One write at a time, so lines keep their order.
    private let writing = Mutex<Void>(())
    private let second = Mutex<(epoch: Int, text: String)>((-1, ""))

    public init(fileDescriptor: Int32 = 1) { fd = fileDescriptor }   // standard output

    func append(_ fields: String) {
        let now = Date()
        let stamp = second.withLock { s -> String in
            let epoch = Int(now.timeIntervalSince1970)
            if epoch != s.epoch { s = (epoch, ISO8601DateFormatter().string(from: now)) }
            return s.text
        }
        let line = "\(stamp) info bando.access: \(fields)\n"
        let (schedule, full) = pending.withLock { p -> (Bool, Bool) in
            p.bytes.append(contentsOf: line.utf8)
            defer { p.scheduled = true }
            return (!p.scheduled, p.bytes.count >= 65_536)
        }
        if full {
            flush()
        } else if schedule {
            DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + 0.1) { [weak self] in self?.flush() }
        }
    }

    /// Writes every line gathered so far.
    public func flush() {
        writing.withLock { _ in
            let bytes = pending.withLock { p in
                defer { p.bytes = []; p.scheduled = false }
                return p.bytes
            }
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue }; return }
                    offset += n
                }
            }
        }
    }
}

/// Passes a response body through, counting its bytes, and reports the count when it ends.
struct CountingWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    var bytes = 0
    let done: @Sendable (Int) -> Void

    init(base: any ResponseBodyWriter, done: @escaping @Sendable (Int) -> Void) { self.base = base; self.done = done }

    mutating func write(_ buffer: ByteBuffer) async throws {
        bytes += buffer.readableBytes
        try await base.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await base.finish(trailingHeaders)
        done(bytes)
    }
}
