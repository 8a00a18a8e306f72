import Hummingbird
import HTTPTypes
import GeoStore
import Downloads
import Logging
import Foundation
import PublicErrors

/// Downloads over HTTP; producing and caching the files is the `Downloads` module's work.
///
/// - `/downloads/{dataset}/v{n}.{ext}` and `/downloads/{dataset}/latest.{ext}`: the file, with
///   `ETag`, `Last-Modified`, `Range`, gzip for text formats and a `Link` to the licence;
/// - `…{ext}.sha256`: its SHA-256 as `sha256sum -c` reads it;
/// - `v{n}.csvt` and `latest.csvt`: the column types of the CSV, which GDAL reads beside it
///   (also through `/vsicurl/`);
/// - `/downloads/{dataset}.geojson`: the old URL, moved permanently to `latest.geojson`;
/// - `/api/datasets/{dataset}/downloads`: the download counters and the files with their checksums.
/// `store` keeps the download counters (either engine; the files themselves come from `downloads`).
func addDownloadRoutes(to router: Router<BandoRequestContext>, store: any DatasetStore & UsageCounting, downloads: DownloadCache) {
    let fileIO = FileIO()
    // The old URL's one segment sits where the new URLs have the dataset: same parameter name.
    router.get("/downloads/{dataset}") { _, context -> Response in
        let file = try context.parameters.require("dataset")
        guard file.hasSuffix(".geojson"), case let slug = String(file.dropLast(".geojson".count)), isValidSlug(slug) else {
            if file.contains("/") || file.contains("..") { _ = try DownloadName(file) }   // refused without the name
            throw APIError(.notFound, code: "NotFound", SafeMessage("downloads.url.unknown", ["file": file, "formats": DownloadFormat.extensionList]))
        }
        return Response(status: .movedPermanently, headers: [.location: "/downloads/\(slug)/latest.geojson"])
    }
    router.get("/downloads/{dataset}/{file}") { request, context in
        try await serveDownload(request, context, downloads: downloads, counter: store.downloadCounter, fileIO: fileIO, head: false)
    }
    router.head("/downloads/{dataset}/{file}") { request, context in
        try await serveDownload(request, context, downloads: downloads, counter: store.downloadCounter, fileIO: fileIO, head: true)
    }
    router.get("/api/datasets/{dataset}/downloads") { _, context -> Response in
        let slug = try context.parameters.require("dataset")
        return try await blocking {
            try downloadStatsResponse(slug: slug, store: store, downloads: downloads)
        }
    }
}

/// What a download URL's last segment names: a version (nil: the latest), a format, and
/// whether the checksum or the CSV's column types rather than the file are asked for.
struct DownloadName {
    var version: Int?
    var format: DownloadFormat
    var checksum: Bool
    var csvTypes = false

    init(_ file: String) throws {
        // A name that is a path (`..%2F..%2Fbando.sqlite`) is not echoed back.
        guard !file.contains("/"), !file.contains("\\"), !file.contains("..") else {
            throw APIError(.notFound, code: "NotFound", SafeMessage("downloads.url.unknown.path", ["formats": DownloadFormat.extensionList]))
        }
        var name = file
        checksum = name.hasSuffix(".sha256")
        if checksum { name = String(name.dropLast(".sha256".count)) }
        if !checksum, name.hasSuffix(".csvt") { csvTypes = true; name = String(name.dropLast()) }
        guard let format = DownloadFormat.matching(suffixOf: name) else {
            let ext = name.firstIndex(of: ".").map { String(name[$0...]) } ?? "(none)"
            throw DownloadsError.unknownFormat(ext)
        }
        self.format = format
        let stem = String(name.dropLast(format.fileExtension.count + 1))
        if stem == "latest" { version = nil }
        else if stem.hasPrefix("v"), let n = Int(stem.dropFirst()), n > 0 { version = n }
        else {
            throw APIError(.notFound, code: "NotFound", SafeMessage("downloads.file.unknown", ["file": file, "ext": format.fileExtension]))
        }
    }
}

