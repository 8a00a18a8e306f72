public import Foundation
import GeoModel

/// The JSON documents that describe tilesets to clients: TileJSON 3.0.0 for MapLibre and
/// friends, and the OGC API - Tiles documents (tile matrix sets, tileset metadata).
public enum TileDocuments {
    /// TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0).
    /// `baseURL` is the server's own root, e.g. `http://localhost:8080`; `tilePath` the tiles'
    /// path under it (default `/tiles/NAME/{z}/{x}/{y}.mvt`; the basemap has its own).
    public static func tileJSON(_ m: TilesetMetadata, baseURL: String, tilePath: String? = nil) -> Data {
        let center = m.bounds.center
        let centerZoom = min(m.maxZoom, max(m.minZoom, zoomFitting(m.bounds)))
        let doc: [String: Any] = [
            "tilejson": "3.0.0",
            "name": m.title.isEmpty ? m.name : m.title,
            "description": m.description,
            "attribution": m.attribution,
            "version": "1.0.0",
            "scheme": "xyz",
            "tiles": [baseURL + (tilePath ?? "/tiles/\(m.name)/{z}/{x}/{y}.mvt")],
            "minzoom": m.minZoom,
            "maxzoom": m.maxZoom,
            "bounds": m.bounds.array.map(round6),
            "center": [round6(center.x), round6(center.y), centerZoom],
            "vector_layers": m.vectorLayers.map { l -> [String: Any] in
                [
                    "id": l.id, "description": l.description, "minzoom": l.minZoom, "maxzoom": l.maxZoom,
                    "fields": Dictionary(l.fields.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a }),
                ]
            },
        ]
        return json(doc)
    }

    /// The zoom at which the bounds fill about one 256-pixel tile.
    static func zoomFitting(_ b: BoundingBox) -> Int {
        let span = max(b.width, b.height * 1.5, 1e-6)
        let zoom = log2(360 / span)
        // Bounds that are not numbers (a bad row in an older store) fit nowhere: the whole world.
        guard zoom.isFinite else { return 0 }
        return max(0, min(22, Int(max(-1, min(23, zoom)))))
    }

    static func round6(_ d: Double) -> Double { (d * 1e6).rounded() / 1e6 }

    public static let tileMatrixSetURI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"

    /// `GET /tileMatrixSets`.
    public static func tileMatrixSets(baseURL: String) -> Data {
        json([
            "tileMatrixSets": [[
                "id": "WebMercatorQuad", "title": "Google Maps Compatible for the World", "uri": tileMatrixSetURI,
                "links": [["rel": "self", "type": "application/json", "href": "\(baseURL)/tileMatrixSets/WebMercatorQuad"]],
            ]],
        ])
    }

    /// `GET /tileMatrixSets/WebMercatorQuad`: the OGC 2D Tile Matrix Set definition, zooms 0–24.
    ///
    /// In the encoding of TMS 2.0 (`id`, `crs`, `tileMatrices` with `pointOfOrigin`), and in that
    /// of TMS 1.0 too (`type`, `identifier`, `supportedCRS`, `boundingBox`, `tileMatrix` with
    /// `topLeftCorner`): GDAL up to 3.6 reads only the older one, and without it its `OGCAPI:`
    /// driver cannot open the tiles. The two describe the same matrices.
    public static func webMercatorQuad() -> Data {
        let corner = [-WebMercator.halfWorld, WebMercator.halfWorld]
        let zooms = (0...24).map { z in (z: z, n: 1 << z, cell: WebMercator.worldSize / Double(256 * (1 << z))) }
        let matrices: [[String: Any]] = zooms.map { m in
            [
                "id": String(m.z), "scaleDenominator": m.cell / 0.00028, "cellSize": m.cell,
                "cornerOfOrigin": "topLeft", "pointOfOrigin": corner,
                "tileWidth": 256, "tileHeight": 256, "matrixWidth": m.n, "matrixHeight": m.n,
            ]
        }
        let matricesV1: [[String: Any]] = zooms.map { m in
            [
                "type": "TileMatrixType", "identifier": String(m.z), "scaleDenominator": m.cell / 0.00028, "topLeftCorner": corner,
                "tileWidth": 256, "tileHeight": 256, "matrixWidth": m.n, "matrixHeight": m.n,
            ]
        }
        let crs = "http://www.opengis.net/def/crs/EPSG/0/3857"
        return json([
            "id": "WebMercatorQuad", "title": "Google Maps Compatible for the World", "uri": tileMatrixSetURI,
            "crs": crs, "orderedAxes": ["E", "N"],
            "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
            "tileMatrices": matrices,
            // TMS 1.0
            "type": "TileMatrixSetType", "identifier": "WebMercatorQuad", "supportedCRS": crs,
            "boundingBox": ["type": "BoundingBoxType", "crs": crs, "lowerCorner": [-WebMercator.halfWorld, -WebMercator.halfWorld],
                            "upperCorner": [WebMercator.halfWorld, WebMercator.halfWorld]],
            "tileMatrix": matricesV1,
        ])
    }

    /// `GET /collections/{id}/tiles`: the tilesets of a collection (one, in WebMercatorQuad).
    public static func collectionTilesets(_ m: TilesetMetadata, baseURL: String) -> Data {
        json(["tilesets": [tilesetSummary(m, baseURL: baseURL)]])
    }

    /// `GET /collections/{id}/tiles/WebMercatorQuad`: tileset metadata (OGC API - Tiles, Part 1).
    public static func ogcTileset(_ m: TilesetMetadata, baseURL: String) -> Data {
        var doc = tilesetSummary(m, baseURL: baseURL)
        doc["title"] = m.title.isEmpty ? m.name : m.title
        doc["description"] = m.description
        doc["attribution"] = m.attribution
        doc["boundingBox"] = ["lowerLeft": [m.bounds.minX, m.bounds.minY], "upperRight": [m.bounds.maxX, m.bounds.maxY],
                              "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
        doc["tileMatrixSetLimits"] = (m.minZoom...m.maxZoom).map { z -> [String: Any] in
            let r = TileCoord.covering(m.bounds, zoom: z)
            return ["tileMatrix": String(z), "minTileRow": r.ys.lowerBound, "maxTileRow": r.ys.upperBound,
                    "minTileCol": r.xs.lowerBound, "maxTileCol": r.xs.upperBound]
        }
        doc["layers"] = m.vectorLayers.map { l -> [String: Any] in
            ["id": l.id, "dataType": "vector", "minTileMatrix": String(l.minZoom), "maxTileMatrix": String(l.maxZoom),
             "propertiesSchema": ["type": "object", "properties": Dictionary(l.fields.map { f in
                 (f.name, ["type": f.type == "Number" ? "number" : f.type == "Boolean" ? "boolean" : "string"])
             }, uniquingKeysWith: { a, _ in a })]]
        }
        return json(doc)
    }

    static func tilesetSummary(_ m: TilesetMetadata, baseURL: String) -> [String: Any] {
        [
            "title": m.title.isEmpty ? m.name : m.title,
            "dataType": "vector",
            "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
            "tileMatrixSetURI": tileMatrixSetURI,
            "links": [
                ["rel": "self", "type": "application/json", "href": "\(baseURL)/collections/\(m.name)/tiles/WebMercatorQuad"],
                ["rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": "application/json",
                 "href": "\(baseURL)/tileMatrixSets/WebMercatorQuad"],
                ["rel": "item", "type": "application/vnd.mapbox-vector-tile", "templated": true,
                 "href": "\(baseURL)/collections/\(m.name)/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"],
                ["rel": "describedby", "type": "application/json", "href": "\(baseURL)/tiles/\(m.name).json"],
            ],
        ]
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
