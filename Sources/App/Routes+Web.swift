// The citizen portal's pages: `/` (home), `/developers` (each service with runnable examples),
// `/datasets` (search, facets, sorting, paging),
// `/datasets/{slug}` (with the first ten features of the current version and the answered
// feedback about it), `/feedback` (the form, with no account, and the public answers; see
// `Routes+WebFeedback.swift`) and `/stats` (use by month), with their stylesheet and the dataset page's map script under `/web/`.
// The pages are rendered by the Web module from the catalogue's read models; here only the
// reading (on the blocking pool), the language and the response. Errors on these pages (and
// on unknown paths) are pages too when the browser asks for HTML: see `ErrorReport.htmlResponse`.
import Foundation
import Hummingbird
import HTTPTypes
import GeoStore
import Catalogue
import Downloads
import Tiles
import Portal
import PublicErrors
import Web

/// What the pages read from: the store's read models, the portal's services, the downloads and tiles.
struct WebRouteDependencies: Sendable {
    var store: any ServingStore
    var portal: PortalService
    var downloads: DownloadCache
    var tiles: TileService
    var origin: PublicOrigin
    var clients: ClientIdentification
    /// Rendered pages reused for a few seconds (see `PageCache`).
    var pages: PageCache = PageCache(ttl: 0)

    /// Every published dataset with its download and use totals, for lists, facets and statistics.
    func listings() throws -> [PortalListing] {
        let totals = try store.downloadTotals(), uses = try store.usageTotals()
        return try CatalogueReader(store: store).datasets().map {
            PortalListing(dataset: $0, downloads: totals[$0.slug] ?? 0, uses: uses[$0.slug] ?? 0)
        }
    }
}

func addWebRoutes(to router: Router<BandoRequestContext>, _ deps: WebRouteDependencies) {
    let (store, downloads, tiles, origin, portal) = (deps.store, deps.downloads, deps.tiles, deps.origin, deps.portal)
    let reader = CatalogueReader(store: store)
    let pages = PortalPages.shared
    @Sendable func listings() throws -> [PortalListing] { try deps.listings() }

    /// The page for this URL and language, from the cache when fresh.
    @Sendable func cached(_ request: Request, _ language: Language, _ render: @escaping @Sendable () throws -> String) async throws -> String {
        try await deps.pages.page(language.rawValue + " " + request.uri.description) { try await blocking(render) }
    }

    router.get("/") { request, _ -> Response in
        let language = pageLanguage(request)
        return htmlPage(try await cached(request, language) { pages.home(try listings(), language: language) }, language)
    }
    router.get("/datasets") { request, _ -> Response in
        let language = pageLanguage(request)
        var parameters: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { parameters[String(k)] = String(v) }
        let query = CatalogueQuery(parameters: parameters, language: language)
        return htmlPage(try await cached(request, language) { pages.catalogue(try listings(), query: query) }, language)
    }
    router.get("/datasets/{slug}") { request, context -> Response in
        let language = pageLanguage(request)
        let slug = try context.parameters.require("slug")
        let base = origin.url(context)
        let hasTiles = (try? await tiles.tilesetNames().contains(slug)) ?? false
        return htmlPage(try await cached(request, language) {
            let dataset = try reader.dataset(slug)
            var files: [String: DownloadFacts] = [:]
            for format in DownloadFormat.allCases {
                if let f = downloads.knownFile(dataset: slug, version: dataset.current.number, format: format) {
                    files[format.fileExtension] = DownloadFacts(size: f.size, produced: f.produced, sha256: f.sha256)
                }
            }
            let total = try store.downloadTotals()[slug] ?? 0
            let sample = try store.published(slug: slug).map { try store.featurePage(of: $0.version, bbox: nil, after: 0, limit: 10) } ?? []
            return pages.dataset(dataset, extras: DatasetPageExtras(downloads: total, files: files, hasTiles: hasTiles, baseURL: base,
                                                                    sample: sample, feedback: try portal.publicFeedback(dataset: slug)),
                                 language: language)
        }, language)
    }
    router.get("/developers") { request, context -> Response in
        let language = pageLanguage(request)
        let base = origin.url(context)
        return htmlPage(try await cached(request, language) {
            pages.developers(try listings(), baseURL: base, formats: DownloadFormat.extensionList, language: language)
        }, language)
    }
    addFeedbackPages(to: router, deps)
    router.get("/stats") { request, _ -> Response in
        let language = pageLanguage(request)
        return htmlPage(try await cached(request, language) {
            let usage = UsageFigures(monthly: try store.monthlyDownloads(), feedback: try portal.feedbackSummary(),
                                     through: CounterDay.month(portal.now()))
            return pages.stats(try listings(), usage: usage, language: language)
        }, language)
    }
    router.get("/web/portal.css") { _, _ in webAsset(WebAssets.stylesheet, type: "text/css") }
    router.get("/web/dataset-map.js") { _, _ in webAsset(WebAssets.previewScript, type: "text/javascript") }
}

/// A file of the Web module as it is, cached an hour by browsers (`map.js` is asked afresh:
/// the map test and scripts rely on its hooks).
func webAsset(_ bytes: [UInt8], type: String, cache: String = "public, max-age=3600") -> Response {
    Response(status: .ok, headers: [.contentType: type + "; charset=utf-8", .cacheControl: cache],
             body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// `?lang=vi|en`, else `Accept-Language`, else Vietnamese: as error responses choose.
func pageLanguage(_ request: Request) -> Language {
    Language.negotiate(query: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage])
}

func htmlPage(_ html: String, _ language: Language, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .contentLanguage: language.rawValue,
                                       .cacheControl: "no-cache", .vary: "Accept-Language"],
             body: .init(byteBuffer: ByteBuffer(string: html)))
}

extension ErrorReport {
    /// Whether the client asked for a page rather than a document: a browser's `Accept` names
    /// `text/html`, and the path is a page's or no route's (the APIs answer JSON whatever is asked).
    static func wantsHTML(_ request: Request) -> Bool {
        guard request.headers[.accept]?.lowercased().contains("text/html") == true else { return false }
        let path = request.uri.path
        let documents = ["/api/", "/api", "/ogc", "/tiles", "/downloads", "/collections", "/tileMatrixSets", "/catalog.jsonld",
                         "/styles/", "/fonts/", "/vendor/", "/healthz", "/map.js", "/web/"]
        return !documents.contains { path == $0 || path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") || path.hasPrefix($0 + ".") }
    }

    /// The error as a page in the portal's look, in the request's language.
    func htmlResponse(path: String) -> Response {
        let other: Language = language == .vi ? .en : .vi
        let html = PortalPages.shared.error(status: error.status, message: description, requestID: requestID, language: language,
                                            switchURL: path + "?lang=" + other.rawValue)
        var (status, headers) = head(contentType: "text/html; charset=utf-8")
        headers[.cacheControl] = "no-cache"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
