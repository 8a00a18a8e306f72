// The catalogue page's state and its answer: free-text search that ignores case and Vietnamese
// accents ("hue" finds "Huế", "phuong" finds "phường", "d" finds "đ"), one filter per facet
// (agency, theme, format, update frequency, kind of geometry), three sort orders, pages of 20.
// Every state is the URL's query: `CatalogueQuery(parameters:)` reads it and `url(_:)` writes it
// back, so a result, a filter or a page can be linked to. Runs in memory over the published
// datasets: a province's catalogue has hundreds of datasets, not millions.
public import Catalogue
import GeoStore
public import PublicErrors
import Foundation

/// A published dataset with how often it was downloaded and used through any channel (downloads,
/// OGC API, tiles, analysis, CKAN): what the list pages show and sort by.
public struct PortalListing: Sendable {
    public var dataset: DatasetDescription
    public var downloads: Int
    public var uses: Int
    public init(dataset: DatasetDescription, downloads: Int, uses: Int = 0) { self.dataset = dataset; self.downloads = downloads; self.uses = uses }

    func title(_ language: Language) -> String { language == .en ? dataset.titleEN ?? dataset.title : dataset.title }
}

public struct CatalogueQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable { case name, updated, downloads, uses }
    public enum Facet: String, Sendable, CaseIterable { case agency, theme, format, frequency, geometry }

    public var q: String = ""
    public var filters: [Facet: String] = [:]
    public var sort: Sort = .name
    public var page: Int = 1
    public var language: Language = .vi
    public static let pageSize = 20

    public init(parameters: [String: String] = [:], language: Language = .vi) {
        q = (parameters["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        for facet in Facet.allCases {
            if let v = parameters[facet.rawValue], !v.isEmpty { filters[facet] = v }
        }
        sort = parameters["sort"].flatMap(Sort.init(rawValue:)) ?? .name
        page = max(1, min(Int(parameters["page"] ?? "") ?? 1, 100_000))
        self.language = language
    }

    /// `/datasets?…` for this state, in a fixed parameter order, the language always kept.
    public func url(_ change: (inout CatalogueQuery) -> Void = { _ in }) -> String {
        var s = self
        change(&s)
        var items: [(String, String)] = []
        if !s.q.isEmpty { items.append(("q", s.q)) }
        for facet in Facet.allCases { if let v = s.filters[facet] { items.append((facet.rawValue, v)) } }
        if s.sort != .name { items.append(("sort", s.sort.rawValue)) }
        if s.page > 1 { items.append(("page", String(s.page))) }
        items.append(("lang", s.language.rawValue))
        return "/datasets?" + items.map { "\($0)=\(Self.encode($1))" }.joined(separator: "&")
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

/// One value of a facet with how many results it would give.
struct FacetValue: Equatable {
    var value: String
    var label: String
    var count: Int
}

/// The catalogue's answer to a query: the page of results and every facet's counts.
struct CatalogueResult {
    var total: Int
    var pageCount: Int
    var page: Int
    var items: [PortalListing]
    /// Facet → its values with counts over the results filtered by every other facet.
    var facets: [CatalogueQuery.Facet: [FacetValue]]
}

enum CatalogueSearch {
    /// Lower case without accents, `đ` as `d`: what both the query and the text are compared as.
    static func fold(_ s: String) -> String {
        let lowered = s.lowercased().replacingOccurrences(of: "đ", with: "d")
        var scalars = String.UnicodeScalarView()
        for u in lowered.decomposedStringWithCanonicalMapping.unicodeScalars where !(0x300...0x36F).contains(u.value) {
            scalars.append(u)
        }
        return String(scalars)
    }

    /// The words of a query, folded; a dataset matches when its text holds every one.
    static func words(_ q: String) -> [String] {
        fold(q).split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    static func searchableText(_ l: PortalListing) -> String {
        let d = l.dataset
        let parts = [d.slug, d.title, d.titleEN ?? "", d.description, d.descriptionEN ?? "", d.agency?.name ?? "", d.theme,
                     d.spatialLabel ?? ""] + d.keywords
        return fold(parts.joined(separator: " "))
    }

    /// The values of `facet` a dataset has (every download format for `format`).
    static func values(_ facet: CatalogueQuery.Facet, _ d: DatasetDescription) -> [String] {
        switch facet {
        case .agency: [d.agency?.slug ?? ""]
        case .theme: [d.theme]
        case .format: DistributionFormat.all.map(\.ext)
        case .frequency: [d.frequency]
        case .geometry: Array(Set(d.geometryTypes.compactMap(geometryKind))).sorted()
        }
    }

    /// Point, line or polygon for a geometry type name (multi-parts and Z/M variants included).
    static func geometryKind(_ type: String) -> String? {
        let t = type.lowercased()
        if t.contains("polygon") { return "polygon" }
        if t.contains("line") { return "line" }
        if t.contains("point") { return "point" }
        return nil
    }

    static func run(_ query: CatalogueQuery, over all: [PortalListing], label: (CatalogueQuery.Facet, String) -> String) -> CatalogueResult {
        let words = words(query.q)
        let matching = words.isEmpty ? all : all.filter { l in
            let text = searchableText(l)
            return words.allSatisfy { text.contains($0) }
        }
        func passes(_ l: PortalListing, except skipped: CatalogueQuery.Facet?) -> Bool {
            query.filters.allSatisfy { facet, value in facet == skipped || values(facet, l.dataset).contains(value) }
        }
        var facets: [CatalogueQuery.Facet: [FacetValue]] = [:]
        for facet in CatalogueQuery.Facet.allCases {
            var counts: [String: Int] = [:]
            for l in matching where passes(l, except: facet) {
                for v in values(facet, l.dataset) { counts[v, default: 0] += 1 }
            }
            // A selected value stays listed (to be cleared) even when nothing has it.
            if let selected = query.filters[facet], counts[selected] == nil { counts[selected] = 0 }
            facets[facet] = counts.map { FacetValue(value: $0.key, label: label(facet, $0.key), count: $0.value) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : fold($0.label) < fold($1.label) }
        }
        var hits = matching.filter { passes($0, except: nil) }
        let language = query.language
        let byName: (PortalListing, PortalListing) -> Bool = { a, b in
            let x = fold(a.title(language)), y = fold(b.title(language))
            return x != y ? x < y : a.dataset.slug < b.dataset.slug
        }
        switch query.sort {
        case .name: hits.sort(by: byName)
        case .updated: hits.sort { $0.dataset.modified != $1.dataset.modified ? $0.dataset.modified > $1.dataset.modified : byName($0, $1) }
        case .downloads: hits.sort { $0.downloads != $1.downloads ? $0.downloads > $1.downloads : byName($0, $1) }
        case .uses: hits.sort { $0.uses != $1.uses ? $0.uses > $1.uses : byName($0, $1) }
        }
        let size = CatalogueQuery.pageSize
        let pages = max(1, (hits.count + size - 1) / size)
        let page = min(query.page, pages)
        return CatalogueResult(total: hits.count, pageCount: pages, page: page,
                               items: Array(hits.dropFirst((page - 1) * size).prefix(size)), facets: facets)
    }
}
