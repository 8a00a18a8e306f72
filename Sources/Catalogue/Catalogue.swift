// Catalogue: the open-data catalogue as others read it. Builds, from the store, the documents
// that citizens' tools and other catalogues harvest: the catalogue JSON (`/api/catalog`), DCAT-AP 3
// as JSON-LD (`/catalog.jsonld`) and the CKAN Action API subset (`/api/3/action/...`); keeps the
// metadata the store had no place for (`dataset_metadata`) and each version's change summary
// (`version_changes`). Knows nothing of HTTP: `App` passes the request's base URL and parameters
// in and writes the documents out. Does not serve the downloads it describes.
public import Foundation
public import PublicErrors

/// Why a catalogue request was refused: the CKAN error type it maps to, and a message (a
/// catalogue key with its arguments) that names what to fix. `detail` is for the log only.
public struct CatalogueError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable { case notFound, validation, searchQuery, badRequest, internalFailure }
    public var kind: Kind
    public var message: SafeMessage
    /// For validation errors: the parameter at fault (CKAN puts the messages under its name).
    public var parameter: String?
    public var detail: String?

    public init(_ kind: Kind, _ message: SafeMessage, parameter: String? = nil, detail: String? = nil) {
        self.kind = kind; self.message = message; self.parameter = parameter; self.detail = detail
    }
    public var description: String { detail.map { "\(message.description) (\($0))" } ?? message.description }

    public static func notFound(_ key: String, _ arguments: [String: String] = [:]) -> CatalogueError {
        .init(.notFound, SafeMessage(key, arguments))
    }
    public static func invalid(_ parameter: String, _ key: String, _ arguments: [String: String] = [:]) -> CatalogueError {
        .init(.validation, SafeMessage(key, arguments), parameter: parameter)
    }
    public static func searchQuery(_ key: String, _ arguments: [String: String] = [:]) -> CatalogueError {
        .init(.searchQuery, SafeMessage(key, arguments))
    }
    /// Anything unexpected while reading the catalogue: shown as the generic message, logged in full.
    public static func internalFailure(_ error: any Error) -> CatalogueError {
        .init(.internalFailure, SafeMessage("server.internal"), detail: String(reflecting: error))
    }
}

extension CatalogueError: PublicError {
    public var status: Int {
        switch kind {
        case .notFound: 404
        case .validation, .searchQuery, .badRequest: 400
        case .internalFailure: 500
        }
    }
    public var code: String {
        switch kind {
        case .notFound: "NotFound"
        case .validation, .searchQuery, .badRequest: "InvalidParameterValue"
        case .internalFailure: "ServerError"
        }
    }
    public var internalDetail: String? { detail }
}
