public import GRDB
public import GeoModel
import Crypto
import GRDBSQLite
public import Foundation

/// SQLite copies the bound bytes (the Swift buffer does not outlive the call).
private let SQLITE_TRANSIENT_SINK = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

nonisolated(unsafe) private let emptyCString: UnsafePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1); p.pointee = 0; return UnsafePointer(p)
}()


/// What an ingest says about the dataset it writes into.
public struct DatasetMetadata: Sendable {
    public var slug: String
    public var title: String?
    public var description: String?
    public var agencyName: String?
    public var licence: String?
    public var attribution: String?
    public init(slug: String, title: String? = nil, description: String? = nil, agencyName: String? = nil,
                licence: String? = nil, attribution: String? = nil) {
        self.slug = slug; self.title = title; self.description = description
        self.agencyName = agencyName; self.licence = licence; self.attribution = attribution
    }
}

/// Where a version came from and how it was read, recorded with it.
public struct VersionProvenance: Sendable {
    public var crs: String
    public var encoding: String
    public var sourceName: String
    public var reportJSON: String
    public init(crs: String, encoding: String, sourceName: String, reportJSON: String = "{}") {
        self.crs = crs; self.encoding = encoding; self.sourceName = sourceName; self.reportJSON = reportJSON
    }
}

/// The SHA-256 a version keeps of its features: ids, typed values and WKB geometry, in id order.
/// Written by `FeatureSink` as an ingest stores features, and recomputed by `verifyChecksum`
/// from what the store reads back, so the two must hash exactly the same way.
public struct FeatureChecksum {
    var hasher = SHA256()
    public init() {}

    /// Adds one feature; `wkb` is the geometry's WKB when it has one. The bytes fed are, per
    /// feature: the id (Int64 LE), then per value a tag (0 null, 1 integer, 2 real, 3 text,
    /// 4 boolean) and its bytes (8 LE bytes; UTF-8 then 0; one byte), then the WKB. Gathered in one
    /// buffer and hashed once per feature.
    public mutating func add(id: Int64, values: [FieldValue], wkb: [UInt8]?) {
        row.removeAll(keepingCapacity: true)
        Self.appendLE(id, to: &row)
        for v in values {
            switch v {
            case .null: row.append(0)
            case .integer(let i): row.append(1); Self.appendLE(i, to: &row)
            case .real(let d): row.append(2); Self.appendLE(Int64(bitPattern: d.bitPattern), to: &row)
            case .text(let s): row.append(3); row.append(contentsOf: s.utf8); row.append(0)
            case .boolean(let b): row.append(4); row.append(b ? 1 : 0)
            }
        }
        if let wkb { row.append(contentsOf: wkb) }
        hasher.update(data: row)
    }

    private var row: [UInt8] = []

    @inline(__always)
    static func appendLE(_ v: Int64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    /// The hex digest.
    public func finalize() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}

/// Receives the features of a version being written. Only valid inside `Store.writeVersion`.
///
/// Rows are kept in memory a batch at a time and written in short transactions of their own
/// into the version's table, which no version row names yet: readers cannot see it, and the
/// single writer is free between batches for sign-ins and other writes.
public final class FeatureSink: FeatureSinking {
    let pool: DatabasePool
    let insertSQL: String
    let fieldCount: Int
    var hasher = FeatureChecksum()
    public private(set) var count = 0
    public private(set) var bbox = BoundingBox.empty
    var geometryTypes = Set<String>()
    private var pending: [(values: [FieldValue], wkb: [UInt8]?)] = []
    private var pendingBytes = 0
    /// Rows and bytes of geometry per transaction: a few tens of milliseconds of the writer.
    static let batchRows = 5_000
    static let batchBytes = 16 << 20

    init(pool: DatabasePool, table: String, fields: [FieldDefinition]) {
        self.pool = pool
        fieldCount = fields.count
        let columns = (["fid"] + fields.map(\.name) + ["geom"]).map(quoteIdentifier).joined(separator: ", ")
        let params = Array(repeating: "?", count: fields.count + 1).joined(separator: ", ")
        insertSQL = "INSERT INTO \(quoteIdentifier(table)) (\(columns)) VALUES (\(params), GeomFromWKB(?, 4326))"
    }

    /// Appends one feature; ids are given in order from 1.
    public func insert(geometry: Geometry?, values: [FieldValue]) throws {
        precondition(values.count == fieldCount, "a feature needs one value per field")
        count += 1
        var wkb: [UInt8]?
        if let geometry {
            wkb = WKB.encode(geometry)
            if let b = geometry.boundingBox { bbox.extend(b) }
            geometryTypes.insert(geometry.typeName)
        }
        hasher.add(id: Int64(count), values: values, wkb: wkb)
        pending.append((values, wkb))
        pendingBytes += wkb?.count ?? 0
        if pending.count >= Self.batchRows || pendingBytes >= Self.batchBytes { try flush() }
    }

