public import GeoModel

public struct MVTDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { "Vector tile cannot be decoded: \(message)" }
}

/// A decoded vector tile: what a client sees. Used by tests and by archive checks.
public struct MVTTile: Sendable {
    public var layers: [MVTLayer]
    public func layer(_ name: String) -> MVTLayer? { layers.first { $0.name == name } }
}

public struct MVTLayer: Sendable {
    public var version: UInt32
    public var name: String
    public var extent: UInt32
    public var keys: [String]
    public var values: [FieldValue]
    public var features: [MVTFeature]
}

public struct MVTFeature: Sendable {
    public var id: UInt64?
    public var type: MVTGeometryType?
    public var attributes: [String: FieldValue]
    /// Parts as in `TileGeometry`: one per point, line or ring (rings without their closing position).
    public var parts: [[TilePoint]]
}

/// Decodes MVT 2.x; every index and length is checked, so a corrupt tile throws.
public enum MVTDecoder {
    public static func decode(_ bytes: [UInt8]) throws(MVTDecodingError) -> MVTTile {
        var r = ProtobufReader(bytes)
        var layers: [MVTLayer] = []
        while !r.atEnd {
            let (n, wt) = try r.field()
            if n == 3, wt == 2 {
                let range = try r.lengthDelimited()
                layers.append(try layer(bytes, range))
            } else {
                try r.skip(wireType: wt)
            }
        }
        return MVTTile(layers: layers)
    }

    static func layer(_ bytes: [UInt8], _ range: Range<Int>) throws(MVTDecodingError) -> MVTLayer {
        var r = ProtobufReader(bytes, from: range.lowerBound, to: range.upperBound)
        var version: UInt32 = 1, name = "", extent: UInt32 = 4096
        var keys: [String] = [], values: [FieldValue] = []
        var raw: [(id: UInt64?, tags: [UInt32], type: UInt32?, geometry: [UInt32])] = []
        while !r.atEnd {
            let (n, wt) = try r.field()
            switch (n, wt) {
            case (15, 0): version = UInt32(truncatingIfNeeded: try r.varint())
            case (1, 2): name = String(decoding: bytes[try r.lengthDelimited()], as: UTF8.self)
            case (5, 0): extent = UInt32(truncatingIfNeeded: try r.varint())
            case (3, 2): keys.append(String(decoding: bytes[try r.lengthDelimited()], as: UTF8.self))
            case (4, 2): values.append(try value(bytes, try r.lengthDelimited()))
            case (2, 2): raw.append(try feature(bytes, try r.lengthDelimited()))
            default: try r.skip(wireType: wt)
            }
        }
        var features: [MVTFeature] = []
        features.reserveCapacity(raw.count)
        for f in raw {
            guard f.tags.count % 2 == 0 else { throw MVTDecodingError("layer \(name): odd number of tags") }
            var attributes: [String: FieldValue] = [:]
            var i = 0
            while i < f.tags.count {
                let k = Int(f.tags[i]), v = Int(f.tags[i + 1])
                guard k < keys.count, v < values.count else { throw MVTDecodingError("layer \(name): tag index out of range") }
                attributes[keys[k]] = values[v]
                i += 2
            }
            let type = f.type.flatMap(MVTGeometryType.init(rawValue:))
            features.append(MVTFeature(id: f.id, type: type, attributes: attributes,
                                       parts: try geometry(f.geometry, type: type)))
        }
        return MVTLayer(version: version, name: name, extent: extent, keys: keys, values: values, features: features)
    }

    static func feature(_ bytes: [UInt8], _ range: Range<Int>) throws(MVTDecodingError) -> (id: UInt64?, tags: [UInt32], type: UInt32?, geometry: [UInt32]) {
        var r = ProtobufReader(bytes, from: range.lowerBound, to: range.upperBound)
        var id: UInt64?, tags: [UInt32] = [], type: UInt32?, geometry: [UInt32] = []
        func packed(_ range: Range<Int>) throws(MVTDecodingError) -> [UInt32] {
            var p = ProtobufReader(bytes, from: range.lowerBound, to: range.upperBound)
            var out: [UInt32] = []
            while !p.atEnd { out.append(UInt32(truncatingIfNeeded: try p.varint())) }
            return out
        }
        while !r.atEnd {
            let (n, wt) = try r.field()
            switch (n, wt) {
            case (1, 0): id = try r.varint()
            case (2, 2): tags = try packed(try r.lengthDelimited())
            case (3, 0): type = UInt32(truncatingIfNeeded: try r.varint())
            case (4, 2): geometry = try packed(try r.lengthDelimited())
            default: try r.skip(wireType: wt)
            }
        }
        return (id, tags, type, geometry)
    }

    static func value(_ bytes: [UInt8], _ range: Range<Int>) throws(MVTDecodingError) -> FieldValue {
        var r = ProtobufReader(bytes, from: range.lowerBound, to: range.upperBound)
        var result = FieldValue.null
        while !r.atEnd {
            let (n, wt) = try r.field()
            switch (n, wt) {
            case (1, 2): result = .text(String(decoding: bytes[try r.lengthDelimited()], as: UTF8.self))
            case (2, 5): result = .real(Double(Float(bitPattern: try r.fixed32())))
            case (3, 1): result = .real(Double(bitPattern: try r.fixed64()))
            case (4, 0): result = .integer(Int64(bitPattern: try r.varint()))
            case (5, 0): result = .integer(Int64(bitPattern: try r.varint()))
            case (6, 0):
                let u = try r.varint()
                result = .integer(Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1))
            case (7, 0): result = .boolean(try r.varint() != 0)
            default: try r.skip(wireType: wt)
            }
        }
        return result
    }

    static func geometry(_ cmds: [UInt32], type: MVTGeometryType?) throws(MVTDecodingError) -> [[TilePoint]] {
        var parts: [[TilePoint]] = []
        var current: [TilePoint] = []
        var x: Int32 = 0, y: Int32 = 0
        var i = 0
        while i < cmds.count {
            let id = cmds[i] & 7, count = Int(cmds[i] >> 3)
            i += 1
            switch id {
            case 1, 2:
                guard i + 2 * count <= cmds.count else { throw MVTDecodingError("geometry command runs past the end") }
                for _ in 0..<count {
                    x = x &+ unzigzag(cmds[i]); y = y &+ unzigzag(cmds[i + 1]); i += 2
                    if id == 1 {
                        if !current.isEmpty { parts.append(current) }
                        current = [TilePoint(x, y)]
                    } else {
                        guard !current.isEmpty else { throw MVTDecodingError("LineTo before MoveTo") }
                        current.append(TilePoint(x, y))
                    }
                }
            case 7:
                guard type == .polygon, !current.isEmpty else { throw MVTDecodingError("ClosePath outside a polygon ring") }
                parts.append(current); current = []
            default:
                throw MVTDecodingError("unknown geometry command \(id)")
            }
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}
