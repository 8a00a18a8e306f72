public import FeatureQuery
public import GeoModel
import Foundation
import PublicErrors

/// Moves positions between WGS 84 longitude/latitude (the store's CRS) and another CRS.
/// Implemented by ProjKit-backed transformers (wired in App) and by the closed forms below.
public protocol PositionTransformer: Sendable {
    /// From WGS 84 lon/lat (x = longitude) to the CRS, in the CRS's own axis order.
    func forward(_ p: Position) throws -> Position
    /// From the CRS (its own axis order) back to WGS 84 lon/lat.
    func inverse(_ p: Position) throws -> Position
}

/// Supplies the CRSs that need PROJ (VN-2000 and its TM-3 zones). App wires ProjKit here;
/// the VN-2000 provincial TM-3 table of ProjKit adds its zones through `extraCRS`.
public protocol ProjectionProvider: Sendable {
    /// The CRS URIs this provider can build, beyond the built-in CRS84, EPSG:4326 and EPSG:3857.
    var supportedCRS: [String] { get }
    /// A transformer from WGS 84 lon/lat to the CRS named by `uri`, or nil when unknown.
    func transformer(for uri: String) throws -> (any PositionTransformer)?
}

/// A CRS a client may ask for with `crs=` or `bbox-crs=` (OGC API - Features Part 2).
public struct OutputCRS: Sendable {
    public var uri: String
    public var transformer: (any PositionTransformer)?
    /// True for CRS84 itself: no transformation at all.
    public var isCRS84: Bool { transformer == nil }

    public static let crs84URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    public static let crs84 = OutputCRS(uri: crs84URI, transformer: nil)

    public func toWGS84(_ p: Position) throws -> Position { try transformer?.inverse(p) ?? p }
    public func fromWGS84(_ p: Position) throws -> Position { try transformer?.forward(p) ?? p }

    /// A box given in this CRS as the WGS 84 box that holds it (its edges are sampled, since a
    /// projected box is not a lon/lat box).
    public func boxToWGS84(_ b: BoundingBox) throws -> BoundingBox {
        guard transformer != nil else { return b }
        var out = BoundingBox.empty
        let n = 8
        for i in 0...n {
            let t = Double(i) / Double(n)
            let x = b.minX + (b.maxX - b.minX) * t, y = b.minY + (b.maxY - b.minY) * t
            for p in [Position(x, b.minY), Position(x, b.maxY), Position(b.minX, y), Position(b.maxX, y)] {
                out.extend(try toWGS84(p))
            }
        }
        return out
    }
}

/// EPSG:4326 as the standard defines it: latitude first.
struct LatLonAxisOrder: PositionTransformer {
    func forward(_ p: Position) -> Position { Position(p.y, p.x) }
    func inverse(_ p: Position) -> Position { Position(p.y, p.x) }
}

/// EPSG:3857 in closed form (no PROJ round trip).
struct WebMercatorTransformer: PositionTransformer {
    func forward(_ p: Position) -> Position { WebMercator.fromLonLat(p) }
    func inverse(_ p: Position) -> Position { WebMercator.toLonLat(p) }
}

/// The CRSs this server offers, resolved from the URIs clients send.
public struct CRSRegistry: Sendable {
    public var provider: (any ProjectionProvider)?

    public init(provider: (any ProjectionProvider)? = nil) { self.provider = provider }

    public static let epsg4326URI = "http://www.opengis.net/def/crs/EPSG/0/4326"
    public static let epsg3857URI = "http://www.opengis.net/def/crs/EPSG/0/3857"

    /// Every CRS URI a collection lists in `crs` (Part 2), CRS84 first.
    public var supported: [String] {
        var list = [OutputCRS.crs84URI, Self.epsg4326URI, Self.epsg3857URI]
        for u in provider?.supportedCRS ?? [] where !list.contains(u) { list.append(u) }
        return list
    }

    /// Accepts the OGC URI, `EPSG:n` and `[EPSG:n]` (safe CURIE) spellings.
    public static func canonical(_ text: String) -> String {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("["), t.hasSuffix("]") { t = String(t.dropFirst().dropLast()) }
        let upper = t.uppercased()
        if upper == "CRS84" || upper == "OGC:CRS84" { return OutputCRS.crs84URI }
        if upper.hasPrefix("EPSG:"), let code = Int(t.dropFirst(5)) { return "http://www.opengis.net/def/crs/EPSG/0/\(code)" }
        if t.hasPrefix("https://www.opengis.net/") { t = "http://" + t.dropFirst("https://".count) }
        return t
    }

    public func resolve(_ text: String, parameter: String) throws(FeaturesError) -> OutputCRS {
        let uri = Self.canonical(text)
        switch uri {
        case OutputCRS.crs84URI: return .crs84
        case Self.epsg4326URI: return OutputCRS(uri: uri, transformer: LatLonAxisOrder())
        case Self.epsg3857URI: return OutputCRS(uri: uri, transformer: WebMercatorTransformer())
        default:
            if let provider, provider.supportedCRS.contains(uri) {
                do {
                    if let t = try provider.transformer(for: uri) { return OutputCRS(uri: uri, transformer: t) }
                } catch {
                    throw FeaturesError(.storeFailure, SafeMessage("features.crs.setupFailed", ["crs": uri]), parameter: parameter,
                                        detail: "the CRS \(uri) could not be set up: \(error)")
                }
            }
            throw .invalid(parameter, SafeMessage("features.crs.unsupported", ["crs": text, "supported": supported.joined(separator: ", ")]))
        }
    }
}
