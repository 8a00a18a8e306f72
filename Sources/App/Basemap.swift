// The basemap drawn under the datasets on `/map` and in the dataset page's preview. By default
// the built-in one: country, province and district outlines and names from the committed
// administrative data (`Fixtures/basemap/*.geojson`), made into a PMTiles archive by Bando's
// own ingest and tile code when the archive is missing or older than its sources, so it works
// offline. A province may serve its own instead: any tile archive (`--basemap`) or any
// MapLibre style (`--basemap-style`).
public import Foundation
import GeoStore
import Ingest
public import Logging
public import Tiles

/// Which basemap to serve (`bando serve --basemap`, `--basemap-style`).
public struct BasemapConfiguration: Sendable {
    /// A `.pmtiles` or `.mbtiles` archive to draw instead of the built-in basemap.
    public var archive: String?
    /// A MapLibre style URL the maps start from instead (the archive is then not used).
    public var styleURL: String?
    /// The built-in basemap's sources, and the archive made from them.
    public var sourceFolder = "Fixtures/basemap"
    public var builtArchive = "Public/basemap/basemap.pmtiles"
    public init(archive: String? = nil, styleURL: String? = nil) { self.archive = archive; self.styleURL = styleURL }
}

/// The basemap being served.
public enum Basemap: Sendable {
    /// Tiles from an archive, drawn with `BasemapStyle`.
    case archive(any TileSource, builtIn: Bool)
    /// An outside style the maps load as it is.
    case style(URL)
    /// No basemap (the built-in sources are not beside the binary): the maps' background only.
    case none

    /// The origin (scheme, host, port) of an outside style, which the pages' policy must let them reach.
    var outsideOrigins: [String] {
        guard case .style(let url) = self, let scheme = url.scheme, let host = url.host else { return [] }
        return ["\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")]
    }

    /// The attribution of the built-in basemap, as its sources' licence asks.
    public static let attribution = "Administrative boundaries: censusVN2009 (Marc Choisy, MIT licence)"
    /// The built-in basemap's layers, each from one file of the source folder, and their zooms.
    static let layers: [(id: String, minZoom: Int, fields: [String])] = [
        ("country", 0, ["name"]), ("provinces", 0, ["code", "name"]), ("districts", 5, ["code", "name", "province"]),
        ("places", 4, ["kind", "code", "name", "province", "population"]),
    ]
    static let maxZoom = 10

    /// Opens the configured basemap; for the built-in one, makes its archive first when it is
    /// missing or older than its sources (when that fails, the error is logged and the maps go
    /// without). A configured archive or style that cannot be used stops start-up with its path
    /// and problem.
    public static func open(_ config: BasemapConfiguration, logger: Logger) async throws -> Basemap {
        if let style = config.styleURL {
            guard let url = URL(string: style), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                throw TilesError(.badArchive, "--basemap-style \(style) is not an http(s) URL of a MapLibre style")
            }
            logger.info("basemap: the style \(style)")
            return .style(url)
        }
        if let path = config.archive {
            logger.info("basemap: the archive \(path)")
            return .archive(try TileArchive.open(path), builtIn: false)
        }
        let folder = URL(fileURLWithPath: config.sourceFolder)
        let sources = layers.map { folder.appendingPathComponent("\($0.id).geojson").path }
        guard sources.allSatisfy(FileManager.default.fileExists) else {
            logger.warning("basemap: no \(config.sourceFolder)/*.geojson here, so the maps have no basemap (see --basemap)")
            return .none
        }
        do {
            if isStale(config.builtArchive, sources: sources) {
                logger.info("basemap: making \(config.builtArchive) from \(config.sourceFolder)")
                try await build(from: folder, to: config.builtArchive)
            }
            return .archive(try TileArchive.open(config.builtArchive), builtIn: true)
        } catch {
            // The portal works without it (a read-only folder, say): the maps keep their background.
            logger.error("basemap: could not make or open \(config.builtArchive): \(error); the maps have no basemap")
            return .none
        }
    }

    /// Whether the archive is missing or older than one of its sources.
    static func isStale(_ archive: String, sources: [String]) -> Bool {
        func modified(_ p: String) -> Date? { (try? FileManager.default.attributesOfItem(atPath: p))?[.modificationDate] as? Date }
        guard let made = modified(archive) else { return true }
        return sources.contains { (modified($0) ?? .distantFuture) > made }
    }

    /// Makes the built-in basemap's archive: each source file ingested into a scratch store, one
    /// tileset of every layer, its pyramid written by `TileArchiveBuilder` to a file of this
    /// process, renamed onto `output` when complete (two servers starting at once both succeed).
    public static func build(from folder: URL, to output: String) async throws {
        let outputFolder = URL(fileURLWithPath: output).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bando-basemap-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("tiles"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let store = try await BlockingPool.ingests.run { try Store(path: scratch.appendingPathComponent("basemap.sqlite").path) }
        for layer in layers {
            let options = IngestOptions(path: folder.appendingPathComponent("\(layer.id).geojson").path,
                                        metadata: DatasetMetadata(slug: "basemap-\(layer.id)", title: layer.id, attribution: attribution))
            _ = try await BlockingPool.ingests.run { try Ingestor.run(options, into: store) }
        }
        let definition: [String: Any] = [
            "description": "Việt Nam: ranh giới và tên tỉnh, huyện (censusVN2009)", "attribution": attribution,
            // No companion label layers: the basemap names places from its own `places` layer.
            "layers": layers.map { ["id": $0.id, "dataset": "basemap-\($0.id)", "minzoom": $0.minZoom, "maxzoom": maxZoom, "fields": $0.fields,
                                    "labels": false] as [String: Any] },
        ]
        try JSONSerialization.data(withJSONObject: definition).write(to: scratch.appendingPathComponent("tiles/basemap.json"))
        let tiles = try TileService(store: store, configuration: .init(tilesFolder: scratch.appendingPathComponent("tiles"), cacheMegabytes: 0))
        let mine = outputFolder.appendingPathComponent("basemap-\(getpid())-\(UUID().uuidString.prefix(8)).pmtiles").path
        _ = try await TileArchiveBuilder.build(try await tiles.tileSource(named: "basemap"), to: mine, format: .pmtiles)
        guard rename(mine, output) == 0 else {
            try? FileManager.default.removeItem(atPath: mine)
            throw TilesError(.badArchive, "Could not move the basemap archive onto \(output) (errno \(errno))")
        }
    }
}
