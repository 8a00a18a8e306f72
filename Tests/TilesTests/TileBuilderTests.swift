import Testing
import GeoModel
@testable import Tiles

@Suite struct TileBuilderTests {
    let layer = HueFixture.source.layer

    @Test func overTheBudgetTheSmallestFeaturesGoFirst() throws {
        let c = centre(8)
        let full = TileBuilder.build([LayerCut(layer: layer)], at: c)
        let all = try MVTDecoder.decode(full.data).layers[0].features
        // Every commune the tile's buffered area meets (GEOS's count), none dropped.
        let expected = try HueFixture.communesIntersecting(c)
        #expect(all.count == expected)
        #expect(full.droppedForSize == 0)
        let cut = TileBuilder.build([LayerCut(layer: layer)], at: c, sizeBudget: full.data.count / 2)
        #expect(cut.data.count <= full.data.count / 2)
        #expect(cut.droppedForSize > 0 && cut.featureCount + cut.droppedForSize == all.count)
        let kept = Set(try MVTDecoder.decode(cut.data).layers[0].features.compactMap(\.id))
        func area(_ f: MVTFeature) -> Int64 { f.parts.map(ringArea2).reduce(0, +) }
        let smallestKept = all.filter { kept.contains($0.id!) }.map(area).min()!
        let largestDropped = all.filter { !kept.contains($0.id!) }.map(area).max()!
        #expect(smallestKept >= largestDropped)
    }

    @Test func zoomRangeAndEmptyTiles() throws {
        let inside = centre(10)
        #expect(TileBuilder.build([LayerCut(layer: layer, minZoom: 0, maxZoom: 14)], at: TileCoord(z: 10, x: 0, y: 0)).isEmpty)
        #expect(TileBuilder.build([LayerCut(layer: layer, minZoom: 11, maxZoom: 14)], at: inside).isEmpty)
        #expect(!TileBuilder.build([LayerCut(layer: layer, minZoom: 0, maxZoom: 14)], at: inside).isEmpty)
    }

    @Test func twoLayersInOneTile() throws {
        let other = PreparedLayer(name: "outline", fieldNames: [], features: layer.features.prefix(3).map {
            PreparedFeature(id: $0.id, geometry: $0.geometry, values: [])
        })
        let c = centre(6)
        let t = try MVTDecoder.decode(TileBuilder.build([LayerCut(layer: layer), LayerCut(layer: other)], at: c).data)
        #expect(t.layers.map(\.name) == ["communes", "outline"])
        #expect(t.layer("outline")?.features.count == 3)
    }
}
