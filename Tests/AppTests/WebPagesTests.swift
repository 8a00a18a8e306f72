import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import GeoModel
import Ingest
import Tiles
import Catalogue
import PublicErrors
@testable import Web
@testable import App

/// Two published datasets from two agencies (communes as polygons, their centres as points),
/// with English titles and field descriptions on the first, and the router over them.
struct WebFixture {
    let scratch = ScratchDirectory("web-pages")
    let store: Store
    let router: Router<BandoRequestContext>

    init() throws {
        store = try SkeletonFixture.storeWithCommunes(at: scratch.path("s.sqlite"))
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("features/hue_commune_points.geojson").path,
                                           metadata: DatasetMetadata(slug: "diem-xa", title: "Điểm trung tâm xã", agencyName: "Sở Xây dựng")), into: store)
        try CatalogueReader(store: store).updateMetadata("xa-hue", MetadataPatch(
            titleEN: "Communes and wards of Huế", descriptionEN: "Boundaries of the communes", keywords: ["ranh giới", "Đô thị"],
            contactEmail: "stnmt@example.vn", fieldDescriptions: ["commune_vn": "Tên xã bằng tiếng Việt"]))
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0))
        router = buildRouter(store: store, tiles: tiles)
    }

    static func page(_ client: some TestClientProtocol, _ uri: String, accept: String = "text/html",
                     language: String? = nil) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        var headers: HTTPFields = [.accept: accept]
        if let language { headers[.acceptLanguage] = language }
        return try await client.execute(uri: uri, method: .get, headers: headers) { r in
            (r.status, r.headers, String(buffer: r.body))
        }
    }
}

@Suite struct WebPagesTests {
    /// Every page a citizen reaches, in Vietnamese, must show none of the English catalogue's texts.
    static let pages = ["/", "/datasets", "/datasets?q=hue&geometry=polygon", "/datasets/xa-hue", "/datasets/diem-xa", "/datasets/nope",
                        "/no-such-page", "/developers", "/map",
                        "/feedback", "/feedback?dataset=xa-hue&category=quality", "/stats",
                        "/ogc?f=html", "/ogc/conformance?f=html", "/ogc/collections?f=html", "/ogc/collections/xa-hue?f=html",
                        "/ogc/collections/xa-hue/queryables?f=html", "/ogc/collections/xa-hue/items?f=html&limit=5",
                        "/ogc/collections/xa-hue/items/1?f=html"]

    @Test func everyPageTextExistsInBothLanguagesWithTheSamePlaceholders() {
        let vi = PageTexts.shared.all(.vi), en = PageTexts.shared.all(.en)
        #expect(vi.count > 100)
        #expect(Set(vi.keys).subtracting(en.keys).isEmpty, "missing in English: \(Set(vi.keys).subtracting(en.keys).sorted())")
        #expect(Set(en.keys).subtracting(vi.keys).isEmpty, "missing in Vietnamese: \(Set(en.keys).subtracting(vi.keys).sorted())")
        for (key, text) in vi where !key.hasPrefix("fmt_") {
            #expect(MessageCatalogue.placeholders(text) == MessageCatalogue.placeholders(en[key] ?? ""), "placeholders of \(key) differ")
        }
    }

