// PublicErrors: the one shape every module gives the errors a client may see, and the message
// catalogue (Vietnamese and English) their text comes from. It has no dependency but
// Foundation so that every module (GeoStore, Features, Portal…) can conform its errors
// without knowing HTTP; `App` renders them (status, code, message in the client's language,
// request id) and logs `internalDetail`, which is never shown.
//
// Adding a message: pick a key (`<module>.<what>`), add it to both `messages.vi.json` and
// `messages.en.json` with the same `{placeholders}`, and throw `SafeMessage("key", ["name": value])`.
// `MessageCatalogueTests` fails when a key is missing from a message catalogue or the placeholders differ.
import Foundation

/// An error a client may be shown: its HTTP status, a stable machine code, a message given as a
/// catalogue key with its arguments, and, for the log only, what went wrong inside.
///
/// ```swift
/// struct NoSuchThing: PublicError {
///     var status: Int { 404 }
///     var code: String { "NotFound" }
///     var message: SafeMessage { SafeMessage("store.datasetNotFound", ["dataset": slug]) }
///     let slug: String
/// }
/// ```
public protocol PublicError: Error, Sendable {
    /// The HTTP status code (400, 404, 500…).
    var status: Int { get }
    /// A stable machine-readable code (`NotFound`, `InvalidParameterValue`…) clients may test.
    var code: String { get }
    /// What to tell the client, in the message catalogue's words.
    var message: SafeMessage { get }
    /// What went wrong inside (paths, SQL, library messages): logged under the request id, never shown.
    var internalDetail: String? { get }
    /// Extra response headers the error calls for (`Retry-After`, `WWW-Authenticate`).
    var responseHeaders: [(name: String, value: String)] { get }
}

extension PublicError {
    public var internalDetail: String? { nil }
    public var responseHeaders: [(name: String, value: String)] { [] }
}

/// A message safe to show: a key of the message catalogue and the values of its placeholders.
/// Arguments are short values the client gave or may know (a dataset name, a number, a
/// parameter): never a file path, SQL or a library's message; those belong in `internalDetail`.
public struct SafeMessage: Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var arguments: [String: String]
    /// Placeholders filled with another message, rendered in the same language (a CQL2 syntax
    /// error inside "the filter is wrong at character {position}: {reason}").
    public var parts: [String: SafeMessage]

    public init(_ key: String, _ arguments: [String: String] = [:], parts: [String: SafeMessage] = [:]) {
        self.key = key; self.arguments = arguments; self.parts = parts
    }

    /// The message in `language`, placeholders filled in.
    public func text(in language: Language) -> String { MessageCatalogue.shared.render(self, in: language) }

    /// English, for logs, the command line and tests.
    public var description: String { text(in: .en) }
}

/// The languages messages are written in. Vietnamese first: it is the default.
public enum Language: String, Sendable, CaseIterable {
    case vi, en

    /// The language a request asks for: `?lang=vi|en` first, then the `Accept-Language`
    /// header (the most preferred of vi and en by q-value), else Vietnamese.
    public static func negotiate(query lang: String?, acceptLanguage: String?) -> Language {
        if let lang, let l = Language(tag: lang) { return l }
        guard let header = acceptLanguage else { return .vi }
        var best: (Language, Double)?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let tag = parts.first, let l = Language(tag: String(tag)) else { continue }
            var q = 1.0
            for p in parts.dropFirst() {
                let kv = p.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces) == "q",
                   let v = Double(kv[1].trimmingCharacters(in: .whitespaces)), v.isFinite { q = v }
            }
            // Equal q: the first listed wins, as browsers list by preference.
            if q > 0, best == nil || q > best!.1 { best = (l, q) }
        }
        return best?.0 ?? .vi
    }

    /// `vi`, `vi-VN`, `en`, `en-GB`… (any case); nil for other languages.
    init?(tag: String) {
        let primary = tag.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "-").first.map(String.init) ?? ""
        self.init(rawValue: primary)
    }
}

/// The errors nothing else describes: something failed inside. Shown as a plain 500 with the
/// generic message; what failed goes to the log.
public struct InternalFailure: PublicError {
    public var detail: String
    public init(_ detail: String) { self.detail = detail }
    public init(_ error: any Error) { self.detail = String(reflecting: error) }
    public var status: Int { 500 }
    public var code: String { "ServerError" }
    public var message: SafeMessage { SafeMessage("server.internal") }
    public var internalDetail: String? { detail }
}
