import Foundation
import GeoModel
public import Hummingbird
public import Tiles

/// Tile routes: XYZ tiles and TileJSON under `/tiles`, and OGC API - Tiles
/// (`/tileMatrixSets`, `/collections/{id}/tiles/...`). Handlers are thin: `TileService`
/// decides; this file maps its answers and errors to HTTP.
///
/// Call from `buildRouter`: `addTileRoutes(to: router, tiles: tileService)`.
public func addTileRoutes<Context: RequestContext>(to router: Router<Context>, tiles: TileService) {
    let maxAge = tiles.configuration.maxAge

    router.get("tiles/{tileset}/{z}/{x}/{y}.mvt") { request, context -> Response in
        let name = try context.parameters.require("tileset")
        let coord = try TileRoutes.coord(z: context.parameters.get("z"), x: context.parameters.get("x"), y: context.parameters.get("y"))
        return try await TileRoutes.tileResponse(tiles, name, coord, request, maxAge: maxAge)
    }
    router.get("tiles/{tileset}.json") { request, context -> Response in
        let name = try context.parameters.require("tileset")
        let meta = try await TileRoutes.metadata(tiles, name)
        return TileRoutes.json(TileDocuments.tileJSON(meta, baseURL: TileRoutes.baseURL(request)))
    }
    router.get("tiles") { request, _ -> Response in
        let names = try await TileRoutes.mapped { try await tiles.tilesetNames() }
        let base = TileRoutes.baseURL(request)
        let list = names.map { ["name": $0, "tilejson": "\(base)/tiles/\($0).json"] }
        return TileRoutes.json((try? JSONSerialization.data(withJSONObject: ["tilesets": list], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    // OGC API - Tiles, Part 1 (core, tileset, tilesets-list, dataset tilesets via collections).
    router.get("tileMatrixSets") { request, _ -> Response in
        TileRoutes.json(TileDocuments.tileMatrixSets(baseURL: TileRoutes.baseURL(request)))
    }
    router.get("tileMatrixSets/WebMercatorQuad") { _, _ -> Response in
        TileRoutes.json(TileDocuments.webMercatorQuad())
    }
    router.get("tileMatrixSets/{id}") { _, context -> Response in
        let id = context.parameters.get("id") ?? ""
        throw HTTPError(.notFound, message: "Tile matrix set \"\(id)\" is not offered; use WebMercatorQuad")
    }
    router.get("collections/{id}/tiles") { request, context -> Response in
        let meta = try await TileRoutes.metadata(tiles, try context.parameters.require("id"))
        return TileRoutes.json(TileDocuments.collectionTilesets(meta, baseURL: TileRoutes.baseURL(request)))
    }
    router.get("collections/{id}/tiles/{tms}") { request, context -> Response in
        try TileRoutes.requireWebMercator(context.parameters.get("tms"))
        let meta = try await TileRoutes.metadata(tiles, try context.parameters.require("id"))
        return TileRoutes.json(TileDocuments.ogcTileset(meta, baseURL: TileRoutes.baseURL(request)))
    }
    router.get("collections/{id}/tiles/{tms}/{z}/{row}/{col}") { request, context -> Response in
        try TileRoutes.requireWebMercator(context.parameters.get("tms"))
        let name = try context.parameters.require("id")
        let coord = try TileRoutes.coord(z: context.parameters.get("z"), x: context.parameters.get("col"), y: context.parameters.get("row"))
        return try await TileRoutes.tileResponse(tiles, name, coord, request, maxAge: maxAge)
    }
}

enum TileRoutes {
    static let mvtType = "application/vnd.mapbox-vector-tile"
    static let forwardedProto = HTTPFields.Element.Name("X-Forwarded-Proto")!

    /// z/x/y from the path: 400 when not whole numbers, 404 when not a tile of the quad tree.
    static func coord(z: String?, x: String?, y: String?) throws -> TileCoord {
        guard let zs = z, let xs = x, let ys = y, let z = Int(zs), let x = Int(xs), let y = Int(ys) else {
            throw HTTPError(.badRequest, message: "Tile coordinates must be whole numbers: got z=\(z ?? "") x=\(x ?? "") y=\(y ?? "")")
        }
        guard z >= 0, x >= 0, y >= 0 else {
            throw HTTPError(.badRequest, message: "Tile coordinates cannot be negative: got \(z)/\(x)/\(y)")
        }
        let c = TileCoord(z: z, x: x, y: y)
        guard c.isValid else {
            throw HTTPError(.notFound, message: z > 30 ? "Zoom \(z) is beyond the deepest zoom (30)"
                                                     : "Tile \(z)/\(x)/\(y) does not exist: x and y stop at \((1 << z) - 1) at zoom \(z)")
        }
        return c
    }

    static func requireWebMercator(_ tms: String?) throws {
        guard tms == "WebMercatorQuad" else {
            throw HTTPError(.notFound, message: "Tile matrix set \"\(tms ?? "")\" is not offered; use WebMercatorQuad")
        }
    }

    static func metadata(_ tiles: TileService, _ name: String) async throws -> TilesetMetadata {
        try await mapped { try await tiles.metadata(name) }
    }

    static func tileResponse(_ tiles: TileService, _ name: String, _ coord: TileCoord, _ request: Request, maxAge: Int) async throws -> Response {
        let gzip = acceptsGzip(request.headers[.acceptEncoding])
        let answer = try await mapped { try await tiles.tile(name, coord, acceptsGzip: gzip) }
        switch answer {
        case .empty(let etag):
            let headers: HTTPFields = [
                .cacheControl: "public, max-age=\(maxAge)",
                .vary: "Accept-Encoding",
                .accessControlAllowOrigin: "*",
                .eTag: etag,
            ]
            return Response(status: .noContent, headers: headers)
        case .tile(let data, let gzipped, let etag):
            if let inm = request.headers[.ifNoneMatch], ifNoneMatch(inm.utf8, matches: etag.utf8) {
                return Response(status: .notModified, headers: tileHead(etag: etag, gzipped: gzipped, length: data.count,
                                                                        notModified: true, maxAge: maxAge).headerFields)
            }
            let head = tileHead(etag: etag, gzipped: gzipped, length: data.count, notModified: false, maxAge: maxAge)
            return Response(status: .ok, headers: head.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Status and headers of a tile (200, or 304 when the client's ETag matches), in the order
    /// they are sent: the one definition the router and both fast paths use, so their answers
    /// are the same bytes. Hummingbird then appends `Date` and `Server`.
    static func tileHead(etag: String, gzipped: Bool, length: Int, notModified: Bool, maxAge: Int) -> HTTPResponse {
        var fields: HTTPFields = [
            .cacheControl: "public, max-age=\(maxAge)",
            .vary: "Accept-Encoding",
            .accessControlAllowOrigin: "*",
            .eTag: etag,
        ]
        if notModified { return HTTPResponse(status: .notModified, headerFields: fields) }
        fields[.contentType] = mvtType
        if gzipped { fields[.contentEncoding] = "gzip" }
        fields[.contentLength] = String(length)
        return HTTPResponse(status: .ok, headerFields: fields)
    }

    static func baseURL(_ request: Request) -> String {
        let host = request.head.authority ?? "localhost"
        let scheme = request.headers[forwardedProto] ?? "http"
        return "\(scheme)://\(host)"
    }

    static func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
                 body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Tiles errors as HTTP errors with a message safe to show.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as TilesError {
            switch e.kind {
            case .unknownTileset, .outOfRange: throw HTTPError(.notFound, message: e.message)
            case .badCoordinate: throw HTTPError(.badRequest, message: e.message)
            case .badTileset, .storeUnavailable, .badArchive: throw HTTPError(.internalServerError, message: e.message)
            }
        }
    }
}
