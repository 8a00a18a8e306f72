/// What went wrong with a query, said so that the person who wrote it can fix it.
///
/// `App` maps `kind` to an HTTP status and an OGC exception `code`; `message` is safe to show.
public struct FeaturesError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The request is wrong (bad bbox, unknown property, CQL2 syntax): HTTP 400.
        case invalidParameter = "InvalidParameterValue"
        /// No such collection or feature: HTTP 404.
        case notFound = "NotFound"
        /// The query ran past its time limit and was stopped: HTTP 503 (try a narrower query).
        case timeout = "QueryTimeout"
        /// The store failed: HTTP 500; the message is logged, not shown.
        case storeFailure = "ServerError"
    }

    public var kind: Kind
    public var message: String
    /// The query parameter the error is about (`bbox`, `filter`, `limit`…), when there is one.
    public var parameter: String?

    public init(_ kind: Kind, _ message: String, parameter: String? = nil) {
        self.kind = kind; self.message = message; self.parameter = parameter
    }

    public static func invalid(_ parameter: String, _ message: String) -> FeaturesError {
        FeaturesError(.invalidParameter, message, parameter: parameter)
    }

    public var description: String { message }
}

/// A CQL2 filter that could not be read, with the character position (1-based) where
/// reading stopped, so a client can point at it.
public struct CQL2SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    /// 1-based character offset in the filter text (for CQL2 JSON: 0, the path is in the message).
    public var position: Int

    public init(_ message: String, position: Int) { self.message = message; self.position = position }

    public var description: String {
        position > 0 ? "CQL2 syntax error at character \(position): \(message)" : "CQL2 syntax error: \(message)"
    }
}
