// Tiles: Mapbox Vector Tiles from the store — tile geometry (projection, clipping,
// simplification), the MVT codec, tilesets and the TileSource protocol, the tile cache.
// Knows nothing of HTTP: `App` maps `TileService` answers to responses.
//
// Where the time goes per tile, and what is therefore done once per dataset version
// (`PreparedLayer`): decoding stored WKB, projecting to Web Mercator, the spatial index and the
// encoded attribute values. Per request only the transform to tile space, clipping,
// simplification, MVT encoding and (for clients that accept it) gzip remain.
