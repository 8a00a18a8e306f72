public import Features
public import Hummingbird
import NIOCore
import HTTPTypes
import Logging
import PublicErrors
import Web

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
        let base = baseURL(request, context)
        return ogcResponse(api.landing(base: base, html: wantsHTML(request)), request, base: base)
    }
    group.get("api") { request, context in
        try await ogc { () async throws(FeaturesError) in try await api.openAPI(base: baseURL(request, context)) }
    }
    group.get("conformance") { request, context in
        ogcResponse(api.conformance(html: wantsHTML(request)), request, base: baseURL(request, context))
    }
    group.get("collections") { request, context in
        try await ogc(request, base: baseURL(request, context)) { () async throws(FeaturesError) in try await api.collections(base: baseURL(request, context), html: wantsHTML(request)) }
    }
    group.get("collections/:collectionId") { request, context in
        let id = try context.parameters.require("collectionId")
        return try await ogc(request, base: baseURL(request, context)) { () async throws(FeaturesError) in try await api.collection(id, base: baseURL(request, context), html: wantsHTML(request)) }
    }
    group.get("collections/:collectionId/queryables") { request, context in
        let id = try context.parameters.require("collectionId")
        return try await ogc(request, base: baseURL(request, context)) { () async throws(FeaturesError) in try await api.queryables(id, base: baseURL(request, context), html: wantsHTML(request)) }
    }
    group.get("collections/:collectionId/schema") { request, context in
        let id = try context.parameters.require("collectionId")
        return try await ogc { () async throws(FeaturesError) in try await api.schema(id, base: baseURL(request, context), html: wantsHTML(request)) }
    }
    group.get("collections/:collectionId/items") { request, context in
        let id = try context.parameters.require("collectionId")
        return try await ogc(request, base: baseURL(request, context)) { () async throws(FeaturesError) in
            try await api.items(id, query: QueryString(request.uri.query), base: baseURL(request, context), html: wantsHTML(request))
        }
    }
    group.get("collections/:collectionId/items/:featureId") { request, context in
        let id = try context.parameters.require("collectionId")
        let fid = try context.parameters.require("featureId")
        return try await ogc(request, base: baseURL(request, context)) { () async throws(FeaturesError) in
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
func ogc(_ request: Request, base: String, _ body: () async throws(FeaturesError) -> OGCResponse) async throws -> Response {
    ogcResponse(try await body(), request, base: base)
}

/// Runs a handler whose answer is never a page (the OpenAPI document, analysis).
func ogc(_ body: () async throws(FeaturesError) -> OGCResponse) async throws -> Response {
    ogcResponse(try await body())
}

/// The document as it is, or, for `f=html`, its page in the portal's look and the reader's
/// language (`?lang=` or `Accept-Language`), with a link to the same page in the other language.
func ogcResponse(_ r: OGCResponse, _ request: Request, base: String) -> Response {
    if let page = r.page {
        var headers = HTTPFields()
        let language = pageLanguage(request)
        let query = QueryString(request.uri.query).encoded(replacing: ["lang": language.other.rawValue])
        let html = PortalPages.shared.ogc(page, base: base, language: language, switchURL: request.uri.path + "?" + query)
        headers[.contentType] = r.contentType
        headers[.contentLanguage] = language.rawValue
        headers[.vary] = "Accept, Accept-Language"
        if let crs = r.contentCRS { headers[HTTPField.Name("Content-Crs")!] = crs }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
    return ogcResponse(r)
}

func ogcResponse(_ r: OGCResponse) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = r.contentType
    if let crs = r.contentCRS { headers[HTTPField.Name("Content-Crs")!] = crs }
    for l in r.links { headers.append(HTTPField(name: HTTPField.Name("Link")!, value: l)) }
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: r.body)))
}
