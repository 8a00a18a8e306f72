public import GeoModel

/// One feature ready for tiling: its projected geometry and the attribute values the layer carries.
public struct PreparedFeature: Sendable {
    public var id: Int64
    public var geometry: PreparedGeometry
    public var values: [FieldValue]
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
    public init(name: String, fieldNames: [String], features: [PreparedFeature], skipped: Int = 0) {
        self.name = name
        self.fieldNames = fieldNames
        self.features = features
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
