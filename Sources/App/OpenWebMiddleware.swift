// What every client on the open web gets from the public routes, in one place: CORS for pages
// hosted on other sites, HEAD on every GET route, gzip for JSON, GeoJSON and HTML.
import Foundation
import GeoStore
import HTTPTypes
import Hummingbird
import NIOCore
import Tiles

/// The outermost middleware of the router (it sees every answer, errors and 404s included):
///
/// - **CORS**: `Access-Control-Allow-Origin: *` on every public answer, errors too, so a web map
///   or data app of another agency can read the API; `OPTIONS` preflights answered 204 on public
///   paths (POST allowed where a public API takes one: analysis, CKAN actions). Never on the
///   portal's cookie-authenticated routes (`/api/portal/...`) nor on any request that carries
///   the session cookie: a browser must not be let to read them from another site.
/// - **HEAD** (RFC 9110): the router answers HEAD on every GET route by running the GET route
///   (`RouterOptions.autoGenerateHeadEndpoints`); here the body is dropped and its length kept
///   in `Content-Length`, which is what `/vsicurl/`, link checkers and monitors read.
/// - **gzip**: JSON (also GeoJSON, JSON-LD, JSON Schema, OpenAPI) and HTML answers of 256 bytes
///   or more are compressed when `Accept-Encoding` allows gzip, with `Vary: Accept-Encoding`.
///   Answers that manage their own encoding (tiles, downloads: already gzipped, or with an
///   `ETag` or a byte range that names the uncompressed bytes) pass untouched.
///
/// Cached tiles answered by the fast paths never reach the router; their prebuilt answers carry
/// the CORS header already (`TileRoutes.tileHead`) and HEAD for them comes here like any other.
struct OpenWebMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Bodies this small are sent as they are: gzip's header and trailer would eat the gain.
    static var minimumGzipBytes: Int { 256 }
    /// Larger bodies are compressed on a blocking-pool thread rather than a cooperative one.
    static var inlineGzipBytes: Int { 256 * 1024 }
    /// Bodies over this are not compressed here (no JSON answer comes near it).
    static var maximumGzipBytes: Int { 64 << 20 }

    static var exposedHeaders: String {
        "Content-Crs, Content-Disposition, Content-Language, Content-Range, ETag, Link, X-Request-Id, Accept-Ranges"
    }
    /// Request headers a page on another site may send (beyond the CORS-safelisted ones).
    static var allowedRequestHeaders: Set<String> { [
        "accept", "accept-language", "content-type", "content-language", "range", "if-none-match", "if-modified-since",
    ] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let shared = !Self.isCookieAuthenticated(request)
        if request.method == .options, shared {
            return Self.preflight(request)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The inner ErrorMiddleware renders every error; one thrown past it still gets the headers.
            let report = ErrorReport(error, request: request, context: context)
            response = ErrorReport.wantsHTML(request) ? report.htmlResponse(path: request.uri.path) : report.response
        }
        // Routes that set CORS themselves (tiles: their answers are the fast paths' bytes) keep theirs.
        if shared, response.headers[.accessControlAllowOrigin] == nil {
            response.headers[.accessControlAllowOrigin] = "*"
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        if Self.compressible(response) {
            Self.addVaryAcceptEncoding(&response.headers)
            if TileRoutes.acceptsGzip(request.headers[.acceptEncoding]) {
                response = try await Self.gzipped(response)
            }
        }
        if request.method == .head {
            response = Self.withoutBody(response)
        }
        return response
    }

    // MARK: CORS

    /// The portal's own routes (the JSON API and the staff pages), and anything sent with its
    /// session cookie: no CORS at all.
    static func isCookieAuthenticated(_ request: Request) -> Bool {
        let path = request.uri.path
        if path == "/api/portal" || path.hasPrefix("/api/portal/") || StaffPaths.contains(path) { return true }
        for cookie in request.headers[values: .cookie] {
            for pair in cookie.split(separator: ";") {
                let name = pair.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) }
                if name == portalSessionCookie { return true }
            }
        }
        return false
    }

    /// Public APIs that take a POST from another site (their preflight allows it).
    static func takesCrossOriginPost(_ path: String) -> Bool {
        path.hasPrefix("/api/analysis/") || path.hasPrefix("/api/3/action/") || path.hasPrefix("/api/action/")
    }

    static func preflight(_ request: Request) -> Response {
        var headers: HTTPFields = [
            .accessControlAllowOrigin: "*",
            .accessControlAllowMethods: takesCrossOriginPost(request.uri.path) ? "GET, HEAD, POST, OPTIONS" : "GET, HEAD, OPTIONS",
            .accessControlMaxAge: "86400",
        ]
        headers[.allow] = headers[.accessControlAllowMethods]
        // Echo the requested headers that are allowed; a browser refuses the request when one it
        // asked for is missing, which is the answer for the others.
        if let asked = request.headers[.accessControlRequestHeaders] {
            let allowed = asked.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { allowedRequestHeaders.contains($0.lowercased()) }
            if !allowed.isEmpty { headers[.accessControlAllowHeaders] = allowed.joined(separator: ", ") }
        }
        return Response(status: .noContent, headers: headers)
    }

    // MARK: gzip

    static func compressible(_ response: Response) -> Bool {
        guard response.status != .noContent, response.status != .notModified, response.status != .partialContent,
              response.headers[.contentEncoding] == nil, response.headers[.contentRange] == nil,
              response.headers[.eTag] == nil,
              let type = response.headers[.contentType]?.lowercased() else { return false }
        let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return media == "text/html" || media == "application/json" || media.hasSuffix("+json")
    }

    static func addVaryAcceptEncoding(_ headers: inout HTTPFields) {
        let vary = headers[values: .vary].flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
        if !vary.contains("accept-encoding") && !vary.contains("*") { headers.append(HTTPField(name: .vary, value: "Accept-Encoding")) }
    }

    /// The answer with its body gzipped; as it was when its length is unknown or out of range.
    static func gzipped(_ response: Response) async throws -> Response {
        guard let length = response.body.contentLength, length >= minimumGzipBytes, length <= maximumGzipBytes else { return response }
        let plain = try await collect(response.body)
        let compressed: [UInt8] = plain.count > inlineGzipBytes
            ? try await BlockingPool.requests.run { Gzip.compress(plain) }
            : Gzip.compress(plain)
        guard !compressed.isEmpty else { return response }
        var headers = response.headers
        headers[.contentEncoding] = "gzip"
        headers[.contentLength] = String(compressed.count)
        return Response(status: response.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: compressed)))
    }

    /// A HEAD answer: the GET's status and headers, `Content-Length` the body would have had.
    static func withoutBody(_ response: Response) -> Response {
        var headers = response.headers
        if headers[.contentLength] == nil, let length = response.body.contentLength { headers[.contentLength] = String(length) }
        return Response(status: response.status, headers: headers, body: ResponseBody())
    }

    /// The bytes of a body of known length (the JSON and HTML routes answer with one buffer).
    static func collect(_ body: ResponseBody) async throws -> [UInt8] {
        let sink = BodySink()
        try await body.write(CollectingWriter(sink: sink))
        return sink.bytes
    }
}

/// Where `CollectingWriter` puts the bytes (the writer itself is consumed by `write`).
private final class BodySink: @unchecked Sendable {
    var bytes: [UInt8] = []
}

private struct CollectingWriter: ResponseBodyWriter {
    let sink: BodySink
    mutating func write(_ buffer: ByteBuffer) async throws { sink.bytes.append(contentsOf: buffer.readableBytesView) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
