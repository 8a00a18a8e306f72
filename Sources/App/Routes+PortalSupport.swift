// Plumbing of the portal routes: who is asking (cookie or bearer token), JSON in and out and the
// streamed upload. `PortalError`s are rendered by `ErrorMiddleware` like every other error.
import Foundation
import Hummingbird
import Portal
import PublicErrors
import GeoStore

struct PortalHTTP: Sendable {
    let deps: PortalRouteDependencies
    /// JSON bodies of the portal API are small; uploads have their own path and limit.
    static let maxJSONBody = 1 << 20

    // MARK: errors

    /// A request the portal cannot read: `key` is a message key.
    static func invalid(_ key: String, _ arguments: [String: String] = [:]) -> PortalError {
        PortalError(.invalid, SafeMessage(key, arguments))
    }

    /// Runs a handler. Its refusals (`PortalError`) reach `ErrorMiddleware`, which answers them
    /// with their status and message, as it does every error.
    func run(_ body: () async throws -> Response) async throws -> Response {
        try await body()
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
        guard let t = token(req) else { throw PortalError(.unauthenticated, SafeMessage("portal.signInFirst")) }
        return try deps.portal.authenticate(token: t)
    }

    /// The client a throttle counts against: see `ClientIdentification`.
    func client<Context: RequestContext>(_ req: Request, _ ctx: Context) -> String {
        deps.clients.client(req, peer: (ctx as? any RemoteAddressRequestContext)?.remoteAddress)
    }

    // MARK: bodies

    func decode<T: Decodable, Context: RequestContext>(_ type: T.Type, _ req: Request, _ ctx: Context) async throws -> T {
        var req = req
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: Self.maxJSONBody) } catch let refusal as RequestRefusal {
            throw refusal   // the edge's answer: over the server's limit, or not well-formed HTTP
        } catch {
            throw PortalError(.tooLarge, SafeMessage("portal.body.tooLarge", ["kilobytes": String(Self.maxJSONBody / 1024)]))
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch {
            throw PortalError(.invalid, SafeMessage("portal.body.notJSON", parts: ["problem": Self.describe(error)]), detail: "expected \(T.self)")
        }
    }

    func decodeOptional<T: Decodable, Context: RequestContext>(_ type: T.Type, _ req: Request, _ ctx: Context) async throws -> T? {
        var req = req
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: Self.maxJSONBody) } catch let refusal as RequestRefusal { throw refusal } catch {
            buffer = ByteBuffer()
        }
        if buffer.readableBytes == 0 { return nil }
        return try await decode(T.self, Request(head: req.head, body: .init(buffer: buffer)), ctx)
    }

    static func describe(_ e: any Error) -> SafeMessage {
        switch e {
        case DecodingError.keyNotFound(let k, _): SafeMessage("portal.body.missingField", ["field": k.stringValue])
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            SafeMessage("portal.body.wrongValue", ["field": c.codingPath.map(\.stringValue).joined(separator: ".")])
        default: SafeMessage("portal.body.malformed")
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
    /// limit, takes the file out of a multipart form (or the loose files of one shapefile,
    /// packed into a zip), checks its kind and zip paths, and hands it to Ingest as an
    /// unpublished draft.
    func upload(_ req: Request, dataset: String) async throws -> Response {
        try json(try await uploadDraft(req, dataset: dataset, by: try await signedIn(req)), status: .created)
    }

    /// The upload of `upload(_:dataset:)` for a caller already known (the staff pages' form):
    /// the new draft version.
    func uploadDraft(_ req: Request, dataset: String, by who: Actor) async throws -> VersionSummary {
        let portal = deps.portal
        try await blocking { try portal.authorizeUpload(dataset: dataset, by: who) }
        let limit = deps.maxUploadBytes
        if let len = req.headers[.contentLength].flatMap(Int.init), len > limit + 64 * 1024 { throw UploadCheck.tooLarge(limit: limit) }

        let id = UploadSpool.newID()
        let directory = deps.uploadDirectory
        let spool = directory.appendingPathComponent("\(UploadSpool.prefix)\(id).part")
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
        let uploadLimits = deps.uploadLimits
        let (named, kind, filename) = try await blocking { () throws -> (URL, UploadKind, String) in
            var file = spool
            var filename = given
            if let boundary {
                // Every file of the form: one zip or GeoJSON, or the loose files of one shapefile.
                let parts = try MultipartFile.extractFiles(from: spool, boundary: boundary, limit: limit) { i in
                    let part = directory.appendingPathComponent("\(UploadSpool.prefix)\(id).part\(i)")
                    cleanup.add(part)
                    return part
                }
                if ShapefileSet.isSet(parts.map(\.name)) {
                    file = directory.appendingPathComponent("\(UploadSpool.prefix)\(id).set")
                    cleanup.add(file)
                    try ShapefileSet.zip(parts, to: file)
                    filename = parts.map(\.name).sorted().joined(separator: ", ")
                } else {
                    filename = parts[0].name; file = parts[0].file
                }
            }
            let fileSize = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? spooled
            if fileSize > limit { throw UploadCheck.tooLarge(limit: limit) }
            let kind = try UploadCheck.check(file, limits: uploadLimits)
            let named = directory.appendingPathComponent("\(UploadSpool.prefix)\(id).\(kind.fileExtension)")
            try FileManager.default.moveItem(at: file, to: named)
            cleanup.add(named)
            return (named, kind, filename)
        }

        let number: Int
        do { number = try await deps.ingestDraft(named, kind, dataset) } catch let e as PortalError { throw e } catch let e as BlockingPoolError {
            throw PortalError(.tooManyAttempts, SafeMessage("portal.upload.busy"), retryAfter: 60, detail: e.description)
        } catch {
            // Ingest's own errors say what was wrong with the file (its message, without the spool
            // path); what GDAL or SQLite said goes to the log. Nothing was published.
            let reason = (error as? any PublicError)?.message ?? SafeMessage("ingest.unreadable")
            throw PortalError(.unloadable, SafeMessage("portal.upload.unloadable", parts: ["reason": reason]),
                              detail: String(reflecting: error))
        }
        return try await blocking { try portal.recordDraft(dataset: dataset, number: number, source: filename, by: who) }
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
struct ListedDatasetBody: Decodable { var agency: String; var slug: String; var title: String; var theme: String?; var frequency: String?; var description: String? }
struct CommentBody: Decodable { var comment: String? }
struct FeedbackBody: Decodable { var dataset: String?; var category: String; var message: String; var contactEmail: String? }
struct AnswerBody: Decodable { var answer: String }
struct DepartmentReviewBody: Decodable { var on: Bool }
struct DepartmentReviewState: Encodable { var on: Bool; var waiting: [DepartmentReviewItem] }
struct HarvestSourceBody: Decodable { var url: String; var kind: String; var intervalSeconds: Int? }
