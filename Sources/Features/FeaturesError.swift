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

    /// A number in the request that is not a whole number in `range` (HTTP 400), e.g.
    /// "k must be a whole number from 1 to 1000 (how many neighbours to return), not '1e300'".
    public static func notWholeNumber(_ parameter: String, _ given: String, in range: ClosedRange<Int>, _ meaning: String) -> FeaturesError {
        .invalid(parameter, "\(parameter) must be a whole number from \(range.lowerBound) to \(range.upperBound) (\(meaning)), not '\(given.prefix(40))'")
    }

    /// A filter whose SQL would be too deep or too large for the store to run (HTTP 400).
    public static func filterTooComplex(_ why: String) -> FeaturesError {
        .invalid("filter", "the filter is too complex for this server: \(why); write it with fewer nested groups or split it into several requests")
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

    /// Reading stopped because the filter nests deeper than `CQL2Expression.maximumNesting`.
    static func nestedTooDeep(position: Int) -> CQL2SyntaxError {
        CQL2SyntaxError("the filter nests more than \(CQL2Expression.maximumNesting) levels deep (parentheses, NOT, the and/or/not operators of CQL2 JSON, spatial functions and geometries each count one level); write it with fewer nested groups", position: position)
    }

    public var description: String {
        position > 0 ? "CQL2 syntax error at character \(position): \(message)" : "CQL2 syntax error: \(message)"
    }
}
