// `bando framework-baseline --port P --body FILE` (hidden): Hummingbird with one route that
// answers a fixed body from memory, and nothing else. The tiles benchmark runs it beside nginx
// and Bando's cached tiles, so the report shows how much of any gap is the framework's own cost
// per request rather than the tile cache's.
import ArgumentParser
import Foundation
import Hummingbird

struct FrameworkBaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "framework-baseline",
        abstract: "Benchmark baseline: Hummingbird answering one fixed body from memory on every GET.",
        shouldDisplay: false)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8099
    @Option(help: "File whose bytes are the body of every answer.") var body: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: body) else {
            throw ValidationError("cannot read \(body)")
        }
        let bytes = ByteBuffer(bytes: data)
        let router = Router()
        router.get("**") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/vnd.mapbox-vector-tile"], body: .init(byteBuffer: bytes))
        }
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "baseline"))
        try await app.runService()
    }
}
