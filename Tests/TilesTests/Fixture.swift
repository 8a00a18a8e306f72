import Foundation
import GeoModel
import TestSupport
@testable import Tiles

/// The Huế communes fixture (152 polygons of censusVN2009), read without the store so the
/// tile pipeline can be checked on its own; store-backed tests load the same file by ingest.
enum HueFixture {
    static let path = TestPaths.fixture("tiles/hue-communes.geojson").path
    static let fieldNames = ["commune_id", "commune_vn", "district_vn", "population", "area"]

    struct Source: @unchecked Sendable {
        var features: [(id: Int64, geometry: Geometry, values: [FieldValue])]
        var layer: PreparedLayer
        var bounds: BoundingBox
    }

    nonisolated(unsafe) static let source: Source = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: path))
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        var features: [(Int64, Geometry, [FieldValue])] = []
        var bounds = BoundingBox.empty
        for (i, f) in (json["features"] as! [[String: Any]]).enumerated() {
            let props = f["properties"] as! [String: Any]
            let g = geometry(f["geometry"] as! [String: Any])
            bounds.extend(g.boundingBox!)
            let values: [FieldValue] = fieldNames.map { name in
                switch props[name] {
                case let s as String: return .text(s)
                case let n as NSNumber:
                    let d = n.doubleValue
                    return name == "area" ? .real(d) : .integer(Int64(d))
                default: return .null
                }
            }
            features.append((Int64(i + 1), g, values))
        }
        let prepared = features.compactMap { f in PreparedGeometry(lonLat: f.1).map { PreparedFeature(id: f.0, geometry: $0, values: f.2) } }
        return Source(features: features, layer: PreparedLayer(name: "communes", fieldNames: fieldNames, features: prepared), bounds: bounds)
    }()

    static func geometry(_ g: [String: Any]) -> Geometry {
        func pos(_ a: Any) -> Position { let c = a as! [Double]; return Position(c[0], c[1]) }
        func ring(_ a: Any) -> [Position] { (a as! [Any]).map(pos) }
        switch g["type"] as! String {
        case "Polygon": return .polygon((g["coordinates"] as! [Any]).map(ring))
        case "MultiPolygon": return .multiPolygon((g["coordinates"] as! [Any]).map { ($0 as! [Any]).map(ring) })
        case "LineString": return .lineString(ring(g["coordinates"]!))
        default: return .point(pos(g["coordinates"]!))
        }
    }

    /// Every tile from z0 to `maxZoom` that covers the fixture, written as `dir/z/x/y.mvt`
    /// (uncompressed); returns the non-empty tiles written.
    static func writePyramid(to dir: URL, maxZoom: Int) throws -> [TileCoord] {
        var written: [TileCoord] = []
        for z in 0...maxZoom {
            let r = TileCoord.covering(source.bounds, zoom: z)
            for x in r.xs { for y in r.ys {
                let c = TileCoord(z: z, x: x, y: y)
                let built = TileBuilder.build([LayerCut(layer: source.layer)], at: c)
                guard !built.isEmpty else { continue }
                let folder = dir.appendingPathComponent("\(z)/\(x)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(built.data).write(to: folder.appendingPathComponent("\(y).mvt"))
                written.append(c)
            } }
        }
        return written
    }
}
