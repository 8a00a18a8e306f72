/// An axis-aligned box, in whatever coordinates its geometry uses.
public struct BoundingBox: Hashable, Sendable, Codable {
    public var minX: Double
    public var minY: Double
    public var maxX: Double
    public var maxY: Double

    @inlinable public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }

    /// A box that holds nothing; extending it with a position gives that position's box.
    public static let empty = BoundingBox(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)

    public var isEmpty: Bool { minX > maxX || minY > maxY }
    public var width: Double { maxX - minX }
    public var height: Double { maxY - minY }
    public var center: Position { Position((minX + maxX) / 2, (minY + maxY) / 2) }

    @inlinable public mutating func extend(_ p: Position) {
        if p.x < minX { minX = p.x }
        if p.x > maxX { maxX = p.x }
        if p.y < minY { minY = p.y }
        if p.y > maxY { maxY = p.y }
    }

    public mutating func extend(_ other: BoundingBox) {
        guard !other.isEmpty else { return }
        minX = Swift.min(minX, other.minX); minY = Swift.min(minY, other.minY)
        maxX = Swift.max(maxX, other.maxX); maxY = Swift.max(maxY, other.maxY)
    }

    public func intersects(_ o: BoundingBox) -> Bool {
        !(o.minX > maxX || o.maxX < minX || o.minY > maxY || o.maxY < minY)
    }

    public func contains(_ p: Position) -> Bool {
        p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY
    }

    /// A WGS 84 extent read back from a store, made safe for documents and tile math: nil when a
    /// side is missing, not a number or infinite, or the box is inverted; otherwise clamped to
    /// longitude −180…180 and latitude −90…90. Ingest refuses such coordinates, but an older
    /// store, or a row another tool wrote, may still hold them, and one bad row must not stop
    /// every catalogue document or trap in a Double → Int conversion.
    public static func lonLatExtent(minX: Double?, minY: Double?, maxX: Double?, maxY: Double?) -> BoundingBox? {
        guard let minX, let minY, let maxX, let maxY,
              minX.isFinite, minY.isFinite, maxX.isFinite, maxY.isFinite, minX <= maxX, minY <= maxY else { return nil }
        func clamp(_ v: Double, _ limit: Double) -> Double { Swift.min(limit, Swift.max(-limit, v)) }
        return BoundingBox(minX: clamp(minX, 180), minY: clamp(minY, 90), maxX: clamp(maxX, 180), maxY: clamp(maxY, 90))
    }

    /// `[minX, minY, maxX, maxY]`, the order of GeoJSON's `bbox` and OGC API's extents.
    public var array: [Double] { [minX, minY, maxX, maxY] }

    /// Parses `minx,miny,maxx,maxy` (the OGC `bbox` query parameter); `nil` when malformed.
    public init?(commaSeparated text: Substring) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let a = parts[0], let b = parts[1], let c = parts[2], let d = parts[3],
              a.isFinite, b.isFinite, c.isFinite, d.isFinite, a <= c, b <= d else { return nil }
        self.init(minX: a, minY: b, maxX: c, maxY: d)
    }
}

import Foundation
