public import Foundation
import GeoModel

/// The MapLibre style drawn under the datasets on `/map` and the dataset page's preview: one
/// vector source, the basemap archive, and its layers. The built-in administrative basemap
/// (layers `country`, `provinces`, `districts`, `places`) gets its own design: land, outlines
/// that thicken from districts to the country, province names from zoom 5 and district names
/// from zoom 8, the larger places first. Any other archive a province serves instead (an
/// OpenStreetMap extract, say) gets a neutral design of every vector layer it declares, named
/// by its `name` field when it has one. Every layer id starts with `basemap/`, so pages can
/// tell them from their datasets' layers; the background stays the maps' usual `#f2efe9`.
///
/// ```swift
/// let style = BasemapStyle.document(meta, baseURL: "http://localhost:8080", tilePath: "/basemap/tiles/{z}/{x}/{y}.mvt")
/// ```
public enum BasemapStyle {
    /// The layer ids of the built-in basemap (`Fixtures/basemap/`).
    public static let builtInLayers: Set<String> = ["country", "provinces", "districts", "places"]
    public static let layerPrefix = "basemap/"
    public static let background = "#f2efe9"

    /// Whether `m` is the built-in administrative basemap.
    public static func isBuiltIn(_ m: TilesetMetadata) -> Bool { builtInLayers.isSubset(of: Set(m.vectorLayers.map(\.id))) }

    /// The style as JSON. `attribution` replaces the archive's own (the built-in one's in the
    /// page's language).
    public static func document(_ m: TilesetMetadata?, baseURL: String, tilePath: String, attribution: String? = nil) -> Data {
        var style: [String: Any] = [
            "version": 8,
            "name": m?.title ?? "basemap",
            "glyphs": "\(baseURL)/fonts/{fontstack}/{range}.pbf",
            "sources": [String: Any](),
            "layers": [["id": layerPrefix + "background", "type": "background", "paint": ["background-color": background]] as [String: Any]],
        ]
        guard let m else { return TileDocuments.json(style) }
        style["sources"] = ["basemap": [
            "type": "vector", "tiles": [baseURL + tilePath], "minzoom": m.minZoom, "maxzoom": m.maxZoom,
            "bounds": m.bounds.array.map(TileDocuments.round6), "attribution": attribution ?? m.attribution,
        ] as [String: Any]]
        style["layers"] = (style["layers"] as? [[String: Any]] ?? []) + (isBuiltIn(m) ? administrativeLayers() : neutralLayers(m))
        return TileDocuments.json(style)
    }

    static func layer(_ id: String, _ type: String, _ sourceLayer: String, minzoom: Int = 0, filter: [Any]? = nil,
                      layout: [String: Any] = [:], paint: [String: Any]) -> [String: Any] {
        var l: [String: Any] = ["id": layerPrefix + id, "type": type, "source": "basemap", "source-layer": sourceLayer,
                                "minzoom": minzoom, "paint": paint]
        if let filter { l["filter"] = filter }
        if !layout.isEmpty { l["layout"] = layout }
        return l
    }

    static func byZoom(_ stops: Double...) -> [Any] {
        let head: [Any] = ["interpolate", ["linear"], ["zoom"]]
        return head + stops.map { $0 as Any }
    }

    static func administrativeLayers() -> [[String: Any]] {
        let halo: [String: Any] = ["text-halo-color": "#ffffff", "text-halo-width": 1.4]
        return [
            layer("land", "fill", "country", paint: ["fill-color": "#fbfaf6"]),
            layer("districts", "line", "districts", minzoom: 6,
                  paint: ["line-color": "#a8a196", "line-width": byZoom(6, 0.4, 12, 1.2), "line-dasharray": [3, 2]]),
            layer("provinces", "line", "provinces", paint: ["line-color": "#7d7568", "line-width": byZoom(4, 0.5, 12, 2)]),
            layer("country", "line", "country", paint: ["line-color": "#5b5348", "line-width": byZoom(4, 0.8, 12, 3)]),
            layer("district-names", "symbol", "places", minzoom: 8, filter: ["==", ["get", "kind"], "district"],
                  layout: ["text-field": ["get", "name"], "text-font": ["DejaVu Sans Book"], "text-size": 11,
                           "symbol-sort-key": ["-", 0, ["coalesce", ["get", "population"], 0] as [Any]] as [Any]],
                  paint: (["text-color": "#6d665c"] as [String: Any]).merging(halo) { a, _ in a }),
            layer("province-names", "symbol", "places", minzoom: 5, filter: ["==", ["get", "kind"], "province"],
                  layout: ["text-field": ["get", "name"], "text-font": ["DejaVu Sans Bold"], "text-size": byZoom(5, 11, 10, 15),
                           "symbol-sort-key": ["-", 0, ["coalesce", ["get", "population"], 0] as [Any]] as [Any]],
                  paint: (["text-color": "#4a4339"] as [String: Any]).merging(halo) { a, _ in a }),
        ]
    }

    static func neutralLayers(_ m: TilesetMetadata) -> [[String: Any]] {
        let ids = Set(m.vectorLayers.map(\.id))
        // A layer's companion of label points (`<id>_label`) names it once; it is not drawn itself.
        func isLabels(_ id: String) -> Bool { id.hasSuffix(ZoomBand.labelSuffix) && ids.contains(String(id.dropLast(ZoomBand.labelSuffix.count))) }
        return m.vectorLayers.filter { !isLabels($0.id) }.flatMap { vl -> [[String: Any]] in
            let id = vl.id
            let labels = ids.contains(vl.labelLayerId) ? vl.labelLayerId : id
            var layers = [
                layer("\(id)/fill", "fill", id, minzoom: vl.minZoom, filter: ["==", ["geometry-type"], "Polygon"],
                      paint: ["fill-color": "#e9e5dc", "fill-opacity": 0.6]),
                layer("\(id)/line", "line", id, minzoom: vl.minZoom, filter: ["!=", ["geometry-type"], "Point"],
                      paint: ["line-color": "#a39d92", "line-width": 0.7]),
                layer("\(id)/point", "circle", id, minzoom: vl.minZoom, filter: ["==", ["geometry-type"], "Point"],
                      paint: ["circle-color": "#8f897e", "circle-radius": 2]),
            ]
            if vl.fields.contains(where: { $0.name == "name" }) {
                layers.append(layer("\(id)/name", "symbol", labels, minzoom: vl.minZoom,
                                    layout: ["text-field": ["coalesce", ["get", "name:vi"], ["get", "name"]] as [Any],
                                             "text-font": ["DejaVu Sans Book"], "text-size": 11],
                                    paint: ["text-color": "#5d574e", "text-halo-color": "#ffffff", "text-halo-width": 1.2]))
            }
            return layers
        }
    }
}
