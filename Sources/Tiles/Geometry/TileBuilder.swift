public import GeoModel

/// How one layer is cut into tiles.
public struct LayerCut: Sendable {
    /// The layer in memory (nil when it is cut from a `pack`).
    public var layer: PreparedLayer?
    /// The layer generalised on disk (`LayerPack`), as a store tileset's layers are.
    public var pack: LayerPack?
    public var minZoom: Int
    public var maxZoom: Int
    public var buffer: Int32
    public var tolerance: Double
    /// The layer simplified once per zoom, its small parts dropped, its points thinned and its
    /// label points: nil draws the full detail at every zoom, simplified per tile.
    public var generalised: GeneralisedLayer?
    /// Name of the companion layer of label points (polygons only), nil for none.
    public var labelLayer: String?
    public init(layer: PreparedLayer, minZoom: Int = 0, maxZoom: Int = 14, buffer: Int32 = 64, tolerance: Double = 1,
                generalised: GeneralisedLayer? = nil, labelLayer: String? = nil) {
        self.layer = layer; self.minZoom = minZoom; self.maxZoom = maxZoom; self.buffer = buffer; self.tolerance = tolerance
        self.generalised = generalised; self.labelLayer = labelLayer
    }
    public init(pack: LayerPack, minZoom: Int = 0, maxZoom: Int = 14, buffer: Int32 = 64, tolerance: Double = 1, labelLayer: String? = nil) {
        self.pack = pack; self.minZoom = minZoom; self.maxZoom = maxZoom; self.buffer = buffer; self.tolerance = tolerance
        self.labelLayer = labelLayer
    }
}

/// Where a cut layer's features, identifiers and attribute values are read.
enum CutSource {
    case memory(PreparedLayer)
    case pack(LayerPack)
    var fieldNames: [String] {
        switch self { case .memory(let l): l.fieldNames; case .pack(let p): p.fieldNames }
    }
}

/// One MVT layer of a tile being built: features of a prepared layer, cut for this tile.
struct CutLayer {
    var name: String
    var source: CutSource
    /// The attributes written (indices into the layer's fields), nil for all.
    var fieldIndices: [Int]?
    var features: [(index: Int, clipped: ClippedFeature)]
    /// Coalesced features stand for several: no feature id is written.
    var withoutIds = false
}

/// An encoded tile and what went into it, for the log line and the tests.
public struct BuiltTile: Sendable {
    /// The MVT bytes, uncompressed; empty when no feature falls in the tile.
    public var data: [UInt8]
    public var featureCount: Int
    /// Features left out to keep the tile under the size budget (least significant first).
    public var droppedForSize: Int
    public var isEmpty: Bool { data.isEmpty }
}

/// Cuts prepared layers into one MVT tile.
public enum TileBuilder {
    public static let defaultExtent: Int32 = 4096
    public static let defaultSizeBudget = 500 * 1024

