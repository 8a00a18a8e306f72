// Checking an uploaded file before Ingest opens it: its size, its kind (a zip of a shapefile
// or a GeoJSON document, told by its first bytes, not by the name the client gave), and for a
// zip, that no entry would land outside the folder it is unpacked into (`../`, absolute paths).
// Also a small multipart/form-data reader that works on the spooled file, so a 500 MB upload
// never sits in memory.
public import Foundation
import ZIPFoundation
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

    /// Refuses a zip whose entries escape the folder it is unpacked into, or that is not a zip.
    public static func checkZip(_ file: URL) throws(PortalError) {
        let archive: Archive
        do { archive = try Archive(url: file, accessMode: .read) } catch {
            throw PortalError(.invalid, SafeMessage("portal.upload.zipDamaged"), detail: "\(error)")
        }
        var count = 0
        for entry in archive {
            count += 1
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
    }

    /// Checks kind and (for zips) entry paths; returns the kind.
    public static func check(_ file: URL) throws(PortalError) -> UploadKind {
        let k = try kind(of: file)
        if k == .zip { try checkZip(file) }
        return k
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
    /// returns that file name. Reads in chunks; keeps at most a chunk and a boundary in memory.
    public static func extractFirstFile(from body: URL, boundary: String, to destination: URL) throws(PortalError) -> String {
        do {
            return try extract(body, boundary, destination)
        } catch let e as PortalError { throw e } catch {
            throw PortalError(.invalid, SafeMessage("portal.upload.multipartUnreadable"), detail: "\(error)")
        }
    }

    private static func extract(_ body: URL, _ boundary: String, _ destination: URL) throws -> String {
        let input = try FileHandle(forReadingFrom: body)
        defer { try? input.close() }
        let delimiter = Data("\r\n--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var buffer = Data("\r\n".utf8) // so the first boundary matches the same delimiter
        var eof = false
        func fill() throws { if let d = try input.read(upToCount: 1 << 20), !d.isEmpty { buffer.append(d) } else { eof = true } }

        while true {
            // Find the next part's delimiter and headers.
            var r = buffer.range(of: delimiter)
            while r == nil && !eof { try fill(); r = buffer.range(of: delimiter) }
            guard let start = r else { break }
            buffer.removeSubrange(buffer.startIndex..<start.upperBound)
            var h = buffer.range(of: headerEnd)
            while h == nil && !eof && buffer.count < 64 * 1024 { try fill(); h = buffer.range(of: headerEnd) }
            if buffer.starts(with: Data("--".utf8)) { break } // the closing delimiter
            guard let hr = h else { break }
            let headers = String(decoding: buffer[buffer.startIndex..<hr.lowerBound], as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex..<hr.upperBound)
            guard let name = filename(in: headers) else { continue }

            _ = FileManager.default.createFile(atPath: destination.path, contents: nil)
            let out = try FileHandle(forWritingTo: destination)
            defer { try? out.close() }
            while true {
                if let end = buffer.range(of: delimiter) {
                    try out.write(contentsOf: buffer[buffer.startIndex..<end.lowerBound])
                    return name
                }
                // Keep the tail that could be the start of a delimiter split across chunks.
                let keep = min(buffer.count, delimiter.count)
                try out.write(contentsOf: buffer[buffer.startIndex..<(buffer.endIndex - keep)])
                buffer = Data(buffer.suffix(keep))
                if eof { throw PortalError.invalid("portal.upload.multipartCut") }
                try fill()
            }
        }
        throw PortalError.invalid("portal.upload.multipartNoFile")
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
