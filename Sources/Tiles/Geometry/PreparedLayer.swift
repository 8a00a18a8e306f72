public import GeoModel

/// One feature ready for tiling: its projected geometry and the attribute values the layer carries.
public struct PreparedFeature: Sendable {
    public var id: Int64
    public var geometry: PreparedGeometry
    public var values: [FieldValue]
    /// Index of each value in the layer's `distinctValues` (-1 for null), set by `PreparedLayer`.
    public internal(set) var valueIds: [Int32] = []
    public init(id: Int64, geometry: PreparedGeometry, values: [FieldValue]) {
        self.id = id; self.geometry = geometry; self.values = values
    }
}

/// A dataset version made ready for tiling, once: every feature projected to Web Mercator,
/// flattened, indexed by a packed R-tree, with only the attributes the layer carries.
public final class PreparedLayer: Sendable {
    public let name: String
    public let fieldNames: [String]
    public let features: [PreparedFeature]
    public let index: PackedRTree
    /// The union of the features' boxes, in Web Mercator metres (nil when empty).
    public let mercatorBounds: BoundingBox?
    /// Features left out because their geometry could not be drawn (empty, non-finite).
    public let skipped: Int

    /// `features` in the order they should be drawn (lowest id first, as the store keeps them).
    /// Every distinct attribute value of the layer, encoded as an MVT Value message once.
    let encodedValues: [[UInt8]]

    public init(name: String, fieldNames: [String], features: [PreparedFeature], skipped: Int = 0) {
        self.name = name
        self.fieldNames = fieldNames
        var ids: [FieldValue: Int32] = [:]
        var encoded: [[UInt8]] = []
        var numbered = features
        for i in numbered.indices {
            numbered[i].valueIds = numbered[i].values.map { v in
                if v.isNull { return -1 }
                if let id = ids[v] { return id }
                let id = Int32(encoded.count)
                ids[v] = id; encoded.append(MVTLayerBuilder.encodeValue(v))
                return id
            }
        }
        self.features = numbered
        encodedValues = encoded
        self.skipped = skipped
        index = PackedRTree(boxes: features.map(\.geometry.bbox))
        var b = BoundingBox.empty
        for f in features { b.extend(f.geometry.bbox) }
        mercatorBounds = b.isEmpty ? nil : b
    }

    /// Indices of the features whose box meets `box` (Web Mercator), in drawing order.
    public func candidates(in box: BoundingBox) -> [Int] {
        var hits: [Int] = []
        index.search(box) { hits.append($0) }
        hits.sort()
        return hits
    }
}
