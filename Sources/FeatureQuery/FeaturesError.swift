public import PublicErrors

/// What went wrong with a query, said so that the person who wrote it can fix it.
///
/// `kind` gives the HTTP status and the OGC exception `code`; `message` is a message key with
/// its arguments (safe to show); `detail`, for store failures, is what SQLite said: logged only.
public struct FeaturesError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The request is wrong (bad bbox, unknown property, CQL2 syntax): HTTP 400.
        case invalidParameter = "InvalidParameterValue"
        /// No such collection or feature: HTTP 404.
        case notFound = "NotFound"
        /// The query ran past its time limit and was stopped: HTTP 503 (try a narrower query).
        case timeout = "QueryTimeout"
        /// The store failed: HTTP 500; the detail is logged, not shown.
        case storeFailure = "ServerError"
    }

    public var kind: Kind
    public var message: SafeMessage
    /// The query parameter the error is about (`bbox`, `filter`, `limit`…), when there is one.
    public var parameter: String?
    /// What failed inside (SQLite's or PROJ's words): for the log.
    public var detail: String?

    public init(_ kind: Kind, _ message: SafeMessage, parameter: String? = nil, detail: String? = nil) {
        self.kind = kind; self.message = message; self.parameter = parameter; self.detail = detail
    }

    /// A store failure: the client is told the store could not answer; `detail` is logged.
    public static func store(_ detail: String) -> FeaturesError {
        FeaturesError(.storeFailure, SafeMessage("server.store"), detail: detail)
    }

    public static func invalid(_ parameter: String, _ message: SafeMessage) -> FeaturesError {
        FeaturesError(.invalidParameter, message, parameter: parameter)
    }

    /// English text written in Swift: kept so code written before the message catalogue still builds.
    @available(*, deprecated, message: "add the message to Sources/PublicErrors/messages.*.json and pass a SafeMessage")
    public init(_ kind: Kind, _ text: String, parameter: String? = nil) {
        self.init(kind, SafeMessage("untranslated", ["text": text]), parameter: parameter)
    }

    @available(*, deprecated, message: "add the message to Sources/PublicErrors/messages.*.json and pass a SafeMessage")
    public static func invalid(_ parameter: String, _ text: String) -> FeaturesError {
        FeaturesError(.invalidParameter, SafeMessage("untranslated", ["text": text]), parameter: parameter)
    }

    /// A number in the request that is not a whole number in `range` (HTTP 400), e.g. k = 1e300.
    /// `meaning` says what the number counts, for the log.
    public static func notWholeNumber(_ parameter: String, _ given: String, in range: ClosedRange<Int>, _ meaning: String) -> FeaturesError {
        FeaturesError(.invalidParameter, SafeMessage("features.wholeNumber", [
            "parameter": parameter, "minimum": String(range.lowerBound), "maximum": String(range.upperBound),
            "value": String(given.prefix(40))]), parameter: parameter, detail: meaning)
    }

    /// A filter whose SQL would be too deep or too large for the store to run (HTTP 400).
    /// `why` (English, for the log) says which limit it passed.
    public static func filterTooComplex(_ why: String) -> FeaturesError {
        FeaturesError(.invalidParameter, SafeMessage("cql2.tooComplex"), parameter: "filter", detail: why)
    }

    public var description: String { detail.map { "\(message.description) (\($0))" } ?? message.description }
}

extension FeaturesError: PublicError {
    public var status: Int {
        switch kind {
        case .invalidParameter: 400
        case .notFound: 404
        case .timeout: 503
        case .storeFailure: 500
        }
    }
    public var code: String { kind.rawValue }
    public var internalDetail: String? { detail }
}

/// A CQL2 filter that could not be read, with the character position (1-based) where
/// reading stopped, so a client can point at it.
public struct CQL2SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: SafeMessage
    /// 1-based character offset in the filter text (for CQL2 JSON: 0, the path is in the message).
    public var position: Int

    public init(_ message: SafeMessage, position: Int) { self.message = message; self.position = position }

    /// The message a client sees: the reason, with the position when there is one.
    public var shown: SafeMessage {
        position > 0 ? SafeMessage("cql2.syntaxAt", ["position": String(position)], parts: ["reason": message])
                     : SafeMessage("cql2.syntax", parts: ["reason": message])
    }

    /// Reading stopped because the filter nests deeper than `CQL2Expression.maximumNesting`.
    static func nestedTooDeep(position: Int) -> CQL2SyntaxError {
        CQL2SyntaxError(SafeMessage("cql2.nestedTooDeep", ["maximum": String(CQL2Expression.maximumNesting)]), position: position)
    }

    public var description: String { shown.description }
}
