import FeatureQuery
import GeoModel
import Foundation

extension OGCFeaturesAPI {
    /// The OpenAPI 3.0 document of the `/ogc` routes: every path, parameter and response
    /// this server really has (and no others).
    public func openAPI(base: String) async throws(FeaturesError) -> OGCResponse {
        let cs = try await directory.collections()
        func param(_ name: String, _ location: String, _ description: String, _ schema: [String: Any], required: Bool = false, explode: Bool? = nil) -> [String: Any] {
            var p: [String: Any] = ["name": name, "in": location, "description": description, "schema": schema, "required": required]
            if let explode { p["style"] = "form"; p["explode"] = explode }
            return p
        }
        let f = param("f", "query", "The representation: json (default) or html.", ["type": "string", "enum": ["json", "html"]])
        let collectionId = param("collectionId", "path", "A collection: the slug of a published dataset.",
                                 ["type": "string", "enum": cs.map(\.id)], required: true)
        let featureId = param("featureId", "path", "The feature's id (a whole number).", ["type": "integer"], required: true)
        let crs = param("crs", "query", "The CRS of the returned coordinates (OGC API - Features Part 2).",
                        ["type": "string", "format": "uri", "enum": registry.supported, "default": OutputCRS.crs84URI])
        let itemsParams: [[String: Any]] = [
            collectionId, f, crs,
            param("bbox", "query", "Only features meeting this box: minx,miny,maxx,maxy (in bbox-crs, CRS84 by default).",
                  ["type": "array", "minItems": 4, "maxItems": 6, "items": ["type": "number"]], explode: false),
            param("bbox-crs", "query", "The CRS of bbox.", ["type": "string", "format": "uri", "enum": registry.supported]),
            param("limit", "query", "Features per page.", ["type": "integer", "minimum": 1, "maximum": ItemsQuery.maximumLimit, "default": ItemsQuery.defaultLimit]),
            param("offset", "query", "Features to skip (the next and prev links set it).", ["type": "integer", "minimum": 0, "default": 0]),
            param("datetime", "query", "An instant or interval (start/end, .. for open) on the collection's date field; only for collections that have one.", ["type": "string"]),
            param("filter", "query", "A CQL2 filter (OGC API - Features Part 3).", ["type": "string"]),
            param("filter-lang", "query", "The encoding of filter (cql-text: the legacy name of cql2-text).",
                  ["type": "string", "enum": filterLanguages, "default": "cql2-text"]),
            param("filter-crs", "query", "The CRS of the geometries in filter.", ["type": "string", "format": "uri", "enum": registry.supported]),
            param("sortby", "query", "Sort by these properties (comma-separated; a leading - for descending order).",
                  ["type": "array", "items": ["type": "string"]], explode: false),
            param("properties", "query", "Only these properties in each feature (comma-separated).",
                  ["type": "array", "items": ["type": "string"]], explode: false),
        ]
        let exception: [String: Any] = ["description": "The request is wrong: the exception says which parameter and how to fix it.",
                                         "content": ["application/json": ["schema": ["$ref": "#/components/schemas/exception"]]]]
        let notFound: [String: Any] = ["description": "No such collection or feature.",
                                       "content": ["application/json": ["schema": ["$ref": "#/components/schemas/exception"]]]]
        func ok(_ description: String, _ type: String) -> [String: Any] {
            ["description": description, "content": [type: ["schema": ["type": "object"]], "text/html": ["schema": ["type": "string"]]]]
        }
        func get(_ id: String, _ summary: String, _ params: [[String: Any]], _ responses: [String: Any]) -> [String: Any] {
            ["get": ["operationId": id, "summary": summary, "parameters": params, "responses": responses]]
        }
        var paths: [String: Any] = [
            "/": get("getLandingPage", "Landing page", [f], ["200": ok("Links to the API, conformance and collections.", "application/json")]),
            "/api": get("getAPI", "This OpenAPI document", [], ["200": ["description": "OpenAPI 3.0", "content": ["application/vnd.oai.openapi+json;version=3.0": ["schema": ["type": "object"]]]]]),
            "/conformance": get("getConformance", "Conformance classes", [f], ["200": ok("The classes this server passes.", "application/json")]),
            "/collections": get("getCollections", "The collections", [f], ["200": ok("One collection per published dataset.", "application/json")]),
            "/collections/{collectionId}": get("describeCollection", "One collection", [collectionId, f], ["200": ok("Extent, CRSs and links.", "application/json"), "404": notFound]),
            "/collections/{collectionId}/queryables": get("getQueryables", "The properties a filter may use", [collectionId, f], ["200": ok("A JSON Schema of the queryables.", "application/schema+json"), "404": notFound]),
            "/collections/{collectionId}/schema": get("getSchema", "A JSON Schema of the collection's features", [collectionId, f], ["200": ok("Each property with its type.", "application/schema+json"), "404": notFound]),
            "/collections/{collectionId}/items": get("getFeatures", "Features of a collection", itemsParams, [
                "200": ok("A page of features, with numberMatched, numberReturned and next/prev links. Content-Crs names the CRS.", "application/geo+json"),
                "400": exception, "404": notFound,
                "503": ["description": "The query ran past the time limit and was stopped.", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/exception"]]]],
            ]),
            "/collections/{collectionId}/items/{featureId}": get("getFeature", "One feature", [collectionId, featureId, f, crs], ["200": ok("The feature.", "application/geo+json"), "400": exception, "404": notFound]),
        ]
        // Each collection's items again, with its queryables as query parameters (property
        // equality filters), which the generic path cannot list.
        for c in cs {
            var params = itemsParams.filter { ($0["name"] as? String) != "collectionId" }
            for field in c.table.fields {
                let type: String = switch field.type {
                case .integer: "integer"
                case .real: "number"
                case .boolean: "boolean"
                case .text, .date, .dateTime: "string"
                }
                params.append(param(field.name, "query", "Only features whose \(field.name) equals this value.", ["type": type]))
            }
            paths["/collections/\(c.id)/items"] = get("getFeatures-\(c.id)", "Features of \(c.title)", params, [
                "200": ok("A page of features of \(c.title).", "application/geo+json"),
                "400": exception,
                "503": ["description": "The query ran past the time limit and was stopped.", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/exception"]]]],
            ])
        }
        let doc: [String: Any] = [
            "openapi": "3.0.3",
            "info": ["title": title, "description": description, "version": "1.0.0",
                     "license": ["name": "Open data: each collection states its licence and attribution"]],
            "servers": [["url": base]],
            "paths": paths,
            "components": ["schemas": ["exception": ["type": "object", "required": ["code"],
                                                     "properties": ["code": ["type": "string"], "description": ["type": "string"]]]]],
        ]
        return OGCResponse(body: Self.json(doc), contentType: "application/vnd.oai.openapi+json;version=3.0", contentCRS: nil, links: [])
    }
}
