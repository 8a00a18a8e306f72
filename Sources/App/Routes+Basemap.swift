// The map page and what it needs besides tiles: `GET /map` (the page, with the datasets'
// titles and field descriptions), the basemap (`/basemap/style.json`, `/basemap/tiles.json`,
// `/basemap/tiles/{z}/{x}/{y}.mvt`) and the search by place name (`/api/places?q=`).
import Foundation
import Hummingbird
import HTTPTypes
import GeoModel
import GeoStore
import Catalogue
import Tiles
import PublicErrors
import Web

func addBasemapRoutes(to router: Router<BandoRequestContext>, basemap: Basemap, store: any CatalogueSource, origin: PublicOrigin) {
    let reader = CatalogueReader(store: store)
    let tilePath = "/basemap/tiles/{z}/{x}/{y}.mvt"

    router.get("map") { request, _ -> Response in
        let language = pageLanguage(request)
        let style: String = if case .style(let url) = basemap { url.absoluteString } else { "/basemap/style.json?lang=\(language.rawValue)" }
        return htmlPage(try await blocking {
            PortalPages.shared.map(language: language, datasets: try reader.datasets(), basemapStyle: style)
        }, language)
    }
    router.get("basemap/style.json") { request, context -> Response in
        let language = pageLanguage(request)
        let document: Data
        switch basemap {
        case .style(let url):
            return Response(status: .found, headers: [.location: url.absoluteString, .cacheControl: "no-cache"])
        case .archive(let source, let builtIn):
            let meta = try await source.metadata()
            document = BasemapStyle.document(meta, baseURL: origin.url(context), tilePath: tilePath,
                                             attribution: builtIn ? PageTexts.shared.text("map_basemap_attribution", language) : nil)
        case .none:
            document = BasemapStyle.document(nil, baseURL: origin.url(context), tilePath: tilePath)
        }
        return Response(status: .ok, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*", .cacheControl: "no-cache",
                                               .contentLanguage: language.rawValue, .vary: "Accept-Language"],
                        body: .init(byteBuffer: ByteBuffer(bytes: document)))
    }
    router.get("basemap/tiles.json") { _, context -> Response in
        let source = try basemapSource(basemap)
        return TileRoutes.json(TileDocuments.tileJSON(try await source.metadata(), baseURL: origin.url(context), tilePath: tilePath))
    }
    router.get("basemap/tiles/{z}/{x}/{y}.mvt") { request, context -> Response in
        let source = try basemapSource(basemap)
        let coord = try TileRoutes.coord(z: context.parameters.get("z"), x: context.parameters.get("x"), y: context.parameters.get("y"))
        let meta = try await source.metadata()
        let etag = "\"basemap-\(meta.revision)-\(coord.z)-\(coord.x)-\(coord.y)\""
        guard meta.covers(coord), let tile = try await source.tile(coord), !tile.data.isEmpty else {
            return Response(status: .noContent, headers: [.cacheControl: "public, max-age=86400", .accessControlAllowOrigin: "*", .eTag: etag])
        }
        if let inm = request.headers[.ifNoneMatch], TileRoutes.ifNoneMatch(inm.utf8, matches: etag.utf8) {
            return Response(status: .notModified, headers: TileRoutes.tileHead(etag: etag, gzipped: false, length: 0, notModified: true,
                                                                                maxAge: 86400).headerFields)
        }
        var data = tile.data, gzipped = tile.isGzipped
        if gzipped && !TileRoutes.acceptsGzip(request.headers[.acceptEncoding]) { data = try Gzip.decompress(data); gzipped = false }
        let head = TileRoutes.tileHead(etag: etag, gzipped: gzipped, length: data.count, notModified: false, maxAge: 86400)
        return Response(status: .ok, headers: head.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    router.get("api/places") { request, _ -> Response in
        let language = pageLanguage(request)
        let q = request.uri.queryParameters.get("q") ?? ""
        guard q.count <= 200 else {
            throw APIError(.badRequest, code: "InvalidParameterValue", SafeMessage("map.places.queryTooLong", ["max": "200"]))
        }
        let hits = try await blocking { PlaceSearch.search(q, datasets: try reader.datasets(), language: language) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        struct Answer: Encodable { var query: String; var places: [PlaceHit] }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache",
                                               .contentLanguage: language.rawValue, .vary: "Accept-Language"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(Answer(query: q, places: hits)))))
    }
}

/// The basemap's archive; a 404 naming the reason when the basemap is a style or there is none.
private func basemapSource(_ basemap: Basemap) throws -> any TileSource {
    guard case .archive(let source, _) = basemap else {
        throw APIError(.notFound, code: "NotFound", SafeMessage("map.basemap.noTiles"))
    }
    return source
}
