public import Foundation
import GeoModel

/// A tileset as written in `Tiles/NAME.json`: one or more layers, each from a published dataset,
/// with its zoom range and the attributes it carries.
///
/// ```json
/// { "description": "Communes of Huế",
///   "layers": [ { "id": "communes", "dataset": "hue-communes", "minzoom": 6, "maxzoom": 14,
///                 "fields": ["commune_vn", "population"] } ] }
/// ```
public struct TilesetDefinition: Codable, Hashable, Sendable {
    public var name: String
    public var description: String?
    public var attribution: String?
    public var layers: [LayerDefinition]
    /// Size budget of one tile in kilobytes (default 500).
    public var maxSizeKB: Int?

    public struct LayerDefinition: Codable, Hashable, Sendable {
        public var id: String
        public var dataset: String
        public var minzoom: Int?
        public var maxzoom: Int?
        /// The attributes carried; absent means all of the dataset's fields.
        public var fields: [String]?
        /// Clipping buffer in tile units (default 64 of 4096).
        public var buffer: Int?
        /// Simplification tolerance in tile units (default 1 of 4096).
        public var tolerance: Double?
        /// How the layer is generalised from zoom to zoom (default tilesets: `ZoomBand.defaults`;
        /// absent in a tileset file: every field at every zoom, simplified for each).
        public var bands: [ZoomBand]?
        /// Whether polygons get a companion layer `<id>_label` of one label point each (default true).
        public var labels: Bool?

        public init(id: String, dataset: String, minzoom: Int? = nil, maxzoom: Int? = nil, fields: [String]? = nil,
                    buffer: Int? = nil, tolerance: Double? = nil, bands: [ZoomBand]? = nil, labels: Bool? = nil) {
            self.id = id; self.dataset = dataset; self.minzoom = minzoom; self.maxzoom = maxzoom
            self.fields = fields; self.buffer = buffer; self.tolerance = tolerance
            self.bands = bands; self.labels = labels
        }

        /// The name of the companion layer of label points.
        public var labelLayerId: String { id + ZoomBand.labelSuffix }

        public var minZoom: Int { minzoom ?? 0 }
        public var maxZoom: Int { maxzoom ?? TilesetDefinition.defaultMaxZoom }
    }

    public static let defaultMaxZoom = 14
    public static let highestZoom = 24

    public init(name: String, description: String? = nil, attribution: String? = nil, layers: [LayerDefinition], maxSizeKB: Int? = nil) {
        self.name = name; self.description = description; self.attribution = attribution
        self.layers = layers; self.maxSizeKB = maxSizeKB
    }

