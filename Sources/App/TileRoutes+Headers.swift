// How a tile request's `Accept-Encoding` and `If-None-Match` are read: on bytes, so the router
// and both fast paths decide alike. Foundation only, so the raw HTTP fuzzer builds it alone.
import Foundation

extension TileRoutes {
    /// Whether an `If-None-Match` value (a comma-separated list, or `*`) names `etag`.
    /// On bytes, so the raw fast path decides as the router does without making strings.
    static func ifNoneMatch(_ header: some Collection<UInt8>, matches etag: some Collection<UInt8>) -> Bool {
        header.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).contains { item in
            let t = trimmed(item)
            return t.elementsEqual(etag) || t.elementsEqual("*".utf8)
        }
    }

    /// Whether `Accept-Encoding` allows gzip (and does not give it q=0).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return acceptsGzip(header.utf8)
    }

    /// `acceptsGzip` on the header's bytes (the raw fast path's form): codings are compared
    /// case-insensitively, `gzip` or `*` without a zero `q` accepts.
    static func acceptsGzip(_ header: some Collection<UInt8>) -> Bool {
        for part in header.split(separator: UInt8(ascii: ",")) {
            let items = part.split(separator: UInt8(ascii: ";")).map { trimmed($0) }
            guard let coding = items.first, equalsLowercased(coding, "gzip") || coding.elementsEqual("*".utf8) else { continue }
            let zero = items.dropFirst().contains { item in
                equalsLowercased(item.filter { $0 != UInt8(ascii: " ") }, "q=0")
                    || equalsLowercased(item, "q=0.0") || equalsLowercased(item, "q=0.00") || equalsLowercased(item, "q=0.000")
            }
            return !zero
        }
        return false
    }

    /// `bytes` without leading and trailing spaces and tabs.
    private static func trimmed<C: Collection<UInt8>>(_ bytes: C) -> C.SubSequence {
        let isSpace = { (b: UInt8) in b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        let start = bytes.firstIndex { !isSpace($0) } ?? bytes.endIndex
        var end = start
        var i = start
        while i != bytes.endIndex {
            if !isSpace(bytes[i]) { end = bytes.index(after: i) }
            i = bytes.index(after: i)
        }
        return bytes[start..<end]
    }

    /// ASCII case-insensitive equality with a lower-case literal.
    private static func equalsLowercased(_ bytes: some Collection<UInt8>, _ lower: StaticString) -> Bool {
        let l = UnsafeRawBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        return bytes.elementsEqual(l) { a, b in (a >= 65 && a <= 90 ? a | 0x20 : a) == b }
    }
}
