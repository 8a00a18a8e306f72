import ArgumentParser
import App
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve tiles, downloads and APIs over HTTP.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Folder of tileset definitions.") var tiles = "Tiles"
    @Option(help: "In-memory tile cache in MB (0 turns it off).") var tileCacheMb = 256
    @Option(help: "Folder where produced downloads are cached (default: downloads/ beside the store).") var downloadsCache: String?
    @Option(help: "A tile archive (.pmtiles or .mbtiles) to serve as a tileset named after the file; repeatable. Archives in the tiles folder are served too.") var archive: [String] = []

    func run() async throws {
        var config = AppConfiguration(
            storePath: options.store, host: host, port: port, tilesFolder: tiles, tileCacheMegabytes: tileCacheMb)
        config.downloadsFolder = downloadsCache
        config.archives = archive
        let app = try await buildApplication(config)
        try await app.runService()
    }
}