    enum CodingKeys: String, CodingKey { case name, description, attribution, layers, maxSizeKB }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        description = try c.decodeIfPresent(String.self, forKey: .description)
        attribution = try c.decodeIfPresent(String.self, forKey: .attribution)
        layers = try c.decode([LayerDefinition].self, forKey: .layers)
        maxSizeKB = try c.decodeIfPresent(Int.self, forKey: .maxSizeKB)
    }

    /// The tileset every published dataset gets without configuration: one layer named after
    /// the dataset, every field, zooms 0 to 14.
    public static func defaultFor(dataset slug: String) -> TilesetDefinition {
        TilesetDefinition(name: slug, layers: [LayerDefinition(id: slug, dataset: slug)])
    }

    public var minZoom: Int { layers.map(\.minZoom).min() ?? 0 }
    public var maxZoom: Int { layers.map(\.maxZoom).max() ?? Self.defaultMaxZoom }
    public var sizeBudget: Int { (maxSizeKB ?? 500) * 1024 }

    /// Checks what can be checked without the store; the message names the tileset and layer.
    public func validate(source: String) throws(TilesError) {
        func fail(_ m: String) -> TilesError { TilesError(.badTileset, "Tileset \(source): \(m)") }
        guard Self.isValidName(name) else {
            throw fail("the name \"\(name)\" must be letters, digits, '-' or '_' (it appears in URLs)")
        }
        guard !layers.isEmpty else { throw fail("has no layers; add at least one {\"id\", \"dataset\"}") }
        var seen = Set<String>()
        for l in layers {
            guard !l.id.isEmpty else { throw fail("a layer has an empty \"id\"") }
            guard seen.insert(l.id).inserted else { throw fail("layer id \"\(l.id)\" appears twice") }
            guard !l.dataset.isEmpty else { throw fail("layer \"\(l.id)\" names no dataset") }
            guard (0...Self.highestZoom).contains(l.minZoom), (0...Self.highestZoom).contains(l.maxZoom) else {
                throw fail("layer \"\(l.id)\": zooms must lie between 0 and \(Self.highestZoom) (got \(l.minZoom)–\(l.maxZoom))")
            }
            guard l.minZoom <= l.maxZoom else {
                throw fail("layer \"\(l.id)\": minzoom \(l.minZoom) is above maxzoom \(l.maxZoom)")
            }
            if let b = l.buffer, !(0...1024).contains(b) { throw fail("layer \"\(l.id)\": buffer must be 0–1024 tile units (got \(b))") }
            if let t = l.tolerance, !(t >= 0 && t <= 256) { throw fail("layer \"\(l.id)\": tolerance must be 0–256 tile units (got \(t))") }
            if let bands = l.bands {
                var previous = -1
                for b in bands {
                    guard b.maxzoom > previous, (0...Self.highestZoom).contains(b.maxzoom) else {
                        throw fail("layer \"\(l.id)\": band maxzooms must rise and lie between 0 and \(Self.highestZoom) (got \(b.maxzoom) after \(previous))")
                    }
                    previous = b.maxzoom
                    if let t = b.tolerance, !(t >= 0 && t <= 256) { throw fail("layer \"\(l.id)\": band up to z\(b.maxzoom): tolerance must be 0–256 tile units (got \(t))") }
                    if let m = b.minSize, !(m >= 0 && m <= 4096) { throw fail("layer \"\(l.id)\": band up to z\(b.maxzoom): minSize must be 0–4096 tile units (got \(m))") }
                    if let f = b.fields, let all = l.fields, let extra = f.first(where: { !all.contains($0) }) {
                        throw fail("layer \"\(l.id)\": band up to z\(b.maxzoom) keeps field \"\(extra)\", which the layer does not carry")
                    }
                }
            }
        }
        if let kb = maxSizeKB, kb < 16 { throw fail("maxSizeKB must be at least 16 (got \(kb))") }
    }

    public static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 100 && s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" }
    }

    /// Reads every `*.json` file of a folder (a missing folder means no tilesets); the file
    /// name (without `.json`) is the tileset's name unless the file gives one.
    public static func loadAll(from folder: URL) throws(TilesError) -> [TilesetDefinition] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder.path) else { return [] }
        var result: [TilesetDefinition] = []
        for file in names.sorted() where file.hasSuffix(".json") {
            let url = folder.appendingPathComponent(file)
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw TilesError(.badTileset, "Tileset file \(url.path) cannot be read: \(error.localizedDescription)")
            }
            var def: TilesetDefinition
            do { def = try JSONDecoder().decode(TilesetDefinition.self, from: data) } catch {
                throw TilesError(.badTileset, "Tileset file \(url.path) is not a valid tileset: \(describe(error)). Expected {\"layers\": [{\"id\": …, \"dataset\": …, \"minzoom\": …, \"maxzoom\": …}]}")
            }
            if def.name.isEmpty { def.name = String(file.dropLast(5)) }
            try def.validate(source: url.path)
            result.append(def)
        }
        return result
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let k, let ctx)?: "missing \"\(k.stringValue)\" at \(path(ctx))"
        case .typeMismatch(_, let ctx)?, .valueNotFound(_, let ctx)?: "wrong type at \(path(ctx)): \(ctx.debugDescription)"
        case .dataCorrupted(let ctx)?: "invalid JSON: \(ctx.debugDescription)"
        default: "\(error)"
        }
    }
    static func path(_ ctx: DecodingError.Context) -> String {
        ctx.codingPath.isEmpty ? "the top level" : ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
