// A forward-only JSON tokenizer over bytes in memory, for the GeoJSON reader: no tree, no
// copies until a value is asked for. Numbers are read with Clinger's exact fast path (at most
// 15 significant digits and a power of ten within 10^±22) and `strtod` otherwise, so every
// double is the correctly rounded one, bit for bit what GDAL's parser gives.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where and why the bytes stopped being JSON.
struct JSONSyntaxError: Error, CustomStringConvertible {
    var offset: Int
    var message: String
    var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A number as it appears in the text.
struct JSONNumberToken {
    var start: Int
    var end: Int
    /// No fraction and no exponent: JSON parsers (and GDAL) type such a number as an integer.
    var isInteger: Bool
}

struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    var offset: Int
    /// Nesting limit for `skipValue`: a hostile file must not exhaust the stack.
    static let maxDepth = 256

    init(base: UnsafePointer<UInt8>, count: Int, offset: Int = 0) {
        self.base = base; self.count = count; self.offset = offset
    }

    @inline(__always) var atEnd: Bool { offset >= count }

    @inline(__always) mutating func skipSpace() {
        while offset < count {
            let c = base[offset]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            offset += 1
        }
    }

    /// The next non-space byte (not consumed), 0 at the end.
    @inline(__always) mutating func peek() -> UInt8 {
        skipSpace()
        return offset < count ? base[offset] : 0
    }

    /// Consumes `c` if it is the next non-space byte.
    @inline(__always) mutating func consume(_ c: UInt8) -> Bool {
        guard peek() == c else { return false }
        offset += 1
        return true
    }

    mutating func expect(_ c: UInt8) throws {
        guard consume(c) else {
            throw fail(atEnd ? "the text ends where '\(Character(UnicodeScalar(c)))' was expected"
                             : "'\(Character(UnicodeScalar(c)))' expected")
        }
    }

