import Testing
import GeoModel
@testable import Tiles

/// A feature with a longitude no WGS 84 position has (a row of an older store, or written by
/// another tool) is left out of tiles; the tiles around it are still built.
@Suite struct BadCoordinateTileTests {
    @Test func absurdLongitudeIsLeftOutAndTilesAreBuilt() throws {
        let square = Geometry.polygon([[Position(107.5, 16.4), Position(107.52, 16.4), Position(107.52, 16.42), Position(107.5, 16.42), Position(107.5, 16.4)]])
        let line = Geometry.lineString([Position(107.51, 16.41), Position(1e300, 16.41)])
        #expect(PreparedGeometry(lonLat: line) == nil)
        let features = [(1, square), (2, line)].compactMap { id, g in
            PreparedGeometry(lonLat: g).map { PreparedFeature(id: Int64(id), geometry: $0, values: []) }
        }
        let layer = PreparedLayer(name: "t", fieldNames: [], features: features)
        for z in [8, 14, 22, 30] {
            let r = TileCoord.covering(BoundingBox(minX: 107.51, minY: 16.41, maxX: 107.51, maxY: 16.41), zoom: z)
            let built = TileBuilder.build([LayerCut(layer: layer, minZoom: 0, maxZoom: 30)], at: TileCoord(z: z, x: r.xs.lowerBound, y: r.ys.lowerBound))
            let ids = try MVTDecoder.decode(built.data).layers.first?.features.compactMap(\.id) ?? []
            #expect(ids == [1], "zoom \(z): \(ids)")
        }
    }
}
