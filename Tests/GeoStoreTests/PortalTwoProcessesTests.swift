import Foundation
import Testing
import TestSupport
import GeoStore
import GeoStorePostGIS

/// Two `bando serve` processes on one PostGIS schema (issue 21): what SQLite's single writer
/// gave for free must hold when two stores write at once. Each store here has its own
/// connections, as a second process would.
@Suite struct PortalTwoProcessesTests {
    let t0 = Date(timeIntervalSince1970: 1_782_000_000)

    /// Two stores on one fresh schema.
    func twoProcesses() throws -> (PostGISStore, PostGISStore) {
        let url = try TestPostgres.url(), schema = TestPostgres.newSchema("portal2")
        return (try PostGISStore(url: url, schema: schema), try PostGISStore(url: url, schema: schema))
    }

    /// Runs `body(0)` and `body(1)` on two threads at once and returns what each threw, if anything.
    func atOnce(_ body: @escaping @Sendable (Int) throws -> Void) -> [(any Error)?] {
        let errors = Locked<[(any Error)?]>([nil, nil])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            do { try body(i) } catch { errors.mutate { $0[i] = error } }
        }
        return errors.value
    }

    @Test func auditEntriesAppendedByTwoProcessesAtOnceMakeOneValidChain() throws {
        let (a, b) = try twoProcesses()
        let perProcess = 25
        let errors = atOnce { i in
            let store = i == 0 ? a : b
            for n in 1...perProcess {
                try store.write { tx in
                    try tx.appendAudit(AuditAction(at: t0, username: "may-\(i)", role: "administrator", action: "user.create",
                                                   detail: "\(i)-\(n)"))
                }
            }
        }
        #expect(errors.allSatisfy { $0 == nil }, "\(errors)")
        let log = try a.read { tx in try tx.auditLog(dataset: nil, versionID: nil, limit: 1000) }
        #expect(log.count == 2 * perProcess)
        #expect(Set(log.compactMap(\.detail)).count == 2 * perProcess)
        // Either process verifies the one chain: every row follows the one before it.
        #expect(try a.verifyAuditChain().isEmpty)
        #expect(try b.verifyAuditChain().isEmpty)
        #expect(try b.auditChainHead()?.id == log.last?.id)
    }

    @Test func aNameTakenByTheOtherProcessAtOnceIsNameTaken() throws {
        let (a, b) = try twoProcesses()
        let errors = atOnce { i in
            let store = i == 0 ? a : b
            _ = try store.write { tx in
                let id = try tx.insertAgency(slug: "so-xd", name: "Sở Xây dựng \(i)")
                try tx.appendAudit(AuditAction(at: t0, username: "may-\(i)", role: "administrator", action: "agency.create", agencyID: id))
                return id
            }
        }
        // One process made the agency; the other was told the name is taken, not that something failed.
        #expect(errors.filter { $0 == nil }.count == 1)
        #expect(errors.compactMap { $0 as? PortalNameTaken } == [PortalNameTaken(kind: .agency, name: "so-xd")])
        #expect(try b.read { tx in try tx.agencies() }.count == 1)
        #expect(try a.read { tx in try tx.auditLog(dataset: nil, versionID: nil, limit: 10) }.map(\.action) == ["agency.create"])
        #expect(try a.verifyAuditChain().isEmpty)

        // The clash takes back the insert alone: the action may go on in its transaction, as on SQLite.
        let kept = try a.write { tx in
            do { _ = try tx.insertAgency(slug: "so-xd", name: "again") } catch is PortalNameTaken {}
            return try tx.insertAgency(slug: "so-tc", name: "Sở Tài chính")
        }
        #expect(try b.read { tx in try tx.agency(id: kept) }?.slug == "so-tc")
    }
}

/// A value shared by threads, behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