func serveDownload(_ request: Request, _ context: BandoRequestContext, downloads: DownloadCache, counter: DownloadCounter, fileIO: FileIO,
                   head: Bool) async throws -> Response {
    let slug = try context.parameters.require("dataset")
    let name = try DownloadName(try context.parameters.require("file"))
    let version = name.version
    let subject = try await blocking { try downloads.subject(dataset: slug, version: version) }
    if name.csvTypes {
        // Made from the version's schema: no need to produce the CSV itself.
        let types = try await blocking { try Exporter(store: downloads.store).csvTypes(subject.version) }
        let headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", .contentLength: String(types.utf8.count),
                                   .contentDisposition: "attachment; filename=\"\(slug)-v\(subject.version.number).csvt\"",
                                   .cacheControl: name.version == nil ? "public, max-age=60" : "public, max-age=3600"]
        return Response(status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(string: types)))
    }
    let file: DownloadFile
    do { file = try await downloads.file(subject, format: name.format) } catch {
        throw APIError(.internalServerError, code: "ServerError", SafeMessage("downloads.failed"),
                       detail: "download \(slug) v\(subject.version.number) \(name.format.rawValue) failed: \(error)")
    }
    var headers: HTTPFields = [:]
    if let link = Licence.url(for: subject.dataset.licence) { headers[HTTPField.Name("Link")!] = "<\(link)>; rel=\"license\"" }
    headers[.cacheControl] = name.version == nil ? "public, max-age=60" : "public, max-age=3600"
    if name.checksum {
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(string: file.checksumLine)))
    }

    headers[.contentType] = file.format.mediaType
    headers[.contentDisposition] = "attachment; filename=\"\(file.fileName)\""
    headers[.lastModified] = HTTPDate.format(file.produced)
    headers[.acceptRanges] = "bytes"
    if file.format.isText { headers[.vary] = "Accept-Encoding" }
    let etag = "\"\(file.sha256.prefix(32))\""
    let gzipETag = "\"\(file.sha256.prefix(32))-gzip\""

    // Conditional requests: the ETag is the file's checksum, so it is strong.
    if let inm = request.headers[.ifNoneMatch] {
        let tags = inm.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if tags.contains("*") || tags.contains(etag) || tags.contains(gzipETag) {
            headers[.eTag] = etag
            return Response(status: .notModified, headers: headers)
        }
    } else if let ims = request.headers[.ifModifiedSince], let since = HTTPDate.parse(ims), file.produced <= since {
        headers[.eTag] = etag
        return Response(status: .notModified, headers: headers)
    }

    var range: ClosedRange<Int>?
    if let rangeHeader = request.headers[.range], request.headers[.ifRange].map({ $0 == etag || $0 == headers[.lastModified] }) ?? true {
        switch ByteRange.parse(rangeHeader, size: file.size) {
        case .range(let r): range = r
        case .invalid(let why):
            throw APIError(.rangeNotSatisfiable, code: "RangeNotSatisfiable",
                           SafeMessage("downloads.range.unsatisfiable", ["size": String(file.size)], parts: ["reason": why]),
                           headers: [("Content-Range", "bytes */\(file.size)")])
        }
    }

    let countable = !head && (range == nil || range!.lowerBound == 0)
    if countable {
        // Counted in memory and written by the store's background flush: a download never waits for the writer.
        counter.record(dataset: file.dataset, version: file.version, format: file.format.rawValue)
    }

    if let range {
        headers[.eTag] = etag
        headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(file.size)"
        headers[.contentLength] = String(range.count)
        let body = head ? ResponseBody() : try await fileIO.loadFile(path: file.path, range: range, context: context)
        return Response(status: .partialContent, headers: headers, body: body)
    }
    if file.format.isText, acceptsGzip(request.headers[.acceptEncoding]) {
        let gz = try await downloads.gzipped(file)
        headers[.eTag] = gzipETag
        headers[.contentEncoding] = "gzip"
        headers[.contentLength] = String(fileSize(gz))
        let body = head ? ResponseBody() : try await fileIO.loadFile(path: gz, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }
    headers[.eTag] = etag
    headers[.contentLength] = String(file.size)
    let body = head || file.size == 0 ? ResponseBody() : try await fileIO.loadFile(path: file.path, context: context)
    return Response(status: .ok, headers: headers, body: body)
}

