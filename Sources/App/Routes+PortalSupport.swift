// Plumbing of the portal routes: who is asking (cookie or bearer token), JSON in and out, the
// streamed upload, and the mapping of `PortalError` to HTTP status with a message safe to show.
import Foundation
import Hummingbird
import Portal
import GeoStore

struct PortalHTTP: Sendable {
    let deps: PortalRouteDependencies
    /// JSON bodies of the portal API are small; uploads have their own path and limit.
    static let maxJSONBody = 1 << 20

    // MARK: errors

    static func invalid(_ m: String) -> PortalError { PortalError(.invalid, m) }

    struct ErrorBody: Encodable {
        struct Detail: Encodable { var code: String; var message: String }
        var error: Detail
    }

    static func status(of kind: PortalError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .invalid: .badRequest
        case .conflict: .conflict
        case .tooManyAttempts: .tooManyRequests
        case .tooLarge: .contentTooLarge
        }
    }

    func errorResponse(_ e: PortalError) -> Response {
        var r = (try? json(ErrorBody(error: .init(code: e.kind.rawValue, message: e.message)), status: Self.status(of: e.kind)))
            ?? Response(status: Self.status(of: e.kind))
        if let s = e.retryAfter { r.headers[.retryAfter] = String(s) }
        if e.kind == .unauthenticated { r.headers[.wwwAuthenticate] = "Bearer realm=\"bando\"" }
        return r
    }

    /// Runs a handler, turning the portal's refusals into their HTTP answers.
    func run(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch let e as PortalError { return errorResponse(e) }
    }

    // MARK: who is asking

    func token(_ req: Request) -> String? {
        if let auth = req.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            return String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return req.cookies[portalSessionCookie]?.value.nilIfEmpty
    }

    /// The signed-in user, checked on the blocking pool (a store read).
    func signedIn(_ req: Request) async throws -> Actor {
        try await blocking { try actor(req) }
    }

    func actor(_ req: Request) throws -> Actor {
        guard let t = token(req) else { throw PortalError(.unauthenticated, "sign in first: send the session cookie or an `Authorization: Bearer` API token") }
        return try deps.portal.authenticate(token: t)
    }

    func client<Context: RequestContext>(_ req: Request, _ ctx: Context) -> String {
        if deps.trustForwardedFor, let f = req.headers[.init("X-Forwarded-For")!]?.split(separator: ",").first {
            return f.trimmingCharacters(in: .whitespaces)
        }
        if let a = (ctx as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress { return a }
        return "unknown"
    }

    // MARK: bodies

    func decode<T: Decodable, Context: RequestContext>(_ type: T.Type, _ req: Request, _ ctx: Context) async throws -> T {
        var req = req
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: Self.maxJSONBody) } catch {
            throw PortalError(.tooLarge, "the request body is larger than \(Self.maxJSONBody / 1024) KB")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch {
            throw Self.invalid("the request body is not the JSON expected (\(T.self)): \(Self.describe(error))")
        }
    }

    func decodeOptional<T: Decodable, Context: RequestContext>(_ type: T.Type, _ req: Request, _ ctx: Context) async throws -> T? {
        var req = req
        let buffer = (try? await req.collectBody(upTo: Self.maxJSONBody)) ?? ByteBuffer()
        if buffer.readableBytes == 0 { return nil }
        return try await decode(T.self, Request(head: req.head, body: .init(buffer: buffer)), ctx)
    }

    static func describe(_ e: any Error) -> String {
        switch e {
        case DecodingError.keyNotFound(let k, _): "missing field '\(k.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            "wrong value at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: "malformed JSON"
        }
    }

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try e.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func text(_ s: String, contentType: String, filename: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType, .contentDisposition: "attachment; filename=\"\(filename)\""],
                 body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    // MARK: upload

    /// Checks the user may upload before reading a byte, spools the body to disk under the
    /// limit, takes the file out of a multipart form, checks its kind and zip paths, and hands
    /// it to Ingest as an unpublished draft.
    func upload(_ req: Request, dataset: String) async throws -> Response {
        let portal = deps.portal
        let who = try await signedIn(req)
        try await blocking { try portal.authorizeUpload(dataset: dataset, by: who) }
        let limit = deps.maxUploadBytes
        if let len = req.headers[.contentLength].flatMap(Int.init), len > limit + 64 * 1024 { throw UploadCheck.tooLarge(limit: limit) }

        let id = UUID().uuidString
        let directory = deps.uploadDirectory
        let spool = directory.appendingPathComponent("bando-upload-\(id).part")
        let cleanup = UploadFiles([spool])
        defer { cleanup.remove() }
        _ = FileManager.default.createFile(atPath: spool.path, contents: nil)
        let out = try FileHandle(forWritingTo: spool)
        var size = 0
        do {
            // Multipart framing adds a little; the file inside is checked against the limit after.
            for try await chunk in req.body {
                size += chunk.readableBytes
                if size > limit + 64 * 1024 { throw UploadCheck.tooLarge(limit: limit) }
                try out.write(contentsOf: Data(chunk.readableBytesView))
            }
            try out.close()
        } catch { try? out.close(); throw error }

        // Taking the file out of the form, reading its first bytes and walking a zip's entries
        // read the whole upload: on the blocking pool.
        let boundary = MultipartFile.boundary(contentType: req.headers[.contentType] ?? "")
        let given = req.uri.queryParameters.get("filename") ?? "upload"
        let spooled = size
        let (named, kind, filename) = try await blocking { () throws -> (URL, UploadKind, String) in
            var file = spool
            var filename = given
            if let boundary {
                file = directory.appendingPathComponent("bando-upload-\(id).file")
                cleanup.add(file)
                filename = try MultipartFile.extractFirstFile(from: spool, boundary: boundary, to: file, limit: limit)
            }
            let fileSize = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? spooled
            if fileSize > limit { throw UploadCheck.tooLarge(limit: limit) }
            let kind = try UploadCheck.check(file)
            let named = directory.appendingPathComponent("bando-upload-\(id).\(kind.fileExtension)")
            try FileManager.default.moveItem(at: file, to: named)
            cleanup.add(named)
            return (named, kind, filename)
        }

        let number: Int
        do { number = try await deps.ingestDraft(named, kind, dataset) } catch let e as PortalError { throw e } catch let e as BlockingPoolError {
            throw PortalError(.tooManyAttempts, e.description, retryAfter: 60)
        } catch {
            // Ingest's own errors say what was wrong with the file; nothing was published.
            return errorResponse(PortalError(.invalid, "the file could not be loaded: \(error)"))
                .with(status: .unprocessableContent)
        }
        let v = try await blocking { try portal.recordDraft(dataset: dataset, number: number, source: filename, by: who) }
        return try json(v, status: .created)
    }
}

