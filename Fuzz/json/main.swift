// libFuzzer harness: the GeoJSON reader's byte-level JSON scanner (Sources/Ingest/JSONScanner.swift).
// Any bytes must scan or throw `JSONSyntaxError`; what scans is then read value by value
// (strings decoded, numbers converted) as the reader's second pass does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var s = JSONScanner(base: data, count: size)
    guard (try? s.skipValue()) != nil else { return 0 }
    var again = JSONScanner(base: data, count: size)
    _ = try? read(&again, depth: 0)
    return 0
}

/// Every value decoded, as `GeoJSONReader.next()` decodes properties and coordinates.
private func read(_ s: inout JSONScanner, depth: Int) throws {
    guard depth < JSONScanner.maxDepth else { return }
    switch s.peek() {
    case UInt8(ascii: "{"):
        try s.forEachMember { s, key in
            _ = s.equals(key, "type")
            try read(&s, depth: depth + 1)
        }
    case UInt8(ascii: "["): try s.forEachElement { s in try read(&s, depth: depth + 1) }
    case UInt8(ascii: "\""):
        let t = try s.string()
        _ = s.decodedString(t.range, escaped: t.escaped)
    case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): try s.skipValue()
    default:
        let t = try s.number()
        _ = s.double(t)
        if t.isInteger { _ = s.int64(t) }
    }
}
