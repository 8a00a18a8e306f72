public import GeoModel

/// How one layer is cut into tiles.
public struct LayerCut: Sendable {
    public var layer: PreparedLayer
    public var minZoom: Int
    public var maxZoom: Int
    public var buffer: Int32
    public var tolerance: Double
    public init(layer: PreparedLayer, minZoom: Int = 0, maxZoom: Int = 14, buffer: Int32 = 64, tolerance: Double = 1) {
        self.layer = layer; self.minZoom = minZoom; self.maxZoom = maxZoom; self.buffer = buffer; self.tolerance = tolerance
    }
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
        var layers: [(cut: LayerCut, features: [(index: Int, clipped: ClippedFeature)])] = []
        for cut in cuts where coord.z >= cut.minZoom && coord.z <= cut.maxZoom {
            let frame = TileFrame(tile: coord, extent: extent, buffer: cut.buffer, tolerance: cut.tolerance)
            var kept: [(Int, ClippedFeature)] = []
            for i in cut.layer.candidates(in: frame.mercatorQueryBox) {
                if let c = TileClipper.clip(cut.layer.features[i].geometry, in: frame) { kept.append((i, c)) }
            }
            if !kept.isEmpty { layers.append((cut, kept)) }
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

    static func encode(_ layers: [(cut: LayerCut, features: [(index: Int, clipped: ClippedFeature)])],
                       extent: Int32, excluded: Set<Int>) -> [UInt8] {
        var builders: [MVTLayerBuilder] = []
        for (l, entry) in layers.enumerated() {
            let layer = entry.cut.layer
            var b = MVTLayerBuilder(name: layer.name, extent: UInt32(extent))
            for (k, f) in entry.features.enumerated() where excluded.isEmpty || !excluded.contains(l << 32 | k) {
                let feature = layer.features[f.index]
                b.addFeature(id: feature.id >= 0 ? UInt64(feature.id) : nil, fieldNames: layer.fieldNames,
                             valueIds: feature.valueIds, encodedValues: layer.encodedValues, geometry: f.clipped.geometry)
            }
            builders.append(b)
        }
        return MVTEncoder.tile(builders)
    }
}