    @Test func homeShowsThePortalSearchDatasetsAgenciesAndAPIsInBothLanguages() async throws {
        let f = try WebFixture()
        try await Application(router: f.router).test(.router) { client in
            let (status, headers, vi) = try await WebFixture.page(client, "/")
            #expect(status == .ok && headers[.contentType] == "text/html; charset=utf-8")
            #expect(vi.contains("<html lang=\"vi\">"))
            for text in ["Cổng dữ liệu không gian mở", "Trang chủ", "Dữ liệu", "Bản đồ", "Nhà phát triển", "Góp ý", "Mới cập nhật",
                         "Xã, phường Huế", "Điểm trung tâm xã", "Sở Tài nguyên và Môi trường", "Sở Xây dựng",
                         "action=\"/datasets\"", "name=\"q\"", "href=\"/ogc\"", "href=\"/api/catalog\"", "/api/3/action/package_list",
                         "href=\"/catalog.jsonld\"", "href=\"/feedback?lang=vi\"", "href=\"/?lang=en\"", "Miễn trừ trách nhiệm",
                         "href=\"/web/portal.css\""] {
                #expect(vi.contains(text), "the Vietnamese home page lacks \(text)")
            }
            // Light on a slow link: the page and its stylesheet under 100 KB.
            let css = try await client.execute(uri: "/web/portal.css", method: .get) { $0.body.readableBytes }
            #expect(vi.utf8.count + css < 100_000)
            // Accept-Language chooses English; the links keep it.
            let (_, enHeaders, en) = try await WebFixture.page(client, "/", language: "en-GB,en;q=0.9")
            #expect(enHeaders[.contentLanguage] == "en")
            for text in ["<html lang=\"en\">", "Home", "Recently updated", "Communes and wards of Huế", "href=\"/datasets?lang=en\"",
                         "href=\"/?lang=vi\"", "Disclaimer"] {
                #expect(en.contains(text), "the English home page lacks \(text)")
            }
            // ?lang wins over the header.
            let (_, _, chosen) = try await WebFixture.page(client, "/?lang=vi", language: "en")
            #expect(chosen.contains("<html lang=\"vi\">"))
            // Downloads are counted: the most downloaded list appears with the dataset.
            #expect(!vi.contains("Được tải nhiều nhất"))
            _ = try await client.execute(uri: "/downloads/diem-xa/latest.geojson", method: .get) { $0.status }
            let (_, _, after) = try await WebFixture.page(client, "/")
            #expect(after.contains("Được tải nhiều nhất"))
        }
    }

    @Test func noEnglishTextIsLeftOnAVietnamesePage() async throws {
        let f = try WebFixture()
        let vi = PageTexts.shared.all(.vi), en = PageTexts.shared.all(.en)
        // English texts that differ from their Vietnamese twin (names such as "SHA-256" are the same in both).
        let english = en.filter { key, text in !key.hasPrefix("fmt_") && text != vi[key] && text.count >= 4 }
        try await Application(router: f.router).test(.router) { client in
            for page in Self.pages {
                let (_, _, html) = try await WebFixture.page(client, page + (page.contains("?") ? "&" : "?") + "lang=vi")
                let problems = VietnamesePages.problems(html, page: page, english: english, vietnamese: vi)
                #expect(problems.isEmpty, "\(problems)")
                let (_, _, enHTML) = try await WebFixture.page(client, page + (page.contains("?") ? "&" : "?") + "lang=en")
                #expect(enHTML.contains("<html lang=\"en\">"), "\(page) has no English version")
            }
        }
    }

