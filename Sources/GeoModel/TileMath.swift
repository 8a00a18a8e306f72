import Foundation

/// A tile of the Web Mercator quad tree (XYZ scheme: y grows southwards).
public struct TileCoord: Hashable, Sendable, CustomStringConvertible {
    public var z: Int
    public var x: Int
    public var y: Int
    public init(z: Int, x: Int, y: Int) { self.z = z; self.x = x; self.y = y }

    /// Whether x and y exist at zoom z (0 ≤ x, y < 2^z); zooms above 30 are refused.
    public var isValid: Bool {
        guard z >= 0, z <= 30 else { return false }
        let n = 1 << z
        return x >= 0 && x < n && y >= 0 && y < n
    }

    public var description: String { "\(z)/\(x)/\(y)" }

    /// The tile's bounds in Web Mercator metres (EPSG:3857).
    public var mercatorBounds: BoundingBox {
        let size = WebMercator.worldSize / Double(1 << z)
        let minX = -WebMercator.halfWorld + Double(x) * size
        let maxY = WebMercator.halfWorld - Double(y) * size
        return BoundingBox(minX: minX, minY: maxY - size, maxX: minX + size, maxY: maxY)
    }

    /// The tile's bounds in WGS 84 degrees.
    public var lonLatBounds: BoundingBox {
        let m = mercatorBounds
        let sw = WebMercator.toLonLat(Position(m.minX, m.minY))
        let ne = WebMercator.toLonLat(Position(m.maxX, m.maxY))
        return BoundingBox(minX: sw.x, minY: sw.y, maxX: ne.x, maxY: ne.y)
    }

    /// The tiles at zoom `z` (0…30) that cover a WGS 84 box (clamped to the world). Total: a box
    /// that is huge, infinite, NaN or inverted (a bad row in an older store) gives a valid range,
    /// never a trap converting to Int or building a range backwards.
    public static func covering(_ box: BoundingBox, zoom z: Int) -> (xs: ClosedRange<Int>, ys: ClosedRange<Int>) {
        let n = 1 << min(30, max(0, z))
        let sw = WebMercator.fromLonLat(Position(box.minX, box.minY))
        let ne = WebMercator.fromLonLat(Position(box.maxX, box.maxY))
        func index(_ fraction: Double) -> Int {
            let cell = floor(fraction * Double(n))
            guard !cell.isNaN else { return 0 }
            return cell <= 0 ? 0 : cell >= Double(n - 1) ? n - 1 : Int(cell)
        }
        func col(_ mx: Double) -> Int { index((mx + WebMercator.halfWorld) / WebMercator.worldSize) }
        func row(_ my: Double) -> Int { index((WebMercator.halfWorld - my) / WebMercator.worldSize) }
        let (x0, x1) = (col(sw.x), col(ne.x)), (y0, y1) = (row(ne.y), row(sw.y))
        return (min(x0, x1)...max(x0, x1), min(y0, y1)...max(y0, y1))
    }
}

/// Spherical Web Mercator (EPSG:3857) in closed form: tiles need no PROJ round trip.
public enum WebMercator {
    public static let radius = 6_378_137.0
    public static let halfWorld = Double.pi * radius
    public static let worldSize = 2 * Double.pi * radius
    /// The latitude where the square world ends.
    public static let maxLatitude = 85.051_128_779_806_59

    @inline(__always)
    public static func fromLonLat(_ p: Position) -> Position {
        let lat = min(maxLatitude, max(-maxLatitude, p.y))
        let x = p.x * .pi / 180 * radius
        let y = log(tan(.pi / 4 + lat * .pi / 360)) * radius
        return Position(x, y)
    }

    @inline(__always)
    public static func toLonLat(_ p: Position) -> Position {
        let lon = p.x / radius * 180 / .pi
        let lat = (2 * atan(exp(p.y / radius)) - .pi / 2) * 180 / .pi
        return Position(lon, lat)
    }
}
