// Tiles: Mapbox Vector Tiles from the store — tile geometry (projection, clipping,
// simplification), the MVT codec, tilesets and the TileSource protocol, the tile cache.
// Knows nothing of HTTP.
