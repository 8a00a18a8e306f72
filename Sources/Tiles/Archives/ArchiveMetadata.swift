import Foundation
import GeoModel

/// The tileset's description as an archive stores it: TileJSON's fields (what `pmtiles show`,
/// QGIS and GDAL read: `vector_layers`, `attribution`, zooms, bounds) plus Bando's own
/// (title, revision, datasets) so that serving the archive gives the same TileJSON.
enum ArchiveMetadata {
    struct Document: Encodable {
        struct Layer: Encodable {
            var id: String, description: String, minzoom: Int, maxzoom: Int, fields: [String: String]
        }
        struct Bando: Encodable { var title: String, revision: String, datasets: [String] }
        struct VectorLayers: Encodable { var vector_layers: [Layer] }
        var name: String, description: String, attribution: String
        var version = "1.0.0", type = "overlay", format = "pbf"
        var minzoom: Int, maxzoom: Int, bounds: [Double]
        var vector_layers: [Layer]
        var bando: Bando
    }

    static func document(_ m: TilesetMetadata) -> Document {
        Document(
            name: m.name, description: m.description, attribution: m.attribution,
            minzoom: m.minZoom, maxzoom: m.maxZoom, bounds: m.bounds.array,
            vector_layers: m.vectorLayers.map { l in
                .init(id: l.id, description: l.description, minzoom: l.minZoom, maxzoom: l.maxZoom,
                      fields: Dictionary(l.fields.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a }))
            },
            bando: .init(title: m.title, revision: m.revision, datasets: m.datasets))
    }

    /// JSON with its keys sorted, so that an archive's bytes depend on its tiles and metadata
    /// only. `JSONEncoder` sorts by code point; `JSONSerialization`'s sorted keys would compare
    /// them through ICU's collation, loading megabytes of it into every tile build.
    static func encoded<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    static func data(_ m: TilesetMetadata) -> [UInt8] { encoded(document(m)) }

    /// Reads metadata back; `name` is the archive's file name, which wins (URLs use it).
    /// Missing parts fall back on the header's zooms and bounds.
    static func parse(_ bytes: [UInt8], name: String, minZoom: Int, maxZoom: Int, bounds: BoundingBox, revisionSuffix: String) throws(ArchiveFormatError) -> TilesetMetadata {
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw .init("its metadata is not a JSON object")
        }
        let bando = obj["bando"] as? [String: Any] ?? [:]
        let layers = (obj["vector_layers"] as? [[String: Any]] ?? []).map { l in
            let fields = (l["fields"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, type: $0.value) }
            return TilesetMetadata.VectorLayer(id: l["id"] as? String ?? "", description: l["description"] as? String ?? "",
                                               minZoom: l["minzoom"] as? Int ?? minZoom, maxZoom: l["maxzoom"] as? Int ?? maxZoom, fields: fields)
        }
        return TilesetMetadata(
            name: name,
            title: bando["title"] as? String ?? obj["name"] as? String ?? name,
            description: obj["description"] as? String ?? "",
            attribution: obj["attribution"] as? String ?? "",
            minZoom: minZoom, maxZoom: maxZoom, bounds: bounds, vectorLayers: layers,
            revision: "a\(bando["revision"] as? String ?? "0")-\(revisionSuffix)",
            datasets: bando["datasets"] as? [String] ?? [])
    }
}
