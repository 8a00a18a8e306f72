// The raw tile fast path's request parser, apart from the channel handler so that it builds
// with Foundation alone (the libFuzzer harness in Fuzz/rawhttp compiles this file by itself).
import Foundation

/// A request `RawTileFastPath` may answer, read from raw bytes: only the plainest form of a
/// tile GET qualifies, anything else is nil and goes to the HTTP decoder.
struct RawTileRequest {
    /// Bytes of the request line and headers, up to and including the blank line.
    var length: Int
    var tileset: String
    var z: Int, x: Int, y: Int
    var acceptsGzip: Bool
    /// Where the `If-None-Match` value lies in the bytes parsed.
    var ifNoneMatch: Range<Int>?

    /// Beyond this a header block goes to the decoder (and its own limits).
    static let maxHeaderBytes = 8 * 1024

    static func parse(_ p: UnsafeRawBufferPointer, maxHeaderBytes: Int = RawTileRequest.maxHeaderBytes) -> RawTileRequest? {
        guard let end = headerEnd(p, limit: maxHeaderBytes) else { return nil }   // partial or too large
        // Request line: `GET /tiles/{name}/{z}/{x}/{y}.mvt HTTP/1.1` exactly.
        guard starts(p, at: 0, with: "GET /tiles/") else { return nil }
        var i = 11
        let nameStart = i
        while i < end, isNameByte(p[i]) { i += 1 }
        guard i > nameStart, i - nameStart <= 64, i < end, p[i] == UInt8(ascii: "/") else { return nil }
        let nameEnd = i
        i += 1
        guard let z = number(p, &i, end), i < end, p[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        guard let x = number(p, &i, end), i < end, p[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        let tail: StaticString = ".mvt HTTP/1.1\r\n"
        guard let y = number(p, &i, end), starts(p, at: i, with: tail) else { return nil }
        i += tail.utf8CodeUnitCount
        // Tiles outside the quad tree get the router's error.
        guard z <= 30, x < (1 << z), y < (1 << z) else { return nil }

        var acceptEncoding: Range<Int>?, ifNoneMatch: Range<Int>?, connection: Range<Int>?
        while i < end + 2 {   // header lines, each ending in CRLF; the last CRLF is at `end`
            var colon = i
            while colon < end, isTokenByte(p[colon]) { colon += 1 }
            guard colon > i, p[colon] == UInt8(ascii: ":") else { return nil }   // also: no space before ':', no obs-fold
            var lineEnd = colon + 1
            while p[lineEnd] != UInt8(ascii: "\r") {
                let b = p[lineEnd]
                // Control bytes, DEL and non-ASCII: let the decoder judge.
                guard (b >= 0x20 && b < 0x7F) || b == UInt8(ascii: "\t") else { return nil }
                lineEnd += 1
            }
            guard p[lineEnd + 1] == UInt8(ascii: "\n") else { return nil }
            let name = UnsafeRawBufferPointer(rebasing: p[i..<colon])
            let value = (colon + 1)..<lineEnd
            if equalsLowercased(name, "accept-encoding") {
                guard acceptEncoding == nil else { return nil }   // repeated: the router would join them; rare
                acceptEncoding = value
            } else if equalsLowercased(name, "if-none-match") {
                guard ifNoneMatch == nil else { return nil }
                ifNoneMatch = value
            } else if equalsLowercased(name, "connection") {
                guard connection == nil else { return nil }
                connection = value
            } else if equalsLowercased(name, "content-length") || equalsLowercased(name, "transfer-encoding")
                        || equalsLowercased(name, "expect") || equalsLowercased(name, "upgrade") {
                return nil
            }
            i = lineEnd + 2
        }
        // Keep-alive is all HTTP/1.1 does by default; any other option (close) is the decoder's.
        if let connection {
            for token in p[connection].split(separator: UInt8(ascii: ",")) {
                guard equalsLowercased(trimmed(token), "keep-alive") else { return nil }
            }
        }
        return RawTileRequest(
            length: end + 4,
            tileset: String(decoding: UnsafeRawBufferPointer(rebasing: p[nameStart..<nameEnd]), as: UTF8.self),
            z: z, x: x, y: y,
            acceptsGzip: acceptEncoding.map { TileRoutes.acceptsGzip(UnsafeRawBufferPointer(rebasing: p[$0])) } ?? false,
            ifNoneMatch: ifNoneMatch)
    }

    /// How many requests `p` holds when it is exactly that: whole header blocks, each opening
    /// with an HTTP/1.x request line and announcing no body (no `Content-Length`,
    /// `Transfer-Encoding`, `Expect` or `Upgrade`); nil otherwise.
    static func wholeRequests(_ p: UnsafeRawBufferPointer, maxHeaderBytes: Int = RawTileRequest.maxHeaderBytes) -> Int? {
        var start = 0, n = 0
        while start < p.count {
            let block = UnsafeRawBufferPointer(rebasing: p[start...])
            guard let end = headerEnd(block, limit: maxHeaderBytes) else { return nil }
            var lineEnd = 0
            while block[lineEnd] != UInt8(ascii: "\r") { lineEnd += 1 }
            let requestLine = UnsafeRawBufferPointer(rebasing: block[..<lineEnd])
            guard let space = requestLine.firstIndex(of: UInt8(ascii: " ")), space > 0,
                  requestLine[..<space].allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }),
                  requestLine.count > 9, requestLine[(lineEnd - 9)..<(lineEnd - 1)].elementsEqual(" HTTP/1.".utf8) else { return nil }
            var i = lineEnd + 2
            while i < end + 2 {
                var colon = i
                while colon < end, block[colon] != UInt8(ascii: ":"), block[colon] != UInt8(ascii: "\r") { colon += 1 }
                let name = UnsafeRawBufferPointer(rebasing: block[i..<colon])
                if equalsLowercased(name, "content-length") || equalsLowercased(name, "transfer-encoding")
                    || equalsLowercased(name, "expect") || equalsLowercased(name, "upgrade") { return nil }
                while block[i] != UInt8(ascii: "\r") { i += 1 }
                i += 2
            }
            n += 1
            start += end + 4
        }
        return n
    }

