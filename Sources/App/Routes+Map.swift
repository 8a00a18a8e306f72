import Foundation
public import Hummingbird
import Web
public import Tiles
import PublicErrors

/// Where the map's files are: MapLibre styles (`Styles/NAME.json`, with `{base_url}` standing
/// for the server's own root) and the local copy of MapLibre GL JS that `make` unpacks from
/// the PyPI package `maplibre` (`Public/vendor/maplibre/`), so the map needs no internet.
public struct MapSite: Sendable {
    public var stylesFolder: String
    public var vendorFolder: String
    /// Label glyphs (`{fontstack}/{start}-{end}.pbf`) written by `Styles/make-glyphs.py`.
    public var fontsFolder: String
    public init(stylesFolder: String = "Styles", vendorFolder: String = "Public/vendor/maplibre", fontsFolder: String = "Public/fonts") {
        self.stylesFolder = stylesFolder; self.vendorFolder = vendorFolder; self.fontsFolder = fontsFolder
    }
}

/// The map page's script `/map.js` and stylesheet (the page itself, the basemap and the place
/// search are in `Routes+Basemap.swift`), `GET /styles/{name}.json`, label
/// glyphs under `/fonts/`, and MapLibre's own files under `/vendor/maplibre/`.
/// `origin` roots the absolute URLs filled into styles.
public func addMapRoutes<Context: RequestContext>(to router: Router<Context>, tiles: TileService, site: MapSite,
                                                  origin: PublicOrigin = PublicOrigin()) {
    router.get("map.js") { _, _ in webAsset(WebAssets.mapScript, type: "text/javascript", cache: "no-cache") }
    router.get("web/map.css") { _, _ in webAsset(WebAssets.mapStylesheet, type: "text/css") }
    router.get("styles/{file}") { _, context -> Response in
        let file = context.parameters.get("file") ?? ""
        guard file.hasSuffix(".json"), TilesetDefinition.isValidName(String(file.dropLast(5))) else {
            throw APIError(.notFound, code: "NotFound", SafeMessage("map.style.badName", ["style": file]))
        }
        let path = URL(fileURLWithPath: site.stylesFolder).appendingPathComponent(file).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIError(.notFound, code: "NotFound", SafeMessage("map.style.unknown", ["style": String(file.dropLast(5))]),
                           detail: "no \(path)")
        }
        let filled = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "{base_url}", with: origin.url(context))
        return Response(status: .ok, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: filled)))
    }
    router.get("fonts/{stack}/{range}") { _, context -> Response in
        let stack = (context.parameters.get("stack") ?? "").removingPercentEncoding ?? ""
        let range = context.parameters.get("range") ?? ""
        let folder = URL(fileURLWithPath: site.fontsFolder).appendingPathComponent(stack)
        guard !stack.contains("/"), !stack.hasPrefix("."), range.range(of: #"^[0-9]+-[0-9]+\.pbf$"#, options: .regularExpression) != nil,
              FileManager.default.fileExists(atPath: folder.path) else {
            throw APIError(.notFound, code: "NotFound", SafeMessage("map.font.unknown", ["font": stack]),
                           detail: "no \(folder.path) (`make vendor` writes DejaVu Sans Book and Bold)")
        }
        // A range the fonts do not cover is an empty glyph set, which MapLibre accepts.
        let data = FileManager.default.contents(atPath: folder.appendingPathComponent(range).path) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/x-protobuf", .cacheControl: "public, max-age=86400", .accessControlAllowOrigin: "*"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    let vendor = VendorFiles(folder: site.vendorFolder)
    router.get("vendor/maplibre/{file}") { _, context -> Response in
        let file = context.parameters.get("file") ?? ""
        guard let (bytes, type) = vendor.file(file) else {
            throw APIError(.notFound, code: "NotFound", SafeMessage("map.vendor.unknown", ["file": file]),
                           detail: "MapLibre GL JS is unpacked into \(site.vendorFolder)/ by `make vendor` (part of `make run`)")
        }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=86400"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// MapLibre's two files, read once and kept (about 1 MB).
final class VendorFiles: Sendable {
    static let allowed = ["maplibre-gl.js": "text/javascript; charset=utf-8", "maplibre-gl.css": "text/css; charset=utf-8"]
    private let files: [String: [UInt8]]
    init(folder: String) {
        var f: [String: [UInt8]] = [:]
        for name in Self.allowed.keys {
            if let d = FileManager.default.contents(atPath: URL(fileURLWithPath: folder).appendingPathComponent(name).path) { f[name] = [UInt8](d) }
        }
        files = f
    }
    func file(_ name: String) -> ([UInt8], String)? {
        guard let type = Self.allowed[name], let bytes = files[name] else { return nil }
        return (bytes, type)
    }
}
