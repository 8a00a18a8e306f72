public import GeoModel
import PublicErrors

/// The query of `/collections/{id}/items`, already checked (App parses the URL into this).
public struct ItemsQuery: Sendable, Hashable {
    public static let defaultLimit = 100
    public static let maximumLimit = 10_000
    /// The deepest page a client may ask for: far past any collection, and far from overflowing
    /// `offset + limit` when the next link is written.
    public static let maximumOffset = 1_000_000_000

    /// In WGS 84 lon/lat (a `bbox-crs` box has been converted already).
    public var bbox: BoundingBox?
    public var filter: CQL2Expression?
    /// `property=value` pairs from the query string, compared for equality.
    public var propertyEquals: [PropertyEquality]
    public var datetime: DateTimeInterval?
    public var limit: Int
    public var offset: Int
    /// `sortby`: fields in order, each ascending or descending; the feature id breaks ties
    /// (and is the whole order when this is empty), so pages never overlap.
    public var sortBy: [SortKey]
    /// `properties`: the fields each feature carries, in the collection's order; nil: all.
    public var properties: [String]?

    public init(bbox: BoundingBox? = nil, filter: CQL2Expression? = nil, propertyEquals: [PropertyEquality] = [],
                datetime: DateTimeInterval? = nil, limit: Int = ItemsQuery.defaultLimit, offset: Int = 0,
                sortBy: [SortKey] = [], properties: [String]? = nil) {
        self.bbox = bbox; self.filter = filter; self.propertyEquals = propertyEquals
        self.datetime = datetime; self.limit = limit; self.offset = offset
        self.sortBy = sortBy; self.properties = properties
    }
}

/// One key of `sortby`: `population` or `+population` ascending, `-population` descending.
public struct SortKey: Sendable, Hashable {
    public var name: String
    public var descending: Bool
    public init(name: String, descending: Bool = false) { self.name = name; self.descending = descending }
}

public struct PropertyEquality: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// The `datetime` parameter: an instant or an interval with open ends (`..`), ISO 8601 text.
public struct DateTimeInterval: Sendable, Hashable {
    public var start: String?
    public var end: String?

    public init(start: String?, end: String?) { self.start = start; self.end = end }

    /// Parses `2024-01-01`, `2024-01-01/2024-03-31`, `../2024-03-31`, `2024-01-01/..`.
    public init(parsing text: String) throws(FeaturesError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func instant(_ s: String) throws(FeaturesError) -> String? {
            if s == ".." || s.isEmpty { return nil }
            guard isISODate(s) || isISOTimestamp(s) else {
                throw .invalid("datetime", SafeMessage("features.datetime.notISO", ["value": s]))
            }
            return s
        }
        switch parts.count {
        case 1:
            guard let v = try instant(parts[0]) else { throw .invalid("datetime", SafeMessage("features.datetime.openInstant")) }
            self.init(start: v, end: v)
        case 2:
            let s = try instant(parts[0]), e = try instant(parts[1])
            if let s, let e, s > e { throw .invalid("datetime", SafeMessage("features.datetime.reversed", ["start": s, "end": e])) }
            self.init(start: s, end: e)
        default:
            throw .invalid("datetime", SafeMessage("features.datetime.format", ["value": text]))
        }
    }
}

/// What an items query found: the GeoJSON of the features (a JSON array) and the counts.
public struct ItemsPage: Sendable {
    /// `[feature, feature, …]`, ready to place after `"features":`.
    public var featuresJSON: [UInt8]
    public var numberReturned: Int
    public var numberMatched: Int
    public init(featuresJSON: [UInt8], numberReturned: Int, numberMatched: Int) {
        self.featuresJSON = featuresJSON; self.numberReturned = numberReturned; self.numberMatched = numberMatched
    }
}

extension ItemsQuery {
    /// `numberMatched` of a page that returned `returned` features, the same on every engine: a
    /// first page that was not full tells it alone; otherwise the collection's size when nothing
    /// filters, else `count()` (a `count(*)` with the page's conditions).
    public func numberMatched<E: Error>(returned: Int, filtered: Bool, featureCount: Int,
                                        count: () throws(E) -> Int) throws(E) -> Int {
        guard offset > 0 || returned == limit else { return returned }
        return filtered ? try count() : featureCount
    }
}
