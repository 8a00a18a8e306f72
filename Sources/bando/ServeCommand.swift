import ArgumentParser
import App
import Hummingbird
import Portal

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve tiles, downloads and APIs over HTTP.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Folder of tileset definitions.") var tiles = "Tiles"
    @Option(help: "In-memory tile cache in MB (0 turns it off).") var tileCacheMb = 256
    @Option(help: "Folder where produced downloads are cached (default: downloads/ beside the store).") var downloadsCache: String?
    @Option(help: "A tile archive (.pmtiles or .mbtiles) to serve as a tileset named after the file; repeatable. Archives in the tiles folder are served too.") var archive: [String] = []
    @Option(help: "An address range (CIDR, e.g. 10.20.0.0/16, or one address) that harvests may reach although it is private, loopback or link-local, such as the province's intranet; repeatable.")
    var harvestAllow: [String] = []
    @Option(help: "Largest harvest in bytes, all pages together; a bigger source is refused as it streams.")
    var harvestMaxBytes = HarvestFetcher.defaultMaxBytes
    @Option(help: "Most pages one OGC API - Features harvest follows.") var harvestMaxPages = HarvestFetcher.defaultMaxPages

    func validate() throws {
        for range in harvestAllow where HarvestNetwork(range) == nil {
            throw ValidationError("--harvest-allow '\(range)' is not an address range such as 10.20.0.0/16, fd00::/8 or 192.0.2.7")
        }
        guard harvestMaxBytes > 0 else { throw ValidationError("--harvest-max-bytes must be positive") }
        guard harvestMaxPages > 0 else { throw ValidationError("--harvest-max-pages must be positive") }
    }

    func run() async throws {
        var config = AppConfiguration(
            storePath: options.store, host: host, port: port, tilesFolder: tiles, tileCacheMegabytes: tileCacheMb)
        config.downloadsFolder = downloadsCache
        config.archives = archive
        config.harvest = HarvestFetcher(maxBytes: harvestMaxBytes, maxPages: harvestMaxPages,
                                        policy: HarvestAddressPolicy(allowed: harvestAllow.compactMap(HarvestNetwork.init)))
        let app = try await buildApplication(config)
        try await app.runService()
    }
}
