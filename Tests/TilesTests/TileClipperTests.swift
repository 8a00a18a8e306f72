import Testing
import Foundation
import GeoModel
@testable import Tiles

@Suite struct TileClipperTests {
    /// A polygon given in tile units of `tile`, turned back into lon/lat for preparation.
    func lonLat(_ tile: TileCoord, _ pts: [(Double, Double)]) -> [Position] {
        let b = tile.mercatorBounds
        let s = b.width / 4096
        return pts.map { WebMercator.toLonLat(Position(b.minX + $0.0 * s, b.maxY - $0.1 * s)) }
    }

    let tile = TileCoord(z: 10, x: 812, y: 475)

    @Test func polygonCrossingTheEdgeIsClippedToTheBufferClosedAndClockwise() throws {
        // Counter-clockwise in lon/lat (RFC 7946), half outside the tile to the left.
        let ring = lonLat(tile, [(-2000, 1000), (-2000, 3000), (1000, 3000), (1000, 1000), (-2000, 1000)])
        let g = try #require(PreparedGeometry(lonLat: .polygon([ring])))
        let c = try #require(TileClipper.clip(g, in: TileFrame(tile: tile)))
        #expect(c.geometry.parts.count == 1)
        let r = c.geometry.parts[0]
        #expect(ringArea2(r) > 0)
        #expect(r.allSatisfy { $0.x >= -64 && $0.x <= 1000 && $0.y >= 1000 && $0.y <= 3000 })
        #expect(Set(r) == [TilePoint(-64, 1000), TilePoint(1000, 1000), TilePoint(1000, 3000), TilePoint(-64, 3000)])
    }

    /// A position lands on the same grid position in every tile of a zoom: its units in the
    /// next tile east and south are those of this one less exactly one extent, whatever their
    /// fractional part, so a feature's rings round alike in every tile that draws them.
    @Test func aPositionRoundsAlikeInEveryTileOfAZoom() {
        let here = TileFrame(tile: tile)
        let east = TileFrame(tile: TileCoord(z: tile.z, x: tile.x + 1, y: tile.y))
        let south = TileFrame(tile: TileCoord(z: tile.z, x: tile.x, y: tile.y + 1))
        let b = tile.mercatorBounds
        for i in 0..<1000 {
            let mx = b.minX + b.width * Double(i) / 997.3, my = b.maxY - b.height * Double(i) / 1003.7
            #expect(here.x(mx) - 4096 == east.x(mx) && here.x(mx).rounded() - 4096 == east.x(mx).rounded())
            #expect(here.y(my) - 4096 == south.y(my) && here.y(my).rounded() - 4096 == south.y(my).rounded())
        }
    }

    @Test func holesStayHolesAndVanishingHolesGo() throws {
        let outer = lonLat(tile, [(100, 100), (3900, 100), (3900, 3900), (100, 3900), (100, 100)])
        let hole = lonLat(tile, [(1000, 1000), (2000, 1000), (2000, 2000), (1000, 2000), (1000, 1000)])
        let tiny = lonLat(tile, [(3000, 3000), (3000.2, 3000), (3000.2, 3000.2), (3000, 3000)])
        let g = try #require(PreparedGeometry(lonLat: .polygon([outer, hole, tiny])))
        let c = try #require(TileClipper.clip(g, in: TileFrame(tile: tile)))
        #expect(c.geometry.parts.count == 2)
        #expect(ringArea2(c.geometry.parts[0]) > 0 && ringArea2(c.geometry.parts[1]) < 0)
    }

    @Test func featuresSmallerThanAUnitVanish() throws {
        let speck = lonLat(tile, [(500, 500), (500.3, 500), (500.3, 500.3), (500, 500.3), (500, 500)])
        let g = try #require(PreparedGeometry(lonLat: .polygon([speck])))
        #expect(TileClipper.clip(g, in: TileFrame(tile: tile))?.geometry == nil)
        let line = try #require(PreparedGeometry(lonLat: .lineString(lonLat(tile, [(10, 10), (10.2, 10.1)]))))
        #expect(TileClipper.clip(line, in: TileFrame(tile: tile))?.geometry == nil)
    }

    @Test func linesAreCutWhereTheyLeaveAndReenter() throws {
        let line = lonLat(tile, [(100, 100), (-500, 2000), (100, 3000), (5000, 3000)])
        let g = try #require(PreparedGeometry(lonLat: .lineString(line)))
        let c = try #require(TileClipper.clip(g, in: TileFrame(tile: tile)))
        #expect(c.geometry.parts.count == 2, "\(c.geometry.parts)")
        for part in c.geometry.parts { #expect(part.allSatisfy { $0.x >= -64 && $0.x <= 4160 }) }
        #expect(c.geometry.parts[1].last == TilePoint(4160, 3000))
    }

    @Test func pointsOutsideTheBufferAreLeftOut() throws {
        let pts = lonLat(tile, [(10, 10), (-100, 10), (4100, 4100)])
        let g = try #require(PreparedGeometry(lonLat: .multiPoint(pts)))
        let c = try #require(TileClipper.clip(g, in: TileFrame(tile: tile)))
        #expect(c.geometry.parts == [[TilePoint(10, 10)], [TilePoint(4100, 4100)]])
    }

    @Test func simplificationShrinksLowZoomsButKeepsTheShape() throws {
        // A wiggly ring: 2000 positions on a circle with sub-unit noise.
        var ring: [(Double, Double)] = []
        for i in 0..<2000 {
            let a = Double(i) / 2000 * 2 * .pi
            let r = 1500 + (i % 2 == 0 ? 0.4 : -0.4)
            ring.append((2048 + r * cos(a), 2048 + r * sin(a)))
        }
        ring.append(ring[0])
        let g = try #require(PreparedGeometry(lonLat: .polygon([lonLat(tile, ring)])))
        let c = try #require(TileClipper.clip(g, in: TileFrame(tile: tile, tolerance: 1)))
        let r = c.geometry.parts[0]
        #expect(r.count < 400)
        let area = Double(ringArea2(r)) / 2
        #expect(abs(area - Double.pi * 1500 * 1500) / (Double.pi * 1500 * 1500) < 0.01)
    }

    @Test func rTreeFindsExactlyTheIntersectingBoxes() {
        var boxes: [BoundingBox] = []
        for i in 0..<1000 { let x = Double(i % 40), y = Double(i / 40); boxes.append(BoundingBox(minX: x, minY: y, maxX: x + 0.5, maxY: y + 0.5)) }
        let tree = PackedRTree(boxes: boxes)
        let q = BoundingBox(minX: 3.2, minY: 4.7, maxX: 7.1, maxY: 9)
        var hits: [Int] = []
        tree.search(q) { hits.append($0) }
        #expect(hits.sorted() == boxes.indices.filter { boxes[$0].intersects(q) })
        #expect(!hits.isEmpty)
    }
}