/// The spooled files of one upload, removed when it is answered.
final class UploadFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [URL]
    init(_ files: [URL]) { self.files = files }
    func add(_ file: URL) { lock.withLock { files.append(file) } }
    func remove() { for u in lock.withLock({ files }) { try? FileManager.default.removeItem(at: u) } }
}

extension Response {
    func with(status: HTTPResponse.Status) -> Response { var r = self; r.status = status; return r }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

// MARK: request and response bodies

struct LoginBody: Decodable { var username: String; var password: String }
struct SignInResponse: Encodable { var user: UserInfo; var expiresAt: String }
struct NameBody: Decodable { var name: String }
struct CreatedToken: Encodable { var token: String; var info: APITokenInfo }
struct AgencyBody: Decodable { var slug: String; var name: String }
struct UserBody: Decodable { var username: String; var password: String; var role: String; var agency: String?; var displayName: String? }
struct PasswordBody: Decodable { var password: String }
struct CatalogueBody: Decodable { var agency: String; var slug: String; var title: String; var theme: String?; var frequency: String?; var description: String? }
struct CommentBody: Decodable { var comment: String? }
struct FeedbackBody: Decodable { var dataset: String?; var category: String; var message: String; var contactEmail: String? }
struct AnswerBody: Decodable { var answer: String }
struct HarvestSourceBody: Decodable { var url: String; var kind: String; var intervalSeconds: Int? }