    /// Builds the tile at `coord` from every layer whose zoom range holds it. When the encoded
    /// tile exceeds `sizeBudget` bytes, the least significant features (smallest area or
    /// length in the tile, then the last drawn) are dropped until it fits.
    public static func build(_ cuts: [LayerCut], at coord: TileCoord, extent: Int32 = defaultExtent,
                             sizeBudget: Int = defaultSizeBudget) -> BuiltTile {
        var layers: [CutLayer] = []
        for cut in cuts where coord.z >= cut.minZoom && coord.z <= cut.maxZoom {
            if let pack = cut.pack {
                layers += cutPack(pack, cut, coord, extent)
                continue
            }
            guard let layer = cut.layer else { continue }
            let generalised = cut.generalised
            let settings = generalised?.settings(zoom: coord.z)
            // Geometry generalised for this very zoom is simplified already, arc by arc: a
            // second simplification per tile would move shared boundaries apart.
            let frame = TileFrame(tile: coord, extent: extent, buffer: cut.buffer, tolerance: settings == nil ? cut.tolerance : 0)
            var kept: [(Int, ClippedFeature)] = []
            for i in layer.candidates(in: frame.mercatorQueryBox) {
                let g = generalised.map { $0.geometry(i, layer: layer, zoom: coord.z) } ?? layer.features[i].geometry
                if let g, let c = TileClipper.clip(g, in: frame) { kept.append((i, c)) }
            }
            if !kept.isEmpty { layers.append(CutLayer(name: layer.name, source: .memory(layer), fieldIndices: settings?.fieldIndices, features: kept)) }
            if let name = cut.labelLayer, let generalised, !generalised.labels.isEmpty {
                let labels = labelPoints(layer, generalised, coord, frame)
                if !labels.isEmpty {
                    layers.append(CutLayer(name: name, source: .memory(layer), fieldIndices: labelFields(layer.fieldNames, settings?.fieldIndices), features: labels))
                }
            }
        }
        guard !layers.isEmpty else { return BuiltTile(data: [], featureCount: 0, droppedForSize: 0) }

        var excluded = Set<Int>()       // layer << 32 | feature index
        var data = encode(layers, extent: extent, excluded: excluded)
        let total = layers.reduce(0) { $0 + $1.features.count }
        if data.count > sizeBudget {
            // Rank once, then drop in proportion to the excess until the tile fits.
            var ranked: [(key: Int, significance: Double)] = []
            for (l, layer) in layers.enumerated() {
                for (k, f) in layer.features.enumerated() { ranked.append((l << 32 | k, f.clipped.significance)) }
            }
            ranked.sort { $0.significance != $1.significance ? $0.significance < $1.significance : $0.key > $1.key }
            var next = 0
            while data.count > sizeBudget, next < ranked.count {
                let remaining = total - excluded.count
                let share = Double(data.count - sizeBudget) / Double(data.count)
                let n = max(1, Int((Double(remaining) * share).rounded(.up)))
                for _ in 0..<n where next < ranked.count { excluded.insert(ranked[next].key); next += 1 }
                data = encode(layers, extent: extent, excluded: excluded)
            }
        }
        return BuiltTile(data: data, featureCount: total - excluded.count, droppedForSize: excluded.count)
    }

    static func encode(_ layers: [CutLayer], extent: Int32, excluded: Set<Int>) -> [UInt8] {
        var builders: [MVTLayerBuilder] = []
        for (l, entry) in layers.enumerated() {
            var b = MVTLayerBuilder(name: entry.name, extent: UInt32(extent))
            for (k, f) in entry.features.enumerated() where excluded.isEmpty || !excluded.contains(l << 32 | k) {
                switch entry.source {
                case .memory(let layer):
                    let feature = layer.features[f.index]
                    b.addFeature(id: feature.id >= 0 ? UInt64(feature.id) : nil, fieldNames: layer.fieldNames, fields: entry.fieldIndices,
                                 valueIds: feature.valueIds, encodedValues: layer.encodedValues, geometry: f.clipped.geometry)
                case .pack(let pack):
                    let id = entry.withoutIds ? -1 : pack.id(f.index)
                    b.addFeature(id: id >= 0 ? UInt64(id) : nil, fieldNames: pack.fieldNames, fields: entry.fieldIndices,
                                 valueIds: pack.valueIds(f.index), appendValue: pack.appendEncodedValue, geometry: f.clipped.geometry)
                }
            }
            builders.append(b)
        }
        return MVTEncoder.tile(builders)
    }

    /// A place is labelled from the zoom where it is this many tile units wide or high (six
    /// pixels of a 512-pixel tile): below, a name would not fit, and thousands of label points
    /// would only add bytes to the low-zoom tiles.
    public static let labelMinSize = 48.0

    /// The attributes a label point carries: the layer's names (the label's text), even at a
    /// zoom whose polygons carry only identifiers; the attributes drawn when it has no name.
    static func labelFields(_ fieldNames: [String], _ drawn: [Int]?) -> [Int]? {
        let names = fieldNames.indices.filter { ZoomBand.isName(fieldNames[$0]) }
        return names.isEmpty ? drawn : names
    }