    /// Writes the rows held in memory in one transaction.
    func flush() throws {
        guard !pending.isEmpty else { return }
        let firstID = Int64(count - pending.count + 1)
        let rows = pending
        pending.removeAll(keepingCapacity: true)
        pendingBytes = 0
        try pool.write { db in
            let statement = try db.cachedStatement(sql: insertSQL)
            for (i, row) in rows.enumerated() {
                try Self.insert(statement.sqliteStatement, id: firstID + Int64(i), values: row.values, wkb: row.wkb)
            }
        }
    }

    /// Binds straight onto the prepared statement (no argument boxing): this runs once per
    /// feature of every ingest.
    static func insert(_ stmt: SQLiteStatement, id: Int64, values: [FieldValue], wkb: [UInt8]?) throws {
        sqlite3_reset(stmt)
        sqlite3_bind_int64(stmt, 1, id)
        var index: Int32 = 2
        for v in values {
            switch v {
            case .null: sqlite3_bind_null(stmt, index)
            case .integer(let i): sqlite3_bind_int64(stmt, index, i)
            case .real(let d): sqlite3_bind_double(stmt, index, d)
            case .text(let s):
                var s = s
                s.withUTF8 { u in
                    _ = UnsafeRawBufferPointer(u).withMemoryRebound(to: CChar.self) { c in
                        sqlite3_bind_text(stmt, index, c.baseAddress ?? emptyCString, Int32(c.count), SQLITE_TRANSIENT_SINK)
                    }
                }
            case .boolean(let b): sqlite3_bind_int64(stmt, index, b ? 1 : 0)
            }
            index += 1
        }
        if let wkb {
            _ = wkb.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT_SINK) }
        } else {
            sqlite3_bind_null(stmt, index)
        }
        let rc = sqlite3_step(stmt)
        guard rc == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(stmt)))
            sqlite3_reset(stmt)
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
    }

    var checksum: String { hasher.finalize() }
}

