// Catalogue: the open-data catalogue as others read it. Builds, from the store, the documents
// that citizens' tools and other catalogues harvest: the catalogue JSON (`/api/catalog`), DCAT-AP 3
// as JSON-LD (`/catalog.jsonld`) and the CKAN Action API subset (`/api/3/action/...`); keeps the
// metadata the store had no place for (`dataset_metadata`) and each version's change summary
// (`version_changes`). Knows nothing of HTTP: `App` passes the request's base URL and parameters
// in and writes the documents out. Does not serve the downloads it describes.
public import Foundation

/// Why a catalogue request was refused: the CKAN error type it maps to, and a message that
/// names what to fix.
public struct CatalogueError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable { case notFound, validation, searchQuery, badRequest }
    public var kind: Kind
    public var message: String
    /// For validation errors: the parameter at fault (CKAN puts the messages under its name).
    public var parameter: String?

    public init(_ kind: Kind, _ message: String, parameter: String? = nil) {
        self.kind = kind; self.message = message; self.parameter = parameter
    }
    public var description: String { message }

    public static func notFound(_ m: String) -> CatalogueError { .init(.notFound, m) }
    public static func invalid(_ parameter: String, _ m: String) -> CatalogueError { .init(.validation, m, parameter: parameter) }
}
