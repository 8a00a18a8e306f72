// Renders each page: builds the values a template shows (texts looked up in the page
// catalogue, URLs that keep the language) and hands them to Mustache, which escapes them.
public import Catalogue
import GeoStore
public import PublicErrors
public import Foundation
public import GeoModel
public import Portal
import Mustache

/// A produced download file's facts (from the downloads cache): what the dataset page lists.
public struct DownloadFacts: Sendable {
    public var size: Int
    public var produced: Date
    public var sha256: String
    public init(size: Int, produced: Date, sha256: String) { self.size = size; self.produced = produced; self.sha256 = sha256 }
}

/// What the dataset page shows besides the dataset itself.
public struct DatasetPageExtras: Sendable {
    /// Total downloads of every version and format.
    public var downloads: Int
    /// Extension (`geojson`, `shp.zip`…) → the latest version's produced file, when it exists.
    public var files: [String: DownloadFacts]
    /// Whether a tileset of the dataset's name serves it (the map preview needs one).
    public var hasTiles: Bool
    /// The server's public root, for API examples and the citation.
    public var baseURL: String
    /// The first features of the current version (attribute values in schema order), for the sample table.
    public var sample: [Feature]
    /// The public feedback about the dataset that has an answer.
    public var feedback: [PublicFeedback]
    public init(downloads: Int, files: [String: DownloadFacts], hasTiles: Bool, baseURL: String, sample: [Feature] = [],
                feedback: [PublicFeedback] = []) {
        self.downloads = downloads; self.files = files; self.hasTiles = hasTiles; self.baseURL = baseURL; self.sample = sample
        self.feedback = feedback
    }
}

public struct PortalPages: Sendable {
    let library: MustacheLibrary
    let texts = PageTexts.shared

    public static let shared = try! PortalPages()

