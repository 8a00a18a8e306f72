import Hummingbird
import GeoStore
import Logging
import Foundation

/// A problem to show a client: status, a machine code and a message that is safe to show.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["code": code, "description": message], options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Maps module errors to HTTP; anything unexpected is logged and shown as a plain 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as any HTTPResponseError {
            throw e
        } catch let e as StoreError {
            switch e {
            case .datasetNotFound, .versionNotFound: throw APIError(status: .notFound, code: "NotFound", message: e.description)
            case .invalidSlug: throw APIError(status: .badRequest, code: "InvalidParameterValue", message: e.description)
            default:
                context.logger.error("store failure: \(e)")
                throw APIError(status: .internalServerError, code: "ServerError", message: "the store failed; the error is logged")
            }
        } catch {
            context.logger.error("unexpected failure on \(request.uri): \(error)")
            throw APIError(status: .internalServerError, code: "ServerError", message: "internal error; the error is logged")
        }
    }
}
