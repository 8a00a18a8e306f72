import Foundation
internal import CBandoZlib

public struct GzipError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "gzip: \(message)" }
}

/// gzip (RFC 1952): compressed with libdeflate (whole buffers, as tiles are), decompressed
/// with zlib. Tiles go to clients that accept them compressed, and archives store them so.
public enum Gzip {
    /// Compresses `data` as one gzip member. Level 6, zlib's default: tiles are small, so a
    /// lower level saves little time and costs bytes on every request. libdeflate makes the
    /// same kind of stream two to three times faster than zlib (a third of a z0–z14 archive
    /// build was zlib).
    ///
    /// At level 1 or below, a buffer under `fixedCodeLimit` bytes (most tiles of an archive)
    /// is compressed by ISA-L's igzip with deflate's fixed Huffman code instead: libdeflate
    /// clears its hash tables and builds a Huffman code on every call, some 10 µs whatever the
    /// size, which was most of its time on the communes' 85,000 tiles (1.45 s for 78 MB; the
    /// same bytes in one call take 0.38 s). With igzip for those under 1 KB they take 0.47 s,
    /// for 1 % more bytes in all (a small tile gains little from a code of its own).
    public static func compress(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
        if level <= 1 && data.count < fixedCodeLimit, let small = compressWithFixedCode(data) { return small }
        guard let compressor = compressors.take(level: level) else { return [] }
        defer { compressors.give(compressor, level: level) }
        let bound = libdeflate_gzip_compress_bound(compressor, data.count)
        var out = [UInt8](repeating: 0, count: bound)
        let produced = data.withUnsafeBytes { inBuf in
            out.withUnsafeMutableBytes { outBuf in
                libdeflate_gzip_compress(compressor, inBuf.baseAddress, inBuf.count, outBuf.baseAddress, outBuf.count)
            }
        }
        guard produced > 0 else { return [] }
        out.removeSubrange(produced...)
        return out
    }

    /// Buffers below this many bytes are compressed with the fixed code at level 1.
    static let fixedCodeLimit = 1024

    /// One gzip member with the fixed Huffman code (igzip level 0); nil if it would not fit
    /// in the room allowed (incompressible bytes grow by up to an eighth with that code).
    static func compressWithFixedCode(_ data: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: data.count + data.count / 4 + 64)
        let produced = data.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                bando_igzip_fixed(inBuf.baseAddress, UInt32(inBuf.count), outBuf.baseAddress, UInt32(outBuf.count))
            }
        }
        guard produced > 0 else { return nil }
        out.removeSubrange(Int(produced)...)
        return out
    }

    /// Compressors kept for reuse (one costs some hundred kilobytes to set up): as many as
    /// were ever in use at once, one per thread compressing.
    private static let compressors = CompressorPool()

    private final class CompressorPool: @unchecked Sendable {
        private let lock = NSLock()
        private var idle: [Int32: [OpaquePointer]] = [:]
        func take(level: Int32) -> OpaquePointer? {
            lock.lock()
            let kept = idle[level]?.popLast()
            lock.unlock()
            return kept ?? libdeflate_alloc_compressor(level)
        }
        func give(_ c: OpaquePointer, level: Int32) {
            lock.lock(); idle[level, default: []].append(c); lock.unlock()
        }
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
