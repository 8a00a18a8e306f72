import Testing
import GeoModel
@testable import Tiles

/// The tile of the Huế fixture's centre at zoom `z`, and a served answer decoded: what the
/// tests that go through `TileService` share.
func centre(_ z: Int) -> TileCoord {
    let c = HueFixture.source.bounds.center
    let r = TileCoord.covering(BoundingBox(minX: c.x, minY: c.y, maxX: c.x, maxY: c.y), zoom: z)
    return TileCoord(z: z, x: r.xs.lowerBound, y: r.ys.lowerBound)
}

func decode(_ a: TileService.Answer) throws -> MVTTile {
    guard case .tile(let data, let gz, _) = a else { Issue.record("expected a tile, got \(a)"); return MVTTile(layers: []) }
    return try MVTDecoder.decode(gz ? try Gzip.decompress(data) : data)
}
