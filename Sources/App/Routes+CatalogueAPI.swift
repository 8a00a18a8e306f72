// The open-data catalogue for harvesters: `/api/catalog` (JSON), `/api/catalog/{dataset}`,
// `/catalog.jsonld` (DCAT-AP 3), and the CKAN Action API subset at `/api/3/action/{action}` (and
// `/api/action/{action}`, which ckanapi calls by default), GET or POST. The documents are built
// by the Catalogue module; here only the base URL, parameters and encoding. Absolute URLs are
// rooted at the configured `PublicOrigin`, never the request's Host.
import Foundation
import Hummingbird
import HTTPTypes
import GeoStore
import Catalogue
import Downloads
import PublicErrors

func addCatalogueAPIRoutes(to router: Router<BandoRequestContext>, store: any ServingStore, downloads: DownloadCache, origin: PublicOrigin,
                           publisher: CataloguePublisher = .default) {
    let reader = CatalogueReader(store: store)
    let ckan = CKANActionAPI(reader: reader)
    /// A dataset's catalogue entry with its download usage and file checksums added.
    @Sendable func withUsage(_ entry: [String: Any], baseURL: String) -> [String: Any] {
        guard let slug = entry["id"] as? String, let usage = try? downloadUsage(slug: slug, store: store, downloads: downloads, baseURL: baseURL) else { return entry }
        var entry = entry
        entry["downloadUsage"] = usage
        return entry
    }

    /// A CKAN client reading one package is a use of that dataset (an unknown id counts nothing).
    @Sendable func countPackageUse(_ action: String, _ params: [String: Any]) {
        guard action == "package_show", let id = (params["id"] ?? params["name_or_id"]) as? String else { return }
        store.usageCounter.record(dataset: id, channel: .ckan)
    }

    router.get("/api/catalog") { _, context -> Response in
        let base = origin.url(context)
        return try await blocking {
            var document = CatalogJSON.document(try reader.datasets(), baseURL: base)
            if let list = document["datasets"] as? [[String: Any]] { document["datasets"] = list.map { withUsage($0, baseURL: base) } }
            return try catalogueResponse(document, type: "application/json")
        }
    }
    router.get("/api/catalog/{dataset}") { _, context -> Response in
        let slug = try context.parameters.require("dataset")
        let base = origin.url(context)
        return try await blocking {
            try catalogueResponse(withUsage(CatalogJSON.dataset(try reader.dataset(slug), baseURL: base), baseURL: base), type: "application/json")
        }
    }
    router.get("/catalog.jsonld") { _, context -> Response in
        let base = origin.url(context)
        return try await blocking {
            try catalogueResponse(DCAT.document(try reader.datasets(), baseURL: base, publisher: publisher, agencies: try reader.agencies()),
                                  type: "application/ld+json")
        }
    }
    router.get("/api/3") { _, _ -> Response in try catalogueResponse(["version": 3], type: "application/json") }

    for prefix in ["/api/3/action", "/api/action"] {
        router.get("\(prefix)/{action}") { request, context -> Response in
            let params = SendableParameters(formParameters(request.uri.query ?? ""))
            let action = try context.parameters.require("action"), base = origin.url(context)
            let language = CKANErrors.language(request)
            let answer = try await blocking { ckan.call(action, params.values, baseURL: base, language: language) }
            countPackageUse(action, params.values)
            return try ckanResponse(answer, request, context)
        }
        router.post("\(prefix)/{action}") { request, context -> Response in
            let action = try context.parameters.require("action")
            var request = request
            var params = formParameters(request.uri.query ?? "")
            let body = try await request.collectBody(upTo: 1 << 20)
            let bytes = Data(body.readableBytesView)
            if !bytes.isEmpty {
                if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                    params.merge(formParameters(String(decoding: bytes, as: UTF8.self))) { _, new in new }
                } else if let obj = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] {
                    params.merge(obj) { _, new in new }
                } else {
                    let refusal = CatalogueError(.badRequest, SafeMessage("ckan.body.notJSON"))
                    return try ckanResponse(CKANActionAPI.refusal(refusal, help: "\(origin.url(context))/api/3/action/help_show?name=\(action)",
                                                                  language: CKANErrors.language(request)), request, context)
                }
            }
            let all = SendableParameters(params), base = origin.url(context)
            let language = CKANErrors.language(request)
            let answer = try await blocking { ckan.call(action, all.values, baseURL: base, language: language) }
            countPackageUse(action, all.values)
            return try ckanResponse(answer, request, context)
        }
    }
}

/// CKAN parameters (strings, and JSON values from a POST body, which Foundation makes of
/// immutable property-list types) handed to the blocking pool.
struct SendableParameters: @unchecked Sendable {
    let values: [String: Any]
    init(_ values: [String: Any]) { self.values = values }
}

/// `a=1&b=x+y` as HTML forms and Python's requests encode it (`+` is a space), which CKAN accepts;
/// a repeated key gives the list of its values, as CKAN reads it (ckanapi sends a list such as
/// `facet.field` that way when it may only GET).
func formParameters(_ query: String) -> [String: Any] {
    var out = [String: Any]()
    for pair in query.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ s: Substring) -> String {
            let spaced = s.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        let key = decode(parts[0]), value = parts.count > 1 ? decode(parts[1]) : ""
        switch out[key] {
        case nil: out[key] = value
        case let list as [String]: out[key] = list + [value]
        case let first as String: out[key] = [first, value]
        default: break
        }
    }
    return out
}

private func catalogueResponse(_ object: [String: Any], type: String) throws -> Response {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return Response(status: .ok, headers: [.contentType: type, .accessControlAllowOrigin: "*"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// The action API's answer. A refusal keeps CKAN's envelope and status and gains what every
/// error response has: the request id (header and `error.request_id`), logged with its detail.
private func ckanResponse<Context: RequestContext>(_ r: CKANResponse, _ request: Request, _ context: Context) throws -> Response {
    var body = r.body
    var headers: HTTPFields = [.contentType: "application/json;charset=utf-8", .accessControlAllowOrigin: "*"]
    if let failure = r.failure {
        let report = ErrorReport(failure, request: request, context: context)
        if var error = body["error"] as? [String: Any] {
            error["request_id"] = report.requestID
            body["error"] = error
        }
        headers[ErrorReport.requestIDHeader] = report.requestID
        headers[.contentLanguage] = report.language.rawValue
    }
    let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
    return Response(status: .init(code: r.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

enum CKANErrors {
    static func language(_ request: Request) -> Language {
        Language.negotiate(query: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage])
    }
}

