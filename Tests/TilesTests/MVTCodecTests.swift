import Testing
import GeoModel
@testable import Tiles

@Suite struct MVTCodecTests {
    let square = [TilePoint(10, 10), TilePoint(110, 10), TilePoint(110, 110), TilePoint(10, 110)]   // clockwise on screen

    @Test func roundTripKeepsGeometryIdsAndTypedValues() throws {
        var layer = MVTLayerBuilder(name: "mixed")
        #expect(true == layer.addFeature(id: 7, attributes: [("name", .text("Phường Phú Hội")), ("pop", .integer(15767)),
                                                      ("area", .real(2.5)), ("capital", .boolean(true)),
                                                      ("delta", .integer(-42)), ("missing", .null)],
                                 geometry: TileGeometry(type: .point, parts: [[TilePoint(5, 6)], [TilePoint(4000, 4090)]])))
        #expect(true == layer.addFeature(id: 8, attributes: [("name", .text("road"))],
                                 geometry: TileGeometry(type: .lineString, parts: [[TilePoint(0, 0), TilePoint(100, 50), TilePoint(-20, 4100)]])))
        #expect(true == layer.addFeature(id: 9, attributes: [],
                                 geometry: TileGeometry(type: .polygon, parts: [square, [TilePoint(20, 20), TilePoint(20, 40), TilePoint(40, 40)]])))
        let tile = try MVTDecoder.decode(MVTEncoder.tile([layer]))
        let l = try #require(tile.layer("mixed"))
        #expect(l.version == 2 && l.extent == 4096)
        #expect(l.features.map(\.id) == [7, 8, 9])
        #expect(l.features[0].attributes == ["name": .text("Phường Phú Hội"), "pop": .integer(15767), "area": .real(2.5),
                                             "capital": .boolean(true), "delta": .integer(-42)])
        #expect(l.features[0].type == .point)
        #expect(l.features[0].parts == [[TilePoint(5, 6)], [TilePoint(4000, 4090)]])
        #expect(l.features[1].parts == [[TilePoint(0, 0), TilePoint(100, 50), TilePoint(-20, 4100)]])
        #expect(l.features[2].type == .polygon)
        #expect(l.features[2].parts.count == 2)
        #expect(ringArea2(l.features[2].parts[0]) > 0 && ringArea2(l.features[2].parts[1]) < 0)
    }

    @Test func keysAndValuesAreStoredOncePerLayer() throws {
        var layer = MVTLayerBuilder(name: "communes")
        for i in 0..<50 {
            layer.addFeature(id: UInt64(i), attributes: [("province", .text("Huế")), ("rank", .integer(Int64(i % 3))), ("one", .real(1))],
                             geometry: TileGeometry(type: .point, parts: [[TilePoint(Int32(i), 0)]]))
        }
        let l = try #require(try MVTDecoder.decode(MVTEncoder.tile([layer])).layer("communes"))
        #expect(l.keys.sorted() == ["one", "province", "rank"])
        // "Huế", 0, 1, 2 and the real 1.0 (kept apart from the integer 1).
        #expect(l.values.count == 5)
        #expect(l.features[4].attributes["rank"] == .integer(1) && l.features[4].attributes["one"] == .real(1))
    }

    /// Past `keysCompared` keys a layer looks them up by hash: keys added before and after
    /// that point are each stored once, and every feature keeps its own attributes.
    @Test func manyKeysAreStoredOncePerLayer() throws {
        var layer = MVTLayerBuilder(name: "wide")
        let names = (0..<(MVTLayerBuilder.keysCompared * 3)).map { "field_\($0)" }
        for i in 0..<20 {
            // Each feature names a different slice of the keys, so keys arrive over many features.
            let mine = (0..<10).map { names[(i * 2 + $0) % names.count] }
            layer.addFeature(id: UInt64(i), attributes: mine.map { ($0, .integer(Int64(i))) },
                             geometry: TileGeometry(type: .point, parts: [[TilePoint(Int32(i), 0)]]))
        }
        func keysOf(_ i: Int) -> [String] { (0..<10).map { names[(i * 2 + $0) % names.count] } }
        let l = try #require(try MVTDecoder.decode(MVTEncoder.tile([layer])).layer("wide"))
        let stored = Set(l.keys)
        let named: Set<String> = Set((0..<20).flatMap(keysOf))
        #expect(l.keys.count == stored.count)
        #expect(stored == named && named.count > MVTLayerBuilder.keysCompared)
        for (i, f) in l.features.enumerated() {
            var expected: [String: FieldValue] = [:]
            for k in keysOf(i) { expected[k] = .integer(Int64(i)) }
            #expect(f.attributes == expected)
        }
    }

    @Test func degenerateGeometriesAreNotWritten() throws {
        var layer = MVTLayerBuilder(name: "bad")
        #expect(false == layer.addFeature(id: 1, attributes: [], geometry: TileGeometry(type: .lineString, parts: [[TilePoint(3, 3), TilePoint(3, 3)]])))
        #expect(false == layer.addFeature(id: 2, attributes: [], geometry: TileGeometry(type: .polygon, parts: [[TilePoint(0, 0), TilePoint(5, 5), TilePoint(10, 10)]])))
        #expect(false == layer.addFeature(id: 3, attributes: [], geometry: TileGeometry(type: .polygon, parts: [])))
        #expect(layer.isEmpty)
        #expect(MVTEncoder.tile([layer]).isEmpty)
    }

    @Test func zigzagCoversNegativeAndLargeDeltas() {
        for n: Int32 in [0, 1, -1, 2, -2, 4095, -4096, Int32.max, Int32.min] { #expect(unzigzag(zigzag(n)) == n) }
        #expect(zigzag(-1) == 1 && zigzag(1) == 2)
    }

    @Test func corruptTilesThrowInsteadOfCrashing() throws {
        var layer = MVTLayerBuilder(name: "x")
        layer.addFeature(id: 1, attributes: [("a", .text("b"))], geometry: TileGeometry(type: .polygon, parts: [square]))
        let bytes = MVTEncoder.tile([layer])
        #expect(try MVTDecoder.decode(bytes).layer("x")?.features.map(\.id) == [1])
        // The tile is a single layer field, so every shorter prefix is cut inside it: each must
        // be refused with a decoding error (not a trap, not a half layer taken as a tile).
        for cut in 1..<bytes.count {
            #expect(throws: MVTDecodingError.self, "cut after \(cut) of \(bytes.count) bytes") {
                try MVTDecoder.decode(Array(bytes.prefix(cut)))
            }
        }
        #expect(throws: MVTDecodingError.self) { try MVTDecoder.decode([0x1A, 0x05, 0x78]) }
    }

    @Test func gzipRoundTrips() throws {
        let data = Array(repeating: Array("tile bytes ".utf8), count: 100).flatMap { $0 }
        let gz = Gzip.compress(data)
        #expect(Gzip.isGzip(gz) && gz.count < data.count)
        #expect(try Gzip.decompress(gz) == data)
        #expect(throws: GzipError.self) { try Gzip.decompress(Array(gz.prefix(gz.count / 2))) }
    }

    /// An archive's small tiles take igzip's fixed-code path, larger ones libdeflate's: both
    /// make gzip that zlib reads back byte for byte, bytes that repeat get smaller, and bytes
    /// that do not compress still round-trip.
    @Test func gzipLevelOneRoundTripsSmallAndLargeBuffers() throws {
        var random = SystemRandomNumberGenerator()
        let repeating = Array(repeating: Array("xã Phú Hồ ".utf8), count: 70).flatMap { $0 }   // 980 bytes
        let noise: [UInt8] = (0..<Gzip.fixedCodeLimit - 1).map { _ in UInt8.random(in: 0...255, using: &random) }
        let large: [UInt8] = Array(repeating: repeating, count: 20).flatMap { $0 }
        let inputs: [[UInt8]] = [[], [7], Array(repeating.prefix(100)), repeating, noise, large]
        for data in inputs {
            let gz = Gzip.compress(data, level: 1)
            #expect(Gzip.isGzip(gz), "\(data.count) bytes")
            #expect(try Gzip.decompress(gz) == data, "\(data.count) bytes")
        }
        #expect(Gzip.compress(repeating, level: 1).count < repeating.count / 4)
        #expect(Gzip.compressWithFixedCode(repeating) != nil)
    }
}