func downloadStatsResponse(slug: String, store: any DatasetStore & UsageCounting, downloads: DownloadCache) throws -> Response {
    guard store.dataset(slugIfPublic: slug) else {
        throw DownloadsError.unknownDataset(slug, available: try store.publishedDatasets().map(\.dataset.slug))
    }
    var body = try downloadUsage(slug: slug, store: store, downloads: downloads)
    body["dataset"] = slug
    let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// A public dataset's download counts (total, per format, per version, per day; nobody's
/// identity) and its files with the SHA-256 of each one produced so far. Also part of the
/// catalogue API (`/api/catalog`).
func downloadUsage(slug: String, store: any DatasetStore & UsageCounting, downloads: DownloadCache, baseURL: String = "") throws -> [String: Any] {
    let counts = try store.downloadStats(dataset: slug)
    var byFormat: [String: Int] = [:], byVersion: [String: Int] = [:]
    for c in counts { byFormat[c.format, default: 0] += c.count; byVersion[String(c.version), default: 0] += c.count }
    var files: [[String: Any]] = []
    for v in try store.publicVersions(dataset: slug) {
        for f in DownloadFormat.allCases {
            files.append(["version": v.number, "format": f.rawValue,
                          "url": "\(baseURL)/downloads/\(slug)/v\(v.number).\(f.fileExtension)",
                          "sha256": downloads.knownChecksum(dataset: slug, version: v.number, format: f) ?? NSNull()])
        }
    }
    return [
        "total": counts.reduce(0) { $0 + $1.count },
        "byFormat": byFormat,
        "byVersion": byVersion,
        "daily": counts.map { ["day": $0.day, "version": $0.version, "format": $0.format, "count": $0.count] as [String: Any] },
        "files": files,
    ]
}

extension DatasetStore {
    /// Whether `slug` has a version the public may see.
    func dataset(slugIfPublic slug: String) -> Bool {
        ((try? publicVersions(dataset: slug)) ?? []).isEmpty == false
    }
}


func acceptsGzip(_ header: String?) -> Bool {
    guard let header else { return false }
    return header.split(separator: ",").contains { part in
        let bits = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard bits.first == "gzip" || bits.first == "x-gzip" else { return false }
        return !bits.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" || $0 == "q=0.0" || $0 == "q=0.000" }
    }
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// A single byte range of RFC 9110 §14.1.2, against a file of `size` bytes.
enum ByteRange: Equatable {
    case range(ClosedRange<Int>)
    /// Why the header cannot be served (a `downloads.range.*` message naming it).
    case invalid(SafeMessage)

    static func parse(_ header: String, size: Int) -> ByteRange {
        let h = header.trimmingCharacters(in: .whitespaces)
        let named = ["range": header]
        guard h.lowercased().hasPrefix("bytes=") else { return .invalid(SafeMessage("downloads.range.notBytes", named)) }
        let spec = h.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else { return .invalid(SafeMessage("downloads.range.multiple", named)) }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return .invalid(SafeMessage("downloads.range.invalid", named)) }
        let digits = { (s: String) in !s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        if parts[0].isEmpty {
            guard digits(parts[1]), let n = Int(parts[1]), n > 0 else { return .invalid(SafeMessage("downloads.range.invalid", named)) }
            guard size > 0 else { return .invalid(SafeMessage("downloads.range.empty", named)) }
            return .range(max(0, size - n)...(size - 1))
        }
        guard digits(parts[0]), let start = Int(parts[0]) else { return .invalid(SafeMessage("downloads.range.invalid", named)) }
        var end = size - 1
        if !parts[1].isEmpty {
            guard digits(parts[1]), let e = Int(parts[1]), e >= start else { return .invalid(SafeMessage("downloads.range.invalid", named)) }
            end = min(e, size - 1)
        }
        guard start < size else { return .invalid(SafeMessage("downloads.range.pastEnd", named)) }
        return .range(start...end)
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7), as `Last-Modified` and `If-Modified-Since` carry it.
enum HTTPDate {
    static func formatter() -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f
    }
    static func format(_ d: Date) -> String { formatter().string(from: d) }
    static func parse(_ s: String) -> Date? { formatter().date(from: s) }
}
