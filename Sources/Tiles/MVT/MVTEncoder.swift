public import GeoModel

/// A position in tile space: integers from 0 to the extent (4096), y growing downwards,
/// possibly outside by the clipping buffer.
public struct TilePoint: Hashable, Sendable {
    public var x: Int32
    public var y: Int32
    @inlinable public init(_ x: Int32, _ y: Int32) { self.x = x; self.y = y }
}

/// The three geometry types of MVT (spec 2.1 §4.3.4).
public enum MVTGeometryType: UInt32, Sendable, Hashable {
    case point = 1, lineString = 2, polygon = 3
}

/// A feature's geometry in tile space, already clipped and cleaned.
///
/// Points: one part per point, one position each. Lines: one part per line. Polygons: one part
/// per ring without its closing position, each exterior (positive area in tile space, i.e.
/// clockwise on screen) followed by its holes (negative area).
public struct TileGeometry: Hashable, Sendable {
    public var type: MVTGeometryType
    public var parts: [[TilePoint]]
    public init(type: MVTGeometryType, parts: [[TilePoint]]) { self.type = type; self.parts = parts }
    public var isEmpty: Bool { parts.isEmpty }
}

/// Writes one MVT layer: features with their command-encoded geometry, and the keys and
/// values of their attributes stored once per layer (spec 2.1 §4.4).
///
/// ```swift
/// var layer = MVTLayerBuilder(name: "communes")
/// layer.addFeature(id: 1, attributes: [("name", .text("Phú Hội"))],
///                  geometry: TileGeometry(type: .point, parts: [[TilePoint(10, 20)]]))
/// let tile = MVTEncoder.tile([layer])
/// ```
public struct MVTLayerBuilder: Sendable {
    public let name: String
    public let extent: UInt32
    private var keys: [String] = []
    private var keyIndex: [String: UInt32] = [:]
    private var valueIndex: [FieldValue: UInt32] = [:]
    /// Every value's encoded message, one after another in index order, and where each ends
    /// (both insertion paths append here): one buffer, not an array per value, which a
    /// low-zoom tile's thousands of names made, retained and released one by one.
    private var valueData: [UInt8] = []
    private var valueEnds: [Int] = []
    /// Fast path (prepared layers): key slot per field index, value index per prepared value id.
    private var keyByField: [Int32] = []
    private var valueById = ValueIdTable()
    private var features = ProtobufWriter()
    public private(set) var featureCount = 0
    /// Reused for every feature: its commands and tags (a tile adds thousands of features).
    private var commands: [UInt32] = []
    private var tags: [UInt32] = []

    public init(name: String, extent: UInt32 = 4096) {
        self.name = name; self.extent = extent
    }

    public var isEmpty: Bool { featureCount == 0 }

    /// Adds a feature; returns false (and writes nothing) when its geometry is degenerate.
    /// Null attribute values are left out: MVT has no null.
    @discardableResult
    public mutating func addFeature(id: UInt64?, attributes: [(key: String, value: FieldValue)], geometry: TileGeometry) -> Bool {
        MVTGeometryCoder.encode(geometry, into: &commands)
        guard !commands.isEmpty else { return false }
        var tags = takeTags()
        for (key, value) in attributes where !value.isNull {
            tags.append(index(ofKey: key))
            tags.append(index(ofValue: value))
        }
        appendFeature(id: id, tags: tags, type: geometry.type)
        self.tags = tags
        return true
    }

    /// The reused tag buffer, emptied, taken out of `self` while it is filled (so that filling
    /// it and looking up keys, which mutate `self`, do not conflict).
    private mutating func takeTags() -> [UInt32] {
        var t: [UInt32] = []
        swap(&t, &tags)
        t.removeAll(keepingCapacity: true)
        return t
    }

    /// One Feature message (id, tag pairs, geometry type and the commands in `commands`),
    /// written straight into the layer's bytes: its length is known before it is written.
    private mutating func appendFeature(id: UInt64?, tags: [UInt32], type: MVTGeometryType) {
        let tagBytes = ProtobufWriter.packedSize(tags), commandBytes = ProtobufWriter.packedSize(commands)
        var length = 2 + 1 + ProtobufWriter.varintSize(UInt64(commandBytes)) + commandBytes
        if let id { length += 1 + ProtobufWriter.varintSize(id) }
        if !tags.isEmpty { length += 1 + ProtobufWriter.varintSize(UInt64(tagBytes)) + tagBytes }
        features.key(2, 2); features.varint(UInt64(length))
        if let id { features.uint(1, id) }
        features.packed(2, tags, size: tagBytes)
        features.uint(3, UInt64(type.rawValue))
        features.packed(4, commands, size: commandBytes)
        featureCount += 1
    }

