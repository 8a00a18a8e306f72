import Foundation
import Testing
@testable import GeoModel

@Suite struct WKBTests {
    let samples: [Geometry] = [
        .point(Position(107.59, 16.46)),
        .lineString([Position(0, 0), Position(1, 1), Position(2, 0)]),
        .polygon([[Position(0, 0), Position(4, 0), Position(4, 4), Position(0, 0)],
                  [Position(1, 1), Position(2, 1), Position(2, 2), Position(1, 1)]]),
        .multiPoint([Position(1, 2), Position(3, 4)]),
        .multiLineString([[Position(0, 0), Position(1, 0)], [Position(5, 5), Position(6, 6)]]),
        .multiPolygon([[[Position(0, 0), Position(1, 0), Position(1, 1), Position(0, 0)]]]),
        .geometryCollection([.point(Position(1, 1)), .lineString([Position(0, 0), Position(1, 1)])]),
    ]

    @Test func roundTripsEveryType() throws {
        for g in samples { #expect(try WKB.decode(WKB.encode(g)) == g) }
    }

    @Test func readsBigEndianAndDropsZ() throws {
        // Big-endian ISO PointZ (type 1001): x=1, y=2, z=3.
        var bytes: [UInt8] = [0, 0, 0, 0x03, 0xE9]
        for d in [1.0, 2.0, 3.0] { withUnsafeBytes(of: d.bitPattern.bigEndian) { bytes.append(contentsOf: $0) } }
        #expect(try WKB.decode(bytes) == .point(Position(1, 2)))
    }

    @Test func truncatedInputThrows() {
        let bytes = WKB.encode(samples[2])
        #expect(throws: WKB.DecodingError.self) { try WKB.decode(bytes.dropLast(3)) }
    }
}

@Suite struct GeoJSONTests {
    @Test func writesAFeatureThatParsesBack() throws {
        var out: [UInt8] = []
        let fields = [FieldDefinition(name: "ten", type: .text), FieldDefinition(name: "dan_so", type: .integer),
                      FieldDefinition(name: "dien_tich", type: .real), FieldDefinition(name: "ghi_chu", type: .text)]
        let f = Feature(id: 7, geometry: .point(Position(107.123456789, 16.5)),
                        values: [.text("Phú \"Hội\"\n"), .integer(12345), .real(1.5), .null])
        GeoJSON.writeFeature(f, fields: fields, into: &out)
        let obj = try #require(JSONSerialization.jsonObject(with: Data(out)) as? [String: Any])
        let props = try #require(obj["properties"] as? [String: Any])
        #expect(props["ten"] as? String == "Phú \"Hội\"\n")
        #expect(props["dan_so"] as? Int == 12345)
        #expect(props["ghi_chu"] is NSNull)
        let coords = try #require((obj["geometry"] as? [String: Any])?["coordinates"] as? [Double])
        #expect(coords == [107.1234568, 16.5])
    }
}

@Suite struct TileMathTests {
    @Test func mercatorRoundTrip() {
        let p = Position(107.59, 16.46)
        let back = WebMercator.toLonLat(WebMercator.fromLonLat(p))
        #expect(abs(back.x - p.x) < 1e-9 && abs(back.y - p.y) < 1e-9)
    }

    @Test func coveringFindsTheBenchmarkTile() {
        // The covering tile agrees with the usual XYZ formula (slippy-map tile names).
        let huế = Position(107.5847, 16.4637)
        let r = TileCoord.covering(BoundingBox(minX: huế.x, minY: huế.y, maxX: huế.x, maxY: huế.y), zoom: 10)
        let n = 1024.0
        let x = Int(floor((huế.x + 180) / 360 * n))
        let latR = huế.y * .pi / 180
        let y = Int(floor((1 - log(tan(latR) + 1 / cos(latR)) / .pi) / 2 * n))
        #expect(r.xs == x...x && r.ys == y...y)
        #expect(TileCoord(z: 10, x: x, y: y).lonLatBounds.contains(huế))
    }

    @Test func validity() {
        #expect(TileCoord(z: 0, x: 0, y: 0).isValid)
        #expect(!TileCoord(z: 2, x: 4, y: 0).isValid)
        #expect(!TileCoord(z: -1, x: 0, y: 0).isValid)
    }

    @Test func bboxParsing() {
        #expect(BoundingBox(commaSeparated: "107.55,16.42,107.65,16.50") == BoundingBox(minX: 107.55, minY: 16.42, maxX: 107.65, maxY: 16.5))
        #expect(BoundingBox(commaSeparated: "1,2,3") == nil)
        #expect(BoundingBox(commaSeparated: "3,2,1,4") == nil)
        #expect(BoundingBox(commaSeparated: "a,2,3,4") == nil)
    }
}

/// Hostile WKB must be an error: geometry collections nested past `WKB.maxDepth` overflowed the
/// stack (one frame per level; found with the WKB fuzzer harness, `make fuzz`).
@Suite struct WKBHostileInputTests {
    func nested(_ levels: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<levels { bytes += [1, 7, 0, 0, 0, 1, 0, 0, 0] }   // a collection of one member
        return bytes + WKB.encode(.point(Position(1, 2)))
    }

    @Test func deepNestingIsRefusedNotAStackOverflow() {
        #expect(throws: WKB.DecodingError.self) { try WKB.decode(nested(200_000)) }
    }

    @Test func nestingWithinTheLimitStillDecodes() throws {
        var expected = Geometry.point(Position(1, 2))
        for _ in 0..<WKB.maxDepth { expected = .geometryCollection([expected]) }
        #expect(try WKB.decode(nested(WKB.maxDepth)) == expected)
    }
}
