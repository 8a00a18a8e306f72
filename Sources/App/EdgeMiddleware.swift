// The router's edge: security headers on every answer, and the request body limit.
import Foundation
import HTTPTypes
import Hummingbird
import PublicErrors
import NIOCore
import NIOHTTP1

/// Headers for every answer: `X-Content-Type-Options: nosniff` (a browser must not run a JSON
/// or CSV body that looks like HTML), and on HTML pages (the map, the OGC HTML pages) a
/// Content Security Policy, `Referrer-Policy` and framing refused. Errors thrown by the routes
/// are turned into their answers here so that they get the headers too.
///
/// The policy lets `/map` run: scripts only from this server (the map's own script is
/// `/map.js`, MapLibre is under `/vendor/`), MapLibre's worker from a `blob:` URL, its images
/// as `data:`/`blob:`, inline styles (MapLibre sets element styles; the pages have a `<style>`),
/// and requests to this server under its public URL (TileJSON names tiles there, which may not
/// be the page's own origin).
///
/// A basemap style from another server (`--basemap-style`) adds that server's origin to the
/// requests and images the pages may load (`alsoFrom`): its tiles, glyphs and sprites must be
/// served there too.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let origin: PublicOrigin
    var alsoFrom: [String] = []
    static var referrerPolicy: HTTPField.Name { HTTPField.Name("Referrer-Policy")! }
    static var frameOptions: HTTPField.Name { HTTPField.Name("X-Frame-Options")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        if response.headers[.xContentTypeOptions] == nil { response.headers[.xContentTypeOptions] = "nosniff" }
        if response.headers[.contentType]?.lowercased().hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = Self.policy(connectTo: origin.url(context), alsoFrom: alsoFrom)
            response.headers[Self.referrerPolicy] = "no-referrer"
            response.headers[Self.frameOptions] = "DENY"
        }
        return response
    }

    static func policy(connectTo root: String, alsoFrom extra: [String] = []) -> String {
        // The scheme and authority of the public root (CSP sources take no path).
        var source = root
        if let schemeEnd = root.range(of: "://"), let slash = root[schemeEnd.upperBound...].firstIndex(of: "/") {
            source = String(root[..<slash])
        }
        return [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            (["img-src 'self' data: blob:"] + extra).joined(separator: " "),
            "font-src 'self' data:",
            (["connect-src 'self' \(source)"] + extra).joined(separator: " "),
            "worker-src 'self' blob:",
            "child-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }
}

/// The default request body limit, per route: a declared `Content-Length` over the limit is
/// answered 413 at once, without reading the body, and the connection closed (its body is not
/// waited for); a streamed body is counted as it is read and refused once over. A body that is
/// not well-formed HTTP (a chunk size that overflows, say) is a 400, not a server error.
/// `routeLimits`: endpoint paths, as the router writes them (`/api/x/{id}`), with their own limit.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let defaultLimit: Int
    let routeLimits: [String: Int]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = context.endpointPath.flatMap { routeLimits[$0] } ?? defaultLimit
        let declared = request.headers[.contentLength]
        if let declared, let length = Int(declared), length > limit {
            throw RequestRefusal.tooLarge(limit: limit)
        }
        guard request.headers[.transferEncoding] != nil || (declared != nil && declared != "0") else {
            return try await next(request, context)
        }
        var request = request
        request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit))
        return try await next(request, context)
    }
}

/// A request body read under a limit: over it, or not well-formed, the reader gets a
/// `RequestRefusal` (an HTTP answer) instead of the bytes.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            let chunk: ByteBuffer?
            do { chunk = try await base.next() } catch let error as HTTPParserError {
                throw RequestRefusal.malformed(error)
            }
            guard let chunk else { return nil }
            seen += chunk.readableBytes
            if seen > limit { throw RequestRefusal.tooLarge(limit: limit) }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}

/// A request refused before it was read through: the error answer, with `Connection: close`
/// so that the rest of the request is not waited for (the connection's observer closes it
/// once the answer is written). Rendered by `ErrorMiddleware` like every other error.
struct RequestRefusal: PublicError {
    var status: Int
    var code: String
    var message: SafeMessage
    var internalDetail: String?
    var responseHeaders: [(name: String, value: String)] { [(name: "Connection", value: "close")] }

    static func tooLarge(limit: Int) -> RequestRefusal {
        let size = limit >= 1 << 20 ? "\(limit >> 20) MB" : "\(max(1, limit >> 10)) KB"
        return RequestRefusal(status: 413, code: "PayloadTooLarge", message: SafeMessage("http.bodyTooLarge", ["size": size]))
    }

    static func malformed(_ e: HTTPParserError) -> RequestRefusal {
        RequestRefusal(status: 400, code: "BadRequest", message: SafeMessage("http.malformedBody"), internalDetail: "\(e)")
    }
}
