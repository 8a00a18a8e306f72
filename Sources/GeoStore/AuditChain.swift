// The audit log as a hash chain (Huế 2024 art. 25.3: records kept whole): each row carries the
// hash of the row before it (`prev_hash`) and its own (`row_hash`: SHA-256 over the previous
// hash and every column of the row as stored). The store's triggers already refuse edits and
// deletions; someone who drops them and edits the file by hand leaves a row whose hash no longer
// matches, or a row whose `prev_hash` names a row that is gone, and `verifyAuditChain` names it.
// A row is sealed right after its insert, in the same transaction: `row_hash` may be set once.
import Crypto
public import GRDB
import Foundation

public enum AuditChain {
    /// What the first row follows.
    public static let genesis = String(repeating: "0", count: 64)

    /// The columns a row's hash covers, in this order.
    static let columns = ["id", "at", "user_id", "username", "role", "action", "agency_id", "dataset_slug", "version_id",
                          "version_number", "checksum", "comment", "detail", "prev_hash"]

    /// The SQL expression for the newest row's hash: what a new row's `prev_hash` is.
    public static let previousHashSQL = "COALESCE((SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1), '\(genesis)')"

    /// Computes and stores the hash of row `id`, just inserted with its `prev_hash`.
    public static func seal(_ db: Database, rowID id: Int64) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_log WHERE id = ?", arguments: [id]) else { return }
        try db.execute(sql: "UPDATE audit_log SET row_hash = ? WHERE id = ? AND row_hash IS NULL", arguments: [hash(row), id])
    }

    /// A column's value as the hash reads it: its type told apart, NULL told apart from text.
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
    }

    /// The hash of a row whose column `name` holds `value(name)`, for every column in `columns`.
    /// Each engine reads its row its own way; the hash is the same function of the values.
    public static func hash(_ value: (String) -> Value) -> String {
        var h = SHA256()
        for name in columns {
            let text: String = switch value(name) {
            case .null: "\u{0}"
            case .integer(let i): "i" + String(i)
            case .real(let d): "d" + String(d)
            case .text(let s): "s" + s
            case .blob(let b): "b" + b.map { String(format: "%02x", $0) }.joined()
            }
            h.update(data: Data((name + "\u{1F}" + text + "\u{1E}").utf8))
        }
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The hash of a SQLite row as stored.
    static func hash(_ row: Row) -> String {
        hash { name in
            switch (row[name] as DatabaseValue?)?.storage {
            case nil, .null?: .null
            case .int64(let i)?: .integer(i)
            case .double(let d)?: .real(d)
            case .string(let s)?: .text(s)
            case .blob(let b)?: .blob([UInt8](b))
            }
        }
    }

    /// Adds the chain's columns to a store made before them and seals the rows already there,
    /// oldest first; then the update trigger allows one thing only: sealing an unsealed row.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
            ALTER TABLE audit_log ADD COLUMN row_hash TEXT;
            DROP TRIGGER audit_log_no_update;
            """)
        var previous = genesis
        for id in try Int64.fetchAll(db, sql: "SELECT id FROM audit_log ORDER BY id") {
            try db.execute(sql: "UPDATE audit_log SET prev_hash = ? WHERE id = ?", arguments: [previous, id])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_log WHERE id = ?", arguments: [id]) else { continue }
            previous = hash(row)
            try db.execute(sql: "UPDATE audit_log SET row_hash = ? WHERE id = ?", arguments: [previous, id])
        }
        try db.execute(sql: """
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                WHEN NOT (OLD.row_hash IS NULL AND NEW.row_hash IS NOT NULL
                          AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.user_id IS OLD.user_id AND NEW.username IS OLD.username
                          AND NEW.role IS OLD.role AND NEW.action IS OLD.action AND NEW.agency_id IS OLD.agency_id
                          AND NEW.dataset_slug IS OLD.dataset_slug AND NEW.version_id IS OLD.version_id
                          AND NEW.version_number IS OLD.version_number AND NEW.checksum IS OLD.checksum
                          AND NEW.comment IS OLD.comment AND NEW.detail IS OLD.detail AND NEW.prev_hash IS OLD.prev_hash)
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """)
    }
}

/// Checks the audit log's chain; each engine walks its own rows.
public protocol AuditChainReading: Sendable {
    /// Walks the audit log oldest first and returns every break in its chain (empty: intact).
    func verifyAuditChain() throws -> [AuditChainProblem]
    /// The newest audit row's id and hash (nil for an empty log).
    func auditChainHead() throws -> (id: Int64, hash: String)?
}

/// A break in the audit log's chain, naming the row.
public struct AuditChainProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The row's content no longer gives its hash: it was edited.
        case changed
        /// The row does not follow the one before it: rows between `after` and it were deleted (or that row was edited).
        case unchained(after: Int64?)
        /// The row was never sealed.
        case unsealed
    }
    public var rowID: Int64
    public var kind: Kind

    public init(rowID: Int64, kind: Kind) { self.rowID = rowID; self.kind = kind }

    public var description: String {
        switch kind {
        case .changed: "audit row \(rowID) was changed after it was written"
        case .unchained(let after?): "audit row \(rowID) does not follow row \(after): rows between them were deleted or row \(after) was replaced"
        case .unchained(nil): "audit row \(rowID) does not follow the start of the log: rows before it were deleted"
        case .unsealed: "audit row \(rowID) has no hash: it was not written by Bando"
        }
    }
}

extension Store: AuditChainReading {
    /// Walks the audit log oldest first and returns every break in its chain (empty: intact).
    public func verifyAuditChain() throws -> [AuditChainProblem] {
        try pool.read { db in
            var problems: [AuditChainProblem] = []
            var previousHash = AuditChain.genesis
            var previousID: Int64? = nil
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY id")
            while let row = try rows.next() {
                let id: Int64 = row["id"]
                let stored: String? = row["row_hash"]
                let prev: String? = row["prev_hash"]
                if stored == nil {
                    problems.append(AuditChainProblem(rowID: id, kind: .unsealed))
                } else if AuditChain.hash(row) != stored {
                    problems.append(AuditChainProblem(rowID: id, kind: .changed))
                }
                if prev != previousHash {
                    problems.append(AuditChainProblem(rowID: id, kind: .unchained(after: previousID)))
                }
                previousHash = stored ?? ""
                previousID = id
            }
            return problems
        }
    }

    /// The newest audit row's id and hash (nil for an empty log): a backup's manifest records it,
    /// so rows deleted from the end afterwards are noticed too.
    public func auditChainHead() throws -> (id: Int64, hash: String)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").map { ($0["id"], $0["row_hash"] ?? "") }
        }
    }
}
