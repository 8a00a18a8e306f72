// The answers the edge gives before a request reaches the router: a head that cannot be read (too
// large, not HTTP/1.1), a body that stopped arriving, a server with every connection busy. Same
// shape as every other error (`{code, description, request_id}`, `X-Request-Id`), in Vietnamese:
// the request's language cannot be read from a head that did not parse.
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import PublicErrors

struct EdgeAnswer {
    let status: HTTPResponse.Status
    let code: String
    let message: SafeMessage
    let requestID = ErrorReport.newRequestID()
    var retryAfter: Int?
    var serverName: String?

    init(status: HTTPResponse.Status, code: String, message: SafeMessage, retryAfter: Int? = nil, serverName: String? = nil) {
        self.status = status; self.code = code; self.message = message
        self.retryAfter = retryAfter; self.serverName = serverName
    }

    /// The answer to a request head the HTTP decoder refused.
    init(_ error: HTTPParserError, headerLimit: Int) {
        if case .headerOverflow = error {
            self.init(status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "RequestHeaderFieldsTooLarge",
                      message: SafeMessage("http.headTooLarge", ["size": "\(max(1, headerLimit >> 10)) KB"]))
        } else {
            self.init(status: .badRequest, code: "BadRequest", message: SafeMessage("http.malformedHead"))
        }
    }

    /// A body announced and not sent: 408, the client may send the request again.
    static var bodyTimeout: EdgeAnswer {
        EdgeAnswer(status: .requestTimeout, code: "RequestTimeout", message: SafeMessage("http.bodyTimeout"))
    }

    static func serverFull(serverName: String?) -> EdgeAnswer {
        EdgeAnswer(status: .serviceUnavailable, code: "ServiceUnavailable", message: SafeMessage("http.serverFull"),
                   retryAfter: 1, serverName: serverName)
    }

    var body: ByteBuffer {
        let object = ["code": code, "description": message.text(in: .vi), "request_id": requestID]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return ByteBuffer(bytes: data)
    }

    /// The head, for handlers after the decoder; the connection is closed after it.
    func head(contentLength: Int) -> HTTPResponse {
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8", .contentLength: String(contentLength),
                                  .contentLanguage: Language.vi.rawValue, .connection: "close"]
        fields[ErrorReport.requestIDHeader] = requestID
        fields[.xContentTypeOptions] = "nosniff"
        if let retryAfter { fields[.retryAfter] = String(retryAfter) }
        if let serverName { fields[.server] = serverName }
        return HTTPResponse(status: status, headerFields: fields)
    }

    /// The whole answer as HTTP/1.1 bytes, for handlers in front of the decoder.
    var bytes: ByteBuffer {
        let body = self.body
        let head = self.head(contentLength: body.readableBytes)
        var text = "HTTP/1.1 \(head.status.code) \(head.status.reasonPhrase)\r\n"
        for field in head.headerFields { text += "\(field.name.rawName): \(field.value)\r\n" }
        var out = ByteBuffer(string: text + "\r\n")
        var rest = body
        out.writeBuffer(&rest)
        return out
    }

    static func bytes(_ answer: EdgeAnswer) -> ByteBuffer { answer.bytes }
}
