public import FeatureQuery
public import GeoModel
import Foundation
import PublicErrors

/// Where the collections come from: the store's published datasets, in production.
public protocol CollectionDirectory: Sendable {
    /// The published collections, in a stable order.
    func collections() async throws(FeaturesError) -> [FeatureCollectionInfo]
}

extension CollectionDirectory {
    public func collection(_ id: String) async throws(FeaturesError) -> FeatureCollectionInfo {
        guard let c = try await collections().first(where: { $0.id == id }) else {
            throw FeaturesError(.notFound, SafeMessage("features.collection.notFound", ["collection": id]))
        }
        return c
    }
}

/// A finished answer of the OGC routes, for App to send as it is.
public struct OGCResponse: Sendable {
    public var body: [UInt8]
    public var contentType: String
    /// The `Content-Crs` header (`<uri>`), for feature responses.
    public var contentCRS: String?
    /// RFC 8288 `Link` header values.
    public var links: [String]
    /// For `f=html`: what the page shows, rendered by the caller in the reader's language (`body` is then empty).
    public var page: OGCPage? = nil
}

/// OGC API - Features Parts 1, 2 and 3 over a collection directory, without HTTP: each function takes
/// the request's base URL and query, and returns the document to send.
public struct OGCFeaturesAPI: Sendable {
    public let directory: any CollectionDirectory
    public let queries: FeatureQueries
    public let registry: CRSRegistry
    public var title = "Bando — OGC API - Features"
    public var description = "Open geospatial data of the province: published datasets as OGC API - Features collections, with CQL2 filtering and VN-2000 coordinates on request."

    /// The vector tilesets served beside this API (OGC API - Tiles, at the server's root:
    /// `/collections/{id}/tiles`), by name; nil: no tiles, and none declared.
    public var tilesets: (@Sendable () async -> Set<String>)?

    public init(directory: any CollectionDirectory, queries: FeatureQueries, registry: CRSRegistry = .standard,
                tilesets: (@Sendable () async -> Set<String>)? = nil) {
        self.directory = directory; self.queries = queries; self.registry = registry; self.tilesets = tilesets
    }

