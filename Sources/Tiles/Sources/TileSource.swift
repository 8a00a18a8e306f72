public import GeoModel

/// A tile ready to send: MVT bytes, possibly gzip-compressed already (archives store them so).
public struct EncodedTile: Sendable {
    public var data: [UInt8]
    public var isGzipped: Bool
    public var featureCount: Int
    public var droppedForSize: Int
    public init(data: [UInt8], isGzipped: Bool, featureCount: Int = 0, droppedForSize: Int = 0) {
        self.data = data; self.isGzipped = isGzipped; self.featureCount = featureCount; self.droppedForSize = droppedForSize
    }
}

/// What a client needs to know about a tileset (TileJSON's content).
public struct TilesetMetadata: Sendable, Hashable {
    public struct VectorLayer: Sendable, Hashable {
        public var id: String
        public var description: String
        public var minZoom: Int
        public var maxZoom: Int
        /// Field name → "Number", "String" or "Boolean" (TileJSON's vocabulary).
        public var fields: [(name: String, type: String)]
        public init(id: String, description: String = "", minZoom: Int, maxZoom: Int, fields: [(name: String, type: String)]) {
            self.id = id; self.description = description; self.minZoom = minZoom; self.maxZoom = maxZoom; self.fields = fields
        }
        public static func == (a: Self, b: Self) -> Bool {
            a.id == b.id && a.description == b.description && a.minZoom == b.minZoom && a.maxZoom == b.maxZoom
                && a.fields.map(\.name) == b.fields.map(\.name) && a.fields.map(\.type) == b.fields.map(\.type)
        }
        public func hash(into h: inout Hasher) { h.combine(id); h.combine(minZoom); h.combine(maxZoom) }
        /// The id of this layer's companion of label points, when the tileset has one.
        public var labelLayerId: String { id + ZoomBand.labelSuffix }
    }

    public var name: String
    public var title: String
    public var description: String
    public var attribution: String
    public var minZoom: Int
    public var maxZoom: Int
    /// WGS 84 bounds of the data (the whole world when unknown).
    public var bounds: BoundingBox
    public var vectorLayers: [VectorLayer]
    /// Changes whenever the tiles may change (e.g. the dataset versions they come from): part of every ETag.
    public var revision: String
    /// The datasets the tiles come from: a new published version of one invalidates the tileset.
    public var datasets: [String]

    public init(name: String, title: String, description: String, attribution: String, minZoom: Int, maxZoom: Int,
                bounds: BoundingBox, vectorLayers: [VectorLayer], revision: String, datasets: [String]) {
        self.name = name; self.title = title; self.description = description; self.attribution = attribution
        self.minZoom = minZoom; self.maxZoom = maxZoom; self.bounds = bounds; self.vectorLayers = vectorLayers
        self.revision = revision; self.datasets = datasets
    }

    public static let world = BoundingBox(minX: -180, minY: -WebMercator.maxLatitude, maxX: 180, maxY: WebMercator.maxLatitude)

    /// Whether the tile lies in the zoom range and meets the bounds.
    public func covers(_ c: TileCoord) -> Bool {
        guard c.isValid, c.z >= minZoom, c.z <= maxZoom else { return false }
        let r = TileCoord.covering(bounds, zoom: c.z)
        return r.xs.contains(c.x) && r.ys.contains(c.y)
    }
}

/// Where the tiles of a tileset come from: the store (on demand) now, an archive (PMTiles,
/// MBTiles) later. One real method, get a tile; the service around it does caching,
/// compression and range checks, so a source does only what differs.
public protocol TileSource: Sendable {
    /// The tileset's description as of now (its revision changes when its tiles may).
    func metadata() async throws -> TilesetMetadata
    /// The tile at `coord`, or `nil` when it holds no feature. Called only for tiles that
    /// `metadata().covers(coord)`.
    func tile(_ coord: TileCoord) async throws -> EncodedTile?
    /// Gives back the resident pages of what the tiles were read from (a memory-mapped layer
    /// pack), when a caller has gone past them: an archive build after each batch. They are
    /// read again, from the page cache, by the tiles that need them.
    func releaseResidentPages()
    /// The tiles of zoom `z` within `xs` × `ys` that may hold something (every other is empty
    /// for sure), or nil when the source cannot tell cheaply: an archive build then cuts every
    /// tile.
    func coverage(zoom z: Int, xs: ClosedRange<Int>, ys: ClosedRange<Int>) async throws -> TileCoverage?
}

extension TileSource {
    public func releaseResidentPages() {}
    public func coverage(zoom z: Int, xs: ClosedRange<Int>, ys: ClosedRange<Int>) async throws -> TileCoverage? { nil }
}
