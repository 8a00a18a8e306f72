import ArgumentParser
import Dispatch
import Foundation
import GeoStore
import Tiles

struct TilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiles", abstract: "Tile archives: build a PMTiles or MBTiles file of a tileset.",
        subcommands: [BuildArchive.self])
}

struct BuildArchive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Write every tile of a tileset to a PMTiles v3 (default) or MBTiles 1.3 archive.",
        discussion: "Archives placed in Tiles/ are served by `bando serve` under their file name.")
    @Argument(help: "The tileset: a file Tiles/NAME.json or a published dataset's slug.") var tileset: String
    @Option(name: .shortAndLong, help: "The archive to write, e.g. Tiles/communes.pmtiles.") var output: String
    @Option(help: "pmtiles or mbtiles (default: from the output's extension, else pmtiles).") var format: String?
    @Option(help: "Lowest zoom to build (default: the tileset's).") var minzoom: Int?
    @Option(help: "Highest zoom to build (default: the tileset's).") var maxzoom: Int?
    @Option(help: "Folder of tileset definitions.") var tiles = "Tiles"
    @OptionGroup var options: StoreOptions

    func run() async throws {
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        let chosen = format?.lowercased() ?? (ext == "mbtiles" ? "mbtiles" : "pmtiles")
        guard let fmt = TileArchiveBuilder.Format(rawValue: chosen) else {
            throw ValidationError("--format must be pmtiles or mbtiles (got \(chosen))")
        }
        guard ext == fmt.rawValue else {
            throw ValidationError("The output \(output) must end in .\(fmt.rawValue): `bando serve` recognises archives by their extension")
        }
        if let z = minzoom, !(0...24).contains(z) { throw ValidationError("--minzoom must be between 0 and 24 (got \(z))") }
        if let z = maxzoom, !(0...24).contains(z) { throw ValidationError("--maxzoom must be between 0 and 24 (got \(z))") }
        let store = try options.backend()
        // No overview tiles: the build cuts every tile of its zooms itself.
        let service = try TileService(store: store, configuration: .init(tilesFolder: URL(fileURLWithPath: tiles), cacheMegabytes: 0,
                                                                         overviewTiles: 0))
        let source = try await service.tileSource(named: tileset)
        let meta = try await source.metadata()
        let planned = try TileArchiveBuilder.plan(meta, minZoom: minzoom, maxZoom: maxzoom)
        log("Building \(output) from tileset \(tileset): zooms \(planned.zooms.lowerBound)–\(planned.zooms.upperBound), \(planned.tiles) tiles to visit")

        // Ctrl-C: remove the partial file, so no half archive is ever left behind.
        let temp = TileArchiveBuilder.temporaryPath(for: output)
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            try? FileManager.default.removeItem(atPath: temp)
            FileHandle.standardError.write(Data("\nInterrupted: nothing written to \(output) (the partial file was removed).\n".utf8))
            Foundation.exit(130)
        }
        interrupt.resume()

        let bar = ProgressBar()
        let summary = try await TileArchiveBuilder.build(source, to: output, format: fmt, minZoom: minzoom, maxZoom: maxzoom) { bar.show($0) }
        bar.finish()
        interrupt.cancel()
        let largest = summary.largest.map { "\($0.coord) (\(bytes($0.bytes)))" } ?? "none"
        print("""
            Wrote \(output) (\(fmt.rawValue)): \(summary.tiles) tiles (\(summary.distinct) distinct) of \(summary.visited) visited (\(summary.cut) cut, the others known to be empty), zooms \(summary.minZoom)–\(summary.maxZoom)
            Size \(bytes(summary.bytes)), largest tile \(largest), \(String(format: "%.1f", summary.seconds)) s (\(Int(Double(summary.visited) / max(summary.seconds, 0.001))) tiles/s)
            """)
    }

    func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? String(format: "%.1f MB", Double(n) / 1048576) : n >= 1024 ? String(format: "%.1f kB", Double(n) / 1024) : "\(n) B"
    }
}

/// A one-line progress bar on standard error (a line every few seconds when it is not a terminal).
final class ProgressBar: @unchecked Sendable {
    private let isTTY = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastShown = -1.0

    func show(_ p: TileArchiveBuilder.Progress) {
        lock.lock(); defer { lock.unlock() }
        let every = isTTY ? 0.2 : 5
        guard p.done == p.total || p.seconds - lastShown >= every else { return }
        lastShown = p.seconds
        let rate = Double(p.done) / max(p.seconds, 0.001)
        let left = rate > 0 ? Double(p.total - p.done) / rate : 0
        let width = 30, filled = p.total > 0 ? width * p.done / p.total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\(bar) \(p.done)/\(p.total) tiles  \(Int(rate)) tiles/s  \(Self.duration(left)) left  (\(p.written) non-empty)"
        FileHandle.standardError.write(Data((isTTY ? "\r\(line)\u{1B}[K" : line + "\n").utf8))
    }

    func finish() { if isTTY { FileHandle.standardError.write(Data("\n".utf8)) } }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
