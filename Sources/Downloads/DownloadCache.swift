public import GeoStore
import CBandoZlib
public import Foundation

/// A produced download on disk: where it is and what it is.
public struct DownloadFile: Sendable, Hashable {
    public var path: String
    public var format: DownloadFormat
    public var dataset: String
    public var version: Int
    public var sha256: String
    public var size: Int
    /// When the file was produced (its `Last-Modified`).
    public var produced: Date
    /// The name a client should save it under: `xa-hue-v3.gpkg`.
    public var fileName: String { "\(dataset)-v\(version).\(format.fileExtension)" }
    /// `sha256sum -c` input for the file under its download name.
    public var checksumLine: String { "\(sha256)  \(fileName)\n" }
}

/// What the cache keeps beside each file (`v3.gpkg.json`): its checksum, and the notice it was
/// produced under, so a change of title or licence rebuilds it.
struct CacheRecord: Codable {
    var sha256: String
    var size: Int
    var fingerprint: String
    var produced: Date
    var featureCount: Int
}

/// Downloads produced once per version and format, then served from disk:
/// `<folder>/<dataset>/v<n>.<ext>` with a `.json` record beside it.
///
/// A file is written under a temporary name in the same folder, synced, and renamed into place,
/// so a failed or interrupted export never leaves a broken file where a download is looked up.
/// Concurrent requests for the same file wait for one production.
public actor DownloadCache {
    public nonisolated let folder: URL
    /// Where the versions are read from: a SpatiaLite `Store` or a PostGIS one.
    public nonisolated let store: any DownloadReading
    private var inFlight: [String: Task<DownloadFile, any Error>] = [:]

    /// Told the format and the time of each file produced (for `/metrics`; a cached file is not).
    let onProduced: (@Sendable (DownloadFormat, Duration) -> Void)?

    /// The cache of `store`'s downloads in `folder` (several servers on one PostGIS database may
    /// share one folder: files are renamed into place whole).
    public init(store: any DownloadReading, folder: URL, onProduced: (@Sendable (DownloadFormat, Duration) -> Void)? = nil) {
        self.store = store
        self.onProduced = onProduced
        self.folder = folder
        Self.removeLeftovers(in: folder)
    }

    /// The cache of a SpatiaLite store; by default `downloads/` beside the store file.
    public init(store: Store, folder: URL? = nil, onProduced: (@Sendable (DownloadFormat, Duration) -> Void)? = nil) {
        self.init(store: store as any DownloadReading, folder: folder ?? Self.defaultFolder(for: store), onProduced: onProduced)
    }

    /// Where a store's downloads go unless told: `downloads/` beside a SpatiaLite file, else
    /// `downloads/` in the working directory (a database server has no folder of ours).
    public static func defaultFolder(for store: any DownloadReading) -> URL {
        if let file = store as? Store { return URL(fileURLWithPath: file.path).deletingLastPathComponent().appendingPathComponent("downloads") }
        return URL(fileURLWithPath: "downloads")
    }

    /// The version `number` (or the current one when nil) of `slug`, if the public may download it.
    public nonisolated func subject(dataset slug: String, version number: Int?) throws -> PublishedDataset {
        guard let current = try store.published(slug: slug) else {
            if try store.dataset(slug: slug) != nil, try store.publicVersions(dataset: slug).isEmpty {
                throw DownloadsError.noPublicVersion(slug)
            }
            throw DownloadsError.unknownDataset(slug, available: try store.publishedDatasets().map(\.dataset.slug))
        }
        guard let number, number != current.version.number else { return current }
        let available = try store.publicVersions(dataset: slug).map(\.number)
        guard available.contains(number), let s = try store.version(dataset: slug, number: number) else {
            throw DownloadsError.unknownVersion(dataset: slug, version: number, available: available)
        }
        return s
    }

    /// The file of `subject` in `format`, produced now if it is not cached yet.
    public func file(_ subject: PublishedDataset, format: DownloadFormat) async throws -> DownloadFile {
        let path = Self.path(folder, subject.dataset.slug, subject.version.number, format)
        let fingerprint = Notice(subject).fingerprint
        if let cached = Self.cached(path: path, subject: subject, format: format, fingerprint: fingerprint) { return cached }
        if let running = inFlight[path] { return try await running.value }
        let store = self.store, onProduced = self.onProduced
        let task = Task<DownloadFile, any Error> {
            let start = ContinuousClock.now
            let file = try await Self.offload {
                try Self.produce(subject, format: format, at: path, fingerprint: fingerprint, store: store)
            }
            onProduced?(format, ContinuousClock.now - start)
            return file
        }
        inFlight[path] = task
        defer { inFlight[path] = nil }
        return try await task.value
    }

    /// A gzip copy of a text file (`v3.geojson.gz`), made on first request and kept.
    public func gzipped(_ file: DownloadFile) async throws -> String {
        let gz = file.path + ".gz." + String(file.sha256.prefix(16))
        if FileManager.default.fileExists(atPath: gz) { return gz }
        if let running = inFlight[gz] { _ = try await running.value; return gz }
        let task = Task<DownloadFile, any Error> {
            try await Self.offload {
                try Self.atomically(final: gz) { tmp in try Self.gzip(file.path, to: tmp) }
                return file
            }
        }
        inFlight[gz] = task
        defer { inFlight[gz] = nil }
        _ = try await task.value
        return gz
    }

    /// The SHA-256 of a produced file, when it has been produced (for the catalogue: `nil`
    /// means not known yet, not that there is none).
    public nonisolated func knownChecksum(dataset: String, version: Int, format: DownloadFormat) -> String? {
        let path = Self.path(folder, dataset, version, format)
        guard FileManager.default.fileExists(atPath: path), let r = Self.record(path) else { return nil }
        return r.sha256
    }

    /// The produced file of `version` in `format`, when it has been produced (for the portal's
    /// dataset page: nil means not produced yet, as for `knownChecksum`).
    public nonisolated func knownFile(dataset: String, version: Int, format: DownloadFormat) -> DownloadFile? {
        let path = Self.path(folder, dataset, version, format)
        guard let r = Self.record(path), let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              (attrs[.size] as? NSNumber)?.intValue == r.size else { return nil }
        return DownloadFile(path: path, format: format, dataset: dataset, version: version, sha256: r.sha256, size: r.size, produced: r.produced)
    }

    // MARK: internals

    static func path(_ folder: URL, _ slug: String, _ number: Int, _ format: DownloadFormat) -> String {
        folder.appendingPathComponent(slug).appendingPathComponent("v\(number).\(format.fileExtension)").path
    }

    static func record(_ path: String) -> CacheRecord? {
        guard let data = FileManager.default.contents(atPath: path + ".json") else { return nil }
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return try? d.decode(CacheRecord.self, from: data)
    }

    static func cached(path: String, subject: PublishedDataset, format: DownloadFormat, fingerprint: String) -> DownloadFile? {
        guard let r = record(path), r.fingerprint == fingerprint,
              let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              (attrs[.size] as? NSNumber)?.intValue == r.size else { return nil }
        return DownloadFile(path: path, format: format, dataset: subject.dataset.slug, version: subject.version.number,
                            sha256: r.sha256, size: r.size, produced: r.produced)
    }

    static func produce(_ subject: PublishedDataset, format: DownloadFormat, at path: String, fingerprint: String,
                        store: any DownloadReading) throws -> DownloadFile {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var result: ExportResult?
        try atomically(final: path) { tmp in
            result = try Exporter(store: store).write(subject, as: format, to: tmp)
        }
        let r = result!
        // Second-resolution dates: what HTTP's Last-Modified and If-Modified-Since carry.
        let produced = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let record = CacheRecord(sha256: r.sha256, size: r.bytes, fingerprint: fingerprint, produced: produced, featureCount: r.featureCount)
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        try atomically(final: path + ".json") { tmp in try e.encode(record).write(to: URL(fileURLWithPath: tmp)) }
        return DownloadFile(path: path, format: format, dataset: subject.dataset.slug, version: subject.version.number,
                            sha256: r.sha256, size: r.bytes, produced: produced)
    }

    /// Runs `write` on a temporary name beside `final`, syncs it, and renames it into place;
    /// on any failure the temporary file is removed and `final` is untouched.
    static func atomically(final: String, _ write: (String) throws -> Void) throws {
        let dir = (final as NSString).deletingLastPathComponent
        let tmp = dir + "/." + (final as NSString).lastPathComponent + "." + UUID().uuidString.prefix(8) + ".tmp"
        do {
            try write(tmp)
            FileDigest.sync(path: tmp)
            guard rename(tmp, final) == 0 else { throw DownloadsError.io(path: final, reason: String(cString: strerror(errno))) }
            FileDigest.sync(path: dir)
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            try? FileManager.default.removeItem(atPath: tmp + ".d")
            throw error
        }
    }

    /// Temporary files left by a process that died while producing (they are never served).
    static func removeLeftovers(in folder: URL) {
        guard let e = FileManager.default.enumerator(atPath: folder.path) else { return }
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix("."), name.hasSuffix(".tmp") || name.hasSuffix(".tmp.d") {
                try? FileManager.default.removeItem(atPath: folder.appendingPathComponent(rel).path)
            }
        }
    }

    static func gzip(_ source: String, to dest: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw DownloadsError.io(path: source, reason: "cannot be read") }
        defer { try? input.close() }
        guard let gz = gzopen(dest, "wb6") else { throw DownloadsError.io(path: dest, reason: "cannot be created") }
        var closed = false
        defer { if !closed { gzclose(gz) } }
        while let data = try input.read(upToCount: 1 << 20), !data.isEmpty {
            let n = data.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
            guard n == Int32(data.count) else { throw DownloadsError.io(path: dest, reason: "gzip write failed") }
        }
        closed = true
        guard gzclose(gz) == Z_OK else { throw DownloadsError.io(path: dest, reason: "gzip close failed") }
    }

    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        // Exports block on SQLite and GDAL for seconds to minutes: on threads of their own, a
        // fixed number, so neither the cooperative threads nor the requests' pool wait for them.
        try await BlockingPool.exports.run(work)
    }
}