extension Store {
    /// Writes a new version of a dataset: its feature table, rows, spatial index and version
    /// record, and (when `publish`) the switch of the dataset's current version. If `body`
    /// throws, or the process dies, nothing of it is visible: the dataset's previous version
    /// stays current.
    ///
    /// The rows go, in batches of short transactions, into a table that no version names until
    /// the last, short transaction adds the version row (and the publish switch): the writer is
    /// never held for the length of the file. The table is recorded in `ingest_staging` until
    /// then, so one left by a killed process is dropped when the store is next opened.
    ///
    /// `body` receives the sink for features and returns the version's provenance (read after
    /// the features, so it can include counts).
    @discardableResult
    public func writeVersion(
        _ metadata: DatasetMetadata, fields: [FieldDefinition], publish: Bool,
        status: VersionStatus = .draft, now: Date = Date(),
        body: (any FeatureSinking) throws -> VersionProvenance
    ) throws -> DatasetVersionRecord {
        guard isValidSlug(metadata.slug) else { throw StoreError.invalidSlug(metadata.slug) }
        let fields = Self.storableFields(fields)
        let table = Self.newFeatureTableName(metadata.slug)
        try pool.write { db in
            try Self.createFeatureTable(db, table: table, fields: fields)
            try db.execute(sql: "INSERT INTO ingest_staging (table_name, pid, started_at) VALUES (?, ?, ?)",
                           arguments: [table, Int64(getpid()), Timestamp.format(now)])
        }
        do {
            let sink = FeatureSink(pool: pool, table: table, fields: fields)
            let provenance = try body(sink)
            try sink.flush()
            try pool.write { db in
                // Index once all rows are in: building the R*Tree in bulk is far faster than row by row.
                // Its nodes are rewritten many times while it grows: with SQLite's default 2 MB page
                // cache they go back and forth to the file (a third of the index time on 200k points),
                // so the cache is raised for the build and put back after.
                let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
                try db.execute(sql: "PRAGMA cache_size = -65536")
                defer { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") }
                try db.execute(sql: "SELECT CreateSpatialIndex(?, 'geom')", arguments: [table])
            }
            let record = try pool.write { db in
                let stamp = Timestamp.format(now)
                let datasetID = try Self.upsertDataset(db, metadata, stamp: stamp)
                let number = (try Int.fetchOne(db, sql: "SELECT MAX(number) FROM dataset_versions WHERE dataset_id = ?", arguments: [datasetID]) ?? 0) + 1
                let fieldsJSON = String(decoding: try JSONEncoder().encode(fields), as: UTF8.self)
                let box = sink.bbox.isEmpty ? nil : sink.bbox
                try db.execute(sql: """
                    INSERT INTO dataset_versions (dataset_id, number, status, feature_table, feature_count,
                        min_x, min_y, max_x, max_y, fields_json, geometry_types, crs, encoding, source_name,
                        checksum, report_json, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [datasetID, number, publish ? VersionStatus.draft.rawValue : status.rawValue, table, sink.count,
                                     box?.minX, box?.minY, box?.maxX, box?.maxY, fieldsJSON,
                                     sink.geometryTypes.sorted().joined(separator: ","), provenance.crs, provenance.encoding,
                                     provenance.sourceName, sink.checksum, provenance.reportJSON, stamp])
                let versionID = db.lastInsertedRowID
                try db.execute(sql: "DELETE FROM ingest_staging WHERE table_name = ?", arguments: [table])
                if publish { try Self.publish(db, versionID: versionID, at: now) }
                return try Self.version(db, id: versionID)!
            }
            if publish { announce(record) }
            return record
        } catch {
            try? pool.write { db in try Self.dropStagedTable(db, table) }
            throw error
        }
    }

    /// A feature table name no other ingest uses: the dataset's slug and a random suffix (the
    /// version number is only known when the version row is added at the end).
    static func newFeatureTableName(_ slug: String) -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "features_\(slug.replacingOccurrences(of: "-", with: "_"))_\(suffix)"
    }

    /// Drops a feature table an ingest was writing (its spatial index and geometry column
    /// registration too) and its staging record.
    static func dropStagedTable(_ db: Database, _ table: String) throws {
        let index = "idx_\(table)_geom"
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM sqlite_master WHERE name = ?", arguments: [index]) == true {
            _ = try Int.fetchOne(db, sql: "SELECT DisableSpatialIndex(?, 'geom')", arguments: [table])
            try db.execute(sql: "DROP TABLE IF EXISTS \(quoteIdentifier(index))")
        }
        _ = try Int.fetchOne(db, sql: "SELECT DiscardGeometryColumn(?, 'geom')", arguments: [table])
        try db.execute(sql: "DROP TABLE IF EXISTS \(quoteIdentifier(table))")
        try db.execute(sql: "DELETE FROM ingest_staging WHERE table_name = ?", arguments: [table])
    }

    /// Drops the tables of ingests whose process is gone (killed mid-way): called on opening.
    func dropAbandonedStagingTables() throws {
        let staged = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT table_name, pid FROM ingest_staging").map { ($0[0] as String, $0[1] as Int64) }
        }
        let abandoned = staged.filter { _, pid in kill(pid_t(truncatingIfNeeded: pid), 0) != 0 && errno == ESRCH }
        guard !abandoned.isEmpty else { return }
        try pool.write { db in
            for (table, _) in abandoned { try Self.dropStagedTable(db, table) }
        }
    }

    /// Field names as the store keeps them: unique (case-insensitively, as SQLite compares
    /// column names) and never one of the store's own columns.
    public static func storableFields(_ fields: [FieldDefinition]) -> [FieldDefinition] {
        var seen: Set<String> = ["fid", "geom"]
        return fields.map { f in
            var f = f
            var name = f.name.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { name = "field" }
            var candidate = name
            var n = 1
            while seen.contains(candidate.lowercased()) { n += 1; candidate = "\(name)_\(n)" }
            seen.insert(candidate.lowercased())
            f.name = candidate
            return f
        }
    }

    static func upsertDataset(_ db: Database, _ m: DatasetMetadata, stamp: String) throws -> Int64 {
        var agency: Int64?
        if let name = m.agencyName { agency = try Store.agencyID(db, name: name) }
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE slug = ?", arguments: [m.slug]) {
            try db.execute(sql: """
                UPDATE datasets SET title = COALESCE(?, title), description = COALESCE(?, description),
                    agency_id = COALESCE(?, agency_id), licence = COALESCE(?, licence),
                    attribution = COALESCE(?, attribution), updated_at = ? WHERE id = ?
                """, arguments: [m.title, m.description, agency, m.licence, m.attribution, stamp, id])
            return id
        }
        try db.execute(sql: """
            INSERT INTO datasets (slug, title, description, agency_id, licence, attribution, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [m.slug, m.title ?? m.slug, m.description ?? "", agency, m.licence ?? "CC-BY-4.0",
                             m.attribution ?? "", stamp, stamp])
        return db.lastInsertedRowID
    }

    static func createFeatureTable(_ db: Database, table: String, fields: [FieldDefinition]) throws {
        let columns = fields.map { f -> String in
            let type: String = switch f.type {
            case .integer, .boolean: "INTEGER"
            case .real: "REAL"
            case .text, .date, .dateTime: "TEXT"
            }
            return "\(quoteIdentifier(f.name)) \(type)"
        }
        try db.execute(sql: "CREATE TABLE \(quoteIdentifier(table)) (fid INTEGER PRIMARY KEY\(columns.isEmpty ? "" : ", ")\(columns.joined(separator: ", ")))")
        guard try Int.fetchOne(db, sql: "SELECT AddGeometryColumn(?, 'geom', 4326, 'GEOMETRY', 'XY')", arguments: [table]) == 1 else {
            throw StoreError.conflict("SpatiaLite refused a geometry column for \(table)")
        }
    }
}
