import Foundation
import GeoModel

/// What an OGC document shows a person (`f=html`), as values: the Web module renders it in
/// the portal's look and the reader's language. Links keep their relation and media type so
/// the page can name them in words; texts here are data (titles, field names, values), never prose.
public struct OGCPage: Sendable {
    public enum Kind: String, Sendable { case landing, conformance, collections, collection, queryables, schema, items, feature }

    public struct Link: Sendable, Equatable {
        public var href: String
        public var rel: String
        public var type: String
    }

    public struct Collection: Sendable {
        public var id: String
        public var title: String
        public var description: String?
        /// The collection's HTML page.
        public var url: String
    }

    public struct Field: Sendable {
        public var name: String
        /// `integer`, `real`, `text`, `boolean`, `date`, `date-time` (the store's types).
        public var type: String
    }

    public struct Row: Sendable {
        public var id: String
        /// The feature's HTML page.
        public var url: String
        /// One cell per field, in `fields` order; empty for null.
        public var cells: [String]
    }

    public var kind: Kind
    /// The service's or collection's title (nil for the lists that have none).
    public var title: String?
    public var description: String?
    /// Links to other documents (the same in JSON, the API, conformance, items…).
    public var links: [Link] = []
    public var collections: [Collection] = []
    public var conformsTo: [String] = []
    public var fields: [Field] = []
    public var rows: [Row] = []
    public var numberMatched: Int?
    public var numberReturned: Int?
    /// The next and previous pages of items, as HTML pages.
    public var next: String?
    public var prev: String?
    /// The extent in WGS 84 (`minX, minY, maxX, maxY`).
    public var extent: [Double]?
    public var licence: String?
    public var attribution: String?
    /// The feature's id on a feature page.
    public var featureID: String?
    /// The dataset the collection publishes (for a link to its portal page).
    public var datasetSlug: String?

    init(kind: Kind, title: String? = nil, description: String? = nil) {
        self.kind = kind; self.title = title; self.description = description
    }

    static func links(_ raw: [[String: Any]]) -> [Link] {
        raw.compactMap { l in
            guard let href = l["href"] as? String, let rel = l["rel"] as? String else { return nil }
            return Link(href: href, rel: rel, type: l["type"] as? String ?? "")
        }
    }

    static func fields(_ c: FeatureCollectionInfo) -> [Field] {
        c.table.fields.map { f in
            let type = switch f.type {
            case .integer: "integer"
            case .real: "real"
            case .boolean: "boolean"
            case .text: "text"
            case .date: "date"
            case .dateTime: "date-time"
            }
            return Field(name: f.name, type: type)
        }
    }

    /// A property value of a GeoJSON feature as a cell shows it.
    static func cell(_ v: Any?) -> String {
        switch v {
        case nil, is NSNull: ""
        case let s as String: s
        case let n as NSNumber: n.stringValue
        default: "\(v!)"
        }
    }
}
