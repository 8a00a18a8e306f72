import Testing
import GeoModel

/// Tile math and stored extents never trap on a box that is not a number or not on the Earth.
@Suite struct BadBoxTileMathTests {
    static let bad: [[Double]] = [
        [-.infinity, -.infinity, .infinity, .infinity], [.nan, .nan, .nan, .nan], [1e300, 1e300, 1e300, 1e300],
        [-1e308, -1e308, 1e308, 1e308], [108, 17, 107, 16], [.infinity, 16, .nan, 17],
    ]

    @Test(arguments: BadBoxTileMathTests.bad)
    func coveringGivesValidTiles(box: [Double]) {
        for z in [0, 1, 12, 30] {
            let r = TileCoord.covering(BoundingBox(minX: box[0], minY: box[1], maxX: box[2], maxY: box[3]), zoom: z)
            let n = 1 << z
            #expect(r.xs.lowerBound >= 0 && r.xs.upperBound < n && r.ys.lowerBound >= 0 && r.ys.upperBound < n)
        }
    }

    @Test func storedExtentIsNilOrWithinTheWorld() {
        #expect(BoundingBox.lonLatExtent(minX: -.infinity, minY: 0, maxX: 1, maxY: 1) == nil)
        #expect(BoundingBox.lonLatExtent(minX: .nan, minY: 0, maxX: 1, maxY: 1) == nil)
        #expect(BoundingBox.lonLatExtent(minX: 2, minY: 0, maxX: 1, maxY: 1) == nil)
        #expect(BoundingBox.lonLatExtent(minX: nil, minY: 0, maxX: 1, maxY: 1) == nil)
        #expect(BoundingBox.lonLatExtent(minX: -1e300, minY: -95, maxX: 1e300, maxY: 95)
                == BoundingBox(minX: -180, minY: -90, maxX: 180, maxY: 90))
        #expect(BoundingBox.lonLatExtent(minX: 107.5, minY: 16.4, maxX: 107.7, maxY: 16.5)
                == BoundingBox(minX: 107.5, minY: 16.4, maxX: 107.7, maxY: 16.5))
    }
}
