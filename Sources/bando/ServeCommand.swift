import ArgumentParser
import App
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve tiles, downloads and APIs over HTTP.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080

    func run() async throws {
        let app = try buildApplication(AppConfiguration(storePath: options.store, host: host, port: port))
        try await app.runService()
    }
}