    /// A layer has a few keys (its fields): they are found by comparing them, and hashed into
    /// `keyIndex` only once there are more than `keysCompared` (a dictionary made and grown per
    /// layer of every tile was a twentieth of an archive build's cutting).
    private mutating func index(ofKey key: String) -> UInt32 {
        if keys.count <= Self.keysCompared {
            if let i = keys.firstIndex(of: key) { return UInt32(i) }
        } else if let i = keyIndex[key] { return i }
        let i = UInt32(keys.count)
        keys.append(key)
        if keys.count > Self.keysCompared {
            if keyIndex.isEmpty { for (k, name) in keys.enumerated() { keyIndex[name] = UInt32(k) } } else { keyIndex[key] = i }
        }
        return i
    }
    static let keysCompared = 16

    private mutating func index(ofValue value: FieldValue) -> UInt32 {
        // Keep 1 (integer) and 1.0 (real) apart; FieldValue's cases already do.
        if let i = valueIndex[value] { return i }
        let i = UInt32(valueEnds.count)
        valueData.append(contentsOf: Self.encodeValue(value)); valueEnds.append(valueData.count); valueIndex[value] = i
        return i
    }

    /// The fast path for prepared layers: attribute values come as ids into `encodedValues`
    /// (distinct values of the layer, encoded once per dataset version), so a tile hashes
    /// small integers instead of strings. `valueIds[k]` is the value of field `k`, -1 for null.
    @discardableResult
    /// `fields`: the indices of the fields written (nil: all).
    mutating func addFeature(id: UInt64?, fieldNames: [String], fields: [Int]? = nil, valueIds: [Int32], encodedValues: [[UInt8]],
                             geometry: TileGeometry) -> Bool {
        addFeature(id: id, fieldNames: fieldNames, fields: fields, valueIds: valueIds,
                   appendValue: { id, out in out.append(contentsOf: encodedValues[Int(id)]) }, geometry: geometry)
    }

    /// The same, each value's encoded message appended to the layer's by `appendValue` (from
    /// a memory-mapped value table).
    @discardableResult
    mutating func addFeature<V: RandomAccessCollection<Int32>>(id: UInt64?, fieldNames: [String], fields: [Int]? = nil, valueIds: V,
                                                              appendValue: (Int32, inout [UInt8]) -> Void, geometry: TileGeometry) -> Bool where V.Index == Int {
        MVTGeometryCoder.encode(geometry, into: &commands)
        guard !commands.isEmpty else { return false }
        if keyByField.count < fieldNames.count { keyByField = [Int32](repeating: -1, count: fieldNames.count) }
        var tags = takeTags()
        let count = fields?.count ?? valueIds.count
        for n in 0..<count {
            let k = fields?[n] ?? n
            let vid = valueIds[valueIds.startIndex + k]
            guard vid >= 0 else { continue }
            var key = keyByField[k]
            if key < 0 {
                key = Int32(index(ofKey: fieldNames[k])); keyByField[k] = key
            }
            let value: UInt32
            if let v = valueById[vid] { value = v } else {
                value = UInt32(valueEnds.count)
                appendValue(vid, &valueData); valueEnds.append(valueData.count); valueById.insert(vid, value)
            }
            tags.append(UInt32(key)); tags.append(value)
        }
        appendFeature(id: id, tags: tags, type: geometry.type)
        self.tags = tags
        return true
    }

    /// The layer message (the bytes inside the tile's field 3).
    public func encoded() -> [UInt8] {
        var w = ProtobufWriter()
        w.bytes.reserveCapacity(encodedLength)
        writeMessage(into: &w)
        return w.bytes
    }

    /// The length of `encoded()`, without encoding it.
    var encodedLength: Int {
        func field(_ n: Int) -> Int { 1 + ProtobufWriter.varintSize(UInt64(n)) + n }
        var n = 2 + field(name.utf8.count) + features.bytes.count + 1 + ProtobufWriter.varintSize(UInt64(extent))
        for k in keys { n += field(k.utf8.count) }
        var start = 0
        for end in valueEnds { n += field(end - start); start = end }
        return n
    }

    /// Writes the layer message (`encoded()`) at the end of `w`.
    func writeMessage(into w: inout ProtobufWriter) {
        w.uint(15, 2)
        w.string(1, name)
        w.bytes.append(contentsOf: features.bytes)
        for k in keys { w.string(3, k) }
        var start = 0
        for end in valueEnds {
            w.key(4, 2); w.varint(UInt64(end - start)); w.bytes.append(contentsOf: valueData[start..<end])
            start = end
        }
        w.uint(5, UInt64(extent))
    }

    /// A Value message, typed as a client expects: text as string, integers as uint (≥ 0) or
    /// sint (< 0, zigzag), reals as double, booleans as bool.
    static func encodeValue(_ v: FieldValue) -> [UInt8] {
        var w = ProtobufWriter()
        switch v {
        case .text(let s): w.string(1, s)
        case .real(let d): w.double(3, d)
        case .integer(let i):
            if i >= 0 { w.uint(5, UInt64(i)) } else { w.uint(6, UInt64(bitPattern: (i << 1) ^ (i >> 63))) }
        case .boolean(let b): w.uint(7, b ? 1 : 0)
        case .null: break
        }
        return w.bytes
    }
}