    func fail(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: offset, message: message) }

    // MARK: objects and arrays

    /// Calls `body` with each key of the object that starts here, the scanner left at the
    /// key's value, which `body` must consume.
    mutating func forEachMember(_ body: (inout JSONScanner, Range<Int>) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if consume(UInt8(ascii: "}")) { return }
        repeat {
            guard peek() == UInt8(ascii: "\"") else { throw fail("an object key (a string) expected") }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try body(&self, key.range)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    /// Calls `body` with the scanner at each element of the array that starts here.
    mutating func forEachElement(_ body: (inout JSONScanner) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if consume(UInt8(ascii: "]")) { return }
        repeat { try body(&self) } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
    }

    /// Whether the bytes in `range` are exactly `literal` (a key compared without decoding).
    @inline(__always) func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        return memcmp(base + range.lowerBound, literal.utf8Start, range.count) == 0
    }

    // MARK: strings

    /// The string that starts here: the range of its content (between the quotes) and whether
    /// it holds escapes (then `decodedString` must be used for its value).
    mutating func string() throws -> (range: Range<Int>, escaped: Bool) {
        try expect(UInt8(ascii: "\""))
        let start = offset
        var escaped = false
        while offset < count {
            let c = base[offset]
            if c == UInt8(ascii: "\"") {
                offset += 1
                return (start..<(offset - 1), escaped)
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                offset += 1
                guard offset < count else { break }
                switch base[offset] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    offset += 1
                case UInt8(ascii: "u"):
                    guard offset + 4 < count, (1...4).allSatisfy({ Self.hex(base[offset + $0]) != nil }) else {
                        throw fail("a \\u escape needs four hexadecimal digits")
                    }
                    offset += 5
                default:
                    throw fail("unknown escape in a string")
                }
                continue
            }
            guard c >= 0x20 else { throw fail("a control character inside a string (escape it)") }
            offset += 1
        }
        throw fail("a string is not closed before the end of the text")
    }

    /// The UTF-8 bytes of a string's content, escapes resolved; nil for an escape that is not
    /// text (a lone surrogate, NUL), which callers treat as something GDAL should handle.
    func decodedString(_ range: Range<Int>, escaped: Bool) -> [UInt8]? {
        guard escaped else { return Array(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)) }
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        func unit(_ at: Int) -> UInt32 {
            (1...4).reduce(UInt32(0)) { $0 << 4 | UInt32(Self.hex(base[at + $1])!) }
        }
        while i < range.upperBound {
            let c = base[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            let e = base[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = unit(i - 1)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= range.upperBound, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else { return nil }
                    let low = unit(i + 1)
                    guard (0xDC00...0xDFFF).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard scalar != 0, let u = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: out.append(e)   // \" \\ \/
            }
        }
        return out
    }

    @inline(__always) static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: numbers

    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    /// The number that starts here, checked against JSON's grammar.
    mutating func number() throws -> JSONNumberToken {
        skipSpace()
        let start = offset
        var integer = true
        if offset < count && base[offset] == UInt8(ascii: "-") { offset += 1 }
        guard offset < count, Self.isDigit(base[offset]) else { throw fail("a number expected") }
        if base[offset] == UInt8(ascii: "0") {
            offset += 1
        } else {
            while offset < count && Self.isDigit(base[offset]) { offset += 1 }
        }
        if offset < count && base[offset] == UInt8(ascii: ".") {
            integer = false
            offset += 1
            guard offset < count, Self.isDigit(base[offset]) else { throw fail("a digit expected after the decimal point") }
            while offset < count && Self.isDigit(base[offset]) { offset += 1 }
        }
        if offset < count && (base[offset] == UInt8(ascii: "e") || base[offset] == UInt8(ascii: "E")) {
            integer = false
            offset += 1
            if offset < count && (base[offset] == UInt8(ascii: "+") || base[offset] == UInt8(ascii: "-")) { offset += 1 }
            guard offset < count, Self.isDigit(base[offset]) else { throw fail("a digit expected in the exponent") }
            while offset < count && Self.isDigit(base[offset]) { offset += 1 }
        }
        return JSONNumberToken(start: start, end: offset, isInteger: integer)
    }

    /// The integer an integral token spells, nil when it does not fit in 64 bits.
    func int64(_ t: JSONNumberToken) -> Int64? {
        var i = t.start
        let negative = base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var magnitude: UInt64 = 0
        while i < t.end {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(base[i] - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            magnitude = a
            i += 1
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    private static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { r, _ in r * 10 } }

    /// The double a token spells, correctly rounded.
    func double(_ t: JSONNumberToken) -> Double {
        // Clinger's fast path: mantissa and 10^k both exact doubles, one correctly rounded op.
        var i = t.start
        let negative = base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var exact = true
        while i < t.end, Self.isDigit(base[i]) {
            if mantissa != 0 || base[i] != UInt8(ascii: "0") { digits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(base[i] - UInt8(ascii: "0"))
            i += 1
        }
        if i < t.end, base[i] == UInt8(ascii: ".") {
            i += 1
            while i < t.end, Self.isDigit(base[i]) {
                if mantissa != 0 || base[i] != UInt8(ascii: "0") { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(base[i] - UInt8(ascii: "0"))
                exponent -= 1
                i += 1
            }
        }
        if i < t.end {   // an exponent
            i += 1
            var sign = 1
            if base[i] == UInt8(ascii: "+") { i += 1 } else if base[i] == UInt8(ascii: "-") { sign = -1; i += 1 }
            var e = 0
            while i < t.end {
                e = e * 10 + Int(base[i] - UInt8(ascii: "0"))
                if e > 100_000 { exact = false; break }
                i += 1
            }
            exponent += sign * e
        }
        if exact, digits <= 15, exponent >= -22, exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= Self.powersOfTen[-exponent] } else { value *= Self.powersOfTen[exponent] }
            return negative ? -value : value
        }
        // The slow, exact way: strtod over a NUL-terminated copy (the C locale's '.' is JSON's).
        let length = t.end - t.start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: base[t.start + k]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    // MARK: anything

    /// Consumes one value of any kind, checking its syntax.
    mutating func skipValue(depth: Int = 0) throws {
        guard depth < Self.maxDepth else { throw fail("values nested more than \(Self.maxDepth) deep") }
        switch peek() {
        case UInt8(ascii: "{"): try forEachMember { s, _ in try s.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try forEachElement { s in try s.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case 0: throw fail("the text ends where a value was expected")
        default: _ = try number()
        }
    }

    mutating func literal(_ word: StaticString) throws {
        skipSpace()
        let n = word.utf8CodeUnitCount
        guard offset + n <= count, memcmp(base + offset, word.utf8Start, n) == 0 else {
            throw fail("'\(word)' expected")
        }
        offset += n
    }
}
