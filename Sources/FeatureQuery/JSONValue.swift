public import Foundation

/// A parsed JSON document, kept with integers apart from reals (CQL2 JSON literals, request
/// bodies of the analysis API).
///
/// Read by `JSONValue.parse` in one pass over the bytes (RFC 8259), never through `Decodable`:
/// a `Decoder` cannot say what kind of value comes next, so decoding an enum like this one tries
/// each kind in turn and re-reads nested values once per failed try, which made a hostile
/// document cost seconds of CPU. Nesting is capped at `maximumDepth`, so no document can
/// exhaust the stack.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// How deep arrays and objects may nest. Real documents (a CQL2 filter 64 levels deep,
    /// a MultiPolygon) stay far below it.
    public static let maximumDepth = 512

    /// Why a document could not be read, with the 1-based byte offset where reading stopped.
    public struct SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// Parses a whole JSON document (one value, white space around it allowed). Integers that
    /// fit in 64 bits without a fraction or exponent are `.integer`; other numbers are `.number`
    /// and must be finite. Throws `JSONValue.SyntaxError`.
    public static func parse(_ data: some DataProtocol) throws -> JSONValue {
        let bytes: [UInt8] = Array(data)
        var reader = JSONReader(bytes: bytes)
        return try reader.document()
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { o[key] } else { nil }
    }

    public var double: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }
    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
}

/// The recursive-descent reader behind `JSONValue.parse`; recursion is bounded by
/// `JSONValue.maximumDepth`.
struct JSONReader {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ message: String) -> JSONValue.SyntaxError { JSONValue.SyntaxError(message: message, offset: i + 1) }

    mutating func document() throws(JSONValue.SyntaxError) -> JSONValue {
        skipSpace()
        let v = try value(depth: 0)
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the JSON value") }
        return v
    }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSONValue.SyntaxError) -> JSONValue {
        guard i < bytes.count else { throw fail("the document ends where a value was expected") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try word("true"); return .bool(true)
        case UInt8(ascii: "f"): try word("false"); return .bool(false)
        case UInt8(ascii: "n"): try word("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character where a value was expected")
        }
    }

    mutating func word(_ w: StaticString) throws(JSONValue.SyntaxError) {
        let n = w.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: w.utf8Start, count: n)
        guard bytes.count - i >= n, bytes[i..<(i + n)].elementsEqual(expected) else { throw fail("unexpected word where a value was expected") }
        i += n
    }

    mutating func enter(_ depth: Int) throws(JSONValue.SyntaxError) {
        guard depth <= JSONValue.maximumDepth else {
            throw fail("arrays and objects nest deeper than \(JSONValue.maximumDepth) levels")
        }
        i += 1
        skipSpace()
    }

    mutating func array(depth: Int) throws(JSONValue.SyntaxError) -> JSONValue {
        try enter(depth)
        var out: [JSONValue] = []
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
        while true {
            out.append(try value(depth: depth))
            skipSpace()
            guard i < bytes.count else { throw fail("the array is not closed (])") }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
            guard bytes[i] == UInt8(ascii: ",") else { throw fail("expected ',' or ']' in an array") }
            i += 1
            skipSpace()
        }
    }

    mutating func object(depth: Int) throws(JSONValue.SyntaxError) -> JSONValue {
        try enter(depth)
        var out: [String: JSONValue] = [:]
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
        while true {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a quoted member name in an object") }
            let key = try string()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a member name") }
            i += 1
            skipSpace()
            out[key] = try value(depth: depth)
            skipSpace()
            guard i < bytes.count else { throw fail("the object is not closed (})") }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
            guard bytes[i] == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in an object") }
            i += 1
            skipSpace()
        }
    }

    /// A string starting at the opening quote; escapes decoded, UTF-8 checked.
    mutating func string() throws(JSONValue.SyntaxError) -> String {
        i += 1
        let start = i
        // Plain strings (no escape) are the common case: one scan, one validated copy.
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
        var raw = Array(bytes[start..<i])
        while true {
            guard i < bytes.count else { throw fail("the string is not closed (\")") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            guard b >= 0x20 else { throw fail("a control character must be escaped in a string") }
            if b != UInt8(ascii: "\\") { raw.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw fail("the string ends inside an escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): raw.append(e)
            case UInt8(ascii: "b"): raw.append(0x08)
            case UInt8(ascii: "f"): raw.append(0x0C)
            case UInt8(ascii: "n"): raw.append(0x0A)
            case UInt8(ascii: "r"): raw.append(0x0D)
            case UInt8(ascii: "t"): raw.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail("a \\u escape of a high surrogate must be followed by its low surrogate")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("a high surrogate is not followed by a low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("a \\u escape names a lone surrogate") }
                UTF8.encode(u) { raw.append($0) }
            default: throw fail("unknown escape in a string")
            }
        }
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("the string is not valid UTF-8") }
        return s
    }

    mutating func hex4() throws(JSONValue.SyntaxError) -> UInt32 {
        guard bytes.count - i >= 4 else { throw fail("a \\u escape needs four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw fail("a \\u escape needs four hex digits")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// Moves past decimal digits; how many there were.
    mutating func skipDigits() -> Int {
        let s = i
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
        return i - s
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, nothing looser.
    mutating func number() throws(JSONValue.SyntaxError) -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        let intDigits = skipDigits()
        guard intDigits > 0 else { throw fail("a number needs digits") }
        guard intDigits == 1 || bytes[intStart] != UInt8(ascii: "0") else { throw fail("a number cannot start with 0") }
        var integral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            integral = false
            guard skipDigits() > 0 else { throw fail("a number needs digits after its decimal point") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            integral = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard skipDigits() > 0 else { throw fail("a number needs digits in its exponent") }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if integral, let n = Int64(text) { return .integer(n) }
        guard let d = Double(text), d.isFinite else {
            i = start
            throw fail("the number \(text.prefix(40)) is too large")
        }
        return .number(d)
    }
}
