import Foundation
import GeoModel
public import Hummingbird
public import Tiles
import PublicErrors

/// Tile routes: XYZ tiles and TileJSON under `/tiles`, and OGC API - Tiles
/// (`/tileMatrixSets`, `/collections/{id}/tiles/...`). Handlers are thin: `TileService`
/// decides; this file maps its answers and errors to HTTP.
///
/// Call from `buildRouter`: `addTileRoutes(to: router, tiles: tileService, origin: origin)`;
/// `origin` roots the absolute URLs in TileJSON and the OGC documents.
public func addTileRoutes<Context: RequestContext>(to router: Router<Context>, tiles: TileService, origin: PublicOrigin = PublicOrigin()) {
    let maxAge = tiles.configuration.maxAge

    router.get("tiles/{tileset}/{z}/{x}/{y}.mvt") { request, context -> Response in
        let name = try context.parameters.require("tileset")
        let coord = try TileRoutes.coord(z: context.parameters.get("z"), x: context.parameters.get("x"), y: context.parameters.get("y"))
        return try await TileRoutes.tileResponse(tiles, name, coord, request, maxAge: maxAge)
    }
    router.get("tiles/{tileset}.json") { _, context -> Response in
        let name = try context.parameters.require("tileset")
        let meta = try await TileRoutes.metadata(tiles, name)
        return TileRoutes.json(TileDocuments.tileJSON(meta, baseURL: origin.url(context)))
    }
    router.get("tiles") { _, context -> Response in
        let names = try await tiles.tilesetNames()
        let base = origin.url(context)
        let list = names.map { ["name": $0, "tilejson": "\(base)/tiles/\($0).json"] }
        return TileRoutes.json((try? JSONSerialization.data(withJSONObject: ["tilesets": list], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    // OGC API - Tiles, Part 1 (core, tileset, tilesets-list, dataset tilesets via collections).
    router.get("tileMatrixSets") { _, context -> Response in
        TileRoutes.json(TileDocuments.tileMatrixSets(baseURL: origin.url(context)))
    }
    router.get("tileMatrixSets/WebMercatorQuad") { _, _ -> Response in
        TileRoutes.json(TileDocuments.webMercatorQuad())
    }
    router.get("tileMatrixSets/{id}") { _, context -> Response in
        let id = context.parameters.get("id") ?? ""
        throw APIError(.notFound, code: "NotFound", SafeMessage("tiles.matrixSet.unknown", ["id": id]))
    }
    router.get("collections/{id}/tiles") { _, context -> Response in
        let meta = try await TileRoutes.metadata(tiles, try context.parameters.require("id"))
        return TileRoutes.json(TileDocuments.collectionTilesets(meta, baseURL: origin.url(context)))
    }
    router.get("collections/{id}/tiles/{tms}") { _, context -> Response in
        try TileRoutes.requireWebMercator(context.parameters.get("tms"))
        let meta = try await TileRoutes.metadata(tiles, try context.parameters.require("id"))
        return TileRoutes.json(TileDocuments.ogcTileset(meta, baseURL: origin.url(context)))
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

    /// z/x/y from the path: 400 when not whole numbers, 404 when not a tile of the quad tree.
    static func coord(z: String?, x: String?, y: String?) throws -> TileCoord {
        guard let zs = z, let xs = x, let ys = y, let z = Int(zs), let x = Int(xs), let y = Int(ys) else {
            throw APIError(.badRequest, code: "InvalidParameterValue", SafeMessage("tiles.coordinate.notNumbers", ["z": z ?? "", "x": x ?? "", "y": y ?? ""]))
        }
        guard z >= 0, x >= 0, y >= 0 else {
            throw APIError(.badRequest, code: "InvalidParameterValue", SafeMessage("tiles.coordinate.negative", ["tile": "\(z)/\(x)/\(y)"]))
        }
        let c = TileCoord(z: z, x: x, y: y)
        guard c.isValid else {
            throw APIError(.notFound, code: "NotFound", z > 30 ? SafeMessage("tiles.zoom.tooDeep", ["zoom": String(z)])
                : SafeMessage("tiles.coordinate.beyond", ["tile": "\(z)/\(x)/\(y)", "maximum": String((1 << z) - 1), "zoom": String(z)]))
        }
        return c
    }

    static func requireWebMercator(_ tms: String?) throws {
        guard tms == "WebMercatorQuad" else {
            throw APIError(.notFound, code: "NotFound", SafeMessage("tiles.matrixSet.unknown", ["id": tms ?? ""]))
        }
    }

    static func metadata(_ tiles: TileService, _ name: String) async throws -> TilesetMetadata {
        try await tiles.metadata(name)
    }

    static func tileResponse(_ tiles: TileService, _ name: String, _ coord: TileCoord, _ request: Request, maxAge: Int) async throws -> Response {
        let gzip = acceptsGzip(request.headers[.acceptEncoding])
        let answer = try await tiles.tile(name, coord, acceptsGzip: gzip)
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
            .xContentTypeOptions: "nosniff",
        ]
        if notModified { return HTTPResponse(status: .notModified, headerFields: fields) }
        fields[.contentType] = mvtType
        if gzipped { fields[.contentEncoding] = "gzip" }
        fields[.contentLength] = String(length)
        return HTTPResponse(status: .ok, headerFields: fields)
    }

    static func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
                 body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