    public static let conformanceClasses: [String] = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        // Drafts (Part 6, property selection; Part 8, sorting): `properties` and `sortby`.
        "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/property-selection",
        "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
    ] + CQL2Conformance.classes

    /// OGC API - Tiles, Part 1: what `/tileMatrixSets` and `/collections/{id}/tiles/...` serve
    /// (Mapbox vector tiles in WebMercatorQuad, a tileset list per collection).
    public static let tilesConformanceClasses: [String] = [
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    ]

    /// The classes declared: Features always, Tiles when tilesets are served.
    public var conformanceClasses: [String] {
        Self.conformanceClasses + (tilesets == nil ? [] : Self.tilesConformanceClasses)
    }

    /// Where the tiles routes live: the root of the server, one level above this API's base
    /// (`https://host/ogc` → `https://host`).
    static func tilesRoot(_ base: String) -> String {
        guard let slash = base.lastIndex(of: "/"), base[..<slash].contains("://") else { return base }
        return String(base[..<slash])
    }

    // MARK: Documents

    public func landing(base: String, html: Bool) -> OGCResponse {
        let links: [[String: Any]] = [
            link(base, "self", html ? "text/html" : "application/json", "This document"),
            link(base + "?f=\(html ? "json" : "html")", "alternate", html ? "application/json" : "text/html", "This document in \(html ? "JSON" : "HTML")"),
            link(base + "/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition (OpenAPI 3.0)"),
            link(base + "/conformance", "conformance", "application/json", "Conformance classes"),
            link(base + "/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance", "application/json", "Conformance classes"),
            link(base + "/collections", "data", "application/json", "Collections"),
            link(base + "/collections", "http://www.opengis.net/def/rel/ogc/1.0/data", "application/json", "Collections"),
        ] + (tilesets == nil ? [] : [
            link(Self.tilesRoot(base) + "/tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "application/json",
                 "Tile matrix sets (OGC API - Tiles)"),
        ])
        if html {
            var p = OGCPage(kind: .landing, title: title, description: description)
            p.links = OGCPage.links(links)
            return Self.page(p)
        }
        return document(["title": title, "description": description, "links": links])
    }

    public func conformance(html: Bool) -> OGCResponse {
        if html {
            var p = OGCPage(kind: .conformance)
            p.conformsTo = conformanceClasses
            return Self.page(p)
        }
        return document(["conformsTo": conformanceClasses])
    }

    public func collections(base: String, html: Bool) async throws(FeaturesError) -> OGCResponse {
        let cs = try await directory.collections()
        let tiled = await tilesets?() ?? []
        let doc: [String: Any] = [
            "links": [link(base + "/collections", "self", html ? "text/html" : "application/json", "Collections"),
                      link(base + "/collections?f=\(html ? "json" : "html")", "alternate", html ? "application/json" : "text/html", "Collections")],
            "collections": cs.map { collectionObject($0, base: base, tiled: tiled.contains($0.id)) },
            "crs": registry.supported,
        ]
        if html {
            var p = OGCPage(kind: .collections)
            p.links = OGCPage.links(doc["links"] as? [[String: Any]] ?? [])
            p.collections = cs.map { c in
                OGCPage.Collection(id: c.id, title: c.title, description: c.description,
                                   url: base + "/collections/" + QueryString.escape(c.id) + "?f=html")
            }
            return Self.page(p)
        }
        return document(doc)
    }

    public func collection(_ id: String, base: String, html: Bool) async throws(FeaturesError) -> OGCResponse {
        let c = try await directory.collection(id)
        let tiled = await tilesets?().contains(c.id) ?? false
        let doc = collectionObject(c, base: base, tiled: tiled)
        if html {
            var p = OGCPage(kind: .collection, title: c.title, description: c.description)
            p.links = OGCPage.links(doc["links"] as? [[String: Any]] ?? [])
            p.extent = c.extent?.array
            p.licence = c.licence
            p.attribution = c.attribution
            p.datasetSlug = c.id
            p.fields = OGCPage.fields(c)
            return Self.page(p)
        }
        return document(doc)
    }

    func collectionObject(_ c: FeatureCollectionInfo, base: String, tiled: Bool = false) -> [String: Any] {
        let url = base + "/collections/" + QueryString.escape(c.id)
        var links = [
            link(url, "self", "application/json", c.title),
            link(url + "?f=html", "alternate", "text/html", c.title),
            link(url + "/items", "items", "application/geo+json", "Features of \(c.title)"),
            link(url + "/items?f=html", "items", "text/html", "Features of \(c.title) (HTML)"),
            link(url + "/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables of \(c.title)"),
            link(url + "/schema", "describedby", "application/schema+json", "JSON Schema of the features of \(c.title)"),
            // GDAL up to 3.7 looks for this spelling only (link relations are case-insensitive).
            link(url + "/schema", "describedBy", "application/schema+json", "JSON Schema of the features of \(c.title)"),
        ]
        if tiled {
            links.append(link(Self.tilesRoot(base) + "/collections/" + QueryString.escape(c.id) + "/tiles",
                              "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "application/json",
                              "Vector tilesets of \(c.title) (OGC API - Tiles)"))
        }
        var o: [String: Any] = [
            "id": c.id, "title": c.title, "itemType": "feature",
            "crs": registry.supported, "storageCrs": OutputCRS.crs84URI,
            "links": links,
        ]
        if let d = c.description { o["description"] = d }
        if let e = c.extent {
            o["extent"] = ["spatial": ["bbox": [e.array], "crs": OutputCRS.crs84URI]]
        }
        if let l = c.licence { o["license"] = l }
        if let a = c.attribution { o["attribution"] = a }
        return o
    }

    public func queryables(_ id: String, base: String, html: Bool) async throws(FeaturesError) -> OGCResponse {
        let c = try await directory.collection(id)
        var props: [String: Any] = ["geometry": ["title": "geometry", "format": "geometry-any",
                                                 "x-ogc-role": "primary-geometry"]]
        for f in c.table.fields { props[f.name] = Self.jsonSchemaType(f.type).merging(["title": f.name]) { a, _ in a } }
        let doc: [String: Any] = [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": base + "/collections/" + QueryString.escape(c.id) + "/queryables",
            "type": "object", "title": c.title, "properties": props, "additionalProperties": false,
        ]
        return schemaDocument(doc, of: c, kind: .queryables, base: base, html: html)
    }

    /// `/collections/{id}/schema`: a JSON Schema of the collection's GeoJSON features, each
    /// property with its exact type (`number` for reals, `integer`, `boolean`, `string` with
    /// `format` for dates), so that a client types its fields from the schema, not from the
    /// values of a first page.
    public func schema(_ id: String, base: String, html: Bool) async throws(FeaturesError) -> OGCResponse {
        let c = try await directory.collection(id)
        var props: [String: Any] = [:]
        for f in c.table.fields { props[f.name] = Self.jsonSchemaType(f.type).merging(["title": f.name]) { a, _ in a } }
        let doc: [String: Any] = [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": base + "/collections/" + QueryString.escape(c.id) + "/schema",
            "title": c.title, "type": "object", "required": ["type", "geometry", "properties"],
            "properties": [
                "type": ["type": "string", "enum": ["Feature"]],
                "id": ["type": "integer"],
                "geometry": ["x-ogc-role": "primary-geometry", "format": "geometry-any"],
                "properties": ["type": "object", "properties": props],
            ],
        ]
        return schemaDocument(doc, of: c, kind: .schema, base: base, html: html)
    }

    /// A JSON Schema document (queryables, schema), or for `f=html` the page of the collection's fields.
    func schemaDocument(_ doc: [String: Any], of c: FeatureCollectionInfo, kind: OGCPage.Kind, base: String, html: Bool) -> OGCResponse {
        if html {
            var p = OGCPage(kind: kind, title: c.title)
            p.fields = OGCPage.fields(c)
            p.links = [OGCPage.Link(href: base + "/collections/" + QueryString.escape(c.id) + "?f=html", rel: "collection", type: "text/html")]
            p.datasetSlug = c.id
            return Self.page(p)
        }
        var r = document(doc)
        r.contentType = "application/schema+json"
        return r
    }

    static func jsonSchemaType(_ t: FieldType) -> [String: Any] {
        switch t {
        case .integer: ["type": "integer"]
        case .real: ["type": "number"]
        case .boolean: ["type": "boolean"]
        case .text: ["type": "string"]
        case .date: ["type": "string", "format": "date"]
        case .dateTime: ["type": "string", "format": "date-time"]
        }
    }

    // MARK: Features

    public func items(_ id: String, query: QueryString, base: String, html: Bool) async throws(FeaturesError) -> OGCResponse {
        let c = try await directory.collection(id)
        let (q, crs) = try ItemsQuery.parse(query, collection: c, registry: registry)
        let page = try await queries.items(c, q, crs: crs)
        let url = base + "/collections/" + QueryString.escape(c.id) + "/items"
        var links: [[String: Any]] = [
            link(url + "?" + query.encoded(replacing: ["f": "json"]), "self", "application/geo+json", "This page"),
            link(url + "?" + query.encoded(replacing: ["f": "html"]), "alternate", "text/html", "This page in HTML"),
            link(base + "/collections/" + QueryString.escape(c.id), "collection", "application/json", c.title),
        ]
        if q.offset + page.numberReturned < page.numberMatched {
            links.append(link(url + "?" + query.encoded(replacing: ["f": "json", "offset": String(q.offset + q.limit)]), "next", "application/geo+json", "Next page"))
        }
        if q.offset > 0 {
            links.append(link(url + "?" + query.encoded(replacing: ["f": "json", "offset": String(max(0, q.offset - q.limit))]), "prev", "application/geo+json", "Previous page"))
        }
        if html {
            var p = OGCPage(kind: .items, title: c.title)
            p.links = OGCPage.links(links.filter { !["next", "prev"].contains($0["rel"] as? String ?? "") })
            p.fields = OGCPage.fields(c)
            p.numberMatched = page.numberMatched
            p.numberReturned = page.numberReturned
            p.datasetSlug = c.id
            // The next and previous pages of a page in HTML are pages in HTML.
            if q.offset + page.numberReturned < page.numberMatched {
                p.next = url + "?" + query.encoded(replacing: ["f": "html", "offset": String(q.offset + q.limit)])
            }
            if q.offset > 0 {
                p.prev = url + "?" + query.encoded(replacing: ["f": "html", "offset": String(max(0, q.offset - q.limit))])
            }
            let features = (try? JSONSerialization.jsonObject(with: Data(page.featuresJSON))) as? [[String: Any]] ?? []
            p.rows = features.map { f in
                let id = OGCPage.cell(f["id"])
                let props = f["properties"] as? [String: Any] ?? [:]
                return OGCPage.Row(id: id, url: url + "/" + QueryString.escape(id) + "?f=html",
                                   cells: c.table.fields.map { OGCPage.cell(props[$0.name]) })
            }
            return Self.page(p, crs: "<\(crs.uri)>")
        }
        var out: [UInt8] = []
        out.reserveCapacity(page.featuresJSON.count + 1024)
        out.append(contentsOf: #"{"type":"FeatureCollection","numberMatched":"#.utf8)
        out.append(contentsOf: String(page.numberMatched).utf8)
        out.append(contentsOf: #","numberReturned":"#.utf8)
        out.append(contentsOf: String(page.numberReturned).utf8)
        out.append(contentsOf: #","timeStamp":""#.utf8)
        out.append(contentsOf: Self.timestamp().utf8)
        out.append(contentsOf: #"","links":"#.utf8)
        Self.writeLinks(links, into: &out)
        out.append(contentsOf: #","features":"#.utf8)
        out.append(contentsOf: page.featuresJSON)
        out.append(UInt8(ascii: "}"))
        return OGCResponse(body: out, contentType: "application/geo+json", contentCRS: "<\(crs.uri)>",
                           links: links.compactMap(Self.linkHeader))
    }

    public func item(_ id: String, featureID: String, query: QueryString, base: String, html: Bool) async throws(FeaturesError) -> OGCResponse {
        let c = try await directory.collection(id)
        guard let fid = Int64(featureID) else { throw FeaturesError(.notFound, SafeMessage("features.feature.badID", ["feature": featureID, "collection": c.id])) }
        for (name, _) in query.pairs where name != "f" && name != "crs" && name != "lang" {
            throw .invalid(name, SafeMessage("features.parameter.unknownForItem", ["name": name]))
        }
        let crs = try registry.resolve(query["crs"] ?? OutputCRS.crs84URI, parameter: "crs")
        guard var body = try await queries.item(c, fid: fid, crs: crs) else {
            throw FeaturesError(.notFound, SafeMessage("features.feature.notFound", ["feature": String(fid), "collection": c.id]))
        }
        let url = base + "/collections/" + QueryString.escape(c.id) + "/items/\(fid)"
        let links = [link(url, "self", "application/geo+json", "This feature"),
                     link(url + "?f=html", "alternate", "text/html", "This feature in HTML"),
                     link(base + "/collections/" + QueryString.escape(c.id), "collection", "application/json", c.title)]
        if html {
            var p = OGCPage(kind: .feature, title: c.title)
            p.links = OGCPage.links(links)
            p.fields = OGCPage.fields(c)
            p.featureID = String(fid)
            p.datasetSlug = c.id
            let props = ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any])?["properties"] as? [String: Any] ?? [:]
            p.rows = [OGCPage.Row(id: String(fid), url: url + "?f=html", cells: c.table.fields.map { OGCPage.cell(props[$0.name]) })]
            return Self.page(p, crs: "<\(crs.uri)>")
        }
        // Insert the links before the closing brace of the Feature.
        body.removeLast()
        body.append(contentsOf: #","links":"#.utf8)
        body.append(contentsOf: Self.json(links))
        body.append(UInt8(ascii: "}"))
        return OGCResponse(body: body, contentType: "application/geo+json", contentCRS: "<\(crs.uri)>",
                           links: links.compactMap(Self.linkHeader))
    }

    // MARK: Helpers

    func link(_ href: String, _ rel: String, _ type: String, _ title: String) -> [String: Any] {
        ["href": href, "rel": rel, "type": type, "title": title]
    }

    static func linkHeader(_ l: [String: Any]) -> String? {
        guard let href = l["href"] as? String, let rel = l["rel"] as? String else { return nil }
        return "<\(href)>; rel=\"\(rel)\"; type=\"\(l["type"] as? String ?? "")\""
    }

    static func json(_ value: Any) -> [UInt8] {
        (try? Array(JSONSerialization.data(withJSONObject: value, options: [.withoutEscapingSlashes, .sortedKeys]))) ?? Array("null".utf8)
    }

    /// An HTML page's answer: the page as values, for the caller to render.
    static func page(_ p: OGCPage, crs: String? = nil) -> OGCResponse {
        OGCResponse(body: [], contentType: "text/html; charset=utf-8", contentCRS: crs, links: [], page: p)
    }

    func document(_ doc: [String: Any]) -> OGCResponse {
        let links = (doc["links"] as? [[String: Any]])?.compactMap(Self.linkHeader) ?? []
        return OGCResponse(body: Self.json(doc), contentType: "application/json", contentCRS: nil, links: links)
    }

    /// Now as ISO 8601 UTC (`2026-11-23T15:04:05Z`), formatted once per second: building a
    /// date formatter per request cost more than the whole items query.
    static func timestamp() -> String {
        let now = time(nil)
        return timestampCache.withLock { c in
            if c.second == now { return c.text }
            var t = tm()
            var s = now
            gmtime_r(&s, &t)
            func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
            c = (now, "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday))T\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec))Z")
            return c.text
        }
    }
    static let timestampCache = LockedValue<(second: time_t, text: String)>((0, ""))

    /// Links (`href`, `rel`, `title`, `type`, all strings) as JSON, keys sorted as `json` sorts
    /// them, without JSONSerialization (it was a tenth of an items request).
    static func writeLinks(_ links: [[String: Any]], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, l) in links.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            var first = true
            for key in ["href", "rel", "title", "type"] {
                guard let v = l[key] as? String else { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                GeoJSON.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                GeoJSON.writeString(v, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

}

/// A value behind a lock, for the few caches shared by every request.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}
