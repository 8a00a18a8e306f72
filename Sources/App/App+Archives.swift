import Foundation
import Logging
import Tiles

/// Opens the tile archives to serve: every `.pmtiles` / `.mbtiles` in the tiles folder and those
/// named by `--archive`. Each becomes a tileset named after its file, served by the same routes
/// as tiles made on demand. A missing, truncated or corrupt archive stops start-up with its path
/// and problem.
func registerArchives(_ config: AppConfiguration, tiles: TileService, logger: Logger) throws {
    let found = TileArchive.paths(in: URL(fileURLWithPath: config.tilesFolder))
    var seen = Set<String>()
    for path in found + config.archives {
        let canonical = URL(fileURLWithPath: path).standardizedFileURL.path
        guard seen.insert(canonical).inserted else { continue }
        let source = try TileArchive.open(path)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        tiles.register(source, as: name)
        logger.info("serving archive \(path) as tileset \(name)")
    }
}
