// Backups of the store while it serves (Huế 2024 art. 6.6, 25.3; Sơn La art. 5.4: a copy after
// each periodic update, and recovery): SQLite's online backup API through GRDB copies a
// consistent snapshot page by page while readers and the writer go on; a manifest beside it
// records when, the schema, every version's checksum, the audit chain's head and the copy's own
// SHA-256. A backup is written into a hidden folder and renamed when whole, so a folder that has
// a backup's name holds a whole backup. Restoring copies it into a new store and checks it all
// (integrity, every version's features against its checksum, the audit chain) before it is named.
public import Foundation
import Crypto
public import GRDB

public struct BackupManifest: Codable, Sendable, Equatable {
    public struct Version: Codable, Sendable, Equatable {
        public var dataset: String
        public var number: Int
        public var status: String
        public var checksum: String
        public var featureCount: Int
    }
    /// `1`: this layout (a folder with `bando.sqlite` and `manifest.json`).
    public var format: Int
    /// When the snapshot was taken, ISO 8601 UTC.
    public var createdAt: String
    /// The last migration the store had.
    public var schema: String
    public var file: String
    public var fileBytes: Int
    public var fileSHA256: String
    public var versions: [Version]
    public var auditRows: Int
    public var auditHeadID: Int64?
    public var auditHeadHash: String?
}

/// What went wrong with a backup or a restore, in words for the person running it (no SQL).
public struct BackupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// What a restore checked.
public struct RestoreReport: Sendable {
    public var versionsChecked: Int
    public var featuresChecked: Int
    public var auditRows: Int
}

extension Store {
    public static let backupFile = "bando.sqlite"
    public static let manifestFile = "manifest.json"
    /// Backup folders are named `bando-YYYYMMDDTHHMMSSZ` (UTC): they sort by time.
    public static let backupPrefix = "bando-"

