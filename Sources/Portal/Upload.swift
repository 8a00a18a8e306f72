// Checking an uploaded file before Ingest opens it: its size, its kind (a zip of a shapefile
// or a GeoJSON document, told by its first bytes, not by the name the client gave), and for a
// zip, that no entry would land outside the folder it is unpacked into (`../`, absolute paths).
// Also a small multipart/form-data reader that works on the spooled file, so a 500 MB upload
// never sits in memory.
public import Foundation
import ZIPFoundation
#if canImport(Glibc)
import Glibc
#endif
import PublicErrors

public enum UploadKind: String, Sendable, Codable {
    case zip
    case geojson

    /// The file name extension Ingest expects for the kind.
    public var fileExtension: String { self == .zip ? "zip" : "geojson" }
}

public enum UploadCheck {
    /// 500 MB, the regulations' portal default; `bando serve --max-upload-mb` changes it.
    public static let defaultLimit = 500 * 1024 * 1024

    public static func tooLarge(limit: Int) -> PortalError {
        PortalError(.tooLarge, SafeMessage("portal.upload.tooLarge", ["megabytes": String(limit / (1024 * 1024))]))
    }

    /// Tells a zip from GeoJSON by content, or refuses the file.
    public static func kind(of file: URL) throws(PortalError) -> UploadKind {
        guard let h = try? FileHandle(forReadingFrom: file) else { throw PortalError(.unloadable, SafeMessage("server.internal"), detail: "the spooled upload could not be read back") }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 4096)) ?? Data()
        guard !head.isEmpty else { throw .invalid("portal.upload.empty") }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .zip }
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let first = bytes.first(where: { !" \t\r\n".utf8.contains($0) }), first == UInt8(ascii: "{") { return .geojson }
        throw .invalid("portal.upload.kind")
    }

    /// Refuses a zip whose entries escape the folder it is unpacked into, or that is not a zip;
    /// one with more entries, or inflating to more bytes, than `limits` allow (a zip bomb), read
    /// from its directory without inflating anything; one whose end record counts other entries
    /// than its directory holds.
    public static func checkZip(_ file: URL, limits: UploadLimits = UploadLimits()) throws(PortalError) {
        let declared = declaredEntries(file)
        if let declared, declared > limits.maxZipEntries {
            throw .invalid("portal.upload.zipEntries", ["max": String(limits.maxZipEntries)])
        }
        let archive: Archive
        do { archive = try Archive(url: file, accessMode: .read) } catch {
            throw PortalError(.invalid, SafeMessage("portal.upload.zipDamaged"), detail: "\(error)")
        }
        var count = 0
        var unzipped: UInt64 = 0
        for entry in archive {
            count += 1
            if count > limits.maxZipEntries { throw .invalid("portal.upload.zipEntries", ["max": String(limits.maxZipEntries)]) }
            unzipped += entry.uncompressedSize
            if unzipped > UInt64(limits.maxUnzippedBytes) {
                throw .invalid("portal.upload.zipUnzipped", ["megabytes": String(limits.maxUnzippedBytes >> 20)])
            }
            let path = entry.path
            let parts = path.split(whereSeparator: { $0 == "/" || $0 == "\\" })
            if path.hasPrefix("/") || path.hasPrefix("\\") || path.contains(":") || parts.contains("..") {
                throw .invalid("portal.upload.zipEscape", ["entry": path])
            }
            if entry.type == .symlink {
                throw .invalid("portal.upload.zipLink", ["entry": path])
            }
        }
        if count == 0 { throw .invalid("portal.upload.zipEmpty") }
        if let declared, declared != 0xFFFF, declared != count {
            throw PortalError(.invalid, SafeMessage("portal.upload.zipDamaged"),
                              detail: "the end record counts \(declared) entries, the directory holds \(count)")
        }
    }

    /// The number of entries a zip's end-of-central-directory record declares (0xFFFF for a
    /// zip64 archive, whose count is elsewhere), nil when there is no such record.
    static func declaredEntries(_ file: URL) -> Int? {
        guard let h = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? h.close() }
        guard let size = try? h.seekToEnd(), size >= 22 else { return nil }
        let window = min(size, 22 + 0xFFFF)   // the record, then a comment of at most 64 KB
        guard (try? h.seek(toOffset: size - window)) != nil, let tail = try? h.readToEnd() else { return nil }
        let bytes = [UInt8](tail)
        var i = bytes.count - 22
        while i >= 0 {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 {
                return Int(bytes[i + 10]) | Int(bytes[i + 11]) << 8
            }
            i -= 1
        }
        return nil
    }
    /// Checks kind and (for zips) entry paths and sizes; returns the kind.
    public static func check(_ file: URL, limits: UploadLimits = UploadLimits()) throws(PortalError) -> UploadKind {
        let k = try kind(of: file)
        if k == .zip { try checkZip(file, limits: limits) }
        return k
    }
}

