// Portal: the rules of the provincial regulations — agencies, accounts, roles, the editor ->
// approver workflow, the open-data list, deadlines, feedback, audit. Knows nothing of HTTP:
// `App` maps `PortalError` to status codes, and the CLI and the web pages call the same rules.
//
// What lives here:
// - pure rules: `Role`/`Permissions`, `VersionWorkflow`, `Quarter` and `ComplianceCalculator`,
//   `FeedbackDeadline`, credentials (`PasswordHasher`, `SecretToken`), `SignInThrottle` over `LoginThrottle`,
//   `RateLimiter`;
// - `PortalService`, the operations over the store (tables in GeoStore/SQLite/Store+PortalSchema.swift and GeoStorePostGIS/PostGISStore+PortalSchema.swift).
import Foundation
public import PublicErrors

/// Why a portal operation was refused. Each case says what was wrong and what to do, and
/// `kind` tells the HTTP layer which status it deserves without Portal knowing HTTP.
/// `message` is a message key with its arguments; `detail` (a library's words) is logged only.
public struct PortalError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// No valid session or token (HTTP 401).
        case unauthenticated
        /// Signed in, but this user may not do this (HTTP 403).
        case forbidden
        /// The thing named does not exist (HTTP 404).
        case notFound
        /// The request itself is wrong: a missing field, a bad value (HTTP 400).
        case invalid
        /// The request is valid but the current state does not allow it (HTTP 409).
        case conflict
        /// Too many attempts; retry later (HTTP 429).
        case tooManyAttempts
        /// Payload too large (HTTP 413).
        case tooLarge
        /// The uploaded file was received but could not be loaded (HTTP 422).
        case unloadable
        /// An agency's source the server pulls from could not be read (HTTP 502).
        case sourceFailed
    }

    public var kind: Kind
    public var message: SafeMessage
    /// For `.tooManyAttempts`: seconds until another attempt is accepted.
    public var retryAfter: Int?
    /// What failed inside (a zip library's or Ingest's words): for the log only.
    public var detail: String?

    public init(_ kind: Kind, _ message: SafeMessage, retryAfter: Int? = nil, detail: String? = nil) {
        self.kind = kind; self.message = message; self.retryAfter = retryAfter; self.detail = detail
    }

    /// English text written in Swift: kept so code written before the message catalogue still builds.
    @available(*, deprecated, message: "add the message to Sources/PublicErrors/messages.*.json and pass a SafeMessage")
    public init(_ kind: Kind, _ text: String, retryAfter: Int? = nil) {
        self.init(kind, SafeMessage("untranslated", ["text": text]), retryAfter: retryAfter)
    }

    public var description: String { detail.map { "\(message.description) (\($0))" } ?? message.description }

    static func unauthenticated(_ key: String = "portal.signInFirst", _ arguments: [String: String] = [:]) -> PortalError {
        .init(.unauthenticated, SafeMessage(key, arguments))
    }
    static func forbidden(_ key: String, _ arguments: [String: String] = [:]) -> PortalError { .init(.forbidden, SafeMessage(key, arguments)) }
    static func notFound(_ key: String, _ arguments: [String: String] = [:]) -> PortalError { .init(.notFound, SafeMessage(key, arguments)) }
    static func invalid(_ key: String, _ arguments: [String: String] = [:]) -> PortalError { .init(.invalid, SafeMessage(key, arguments)) }
    static func conflict(_ key: String, _ arguments: [String: String] = [:]) -> PortalError { .init(.conflict, SafeMessage(key, arguments)) }
}

extension PortalError: PublicError {
    public var status: Int {
        switch kind {
        case .unauthenticated: 401
        case .forbidden: 403
        case .notFound: 404
        case .invalid: 400
        case .conflict: 409
        case .tooManyAttempts: 429
        case .tooLarge: 413
        case .unloadable: 422
        case .sourceFailed: 502
        }
    }
    public var code: String {
        switch kind {
        case .unauthenticated: "Unauthenticated"
        case .forbidden: "Forbidden"
        case .notFound: "NotFound"
        case .invalid: "InvalidRequest"
        case .conflict: "Conflict"
        case .tooManyAttempts: "TooManyRequests"
        case .tooLarge: "PayloadTooLarge"
        case .unloadable: "UnprocessableFile"
        case .sourceFailed: "SourceUnavailable"
        }
    }
    public var internalDetail: String? { detail }
    public var responseHeaders: [(name: String, value: String)] {
        var h = [(name: String, value: String)]()
        if let s = retryAfter { h.append(("Retry-After", String(s))) }
        if kind == .unauthenticated { h.append(("WWW-Authenticate", "Bearer realm=\"bando\"")) }
        return h
    }
}