/// Tiles are a list of layers (spec 2.1 §4.1).
public enum MVTEncoder {
    public static func tile(_ layers: [MVTLayerBuilder]) -> [UInt8] {
        // Each layer written once, in place: its length is known before its bytes.
        let lengths = layers.map { $0.isEmpty ? 0 : $0.encodedLength }
        var w = ProtobufWriter()
        w.bytes.reserveCapacity(lengths.reduce(0) { $0 + $1 + 6 })
        for (layer, length) in zip(layers, lengths) where !layer.isEmpty {
            w.key(3, 2); w.varint(UInt64(length))
            layer.writeMessage(into: &w)
        }
        return w.bytes
    }
}

/// The command stream of a geometry (spec 2.1 §4.3): MoveTo/LineTo/ClosePath with zigzag
/// deltas from a cursor that carries over between parts.
enum MVTGeometryCoder {
    static let moveTo: UInt32 = 1, lineTo: UInt32 = 2, closePath: UInt32 = 7

    @inline(__always) static func command(_ id: UInt32, _ count: Int) -> UInt32 { id | UInt32(count) << 3 }

    /// The encoded commands, written into `out` (emptied first, its capacity kept); left empty
    /// when nothing non-degenerate is left.
    static func encode(_ g: TileGeometry, into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        var cx: Int32 = 0, cy: Int32 = 0
        @inline(__always) func delta(_ p: TilePoint) {
            out.append(zigzag(p.x &- cx)); out.append(zigzag(p.y &- cy))
            cx = p.x; cy = p.y
        }
        switch g.type {
        case .point:
            let pts = g.parts.flatMap { $0 }
            guard !pts.isEmpty else { return }
            out.append(command(moveTo, pts.count))
            for p in pts { delta(p) }
        case .lineString:
            for line in g.parts {
                // Repeated positions would be zero-length LineTo commands: leave them out.
                var pts: [TilePoint] = []
                pts.reserveCapacity(line.count)
                for p in line where pts.last != p { pts.append(p) }
                guard pts.count >= 2 else { continue }
                out.append(command(moveTo, 1)); delta(pts[0])
                out.append(command(lineTo, pts.count - 1))
                for p in pts.dropFirst() { delta(p) }
            }
        case .polygon:
            // A hole belongs to the exterior before it: when that exterior is degenerate,
            // its holes go too, or they would attach to the wrong polygon.
            var exteriorKept = false
            for ring in g.parts {
                let area = ringArea2(ring)
                if area > 0 { exteriorKept = ring.count >= 3 }
                guard ring.count >= 3, area != 0, area > 0 || exteriorKept else { continue }
                out.append(command(moveTo, 1)); delta(ring[0])
                out.append(command(lineTo, ring.count - 1))
                for p in ring.dropFirst() { delta(p) }
                out.append(command(closePath, 1))
            }
        }
    }
}

/// Twice the signed area of a ring (no closing position) by the surveyor's formula in tile
/// space: positive for an exterior ring as MVT defines it.
@inline(__always) func ringArea2(_ ring: [TilePoint]) -> Int64 {
    guard ring.count >= 3 else { return 0 }
    var sum: Int64 = 0
    var prev = ring[ring.count - 1]
    for p in ring {
        sum += Int64(prev.x) * Int64(p.y) - Int64(p.x) * Int64(prev.y)
        prev = p
    }
    return sum
}

/// Value ids (small non-negative integers) to a layer's value indices: open addressing with a
/// multiplicative hash, cheaper per look-up than a `Dictionary`'s seeded hashing, which a tile
/// pays for every attribute of every feature.
struct ValueIdTable: Sendable {
    private var keys: [Int32] = []
    private var values: [UInt32] = []
    private var count = 0
    private var shift: UInt32 = 32

    @inline(__always) private func slot(_ key: Int32) -> Int {
        Int((UInt32(bitPattern: key) &* 0x9E37_79B1) >> shift)
    }

    subscript(key: Int32) -> UInt32? {
        guard !keys.isEmpty else { return nil }
        let mask = keys.count - 1
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k < 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Adds `key` (not in the table yet).
    mutating func insert(_ key: Int32, _ value: UInt32) {
        if 2 * (count + 1) > keys.count { grow() }
        let mask = keys.count - 1
        var i = slot(key)
        while keys[i] >= 0 { i = (i + 1) & mask }
        keys[i] = key; values[i] = value
        count += 1
    }

    private mutating func grow() {
        let old = (keys, values)
        let capacity = max(512, keys.count * 2)
        keys = [Int32](repeating: -1, count: capacity)
        values = [UInt32](repeating: 0, count: capacity)
        shift = UInt32(32 - capacity.trailingZeroBitCount)
        count = 0
        for (k, v) in zip(old.0, old.1) where k >= 0 { insert(k, v) }
    }
}