/// How much an upload may hold (`bando serve --max-zip-entries`, `--max-unzipped-mb`,
/// `--max-features`). A shapefile set is a handful of files; a zip of 100,000 entries, or of a
/// few megabytes that inflate to gigabytes, is refused from its directory before anything is
/// inflated.
public struct UploadLimits: Sendable {
    public var maxZipEntries: Int
    public var maxUnzippedBytes: Int
    /// Features one upload or harvest may hold (`--max-features`); more: refused, nothing written.
    public var maxFeatures: Int
    public init(maxZipEntries: Int = 1000, maxUnzippedBytes: Int = 2 << 30, maxFeatures: Int = 5_000_000) {
        self.maxZipEntries = maxZipEntries; self.maxUnzippedBytes = maxUnzippedBytes; self.maxFeatures = maxFeatures
    }
}

/// The first file part of a multipart/form-data body that was spooled to disk.
public enum MultipartFile {
    /// The boundary parameter of a `multipart/form-data; boundary=…` content type, or nil.
    public static func boundary(contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for p in contentType.split(separator: ";").dropFirst() {
            let kv = p.trimmingCharacters(in: .whitespaces)
            if kv.lowercased().hasPrefix("boundary=") {
                return String(kv.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    /// Copies the content of the first part that carries a `filename` into `destination`, and
    /// returns that file name. Reads in chunks and looks at each byte a bounded number of times
    /// (linear in the body's size); keeps at most a chunk and a boundary in memory.
    public static func extractFirstFile(from body: URL, boundary: String, to destination: URL) throws(PortalError) -> String {
        try extractFirstFile(from: body, boundary: boundary, to: destination, limit: Int.max)
    }

    /// As `extractFirstFile(from:boundary:to:)`, refusing (`.tooLarge`) a file of more than `limit` bytes.
    public static func extractFirstFile(from body: URL, boundary: String, to destination: URL, limit: Int) throws(PortalError) -> String {
        let files = try extractFiles(from: body, boundary: boundary, limit: limit, maxFiles: 1) { _ in destination }
        return files[0].name
    }

    /// Copies every part that carries a `filename` (the files of an `<input type=file multiple>`,
    /// e.g. the `.shp`, `.shx`, `.dbf` and `.prj` of a shapefile set) to the file `destination`
    /// gives for its index, in order; refuses (`.tooLarge`) when they hold more than `limit` bytes
    /// together, and a form of more than `maxFiles` files. Returns each file's name and copy.
    public static func extractFiles(from body: URL, boundary: String, limit: Int, maxFiles: Int = 64,
                                    destination: (Int) -> URL) throws(PortalError) -> [(name: String, file: URL)] {
        do {
            return try extract(body, boundary, limit: limit, maxFiles: maxFiles, destination: destination)
        } catch let e as PortalError { throw e } catch {
            throw PortalError(.invalid, SafeMessage("portal.upload.multipartUnreadable"), detail: "\(error)")
        }
    }

    /// Part headers longer than this are not a form a browser or a script sends.
    static let maxHeaderBytes = 64 * 1024

    private static func extract(_ body: URL, _ boundary: String, limit: Int, maxFiles: Int,
                                destination: (Int) -> URL) throws -> [(name: String, file: URL)] {
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw PortalError.invalid("portal.upload.multipartBoundary")
        }
        let input = try FileHandle(forReadingFrom: body)
        defer { try? input.close() }
        // The CRLF before the first delimiter is optional: start with one so it matches the same way.
        var reader = StreamingBuffer(input: input, initial: Array("\r\n".utf8))
        let delimiter = Array("\r\n--\(boundary)".utf8)
        guard try reader.skip(past: delimiter) else {
            throw PortalError.invalid("portal.upload.multipartNoFile")
        }
        var files: [(name: String, file: URL)] = []
        var written = 0
        while files.count < maxFiles {
            try reader.fill(atLeast: 2)
            if reader.starts(with: Array("--".utf8)) { break } // the closing delimiter
            guard let headerBytes = try reader.take(upTo: Array("\r\n\r\n".utf8), max: maxHeaderBytes) else {
                throw PortalError.invalid("portal.upload.multipartHeaders")
            }
            guard let name = filename(in: String(decoding: headerBytes, as: UTF8.self)) else {
                guard try reader.skip(past: delimiter) else { break }
                continue
            }
            let file = destination(files.count)
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            let out = try FileHandle(forWritingTo: file)
            defer { try? out.close() }
            let closed = try reader.skip(past: delimiter) { bytes in
                written += bytes.count
                if written > limit {
                    throw UploadCheck.tooLarge(limit: limit)
                }
                try out.write(contentsOf: Data(bytes))
            }
            guard closed else { throw PortalError.invalid("portal.upload.multipartCut") }
            files.append((name, file))
        }
        guard !files.isEmpty else { throw PortalError.invalid("portal.upload.multipartNoFile") }
        return files
    }

    static func filename(in headers: String) -> String? {
        for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            for p in line.split(separator: ";") {
                let kv = p.trimmingCharacters(in: .whitespaces)
                if kv.lowercased().hasPrefix("filename=") {
                    let v = String(kv.dropFirst("filename=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    // Only the last component: a client's path says nothing about where we store it.
                    return v.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "upload"
                }
            }
        }
        return nil
    }
}

/// A file read forward in chunks, searched for delimiters without going back over bytes
/// already searched (but for a delimiter's length, where a match may straddle two chunks).
struct StreamingBuffer {
    let input: FileHandle
    var bytes: [UInt8]
    var start = 0
    var eof = false
    static let chunk = 1 << 20

    init(input: FileHandle, initial: [UInt8]) { self.input = input; self.bytes = initial }

    var available: Int { bytes.count - start }

    /// Reads another chunk; false at the end of the file.
    mutating func readMore() throws -> Bool {
        guard !eof else { return false }
        if start > 0 && start >= bytes.count / 2 { bytes.removeFirst(start); start = 0 }
        guard let d = try input.read(upToCount: Self.chunk), !d.isEmpty else { eof = true; return false }
        bytes.append(contentsOf: d)
        return true
    }

    mutating func fill(atLeast n: Int) throws {
        while available < n, try readMore() {}
    }

    func starts(with prefix: [UInt8]) -> Bool {
        available >= prefix.count && bytes[start..<(start + prefix.count)].elementsEqual(prefix)
    }

    /// The index of `needle` in `bytes[from...]`, if any: `memchr` to each candidate first
    /// byte, `memcmp` there, so the cost is linear in the bytes searched (times the needle's
    /// length at worst).
    func find(_ needle: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, bytes.count - from >= needle.count else { return nil }
        return bytes.withUnsafeBytes { hay in
            needle.withUnsafeBytes { n in
                let base = hay.baseAddress!
                var at = from
                let last = hay.count - n.count
                while at <= last {
                    guard let hit = memchr(base + at, Int32(first), last - at + 1) else { return nil }
                    at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, n.baseAddress!, n.count) == 0 { return at }
                    at += 1
                }
                return nil
            }
        }
    }

    /// Consumes everything up to and including the next `delimiter`, handing the bytes before
    /// it to `sink` as they are known not to be part of it. False when the file ends first.
    mutating func skip(past delimiter: [UInt8], sink: (ArraySlice<UInt8>) throws -> Void = { _ in }) throws -> Bool {
        var from = start
        while true {
            if let at = find(delimiter, from: from) {
                if at > start { try sink(bytes[start..<at]) }
                start = at + delimiter.count
                return true
            }
            // No match: all but the last delimiter-length-minus-one bytes are content.
            let safe = max(start, bytes.count - (delimiter.count - 1))
            if safe > start { try sink(bytes[start..<safe]); start = safe }
            from = start
            guard try readMore() else { return false }
            from = start
        }
    }

    /// The bytes up to `terminator` (consumed with it), or nil when it is not found within `max` bytes.
    mutating func take(upTo terminator: [UInt8], max: Int) throws -> [UInt8]? {
        var from = start
        while true {
            if let at = find(terminator, from: from) {
                guard at - start <= max else { return nil }
                defer { start = at + terminator.count }
                return Array(bytes[start..<at])
            }
            guard available <= max else { return nil }
            from = Swift.max(start, bytes.count - (terminator.count - 1))
            let before = start
            guard try readMore() else { return nil }
            from -= before - start  // readMore may have moved the bytes down
        }
    }
}