    /// The label point of every feature drawn at this zoom, wide enough to be named there,
    /// whose point lies in this tile (not its buffer: each place is labelled in one tile only).
    static func labelPoints(_ layer: PreparedLayer, _ g: GeneralisedLayer, _ coord: TileCoord, _ frame: TileFrame) -> [(index: Int, clipped: ClippedFeature)] {
        var out: [(index: Int, clipped: ClippedFeature)] = []
        let inner = TileFrame(tile: coord, extent: frame.extent, buffer: 0, tolerance: 0)
        for i in layer.candidates(in: inner.mercatorQueryBox) {
            // Wide enough: measured on the whole feature (as a pack measures it, whose
            // coalesced zooms have no feature of their own to measure).
            let whole = layer.features[i].geometry.bbox
            guard let p = g.labels[i], g.geometry(i, layer: layer, zoom: coord.z) != nil,
                  max(whole.width, whole.height) * frame.scale >= labelMinSize else { continue }
            let t = GeneralisedLayer.tileOf(p, zoom: coord.z)
            guard t.x == coord.x, t.y == coord.y else { continue }
            let x = frame.x(p.x), y = frame.y(p.y)
            let point = TilePoint(Int32(x.rounded()), Int32(y.rounded()))
            out.append((i, ClippedFeature(geometry: TileGeometry(type: .point, parts: [[point]]), significance: 0)))
        }
        return out
    }

    /// The layers one pack gives a tile: its features as drawn at the tile's zoom, and the
    /// label points of those whose label lies in the tile.
    static func cutPack(_ pack: LayerPack, _ cut: LayerCut, _ coord: TileCoord, _ extent: Int32) -> [CutLayer] {
        guard let level = pack.level(zoom: coord.z) else { return [] }
        let settings = pack.settings(zoom: coord.z)
        let frame = TileFrame(tile: coord, extent: extent, buffer: cut.buffer, tolerance: settings == nil ? cut.tolerance : 0)
        var kept: [(index: Int, clipped: ClippedFeature)] = []
        var g = PreparedGeometry(family: .polygon)
        let memo = pack.ringChecks(zoom: coord.z)
        for r in pack.records(level, in: frame.mercatorQueryBox) {
            level.geometry(r, into: &g)
            let known = memo?[r] ?? .unknown
            var checks = known
            if let c = TileClipper.clip(g, in: frame, checks: &checks) { kept.append((level.feature(r), c)) }
            if checks != known { memo?[r] = checks }
        }
        var out: [CutLayer] = []
        if !kept.isEmpty {
            out.append(CutLayer(name: pack.name, source: .pack(pack), fieldIndices: settings?.fieldIndices, features: kept,
                                withoutIds: settings?.coalesce ?? false))
        }
        if let name = cut.labelLayer, let labelLevel = pack.labelLevel {
            var labels: [(index: Int, clipped: ClippedFeature)] = []
            let inner = TileFrame(tile: coord, extent: extent, buffer: 0, tolerance: 0)
            for r in pack.records(labelLevel, in: inner.mercatorQueryBox) {
                // The label level's boxes are the features' whole boxes (see `labelPoints`).
                let i = labelLevel.feature(r), whole = labelLevel.box(r)
                guard max(whole.width, whole.height) * frame.scale >= labelMinSize else { continue }
                let p = labelLevel.firstPosition(r)
                let t = GeneralisedLayer.tileOf(p, zoom: coord.z)
                guard t.x == coord.x, t.y == coord.y else { continue }
                let x = frame.x(p.x), y = frame.y(p.y)
                let point = TilePoint(Int32(x.rounded()), Int32(y.rounded()))
                labels.append((i, ClippedFeature(geometry: TileGeometry(type: .point, parts: [[point]]), significance: 0)))
            }
            if !labels.isEmpty {
                out.append(CutLayer(name: name, source: .pack(pack), fieldIndices: labelFields(pack.fieldNames, settings?.fieldIndices), features: labels))
            }
        }
        return out
    }
}
