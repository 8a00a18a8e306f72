internal import CBandoZlib

public struct GzipError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "gzip: \(message)" }
}

/// gzip (RFC 1952) through zlib: tiles go to clients that accept it compressed, and archives
/// store them compressed.
public enum Gzip {
    /// Compresses `data` as one gzip member. Level 6 is zlib's default; tiles are small,
    /// so a lower level saves little time and costs bytes on every request.
    public static func compress(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16: write a gzip header and trailer instead of zlib's.
        guard bando_deflateInit2(&stream, level, 15 + 16) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 32)
        var data = data
        let produced: Int = data.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let rc = deflate(&stream, Z_FINISH)
                return rc == Z_STREAM_END ? Int(stream.total_out) : -1
            }
        }
        guard produced >= 0 else { return [] }
        out.removeSubrange(produced...)
        return out
    }

    /// Whether bytes start with the gzip magic number.
    public static func isGzip(_ data: [UInt8]) -> Bool { data.count >= 2 && data[0] == 0x1F && data[1] == 0x8B }

    /// Decompresses gzip (or zlib) data; refuses to grow past `limit` bytes.
    public static func decompress(_ data: [UInt8], limit: Int = 64 << 20) throws -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: detect gzip or zlib headers automatically.
        guard bando_inflateInit2(&stream, 15 + 32) == Z_OK else { throw GzipError(message: "zlib could not start") }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = data
        var rc: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            repeat {
                let have: Int = chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    rc = inflate(&stream, Z_NO_FLUSH)
                    return c.count - Int(stream.avail_out)
                }
                guard rc == Z_OK || rc == Z_STREAM_END else { throw GzipError(message: "corrupt compressed data (zlib code \(rc))") }
                out.append(contentsOf: chunk[0..<have])
                guard out.count <= limit else { throw GzipError(message: "decompressed data exceeds \(limit) bytes") }
                if rc == Z_OK && have == 0 && stream.avail_in == 0 { throw GzipError(message: "truncated compressed data") }
            } while rc != Z_STREAM_END
        }
        return out
    }
}
