public import GRDB
import GRDBSQLite
public import Foundation

/// The SpatiaLite store: one SQLite file in WAL mode, one writer and many readers, SpatiaLite
/// loaded on every connection.
///
/// ```swift
/// let store = try Store(path: "data/bando.sqlite")
/// for d in try store.publishedDatasets() { print(d.dataset.slug, d.version.featureCount) }
/// ```
public final class Store: GeoStoreBackend {
    public let path: String
    /// The GRDB pool; modules that run their own SQL read through it.
    public let pool: DatabasePool
    /// Download counts batched in memory (see `DownloadCounter`).
    public let downloadCounter: DownloadCounter
    /// Uses by channel batched in memory (see `UsageCounter`).
    public let usageCounter: UsageCounter
    /// Where this store's publications are announced (see `PublicationEvents`).
    public let publications = PublicationEvents()

    /// Opens (creating and migrating when needed) the store at `path`.
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.maximumReaderCount = Self.readerCount
        config.prepareDatabase { db in
            try Store.loadSpatiaLite(db)
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            if case StoreError.diskFull = StoreError.translating(error) { throw StoreError.diskFull }
            throw StoreError.unavailable(path: path, reason: (error as? DatabaseError).map { "SQLite error \($0.resultCode.rawValue): \($0.message ?? "")" } ?? "\(error)")
        }
        downloadCounter = DownloadCounter { [pool] batch in try Store.addDownloads(pool, batch) }
        usageCounter = UsageCounter { [pool] batch in try Store.addUses(pool, batch) }
        try migrator.migrate(pool)
        try dropAbandonedStagingTables()
    }

    deinit {
        try? downloadCounter.flush()
        try? usageCounter.flush()
    }

    /// Readers of the pool: one for each thread of the blocking pools (each holds at most one
    /// at a time and releases it without waiting for anything), and as many again up to four for
    /// GRDB's async reads (tiles, OGC API items), which release theirs on the cooperative threads.
    /// So blocking work never waits for a reader that only a waiting thread could free.
    public static var readerCount: Int { BlockingPool.readersNeeded + 4 }

    static func loadSpatiaLite(_ db: Database) throws {
        guard let handle = db.sqliteConnection else { return }
        sqlite3_enable_load_extension(handle, 1)
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_load_extension(handle, "mod_spatialite", nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw StoreError.unavailable(path: db.description,
                reason: "SpatiaLite could not be loaded (\(text)): install libsqlite3-mod-spatialite")
        }
        sqlite3_enable_load_extension(handle, 0)
    }
}

/// What went wrong in the store, with the dataset or file it concerns.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case unavailable(path: String, reason: String)
    case invalidSlug(String)
    case datasetNotFound(String)
    case versionNotFound(dataset: String, version: Int)
    case conflict(String)
    /// The disk holding the store has no room left: the write was rolled back.
    case diskFull

    public var description: String {
        switch self {
        case .diskFull: "the disk holding the store is full: nothing was written and the published data is unchanged; free space there (or move the store to a larger disk) and try again"
        case .unavailable(let path, let reason): "the store \(path) cannot be opened: \(reason)"
        case .invalidSlug(let s):
            "'\(s)' is not a valid dataset name: use 1 to 64 lower-case letters a–z, digits and '-', starting with a letter or digit (e.g. 'ranh-gioi-xa')"
        case .datasetNotFound(let s): "no dataset named '\(s)'"
        case .versionNotFound(let d, let v): "dataset '\(d)' has no version \(v)"
        case .conflict(let s): s
        }
    }
}

extension StoreError {
    /// `error` as a `StoreError.diskFull` when SQLite or the file system ran out of room, else
    /// unchanged: what the command line prints and the portal shows, instead of SQLite's text.
    public static func translating(_ error: any Error) -> any Error {
        if let e = error as? DatabaseError {
            if e.resultCode == .SQLITE_FULL { return StoreError.diskFull }
            if e.resultCode == .SQLITE_IOERR, (e.message ?? "").contains("disk is full") || errno == ENOSPC { return StoreError.diskFull }
        }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain, ns.code == Int(ENOSPC) { return StoreError.diskFull }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileWriteOutOfSpaceError { return StoreError.diskFull }
        return error
    }
}

/// Dataset slugs appear in URLs and file names: keep them plain.
public func isValidSlug(_ s: String) -> Bool {
    guard (1...64).contains(s.utf8.count), let first = s.utf8.first else { return false }
    let ok = s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    return ok && first != 45
}
