// Portal: the rules of the provincial regulations — agencies, accounts, roles, the editor ->
// approver workflow, the approved catalogue, deadlines, feedback, audit. Knows nothing of HTTP:
// `App` maps `PortalError` to status codes, and the CLI and the web pages call the same rules.
//
// What lives here:
// - pure rules: `Role`/`Permissions`, `VersionWorkflow`, `Quarter` and `ComplianceCalculator`,
//   `FeedbackDeadline`, credentials (`PasswordHasher`, `SecretToken`), `SignInThrottle` over `LoginThrottle`,
//   `RateLimiter`;
// - `PortalService`, the operations over the store (tables in GeoStore/Store+PortalSchema.swift).
import Foundation

/// Why a portal operation was refused. Each case says what was wrong and what to do, and
/// `kind` tells the HTTP layer which status it deserves without Portal knowing HTTP.
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
    }

    public var kind: Kind
    public var message: String
    /// For `.tooManyAttempts`: seconds until another attempt is accepted.
    public var retryAfter: Int?

    public init(_ kind: Kind, _ message: String, retryAfter: Int? = nil) {
        self.kind = kind; self.message = message; self.retryAfter = retryAfter
    }

    public var description: String { message }

    static func unauthenticated(_ m: String = "sign in first: send the session cookie or an `Authorization: Bearer` API token") -> PortalError { .init(.unauthenticated, m) }
    static func forbidden(_ m: String) -> PortalError { .init(.forbidden, m) }
    static func notFound(_ m: String) -> PortalError { .init(.notFound, m) }
    static func invalid(_ m: String) -> PortalError { .init(.invalid, m) }
    static func conflict(_ m: String) -> PortalError { .init(.conflict, m) }
}