    @Test func searchIgnoresAccentsAndCaseAndKeepsItsStateInTheURL() async throws {
        let f = try WebFixture()
        let builders = try #require(f.store.agencies().first { $0.name == "Sở Xây dựng" }).slug
        try await Application(router: f.router).test(.router) { client in
            for q in ["hue", "HUE", "Huế", "phuong", "PHƯỜNG", "do%20thi"] {
                let (_, _, html) = try await WebFixture.page(client, "/datasets?q=\(q)")
                #expect(html.contains("href=\"/datasets/xa-hue?lang=vi\""), "\(q) does not find the communes")
                #expect(!html.contains("href=\"/datasets/diem-xa?lang=vi\""), "\(q) finds the points too")
            }
            // đ folds to d both ways.
            let (_, _, diem) = try await WebFixture.page(client, "/datasets?q=diem%20trung%20tam")
            #expect(diem.contains("href=\"/datasets/diem-xa?lang=vi\""))
            let (_, _, none) = try await WebFixture.page(client, "/datasets?q=hanoi")
            #expect(none.contains("Không có bộ dữ liệu nào khớp") && none.contains("0 bộ dữ liệu khớp với “hanoi”"))
            // Facets with counts; a facet link narrows the list and keeps the query and language.
            let (_, _, all) = try await WebFixture.page(client, "/datasets?lang=en")
            #expect(all.contains("Areas <span class=\"count\">(1)</span>") && all.contains("Points <span class=\"count\">(1)</span>"))
            #expect(all.contains("GeoJSON <span class=\"count\">(2)</span>"))
            #expect(all.contains("href=\"/datasets?geometry=point&amp;lang=en\""))
            let (_, _, points) = try await WebFixture.page(client, "/datasets?geometry=point&lang=en")
            #expect(points.contains("/datasets/diem-xa?lang=en") && !points.contains("/datasets/xa-hue?lang=en"))
            #expect(points.contains("1 dataset<") && all.contains("2 datasets<"))
            // The selected value links back to the list without it.
            #expect(points.contains("<a href=\"/datasets?lang=en\" aria-current=\"true\" class=\"selected\">Points"))
            let (_, _, byAgency) = try await WebFixture.page(client, "/datasets?agency=\(builders)")
            #expect(byAgency.contains("/datasets/diem-xa?lang=vi") && !byAgency.contains("/datasets/xa-hue?lang=vi"))
            // Sort by downloads: the downloaded dataset first, though its name sorts last.
            _ = try await client.execute(uri: "/downloads/xa-hue/latest.csv", method: .get) { $0.status }
            let (_, _, byName) = try await WebFixture.page(client, "/datasets?lang=vi")
            let (_, _, byDownloads) = try await WebFixture.page(client, "/datasets?sort=downloads&lang=vi")
            func order(_ html: String) -> [String] {
                ["diem-xa", "xa-hue"].sorted { html.range(of: "/datasets/\($0)?")!.lowerBound < html.range(of: "/datasets/\($1)?")!.lowerBound }
            }
            #expect(order(byName) == ["diem-xa", "xa-hue"])
            #expect(order(byDownloads) == ["xa-hue", "diem-xa"])
            #expect(byDownloads.contains("<a href=\"/datasets?sort=downloads&amp;lang=vi\" aria-current=\"true\""))
            // Sort by use through every channel: three OGC API reads of xa-hue outweigh two
            // downloads of diem-xa, which now leads by downloads.
            for _ in 0..<3 { #expect(try await client.execute(uri: "/ogc/collections/xa-hue/items?limit=1", method: .get) { $0.status } == .ok) }
            for _ in 0..<2 { #expect(try await client.execute(uri: "/downloads/diem-xa/latest.csv", method: .get) { $0.status } == .ok) }
            let (_, _, byUses) = try await WebFixture.page(client, "/datasets?sort=uses&lang=vi")
            let (_, _, byDownloadsNow) = try await WebFixture.page(client, "/datasets?sort=downloads&lang=vi")
            #expect(order(byDownloadsNow) == ["diem-xa", "xa-hue"])
            #expect(order(byUses) == ["xa-hue", "diem-xa"])
            #expect(byUses.contains("Lượt dùng (mọi kênh)"))
        }
    }

    /// What a visitor types comes back escaped: the query in the box and the summary, a facet
    /// value in the form's hidden fields and links.
    @Test func queryTextIsEscapedWhereverThePageShowsIt() async throws {
        let f = try WebFixture()
        try await Application(router: f.router).test(.router) { client in
            let (status, _, html) = try await WebFixture.page(client, "/datasets?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&theme=%22%3E%3Cimg%20src%3Dx%3E")
            #expect(status == .ok)
            #expect(!html.contains("<script>alert") && !html.contains("<img src=x>"))
            #expect(html.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\"") && html.contains("“&lt;script&gt;alert(1)&lt;/script&gt;”"))
            #expect(html.contains("name=\"theme\" value=\"&quot;&gt;&lt;img src=x&gt;\""))
        }
    }

    @Test func foldingTreatsAccentsCaseAndDAlike() {
        #expect(CatalogueSearch.fold("Huế") == "hue")
        #expect(CatalogueSearch.fold("PHƯỜNG Đông Đa") == "phuong dong da")
        #expect(CatalogueSearch.words("  Đường,  số 1 ") == ["duong", "so", "1"])
    }

    /// Paging and sorting over many datasets (copies of a real description with other names).
    @Test func pagesOfTwentyWithLinksThatKeepTheState() throws {
        let f = try WebFixture()
        let real = try CatalogueReader(store: f.store).dataset("xa-hue")
        let listings = (1...45).map { i -> PortalListing in
            var d = real
            d.slug = "ds-\(i)"
            d.title = "Bộ \(String(format: "%02d", i))"
            d.theme = i % 3 == 0 ? "Giao thông" : "Đất đai"
            d.modified = Date(timeIntervalSince1970: Double(i) * 86_400)
            return PortalListing(dataset: d, downloads: 100 - i)
        }
        let pages = PortalPages.shared
        let second = pages.catalogue(listings, query: CatalogueQuery(parameters: ["page": "2", "theme": "Đất đai"], language: .en))
        // 30 of 45 are "Đất đai": page 2 of 2 holds the last 10 by name.
        #expect(second.contains("Page 2 of 2"))
        #expect(second.contains("href=\"/datasets?theme=%C4%90%E1%BA%A5t%20%C4%91ai&amp;lang=en\" rel=\"prev\""))
        #expect(!second.contains("rel=\"next\""))
        #expect(second.contains("/datasets/ds-44?") && !second.contains("/datasets/ds-1?"))
        #expect(second.contains("Giao thông <span class=\"count\">(15)</span>"))
        let newest = pages.catalogue(listings, query: CatalogueQuery(parameters: ["sort": "updated"], language: .vi))
        #expect(newest.range(of: "/datasets/ds-45?")!.lowerBound < newest.range(of: "/datasets/ds-44?")!.lowerBound)
        #expect(newest.contains("Trang 1 trên 3") && newest.contains("rel=\"next\"") && !newest.contains("/datasets/ds-25?"))
    }

    @Test func datasetPageShowsMetadataPreviewSchemaVersionsDownloadsAndAPIs() async throws {
        let f = try WebFixture()
        // The communes' names in the first ten features, read from the store.
        let version = try #require(try f.store.published(slug: "xa-hue")).version
        let commune = try #require(version.fields.firstIndex { $0.name == "commune_vn" })
        let firstNames = try f.store.featurePage(of: version, limit: 10).compactMap { feature -> String? in
            guard case .text(let name) = feature.values[commune] else { return nil }
            return name
        }
        #expect(firstNames.count == 10)
        try await Application(router: f.router).test(.router) { client in
            // Produce the GeoJSON: its size and SHA-256 then appear on the page.
            let sha = try await client.execute(uri: "/downloads/xa-hue/latest.geojson.sha256", method: .get) { r in
                String(String(buffer: r.body).prefix(64))
            }
            let (status, headers, vi) = try await WebFixture.page(client, "/datasets/xa-hue")
            #expect(status == .ok)
            for text in ["<h1>Xã, phường Huế</h1>", "Sở Tài nguyên và Môi trường", "stnmt@example.vn", "Hằng quý",
                         "Lần cập nhật tiếp theo dự kiến", "Creative Commons", "censusVN2009 (Marc Choisy, MIT) (",
                         "Xã, phường Huế, phiên bản 1.", "Miễn trừ trách nhiệm", "nguyên trạng",
                         "data-tilejson=\"/tiles/xa-hue.json\"", "/vendor/maplibre/maplibre-gl.js", "/web/dataset-map.js",
                         "<code>commune_vn</code>", "Tên xã bằng tiếng Việt", "Văn bản",
                         "Phiên bản đầu tiên: 152 đối tượng",
                         "href=\"/downloads/xa-hue/latest.geojson\"", "href=\"/downloads/xa-hue/latest.shp.zip\"",
                         "href=\"/downloads/xa-hue/latest.geojson.sha256\"", sha,
                         "/ogc/collections/xa-hue/items?limit=10", "/tiles/xa-hue.json", "/api/3/action/package_show?id=xa-hue",
                         "curl -L &#39;", "ranh giới, Đô thị"] {
                #expect(vi.contains(text), "the dataset page lacks \(text)")
            }
            // The first page of the attribute table: ten features of the current version, values as stored.
            #expect(vi.components(separatedBy: "<tr class=\"sample-row\">").count - 1 == 10)
            for name in firstNames { #expect(vi.contains("<td>\(name)</td>"), "the sample lacks \(name)") }
            #expect(vi.contains("10 đối tượng đầu tiên") && vi.contains("/ogc/collections/xa-hue/items?f=html&amp;limit=50"))
            // The page runs under the policy: scripts from this server only, none inline.
            let policy = try #require(headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'"))
            #expect(!vi.contains("<script>") && vi.components(separatedBy: "<script").count - 1 == vi.components(separatedBy: "<script src=\"/").count - 1)
            let (_, _, en) = try await WebFixture.page(client, "/datasets/xa-hue?lang=en")
            for text in ["<h1>Communes and wards of Huế</h1>", "Boundaries of the communes", "Quarterly", "First version: 152 features",
                         "Huế, version 1.", "provided as is", "Download GeoJSON", "href=\"/datasets/xa-hue?lang=vi\""] {
                #expect(en.contains(text), "the English dataset page lacks \(text)")
            }
            // The points dataset: its geometry is shown as such.
            let (_, _, points) = try await WebFixture.page(client, "/datasets/diem-xa?lang=en")
            #expect(points.contains("<h1>Điểm trung tâm xã</h1>") && points.contains("Sở Xây dựng"))
        }
    }

    @Test func anUnknownDatasetIsAPageForBrowsersAndJSONForScripts() async throws {
        let f = try WebFixture()
        try await Application(router: f.router).test(.router) { client in
            let (status, headers, html) = try await WebFixture.page(client, "/datasets/nope",
                                                                   accept: "text/html,application/xhtml+xml,*/*;q=0.8")
            #expect(status == .notFound)
            #expect(headers[.contentType] == "text/html; charset=utf-8" && headers[.contentSecurityPolicy] != nil)
            #expect(html.contains("<html lang=\"vi\">") && html.contains("Lỗi 404") && html.contains("nope"))
            #expect(html.contains("href=\"/web/portal.css\"") && html.contains("Mã yêu cầu: " + (headers[ErrorReport.requestIDHeader] ?? "?")))
            let (_, _, en) = try await WebFixture.page(client, "/datasets/nope?lang=en")
            #expect(en.contains("Error 404"))
            let (jsonStatus, jsonHeaders, json) = try await WebFixture.page(client, "/datasets/nope", accept: "application/json")
            #expect(jsonStatus == .notFound && jsonHeaders[.contentType]?.hasPrefix("application/json") == true)
            let body = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(body?["code"] as? String == "NotFound")
            // An unknown page is a page too; an unknown API path stays JSON for a browser.
            let (missing, _, missingHTML) = try await WebFixture.page(client, "/no-such-page")
            #expect(missing == .notFound && missingHTML.contains("<h1>Lỗi 404</h1>"))
            let (_, apiHeaders, _) = try await WebFixture.page(client, "/api/nope")
            #expect(apiHeaders[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    /// `/developers`: each sharing service with examples on a real published dataset, whose
    /// URLs answer as the page says (the OGC items with its CQL2 filter, TileJSON, CKAN, the
    /// download's checksum).
    @Test func theDevelopersPageGivesExamplesThatWork() async throws {
        let f = try WebFixture()
        try await Application(router: f.router).test(.router) { client in
            let (status, _, vi) = try await WebFixture.page(client, "/developers?lang=vi")
            #expect(status == .ok)
            for text in ["Dành cho nhà phát triển", "OGC API - Features", "ogr2ogr -f GPKG diem-xa.gpkg", "sha256sum -c latest.geojson.sha256",
                         "package_show?id=diem-xa", "/tiles/diem-xa.json", "aria-current=\"page\">Nhà phát triển"] {
                #expect(vi.contains(text), "the developers page lacks \(text)")
            }
            let (_, _, en) = try await WebFixture.page(client, "/developers?lang=en")
            #expect(en.contains("For developers"))
            #expect(en.contains("In QGIS: Layer › Add Layer"))
            // The examples' own URLs, as a script would call them.
            let base = try #require(vi.firstMatch(of: /curl "(http[^"\/]*\/\/[^"\/]+)\/ogc\/collections/)?.1).description
            let filter = try #require(vi.firstMatch(of: /--data-urlencode "filter=([^"]+)"/)?.1).description
            var items = URLComponents(string: "/ogc/collections/diem-xa/items")!
            items.queryItems = [URLQueryItem(name: "filter", value: filter), URLQueryItem(name: "limit", value: "5")]
            let answer = try await client.execute(uri: items.string!, method: .get)
            #expect(answer.status == .ok, "\(filter): \(String(buffer: answer.body))")
            let features = (try JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [String: Any])?["features"] as? [Any]
            #expect(features?.count == 5)
            let bbox = try #require(vi.firstMatch(of: /items\?limit=10&amp;bbox=([-0-9.,]+)"/)?.1).description
            let inBox = try await client.execute(uri: "/ogc/collections/diem-xa/items?limit=10&bbox=\(bbox)", method: .get)
            let found = (try JSONSerialization.jsonObject(with: Data(inBox.body.readableBytesView)) as? [String: Any])?["features"] as? [Any]
            #expect((found?.count ?? 0) > 0, "nothing in the example's box \(bbox)")
            let tile = try #require(vi.firstMatch(of: /\/tiles\/diem-xa\/(10\/[0-9]+\/[0-9]+)\.mvt/)?.1).description
            #expect(try await client.execute(uri: "/tiles/diem-xa/\(tile).mvt", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/api/3/action/package_show?id=diem-xa", method: .get).status == .ok)
            #expect(base.hasPrefix("http"))
        }
    }

    /// OGC API pages for people (`f=html`) are the portal's pages: its look, its language
    /// switch, words from the catalogue; paging through items stays in HTML to the last page.
    @Test func ogcPagesAreInThePortalsLookAndTheirPagingStaysHTML() async throws {
        let f = try WebFixture()
        @Sendable func pathOf(_ href: String) -> String {
            let h = href.replacingOccurrences(of: "&amp;", with: "&")
            guard let r = h.range(of: "/ogc/") else { return h }
            return String(h[r.lowerBound...])
        }
        try await Application(router: f.router).test(.router) { client in
            var uri = "/ogc/collections/xa-hue/items?f=html&limit=60&lang=vi"
            var shown: [Int] = []
            for _ in 0..<5 {
                let (status, headers, html) = try await WebFixture.page(client, uri)
                #expect(status == .ok && headers[.contentLanguage] == "vi")
                #expect(html.contains("href=\"/web/portal.css\"") && html.contains("<h1>Đối tượng của Xã, phường Huế</h1>"))
                let summary = try #require(html.firstMatch(of: /Đang hiển thị (\d+) trong (\d+) đối tượng khớp/))
                #expect(Int(summary.2) == 152)
                shown.append(Int(summary.1)!)
                // Each row links to the feature's page, in HTML and the same language.
                #expect(html.contains("/ogc/collections/xa-hue/items/") && html.contains("?f=html&amp;lang=vi"))
                guard let next = html.firstMatch(of: /<a rel="next" href="([^"]+)"/) else { break }
                uri = pathOf(String(next.1))
                #expect(uri.contains("f=html") && uri.contains("lang=vi"), "next page \(uri) is not HTML in Vietnamese")
            }
            #expect(shown == [60, 60, 32])
            // A feature's page shows its attributes, the same values as its GeoJSON.
            let (_, _, feature) = try await WebFixture.page(client, "/ogc/collections/xa-hue/items/1?f=html&lang=en")
            let json = try await client.execute(uri: "/ogc/collections/xa-hue/items/1", method: .get) { r in
                try JSONSerialization.jsonObject(with: Data(String(buffer: r.body).utf8)) as! [String: Any]
            }
            let name = try #require((json["properties"] as? [String: Any])?["commune_vn"] as? String)
            #expect(feature.contains("<h1>Feature 1 of Communes and wards of Huế</h1>") || feature.contains("<h1>Feature 1 of Xã, phường Huế</h1>"))
            #expect(feature.contains("<code>commune_vn</code></th><td>\(name)</td>"))
            // The collection's page links to the dataset's page on the portal, and names its links in words.
            let (_, _, collection) = try await WebFixture.page(client, "/ogc/collections/xa-hue?f=html")
            #expect(collection.contains("href=\"/datasets/xa-hue?lang=vi\"") && collection.contains("Các đối tượng (trang web)"))
            #expect(collection.contains("Các trường dùng để lọc (JSON Schema)") && collection.contains("Số thực"))
            // The landing page in English, with the switch back to Vietnamese.
            let (_, _, landing) = try await WebFixture.page(client, "/ogc?f=html&lang=en")
            #expect(landing.contains("<h1>Geographic features (OGC API - Features)</h1>") && landing.contains("lang=vi"))
            #expect(landing.contains("Description of the API (OpenAPI)"))
        }
    }

    @Test func theStylesheetAndThePreviewScriptAreServed() async throws {
        let f = try WebFixture()
        try await Application(router: f.router).test(.router) { client in
            try await client.execute(uri: "/web/portal.css", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "text/css; charset=utf-8")
                #expect(String(buffer: r.body).contains("@media (max-width: 760px)"))
            }
            try await client.execute(uri: "/web/dataset-map.js", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(String(buffer: r.body).contains("preview-map"))
            }
        }
    }
}
