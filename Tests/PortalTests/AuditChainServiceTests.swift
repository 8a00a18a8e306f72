import Foundation
import Testing
import GeoStore
@testable import Portal

/// The audit log as a hash chain on either engine (issue 17 on SQLite, issue 21 on PostGIS): the
/// store refuses an edit by itself, and once someone with the database has removed that guard,
/// the walk names the edited row and the row that no longer follows its predecessor, alike.
@Suite struct AuditChainServiceTests {
    @Test(arguments: Engine.all) func theChainNamesAnEditedAndADeletedRowOnEitherEngine(_ engine: Engine) throws {
        let f = try ServiceFixture(engine)
        for i in 0..<4 { try f.portal.createAgency(slug: "so-\(i)", name: "Sở số \(i)", by: f.admin) }
        #expect(try f.store.verifyAuditChain().isEmpty)
        let ids = try f.inspect("SELECT id FROM audit_log ORDER BY id").compactMap { $0.flatMap { Int64($0) } }
        try #require(ids.count >= 6)
        #expect(throws: (any Error).self, "the store refuses an edit of a written row") {
            try f.inspect("UPDATE audit_log SET detail = 'khác' WHERE id = \(ids[1])")
        }
        #expect(throws: (any Error).self, "the store refuses to delete a written row") {
            try f.inspect("DELETE FROM audit_log WHERE id = \(ids[3])")
        }
        #expect(try f.store.verifyAuditChain().isEmpty)

        // Someone with the database drops the guard and edits one row, deletes another.
        switch engine {
        case .sqlite:
            try f.inspect("DROP TRIGGER audit_log_no_update")
            try f.inspect("DROP TRIGGER audit_log_no_delete")
        case .postgis:
            try f.inspect("DROP TRIGGER audit_log_append_only ON audit_log")
        }
        try f.inspect("UPDATE audit_log SET detail = 'Sở giả mạo' WHERE id = \(ids[1])")
        try f.inspect("DELETE FROM audit_log WHERE id = \(ids[3])")
        #expect(try f.store.verifyAuditChain() == [AuditChainProblem(rowID: ids[1], kind: .changed),
                                                    AuditChainProblem(rowID: ids[4], kind: .unchained(after: ids[2]))])
    }
}