    /// Takes a consistent copy of the store into a new folder under `directory` while the store
    /// is in use, and returns the folder's path and its manifest.
    public func backup(into directory: String, now: Date = Date()) throws -> (path: String, manifest: BackupManifest) {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw BackupError("the backup folder cannot be created: \(Self.reason(error))")
        }
        let name = Self.backupPrefix + Self.backupStamp(now)
        let final = (directory as NSString).appendingPathComponent(name)
        if fm.fileExists(atPath: final) { throw BackupError("a backup named \(name) already exists: wait a second and try again") }
        let partial = (directory as NSString).appendingPathComponent("." + name + ".partial")
        try? fm.removeItem(atPath: partial)
        do {
            try fm.createDirectory(atPath: partial, withIntermediateDirectories: true)
            let file = (partial as NSString).appendingPathComponent(Self.backupFile)
            var manifest: BackupManifest
            do {
                let copy = try DatabaseQueue(path: file)
                try pool.backup(to: copy)
                manifest = try copy.read { db in try Self.manifest(db, createdAt: now) }
                try copy.close()
            }
            let (bytes, sha) = try Self.sha256(ofFile: file)
            manifest.file = Self.backupFile
            manifest.fileBytes = bytes
            manifest.fileSHA256 = sha
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: (partial as NSString).appendingPathComponent(Self.manifestFile)),
                                               options: .atomic)
            try fm.moveItem(atPath: partial, toPath: final)
            return (final, manifest)
        } catch let e as BackupError {
            try? fm.removeItem(atPath: partial)
            throw e
        } catch {
            try? fm.removeItem(atPath: partial)
            throw BackupError("the backup could not be written: \(Self.reason(error))")
        }
    }

    /// Restores the backup in folder `backup` into a new store at `path` (which must not
    /// exist), checking it before it takes that name. Returns what was checked.
    public static func restore(backup: String, to path: String) throws -> RestoreReport {
        let fm = FileManager.default
        let manifestPath = (backup as NSString).appendingPathComponent(manifestFile)
        guard let data = fm.contents(atPath: manifestPath) else {
            throw BackupError("\(backup) is not a Bando backup: it has no \(manifestFile)")
        }
        let manifest: BackupManifest
        do { manifest = try JSONDecoder().decode(BackupManifest.self, from: data) } catch {
            throw BackupError("the backup's \(manifestFile) cannot be read: it is damaged")
        }
        let source = (backup as NSString).appendingPathComponent(manifest.file)
        guard fm.fileExists(atPath: source) else { throw BackupError("the backup has no \(manifest.file)") }
        let (_, sha) = try sha256(ofFile: source)
        guard sha == manifest.fileSHA256 else {
            throw BackupError("the backup's \(manifest.file) does not match its manifest (SHA-256 differs): the copy is damaged, use another backup")
        }
        if fm.fileExists(atPath: path) { throw BackupError("\(path) already exists: restore into a new file, then swap it in") }
        let temporary = path + ".restoring"
        for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: temporary + suffix) }
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            try fm.copyItem(atPath: source, toPath: temporary)
            let report = try check(temporary, against: manifest)
            try fm.moveItem(atPath: temporary, toPath: path)
            return report
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: temporary + suffix) }
            if let e = error as? BackupError { throw e }
            throw BackupError("the restore failed: \(reason(error))")
        }
    }

    /// Opens the restored copy (migrating it if it is older), then checks it against the manifest.
    static func check(_ path: String, against manifest: BackupManifest) throws -> RestoreReport {
        let store = try Store(path: path)
        defer { try? store.pool.close() }
        let integrity = try store.pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        guard integrity == ["ok"] else { throw BackupError("the restored store fails SQLite's integrity check: \(integrity.prefix(3).joined(separator: "; "))") }
        var features = 0
        for v in manifest.versions {
            guard let d = try store.dataset(slug: v.dataset),
                  let record = try store.versions(datasetID: d.id).first(where: { $0.number == v.number }) else {
                throw BackupError("version \(v.number) of \(v.dataset) is in the manifest but not in the restored store")
            }
            guard record.checksum == v.checksum else { throw BackupError("version \(v.number) of \(v.dataset) has another checksum than the manifest records") }
            let r = try store.verifyChecksum(of: record)
            guard r.matches, r.featureCount == v.featureCount else {
                throw BackupError("the features of version \(v.number) of \(v.dataset) do not give its checksum: the backup is damaged")
            }
            features += r.featureCount
        }
        let problems = try store.verifyAuditChain()
        if let p = problems.first { throw BackupError("the restored audit log is broken: \(p)") }
        let head = try store.auditChainHead()
        if let id = manifest.auditHeadID, head?.id != id || head?.hash != manifest.auditHeadHash {
            throw BackupError("the restored audit log does not end where the manifest says (row \(id))")
        }
        return RestoreReport(versionsChecked: manifest.versions.count, featuresChecked: features, auditRows: manifest.auditRows)
    }

    static func manifest(_ db: Database, createdAt: Date) throws -> BackupManifest {
        let schema = try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") ?? ""
        let versions = try Row.fetchAll(db, sql: """
            SELECT d.slug, v.number AS version_number, v.status, v.checksum, v.feature_count FROM dataset_versions v
            JOIN datasets d ON d.id = v.dataset_id WHERE v.status IN ('published', 'superseded') ORDER BY d.slug, v.number
            """).map { r in
            BackupManifest.Version(dataset: r["slug"], number: r["version_number"], status: r["status"], checksum: r["checksum"],
                                   featureCount: r["feature_count"])
        }
        let hasAudit = try db.tableExists("audit_log")
        let head = hasAudit ? try Row.fetchOne(db, sql: "SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1") : nil
        let rows = hasAudit ? try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") ?? 0 : 0
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return BackupManifest(format: 1, createdAt: f.string(from: createdAt), schema: schema, file: backupFile, fileBytes: 0,
                              fileSHA256: "", versions: versions, auditRows: rows,
                              auditHeadID: head?["id"], auditHeadHash: head?["row_hash"])
    }

    static func backupStamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }

    /// The time a backup folder's name holds; nil for other names.
    public static func backupDate(ofFolder name: String) -> Date? {
        guard name.hasPrefix(backupPrefix) else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.date(from: String(name.dropFirst(backupPrefix.count)))
    }

    static func sha256(ofFile path: String) throws -> (Int, String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BackupError("\(path) cannot be read") }
        defer { try? handle.close() }
        var h = SHA256()
        var total = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            h.update(data: chunk)
            total += chunk.count
        }
        return (total, h.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// A library error as a reason a person can act on: a full disk says so.
    static func reason(_ error: any Error) -> String {
        if let e = error as? DatabaseError, e.resultCode == .SQLITE_FULL { return "the disk is full: free space there or choose another folder" }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain, ns.code == Int(ENOSPC) { return "the disk is full: free space there or choose another folder" }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain, underlying.code == Int(ENOSPC) {
            return "the disk is full: free space there or choose another folder"
        }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileWriteOutOfSpaceError { return "the disk is full: free space there or choose another folder" }
        if let e = error as? DatabaseError { return e.message ?? "SQLite error \(e.resultCode.rawValue)" }
        return ns.localizedDescription
    }
}

/// Which backups to keep: the newest `keep`, and the first of each month (for the months the
/// folder covers), so a year of monthly points survives daily rotation.
public enum BackupRotation {
    /// The names among `names` (backup folders) to delete.
    public static func toDelete(_ names: [String], keep: Int) -> [String] {
        let dated = names.compactMap { n in Store.backupDate(ofFolder: n).map { (n, $0) } }.sorted { $0.1 < $1.1 }
        var kept = Set(dated.suffix(max(keep, 0)).map(\.0))
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        var seenMonths = Set<String>()
        for (n, d) in dated {
            let c = cal.dateComponents([.year, .month], from: d)
            if seenMonths.insert("\(c.year!)-\(c.month!)").inserted { kept.insert(n) }
        }
        return dated.map(\.0).filter { !kept.contains($0) }
    }
}
