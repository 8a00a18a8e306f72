public import Features
public import Hummingbird
import NIOCore
import HTTPTypes
import Logging

/// OGC API - Features (Parts 1, 2 and 3) under `/ogc`. The handlers only translate: the
/// documents, the query parsing and the SQL live in `Features.OGCFeaturesAPI`.
///
/// Called from `buildRouter`: `addOGCFeaturesRoutes(to: router, api: ogcAPI, origin: origin)`;
/// links are absolute (GDAL and QGIS need them so) under `origin`.
public func addOGCFeaturesRoutes<Context: RequestContext>(to router: Router<Context>, api: OGCFeaturesAPI, prefix: String = "ogc",
                                                          origin: PublicOrigin = PublicOrigin()) {
    // Errors rendered here too, so the routes answer OGC exceptions on any router they are added to.
    let group = router.group(RouterPath(prefix)).add(middleware: ErrorMiddleware<Context>())
    @Sendable func baseURL(_ request: Request, _ context: Context) -> String { origin.url(context) + "/" + prefix }
    group.get { request, context in
        let r = api.landing(base: baseURL(request, context), html: wantsHTML(request))
        return ogcResponse(r)
    }
    group.get("api") { request, context in
        try await ogc { () async throws(FeaturesError) in try await api.openAPI(base: baseURL(request, context)) }
    }
    group.get("conformance") { request, _ in
        ogcResponse(api.conformance(html: wantsHTML(request)))
    }
    group.get("collections") { request, context in
        try await ogc { () async throws(FeaturesError) in try await api.collections(base: baseURL(request, context), html: wantsHTML(request)) }
    }
    group.get("collections/:collectionId") { request, context in
        let id = try context.parameters.require("collectionId")
        return try await ogc { () async throws(FeaturesError) in try await api.collection(id, base: baseURL(request, context), html: wantsHTML(request)) }
    }
    group.get("collections/:collectionId/queryables") { request, context in
        let id = try context.parameters.require("collectionId")
        return try await ogc { () async throws(FeaturesError) in try await api.queryables(id, base: baseURL(request, context), html: wantsHTML(request)) }
    }
    group.get("collections/:collectionId/schema") { request, context in
        let id = try context.parameters.require("collectionId")
        return try await ogc { () async throws(FeaturesError) in try await api.schema(id, base: baseURL(request, context), html: wantsHTML(request)) }
    }
    group.get("collections/:collectionId/items") { request, context in
        let id = try context.parameters.require("collectionId")
        return try await ogc { () async throws(FeaturesError) in
            try await api.items(id, query: QueryString(request.uri.query), base: baseURL(request, context), html: wantsHTML(request))
        }
    }
    group.get("collections/:collectionId/items/:featureId") { request, context in
        let id = try context.parameters.require("collectionId")
        let fid = try context.parameters.require("featureId")
        return try await ogc { () async throws(FeaturesError) in
            try await api.item(id, featureID: fid, query: QueryString(request.uri.query), base: baseURL(request, context), html: wantsHTML(request))
        }
    }
}

/// `f=html`, or a browser's Accept header without an explicit `f`.
func wantsHTML(_ request: Request) -> Bool {
    if let f = QueryString(request.uri.query)["f"] { return f.lowercased() == "html" }
    let accept = request.headers[.accept] ?? ""
    return accept.contains("text/html")
}

/// Runs an OGC handler. A `FeaturesError` it throws becomes, in `ErrorMiddleware`, the OGC
/// exception document (`code`, `description`, `request_id`) with the status its kind calls for.
func ogc(_ body: () async throws(FeaturesError) -> OGCResponse) async throws -> Response {
    ogcResponse(try await body())
}

func ogcResponse(_ r: OGCResponse) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = r.contentType
    if let crs = r.contentCRS { headers[HTTPField.Name("Content-Crs")!] = crs }
    for l in r.links { headers.append(HTTPField(name: HTTPField.Name("Link")!, value: l)) }
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: r.body)))
}
