public import GeoModel

/// The tiles of one zoom, over a rectangle of tiles, that may hold something: a tile left out
/// is empty for sure, so an archive build need not cut it. One bit per tile of the rectangle
/// (the communes' z14, 238,520 tiles over Việt Nam's box: 30 KB).
public struct TileCoverage: Sendable {
    public let zoom: Int
    public let xs: ClosedRange<Int>, ys: ClosedRange<Int>
    private var bits: [UInt64]

    /// Largest rectangle covered (tiles): past it a source gives no coverage, and every tile
    /// is cut (2^26 tiles: 8 MB of bits).
    public static let maxTiles = 1 << 26

    /// An empty coverage, nil when the rectangle is larger than `maxTiles`.
    public init?(zoom: Int, xs: ClosedRange<Int>, ys: ClosedRange<Int>) {
        guard xs.count * ys.count <= Self.maxTiles else { return nil }
        self.zoom = zoom; self.xs = xs; self.ys = ys
        bits = [UInt64](repeating: 0, count: (xs.count * ys.count + 63) / 64)
    }

    public func contains(_ c: TileCoord) -> Bool {
        guard c.z == zoom, xs.contains(c.x), ys.contains(c.y) else { return false }
        let i = (c.y - ys.lowerBound) * xs.count + (c.x - xs.lowerBound)
        return bits[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    public mutating func insert(x: Int, y: Int) {
        guard xs.contains(x), ys.contains(y) else { return }
        let i = (y - ys.lowerBound) * xs.count + (x - xs.lowerBound)
        bits[i >> 6] |= 1 << UInt64(i & 63)
    }

    /// Every tile whose query box (`TileFrame.mercatorQueryBox`, `buffer` units around the
    /// tile) meets `box` (Web Mercator metres), by the same test a tile's R-tree search makes.
    mutating func insertTiles(meeting box: BoundingBox, buffer: Int32, extent: Int32) {
        guard box.minX <= box.maxX, box.minY <= box.maxY else { return }
        let n = 1 << zoom
        let size = GeneralisedLayer.worldSize / Double(n), half = GeneralisedLayer.worldSize / 2
        // Candidates: the box widened by the buffer and a hundredth of a tile, so that rounding
        // cannot leave out a tile the exact test below keeps.
        let pad = size * (Double(buffer) / Double(extent) + 0.01)
        func index(_ v: Double) -> Int { Int(min(max(v, -1), Double(n))) }
        let x0 = max(xs.lowerBound, index(((box.minX - pad + half) / size).rounded(.down)))
        let x1 = min(xs.upperBound, index(((box.maxX + pad + half) / size).rounded(.down)))
        let y0 = max(ys.lowerBound, index(((half - box.maxY - pad) / size).rounded(.down)))
        let y1 = min(ys.upperBound, index(((half - box.minY + pad) / size).rounded(.down)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let q = TileFrame(tile: TileCoord(z: zoom, x: x, y: y), extent: extent, buffer: buffer, tolerance: 0).mercatorQueryBox
                if !(box.minX > q.maxX || box.maxX < q.minX || box.minY > q.maxY || box.maxY < q.minY) { insert(x: x, y: y) }
            }
        }
    }
}
