// Every error a client sees is rendered here, in one shape: status, a stable `code`, the
// message in the client's language (`?lang=vi|en`, else `Accept-Language`, else Vietnamese) and
// the request id, also sent as `X-Request-Id`; whatever went wrong inside is logged under that
// id and never shown. Module errors conform to `PublicErrors.PublicError`; the message catalogue of
// messages is `Sources/PublicErrors/messages.{vi,en}.json`. The OGC exception document is this
// very shape (`code`, `description`); the CKAN routes wrap the same message in CKAN's envelope.
import Hummingbird
import HTTPTypes
import PublicErrors
import Logging
import Foundation

/// An error raised by App itself (a route's own checks): the same shape as the modules' errors.
struct APIError: PublicError {
    var status: Int
    var code: String
    var message: SafeMessage
    var internalDetail: String?
    var responseHeaders: [(name: String, value: String)]

    init(_ status: HTTPResponse.Status, code: String, _ message: SafeMessage, detail: String? = nil,
         headers: [(name: String, value: String)] = []) {
        self.status = Int(status.code); self.code = code; self.message = message
        self.internalDetail = detail; self.responseHeaders = headers
    }
}

/// Hummingbird's own refusals (no such route, body too large, a missing parameter): a
/// message chosen by status; Hummingbird's text, which may echo internals, goes to the log.
struct HTTPFailure: PublicError {
    var status: Int
    var internalDetail: String?

    var code: String {
        switch status {
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 408: "RequestTimeout"
        case 413: "PayloadTooLarge"
        case 415: "UnsupportedMediaType"
        case 429: "TooManyRequests"
        case 503: "ServiceUnavailable"
        case 400..<500: "BadRequest"
        default: "ServerError"
        }
    }

    var message: SafeMessage {
        switch status {
        case 404: SafeMessage("http.notFound")
        case 405: SafeMessage("http.methodNotAllowed")
        case 408: SafeMessage("http.requestTimeout")
        case 413: SafeMessage("http.payloadTooLarge")
        case 415: SafeMessage("http.unsupportedMediaType")
        case 429: SafeMessage("http.tooManyRequests")
        case 503: SafeMessage("http.serviceUnavailable")
        case 400..<500: SafeMessage("http.badRequest")
        default: SafeMessage("server.internal")
        }
    }
}

/// One error of one request, ready to render: the public error, the language, the request id.
/// Making one logs it (5xx as errors with the detail, 4xx at debug level, with any detail).
struct ErrorReport {
    let error: any PublicError
    let language: Language
    let requestID: String

    init<Context: RequestContext>(_ error: any Error, request: Request, context: Context) {
        let shown = Self.publicError(error)
        self.error = shown
        language = Language.negotiate(query: request.uri.queryParameters.get("lang"),
                                      acceptLanguage: request.headers[.acceptLanguage])
        requestID = context.logger[metadataKey: "hb.request.id"]?.description ?? Self.newRequestID()
        var metadata: Logger.Metadata = ["request_id": "\(requestID)", "status": "\(shown.status)", "code": "\(shown.code)",
                                         "path": "\(request.uri.path)"]
        if let detail = shown.internalDetail { metadata["detail"] = "\(detail)" }
        if shown.status >= 500 {
            context.logger.error("request failed", metadata: metadata)
        } else {
            context.logger.debug("request refused", metadata: metadata)
        }
    }

    /// The message in the request's language.
    var description: String { error.message.text(in: language) }

    /// Status and headers every error response carries: `X-Request-Id`, `Content-Language`,
    /// and those the error asks for (`Retry-After`, `WWW-Authenticate`).
    func head(contentType: String) -> (HTTPResponse.Status, HTTPFields) {
        var headers: HTTPFields = [.contentType: contentType, .contentLanguage: language.rawValue]
        headers[Self.requestIDHeader] = requestID
        for h in error.responseHeaders {
            if let name = HTTPField.Name(h.name) { headers[name] = h.value }
        }
        return (HTTPResponse.Status(code: error.status), headers)
    }

    /// `{"code": …, "description": …, "request_id": …}`: the OGC API exception document, which
    /// every route but the CKAN API answers with.
    var response: Response {
        let body: [String: String] = ["code": error.code, "description": description, "request_id": requestID]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        let (status, headers) = head(contentType: "application/json; charset=utf-8")
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    /// What any thrown error is shown as: a `PublicError` as itself, Hummingbird's refusals by
    /// status, anything else as the generic 500.
    static func publicError(_ error: any Error) -> any PublicError {
        switch error {
        case let e as any PublicError: e
        case let e as HTTPError: HTTPFailure(status: Int(e.status.code), internalDetail: e.body)
        case let e as any HTTPResponseError: HTTPFailure(status: Int(e.status.code), internalDetail: String(reflecting: e))
        default: InternalFailure(error)
        }
    }

    /// For contexts without Hummingbird's id (never in practice): 16 random hex digits.
    static func newRequestID() -> String {
        let n = UInt64.random(in: .min ... .max)
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Renders every error a route throws, generic over the request context so any context type
/// the router is given works: the one place error bodies are written.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let report = ErrorReport(error, request: request, context: context)
            return ErrorReport.wantsHTML(request) ? report.htmlResponse(path: request.uri.path) : report.response
        }
    }
}
