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

    nonisolated(unsafe) static let source: Source = load(path)

    /// Communes of Quảng Ninh and Hải Phòng, cut from the corrected `communes.geojson` with the
    /// same fields: Hạ Long Bay's islands make communes of dozens of parts a few units apart at
    /// z6–z7, where their rings once came out crossing each other.
    nonisolated(unsafe) static let islands: Source = load(TestPaths.fixture("tiles/quang-ninh-hai-phong-communes.geojson").path)

    /// A communes file with `fieldNames`, read into a prepared layer named "communes".
    static func load(_ path: String) -> Source {
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
    }

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

extension HueFixture {
    /// How many communes of the fixture file GEOS (shapely) finds in tile `t` grown by
    /// `buffer` of 4096 units on each side (the clipping buffer), counting only those whose
    /// part there covers at least one square unit of the tile's grid (less cannot be drawn
    /// and is dropped as degenerate): what a tile must hold, worked out without our tile math
    /// or clipper.
    static func communesIntersecting(_ t: TileCoord, buffer: Int = 64) throws -> Int {
        let r = try Run.python("""
            import json, math, sys
            import numpy as np
            import shapely
            from shapely.geometry import shape, box
            z, x, y, b = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]) / 4096
            n = 2 ** z
            lon = lambda tx: tx / n * 360 - 180
            lat = lambda ty: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))
            area = box(lon(x - b), lat(y + 1 + b), lon(x + 1 + b), lat(y - b))
            def grid(c):
                tx = (c[:, 0] + 180) / 360 * n
                ty = (1 - np.log(np.tan(np.radians(c[:, 1])) + 1 / np.cos(np.radians(c[:, 1]))) / math.pi) / 2 * n
                return np.column_stack(((tx - x) * 4096, (ty - y) * 4096))
            features = json.load(open(sys.argv[1]))["features"]
            parts = [shape(f["geometry"]).intersection(area) for f in features if f["geometry"]]
            print(sum(1 for p in parts if not p.is_empty and shapely.transform(p, grid).area >= 1))
            """, [path, String(t.z), String(t.x), String(t.y), String(buffer)])
        guard r.succeeded, let count = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestSupportError("shapely: \(r.stderr)")
        }
        return count
    }
}
