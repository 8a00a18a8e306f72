// When each API token was last used. Every request a script makes with its token used to write
// `last_used_at` at once, on the request's thread, waiting for the store's only writer (behind
// an ingest, for a minute). Uses are now noted in memory and written together a moment later.
import Foundation
import GRDB

/// API token uses not yet written, and the flush that writes them.
final class TokenUses: @unchecked Sendable {
    let db: any DatabaseWriter
    /// Seconds between the first use of a batch and its flush.
    let delay: Double
    private let lock = NSLock()
    private var pending: [Int64: Date] = [:]
    private var scheduled = false
    private let flushing = NSLock()

    init(db: any DatabaseWriter, delay: Double = 1) { self.db = db; self.delay = delay }

    func record(token id: Int64, at date: Date) {
        let schedule = lock.withLock {
            if let known = pending[id], known >= date {} else { pending[id] = date }
            defer { scheduled = true }
            return !scheduled
        }
        guard schedule else { return }
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + delay) { [weak self] in try? self?.flush() }
    }

    /// Writes the uses noted so far; kept for the next flush when the write fails.
    func flush() throws {
        flushing.lock()
        defer { flushing.unlock() }
        let batch = lock.withLock {
            defer { pending = [:]; scheduled = false }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try db.write { db in
                for (id, date) in batch {
                    try db.execute(sql: "UPDATE auth_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                                   arguments: [PortalService.stamp(date), id, PortalService.stamp(date)])
                }
            }
        } catch {
            lock.withLock { for (id, date) in batch where (pending[id] ?? .distantPast) < date { pending[id] = date } }
            throw error
        }
    }
}