    /// Offset of the CRLF CRLF ending the header block, if within `limit` bytes.
    private static func headerEnd(_ p: UnsafeRawBufferPointer, limit: Int) -> Int? {
        let limit = min(p.count, limit)
        var i = 0
        while i + 3 < limit {
            if p[i + 3] != UInt8(ascii: "\n") { i += 1; continue }
            if p[i] == UInt8(ascii: "\r"), p[i + 1] == UInt8(ascii: "\n"), p[i + 2] == UInt8(ascii: "\r") { return i }
            i += 1
        }
        return nil
    }

    /// 1 to 10 decimal digits (2^30 has 10); leading zeros pass, as the router's `Int(_:)` takes them.
    private static func number(_ p: UnsafeRawBufferPointer, _ i: inout Int, _ end: Int) -> Int? {
        var n = 0
        let start = i
        while i < end, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") {
            n = n * 10 + Int(p[i] - UInt8(ascii: "0"))
            i += 1
            if i - start > 10 { return nil }
        }
        return i > start ? n : nil
    }

    private static func starts(_ p: UnsafeRawBufferPointer, at i: Int, with s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= p.count else { return false }
        return memcmp(p.baseAddress! + i, s.utf8Start, n) == 0
    }

    /// Tileset names served here: letters, digits, `-` and `_` (a dataset slug); others go to the router.
    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }

    /// RFC 9110 `tchar`, what a header name is made of.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        if isNameByte(b) { return true }
        switch b {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "|"),
             UInt8(ascii: "~"): return true
        default: return false
        }
    }

    private static func trimmed(_ s: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var a = s.startIndex, b = s.endIndex
        while a < b, s[a] == UInt8(ascii: " ") || s[a] == UInt8(ascii: "\t") { a += 1 }
        while b > a, s[b - 1] == UInt8(ascii: " ") || s[b - 1] == UInt8(ascii: "\t") { b -= 1 }
        return s[a..<b]
    }

    private static func equalsLowercased(_ bytes: some Collection<UInt8>, _ lower: StaticString) -> Bool {
        let l = UnsafeRawBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        return bytes.elementsEqual(l) { a, b in (a >= 65 && a <= 90 ? a | 0x20 : a) == b }
    }
}
