// The open-data catalogue for harvesters: `/api/catalog` (JSON), `/api/catalog/{dataset}`,
// `/catalog.jsonld` (DCAT-AP 3), and the CKAN Action API subset at `/api/3/action/{action}` (and
// `/api/action/{action}`, which ckanapi calls by default), GET or POST. The documents are built
// by the Catalogue module; here only the base URL, parameters and encoding. Absolute URLs are
// rooted at the configured `PublicOrigin`, never the request's Host.
import Foundation
import Hummingbird
import GeoStore
import Catalogue
import Downloads

func addCatalogueAPIRoutes(to router: Router<BandoRequestContext>, store: Store, downloads: DownloadCache, origin: PublicOrigin) {
    let reader = CatalogueReader(store: store)
    let ckan = CKANActionAPI(reader: reader)
    /// A dataset's catalogue entry with its download usage and file checksums added.
    @Sendable func withUsage(_ entry: [String: Any], baseURL: String) -> [String: Any] {
        guard let slug = entry["id"] as? String, let usage = try? downloadUsage(slug: slug, downloads: downloads, baseURL: baseURL) else { return entry }
        var entry = entry
        entry["downloadUsage"] = usage
        return entry
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
        do {
            return try await blocking {
                try catalogueResponse(withUsage(CatalogJSON.dataset(try reader.dataset(slug), baseURL: base), baseURL: base), type: "application/json")
            }
        } catch let e as CatalogueError {
            throw APIError(status: .notFound, code: "NotFound", message: e.message)
        }
    }
    router.get("/catalog.jsonld") { _, context -> Response in
        let base = origin.url(context)
        return try await blocking { try catalogueResponse(DCAT.document(try reader.datasets(), baseURL: base), type: "application/ld+json") }
    }
    router.get("/api/3") { _, _ -> Response in try catalogueResponse(["version": 3], type: "application/json") }

    for prefix in ["/api/3/action", "/api/action"] {
        router.get("\(prefix)/{action}") { request, context -> Response in
            let params = SendableParameters(formParameters(request.uri.query ?? ""))
            let action = try context.parameters.require("action"), base = origin.url(context)
            return try await blocking { try ckanResponse(ckan.call(action, params.values, baseURL: base)) }
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
                    return try ckanResponse(CKANResponse(status: 400, body: ["success": false, "error": [
                        "__type": "Bad Request", "message": "Bad request - JSON Error: the request body is not a JSON object"]]))
                }
            }
            let all = SendableParameters(params), base = origin.url(context)
            return try await blocking { try ckanResponse(ckan.call(action, all.values, baseURL: base)) }
        }
    }
}

/// CKAN parameters (strings, and JSON values from a POST body, which Foundation makes of
/// immutable property-list types) handed to the blocking pool.
struct SendableParameters: @unchecked Sendable {
    let values: [String: Any]
    init(_ values: [String: Any]) { self.values = values }
}

/// `a=1&b=x+y` as HTML forms and Python's requests encode it (`+` is a space), which CKAN accepts.
func formParameters(_ query: String) -> [String: Any] {
    var out = [String: Any]()
    for pair in query.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ s: Substring) -> String {
            let spaced = s.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        out[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
    }
    return out
}

private func catalogueResponse(_ object: [String: Any], type: String) throws -> Response {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return Response(status: .ok, headers: [.contentType: type, .accessControlAllowOrigin: "*"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

private func ckanResponse(_ r: CKANResponse) throws -> Response {
    let data = try JSONSerialization.data(withJSONObject: r.body, options: [.sortedKeys, .withoutEscapingSlashes])
    return Response(status: .init(code: r.status), headers: [.contentType: "application/json;charset=utf-8", .accessControlAllowOrigin: "*"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