    /// Parses every template (a broken one fails here, in the tests, not on a request).
    public init() throws {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("layout", PackageResources.layout_mustache), ("home", PackageResources.home_mustache),
            ("datasets", PackageResources.datasets_mustache), ("dataset", PackageResources.dataset_mustache),
            ("error", PackageResources.error_mustache), ("card", PackageResources.card_mustache),
            ("map", PackageResources.map_mustache), ("developers", PackageResources.developers_mustache),
            ("feedback", PackageResources.feedback_mustache), ("stats", PackageResources.stats_mustache),
            ("answer", PackageResources.answer_mustache), ("ogc", PackageResources.ogc_mustache),
        ]
        for (name, bytes) in templates { try library.register(String(decoding: bytes, as: UTF8.self), named: name) }
        self.library = library
    }

    // MARK: pages

    /// `/`: what the portal is, a search box, the newest and most downloaded datasets, the
    /// agencies and themes, the APIs and feedback.
    public func home(_ listings: [PortalListing], language: Language) -> String {
        let l = language
        let newest = listings.sorted { $0.dataset.modified > $1.dataset.modified }.prefix(5)
        let popular = listings.filter { $0.downloads > 0 }.sorted { $0.downloads > $1.downloads }.prefix(5)
        var agencies: [String: (name: String, count: Int)] = [:]
        var themes: [String: Int] = [:]
        for x in listings {
            if let a = x.dataset.agency { agencies[a.slug, default: (a.name, 0)].count += 1 }
            if !x.dataset.theme.isEmpty { themes[x.dataset.theme, default: 0] += 1 }
        }
        let base = CatalogueQuery(language: l)
        var c = layout(l, title: texts.text("home_title", l), current: "home", switchURL: "/?lang=\(l.other.rawValue)")
        c["newest"] = newest.map { card($0, l) }
        c["popular"] = popular.map { card($0, l) }
        c["has_popular"] = !popular.isEmpty
        // By name, then by identifier: two agencies may share a name, and a dictionary's order
        // changes from one process to the next.
        c["agencies"] = agencies.sorted { (CatalogueSearch.fold($0.value.name), $0.key) < (CatalogueSearch.fold($1.value.name), $1.key) }.map { slug, a in
            ["name": a.name, "url": base.url { $0.filters[.agency] = slug },
             "count": texts.count("count_datasets", a.count, l)]
        }
        c["themes"] = themes.sorted { CatalogueSearch.fold($0.key) < CatalogueSearch.fold($1.key) }.map { theme, n in
            ["name": theme, "url": base.url { $0.filters[.theme] = theme }, "count": texts.count("count_datasets", n, l)]
        }
        c["has_agencies"] = !agencies.isEmpty
        c["has_themes"] = !themes.isEmpty
        c["empty"] = listings.isEmpty
        c["all_datasets"] = texts.count("home_all_datasets", listings.count, l)
        c["datasets_url"] = base.url()
        return render("home", c)
    }

    /// `/datasets`: search, facets, sorting and paging.
    public func catalogue(_ listings: [PortalListing], query: CatalogueQuery) -> String {
        let l = query.language
        let result = CatalogueSearch.run(query, over: listings) { facet, value in label(facet, value, listings, l) }
        var c = layout(l, title: texts.text("catalogue_title", l), current: "data",
                       switchURL: query.url { $0.language = l.other })
        c["q"] = query.q
        c["summary"] = query.q.isEmpty ? texts.count("results_count", result.total, l)
            : texts.count("results_for", result.total, l, ["q": query.q])
        c["items"] = result.items.map { card($0, l) }
        c["no_results"] = result.items.isEmpty
        c["hidden"] = CatalogueQuery.Facet.allCases.compactMap { f in query.filters[f].map { ["name": f.rawValue, "value": $0] } }
            + (query.sort != .name ? [["name": "sort", "value": query.sort.rawValue]] : [])
        c["facets"] = CatalogueQuery.Facet.allCases.compactMap { facet -> [String: Any]? in
            let values = result.facets[facet] ?? []
            guard !values.isEmpty else { return nil }
            return ["id": facet.rawValue, "title": texts.text("facet_\(facet.rawValue)", l),
                    "values": values.map { v -> [String: Any] in
                        let selected = query.filters[facet] == v.value
                        return ["label": v.label, "count": v.count, "selected": selected,
                                "url": query.url { $0.page = 1; $0.filters[facet] = selected ? nil : v.value }]
                    }]
        }
        c["has_filters"] = !query.filters.isEmpty
        c["clear_url"] = query.url { $0.filters = [:]; $0.page = 1 }
        c["sorts"] = CatalogueQuery.Sort.allCases.map { s -> [String: Any] in
            ["label": texts.text("sort_\(s.rawValue)", l), "url": query.url { $0.sort = s; $0.page = 1 }, "current": s == query.sort]
        }
        if result.pageCount > 1 {
            var pager: [String: Any] = ["text": texts.text("page_of", l, ["page": String(result.page), "pages": String(result.pageCount)])]
            if result.page > 1 { pager["prev"] = query.url { $0.page = result.page - 1 } }
            if result.page < result.pageCount { pager["next"] = query.url { $0.page = result.page + 1 } }
            c["pager"] = pager
        }
        return render("datasets", c)
    }

    /// `/datasets/{slug}`.
    public func dataset(_ d: DatasetDescription, extras: DatasetPageExtras, language: Language) -> String {
        let l = language
        let title = l == .en ? d.titleEN ?? d.title : d.title
        let base = CatalogueQuery(language: l)
        let lang = "lang=\(l.rawValue)"
        var c = layout(l, title: title, current: "data", switchURL: "/datasets/\(d.slug)?lang=\(l.other.rawValue)")
        c["title"] = title
        c["description"] = l == .en ? d.descriptionEN ?? d.description : d.description
        c["slug"] = d.slug
        c["agency"] = d.agency.map { a in ["name": a.name, "url": base.url { $0.filters[.agency] = a.slug }] }
        c["theme"] = d.theme.isEmpty ? nil : ["name": d.theme, "url": base.url { $0.filters[.theme] = d.theme }]
        // Optional values are left out, not set to nil: Mustache would show a nil inside `Any` as "nil".
        var contact: [String: Any] = ["name": d.contact.name]
        if let email = d.contact.email { contact["email"] = email }
        c["contact"] = contact
        c["frequency"] = texts.text("freq_" + d.frequency.replacingOccurrences(of: "-", with: "_"), l)
        c["next_due"] = Self.nextDue(after: d.modified, frequency: d.frequency).flatMap { texts.date($0, l) }
        c["updated"] = texts.date(d.modified, l)
        c["version"] = d.current.number
        c["features"] = d.current.featureCount
        c["keywords"] = d.keywords.isEmpty ? nil : d.keywords.joined(separator: ", ")
        c["coverage"] = d.spatialLabel
        c["period"] = [d.temporalStart, d.temporalEnd].compactMap { $0 }.isEmpty ? nil
            : [d.temporalStart ?? "…", d.temporalEnd ?? "…"].joined(separator: " – ")
        c["downloaded"] = extras.downloads
        var licence: [String: Any] = ["title": d.licence.title]
        if let url = d.licence.url { licence["url"] = url }
        c["licence"] = licence
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: d.current.published ?? d.modified).year ?? 0
        c["citation"] = texts.text("citation", l, ["who": d.attribution, "year": String(year), "title": title,
                                                   "version": String(d.current.number),
                                                   "url": "\(extras.baseURL)/datasets/\(d.slug)", "licence": d.licence.title])
        if extras.hasTiles {
            c["preview"] = ["tilejson": "/tiles/\(d.slug).json",
                            "label": texts.text("ds_preview_label", l, ["title": title]),
                            "map_url": "/map?\(lang)"]
        }
        c["schema"] = d.schema.map { f -> [String: Any] in
            ["name": f.name, "type": texts.all(l)["type_\(f.type)"] ?? f.type, "description": f.description]
        }
        if !extras.sample.isEmpty {
            c["sample"] = ["intro": texts.count("ds_sample_intro", extras.sample.count, l),
                           "fields": d.schema.map(\.name),
                           "rows": extras.sample.map { f in ["cells": f.values.map { value($0, l) }] },
                           "more_url": "/ogc/collections/\(d.slug)/items?f=html&limit=50"]
        }
        c["versions"] = d.versions.reversed().map { v -> [String: Any] in
            ["number": v.number, "published": texts.date(v.published, l) ?? "", "features": v.featureCount,
             "changes": changeText(v.changes, l)]
        }
        c["downloads"] = DistributionFormat.all.map { f -> [String: Any] in
            let url = "/downloads/\(d.slug)/latest.\(f.ext)"
            var row: [String: Any] = ["format": f.name, "url": url, "checksum_url": url + ".sha256",
                                      "action": texts.text("download_action", l, ["format": f.name])]
            if let file = extras.files[f.ext] {
                row["file"] = ["size": Self.size(file.size), "date": texts.date(file.produced, l) ?? "", "sha256": file.sha256]
            }
            return row
        }
        let root = extras.baseURL
        c["apis"] = [
            ("api_items", "\(root)/ogc/collections/\(d.slug)/items?limit=10"),
            ("api_tilejson", "\(root)/tiles/\(d.slug).json"),
            ("api_package_show", "\(root)/api/3/action/package_show?id=\(d.slug)"),
            ("api_geojson", "\(root)/downloads/\(d.slug)/latest.geojson"),
        ].map { key, url in ["title": texts.text(key, l), "url": url, "command": "curl -L '\(url)'"] }
        c["feedback"] = feedbackSection(extras.feedback, slug: d.slug, l)
        return render("dataset", c)
    }

    /// An error as a page in the portal's look (for clients that asked for HTML).
    public func error(status: Int, message: String, requestID: String, language: Language, switchURL: String) -> String {
        let l = language
        let title = texts.text("error_title", l, ["status": String(status)])
        var c = layout(l, title: title, current: "", switchURL: switchURL)
        c["heading"] = title
        c["message"] = message
        c["request"] = texts.text("error_request", l, ["id": requestID])
        c["datasets_url"] = CatalogueQuery(language: l).url()
        return render("error", c)
    }

    /// `/developers`: how to use each sharing service, with examples on a published dataset
    /// (the first in the catalogue) that run as they are. `formats`: the download extensions.
    public func developers(_ listings: [PortalListing], baseURL: String, formats: String, language: Language) -> String {
        let l = language
        let example = listings.map(\.dataset).sorted { $0.slug < $1.slug }.first
        let slug = example?.slug ?? "ten-bo-du-lieu"
        var c = layout(l, title: texts.text("dev_title", l), current: "developers", switchURL: "/developers?lang=\(l.other.rawValue)")
        c["base"] = baseURL
        c["slug"] = slug
        c["example_note"] = texts.text(example == nil ? "dev_example_none" : "dev_example_on", l, ["slug": slug])
        // A field to filter on, a small box and a zoom-10 tile around the data's centre.
        c["field"] = example?.schema.first?.name ?? "ten"
        let box = example?.bbox ?? BoundingBox(minX: 107.5, minY: 16.4, maxX: 107.7, maxY: 16.6)
        let (lon, lat) = ((box.minX + box.maxX) / 2, (box.minY + box.maxY) / 2)
        c["bbox"] = [lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05].map { String(format: "%.2f", $0) }.joined(separator: ",")
        let n = 1024.0, r = lat * .pi / 180
        let x = Int(((lon + 180) / 360 * n).rounded(.down)), y = Int(((1 - log(tan(r) + 1 / cos(r)) / .pi) / 2 * n).rounded(.down))
        c["tile"] = "\(x)/\(y)"
        c["search"] = CatalogueSearch.fold(example?.title ?? "hue").split(separator: " ").last.map(String.init) ?? "hue"
        c["formats"] = formats
        return render("developers", c)
    }

    // MARK: parts

    func render(_ template: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    /// What every page's layout shows: the texts, the language and its switch, the navigation.
    func layout(_ l: Language, title: String, current: String, switchURL: String) -> [String: Any] {
        let q = "lang=\(l.rawValue)"
        return [
            "t": texts.all(l), "lang": l.rawValue, "other_lang": l.other.rawValue, "page_title": title, "switch_url": switchURL,
            "home_url": "/?\(q)", "data_url": "/datasets?\(q)", "map_url": "/map?\(q)",
            "developers_url": "/developers?\(q)", "feedback_url": "/feedback?\(q)", "licence_url": "/?\(q)#licence",
            "stats_url": "/stats?\(q)",
            "is_home": current == "home", "is_data": current == "data", "is_developers": current == "developers",
            "is_feedback": current == "feedback", "is_stats": current == "stats",
            "api_links": [["title": texts.text("api_ogc", l), "url": "/ogc"],
                          ["title": texts.text("api_catalog", l), "url": "/api/catalog"],
                          ["title": texts.text("api_ckan", l), "url": "/api/3/action/package_list"],
                          ["title": texts.text("api_dcat", l), "url": "/catalog.jsonld"]],
        ]
    }

    func card(_ x: PortalListing, _ l: Language) -> [String: Any] {
        let d = x.dataset
        let description = l == .en ? d.descriptionEN ?? d.description : d.description
        var card: [String: Any] = ["title": x.title(l), "url": "/datasets/\(d.slug)?lang=\(l.rawValue)",
                "updated": texts.text("updated_on", l, ["date": texts.date(d.modified, l) ?? ""]),
                "downloads": texts.count("count_downloads", x.downloads, l),
                "summary": description.count > 220 ? String(description.prefix(220)) + "…" : description]
        if let agency = d.agency { card["agency"] = agency.name }
        return card
    }

    func label(_ facet: CatalogueQuery.Facet, _ value: String, _ listings: [PortalListing], _ l: Language) -> String {
        switch facet {
        case .agency:
            value.isEmpty ? texts.text("no_agency", l) : listings.lazy.compactMap(\.dataset.agency).first { $0.slug == value }?.name ?? value
        case .theme: value.isEmpty ? texts.text("no_theme", l) : value
        case .format: DistributionFormat.all.first { $0.ext == value }?.name ?? value
        case .frequency: texts.all(l)["freq_" + value.replacingOccurrences(of: "-", with: "_")] ?? value
        case .geometry: texts.all(l)["geom_" + value] ?? value
        }
    }

    /// An attribute value as the sample table shows it.
    func value(_ v: FieldValue, _ l: Language) -> String {
        switch v {
        case .null: ""
        case .integer(let i): String(i)
        // Integral reals (codes read from shapefiles) without ".0"; others as Swift prints them, shortest exact.
        case .real(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .text(let t): t
        case .boolean(let b): texts.text(b ? "value_true" : "value_false", l)
        }
    }

    func changeText(_ c: ChangeSummary?, _ l: Language) -> String {
        guard let c else { return texts.text("changes_unknown", l) }
        guard let previous = c.previousVersion else { return texts.text("changes_first", l, ["added": String(c.added)]) }
        return texts.text("changes_since", l, ["previous": String(previous), "added": String(c.added), "removed": String(c.removed),
                                               "changed": String(c.changed), "unchanged": String(c.unchanged)])
    }

    /// When the next version is due under the portal's update frequencies; nil for "on change".
    static func nextDue(after date: Date, frequency: String) -> Date? {
        let months: Int? = switch frequency {
        case "quarterly": 3
        case "half-yearly": 6
        case "annual": 12
        default: nil
        }
        return months.flatMap { Calendar(identifier: .gregorian).date(byAdding: .month, value: $0, to: date) }
    }

    /// Bytes as people read them (units are the same in both languages).
    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KB", Double(bytes) / 1024) }
        return String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
    }
}
