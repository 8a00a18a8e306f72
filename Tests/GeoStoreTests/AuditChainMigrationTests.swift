import Foundation
import Testing
import TestSupport
import GRDB
@testable import GeoStore

/// A store written before the audit log became a hash chain (migrations up to
/// `portal-2-harvest-set-by`, rows without hashes) is sealed, in order, when this version opens it:
/// the chain then verifies, and an edit made afterwards by hand is named like any other.
@Suite struct AuditChainMigrationTests {
    @Test func anOldStoresAuditRowsAreSealedInOrderWhenItIsOpened() throws {
        let scratch = ScratchDirectory("audit-chain-migration")
        let old = scratch.path("old.sqlite")
        // The migrations as they stood, applied to a new file up to the one before the chain.
        let current = try Store(path: scratch.path("current.sqlite"))
        var config = Configuration()
        config.prepareDatabase { db in try Store.loadSpatiaLite(db) }
        do {
            let pool = try DatabasePool(path: old, configuration: config)
            try current.migrator.migrate(pool, upTo: "portal-2-harvest-set-by")
            try pool.write { db in
                #expect(try !db.columns(in: "audit_log").map(\.name).contains("row_hash"))
                for (i, action) in ["agency.create", "user.create", "catalogue.add", "upload", "submit", "approve"].enumerated() {
                    try db.execute(sql: """
                        INSERT INTO audit_log (at, username, role, action, dataset_slug, detail) VALUES (?, 'lanh-dao', 'approver', ?, 'xa', ?)
                        """, arguments: ["2026-0\(i + 1)-15T08:00:00Z", action, "dòng \(i + 1)"])
                }
            }
        }
        let store = try Store(path: old)
        #expect(try store.verifyAuditChain().isEmpty)
        let rows = try store.pool.read { try Row.fetchAll($0, sql: "SELECT id, detail, prev_hash, row_hash FROM audit_log ORDER BY id") }
        #expect(rows.count == 6 && rows.allSatisfy { ($0["row_hash"] as String?)?.count == 64 })
        // Each row names the one before it; the first starts the chain.
        for (a, b) in zip(rows, rows.dropFirst()) { #expect((b["prev_hash"] as String?) == (a["row_hash"] as String?)) }
        #expect((rows[2]["detail"] as String?) == "dòng 3", "sealing keeps what the rows said")
        // Sealed rows are as tamper-evident as new ones.
        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update")
            try db.execute(sql: "UPDATE audit_log SET detail = 'sửa' WHERE id = ?", arguments: [rows[1]["id"] as Int64])
        }
        #expect(try store.verifyAuditChain() == [AuditChainProblem(rowID: rows[1]["id"], kind: .changed)])
    }
}
