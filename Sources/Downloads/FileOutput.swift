import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file written in large chunks, hashed (SHA-256) as it goes, synced to disk before it is
/// closed: the writers of text formats append to `buffer` and call `flushIfFull()`.
final class FileOutput {
    let path: String
    private let fd: Int32
    var buffer: [UInt8] = []
    private var hasher = SHA256()
    private(set) var bytesWritten = 0
    static let chunk = 1 << 18

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw DownloadsError.io(path: path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(Self.chunk + (1 << 16))
    }

    deinit { close(fd) }

    @inline(__always) func flushIfFull() throws {
        if buffer.count >= Self.chunk { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        hasher.update(data: buffer)
        try buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DownloadsError.io(path: path, reason: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs to disk and returns the file's SHA-256 (hex).
    func finish() throws -> String {
        try flush()
        guard fsync(fd) == 0 else { throw DownloadsError.io(path: path, reason: String(cString: strerror(errno))) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

enum FileDigest {
    /// SHA-256 (hex) of a file, read in chunks.
    static func sha256(path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw DownloadsError.io(path: path, reason: "cannot be read") }
        defer { try? h.close() }
        var hasher = SHA256()
        while let data = try h.read(upToCount: 1 << 20), !data.isEmpty { hasher.update(data: data) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Forces a file's (or folder's) content to disk before it is renamed into place.
    static func sync(path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
