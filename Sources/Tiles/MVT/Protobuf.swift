/// The few protocol-buffer primitives that MVT needs, written straight into a byte array
/// (a generated protobuf library would cost a dependency and an object graph per tile).
struct ProtobufWriter {
    var bytes: [UInt8] = []

    @inline(__always) mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inline(__always) mutating func key(_ field: Int, _ wireType: Int) {
        varint(UInt64(field << 3 | wireType))
    }

    mutating func uint(_ field: Int, _ value: UInt64) { key(field, 0); varint(value) }

    mutating func bytesField(_ field: Int, _ payload: [UInt8]) {
        key(field, 2); varint(UInt64(payload.count)); bytes.append(contentsOf: payload)
    }

    mutating func string(_ field: Int, _ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            key(field, 2); varint(UInt64(utf8.count)); bytes.append(contentsOf: utf8)
        }
    }

    mutating func double(_ field: Int, _ d: Double) {
        key(field, 1)
        withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Bytes of a varint.
    @inline(__always) static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    /// Bytes of the payload of a packed field of `values`.
    static func packedSize(_ values: [UInt32]) -> Int {
        var n = 0
        for v in values { n += varintSize(UInt64(v)) }
        return n
    }

    /// A packed field whose payload is `size` bytes (`packedSize(values)`), written in place.
    mutating func packed(_ field: Int, _ values: [UInt32], size: Int) {
        guard !values.isEmpty else { return }
        key(field, 2); varint(UInt64(size))
        for v in values { varint(UInt64(v)) }
    }
}

@inline(__always) func zigzag(_ n: Int32) -> UInt32 { UInt32(bitPattern: (n << 1) ^ (n >> 31)) }
@inline(__always) func unzigzag(_ n: UInt32) -> Int32 { Int32(bitPattern: n >> 1) ^ -Int32(bitPattern: n & 1) }

/// Reads protocol-buffer fields; throws on truncation rather than reading past the end.
struct ProtobufReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes; offset = start; self.end = end ?? bytes.count
    }

    var atEnd: Bool { offset >= end }

    mutating func varint() throws(MVTDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end, shift < 64 else { throw MVTDecodingError("truncated or overlong varint at byte \(offset)") }
            let b = bytes[offset]; offset += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    mutating func field() throws(MVTDecodingError) -> (number: Int, wireType: Int) {
        let k = try varint()
        return (Int(k >> 3), Int(k & 7))
    }

    /// The byte range of a length-delimited field.
    mutating func lengthDelimited() throws(MVTDecodingError) -> Range<Int> {
        // Compared as the varint it is: a length past Int.max must throw, not trap in a conversion.
        let length = try varint()
        guard length <= UInt64(end - offset) else { throw MVTDecodingError("length \(length) at byte \(offset) runs past the end") }
        let n = Int(length)
        defer { offset += n }
        return offset..<(offset + n)
    }

    mutating func fixed64() throws(MVTDecodingError) -> UInt64 {
        guard offset + 8 <= end else { throw MVTDecodingError("truncated fixed64 at byte \(offset)") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }

    mutating func fixed32() throws(MVTDecodingError) -> UInt32 {
        guard offset + 4 <= end else { throw MVTDecodingError("truncated fixed32 at byte \(offset)") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }

    mutating func skip(wireType: Int) throws(MVTDecodingError) {
        switch wireType {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw MVTDecodingError("unknown wire type \(wireType) at byte \(offset)")
        }
    }
}
