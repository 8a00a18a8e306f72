// A minimal reader of the fixtures' .shp and .dbf files, for the tests only: it keeps the
// tests independent of GDAL (the code under test must decide CRS and encoding itself).
import Foundation
import TestSupport

struct ShapefileFixture {
    var name: String
    /// Each feature's vertices (all parts), in file units.
    var features: [[(x: Double, y: Double)]]
    var prj: String?
    var cpg: String?

    init(_ name: String) throws {
        self.name = name
        let base = TestPaths.fixture("vn2000/\(name)")
        let shp = try [UInt8](Data(contentsOf: base.appendingPathExtension("shp")))
        features = []
        var pos = 100
        while pos + 8 <= shp.count {
            let length = Int(bigEndianInt(shp, pos + 4)) * 2
            let content = pos + 8
            let type = littleInt(shp, content)
            if type == 5 || type == 3 || type == 1 {
                if type == 1 {
                    features.append([(double(shp, content + 4), double(shp, content + 12))])
                } else {
                    let numParts = Int(littleInt(shp, content + 36)), numPoints = Int(littleInt(shp, content + 40))
                    let pointsAt = content + 44 + 4 * numParts
                    features.append((0..<numPoints).map { i in (double(shp, pointsAt + 16 * i), double(shp, pointsAt + 16 * i + 8)) })
                }
            }
            pos = content + length
        }
        prj = try? String(contentsOf: base.appendingPathExtension("prj"), encoding: .utf8)
        cpg = try? String(contentsOf: base.appendingPathExtension("cpg"), encoding: .utf8)
    }

    /// One point per feature: the middle of its vertices' extent.
    var centres: [(x: Double, y: Double)] {
        features.map { pts in
            ((pts.map(\.x).min()! + pts.map(\.x).max()!) / 2, (pts.map(\.y).min()! + pts.map(\.y).max()!) / 2)
        }
    }
}

/// The WGS 84 originals the fixtures were made from: each feature's vertices.
func originalFeatures(_ key: String) throws -> [[(x: Double, y: Double)]] {
    let data = try Data(contentsOf: TestPaths.fixture("vn2000/originals/\(key).geojson"))
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    return (json["features"] as! [[String: Any]]).map { f in
        let g = f["geometry"] as! [String: Any]
        var out: [(x: Double, y: Double)] = []
        func walk(_ v: Any) {
            if let pair = v as? [Double], pair.count >= 2 { out.append((pair[0], pair[1])); return }
            if let arr = v as? [Any] { arr.forEach(walk) }
        }
        walk(g["coordinates"]!)
        return out
    }
}

private func bigEndianInt(_ b: [UInt8], _ at: Int) -> Int32 {
    Int32(bitPattern: UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3]))
}
private func littleInt(_ b: [UInt8], _ at: Int) -> Int32 {
    Int32(bitPattern: UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
}
private func double(_ b: [UInt8], _ at: Int) -> Double {
    var bits: UInt64 = 0
    for i in 0..<8 { bits |= UInt64(b[at + i]) << (8 * UInt64(i)) }
    return Double(bitPattern: bits)
}

/// Metres between two WGS 84 positions (equirectangular: exact enough below a kilometre).
func metres(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
    let dy = (a.y - b.y) * 111_320
    let dx = (a.x - b.x) * 111_320 * cos(a.y * .pi / 180)
    return (dx * dx + dy * dy).squareRoot()
}

/// A feature's extent as its four extreme coordinates: independent of vertex order and ring
/// orientation, which shapefile writers change.
func extremes(_ pts: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
    [pts.min { $0.x < $1.x }!, pts.max { $0.x < $1.x }!, pts.min { $0.y < $1.y }!, pts.max { $0.y < $1.y }!]
}
