// When each API token was last used. Every request a script makes with its token used to write
// `last_used_at` at once, on the request's thread, waiting for the store's only writer (behind
// an ingest, for a minute). Uses are now noted in memory and written together a moment later.
import Foundation
import GeoStore

/// API token uses not yet written, and the flush that writes them.
final class TokenUses: @unchecked Sendable {
    let records: any PortalStore
    /// Seconds between the first use of a batch and its flush.
    let delay: Double
    private let lock = NSLock()
    private var pending: [Int64: Date] = [:]
    private var scheduled = false
    private let flushing = NSLock()

    init(records: any PortalStore, delay: Double = 1) { self.records = records; self.delay = delay }

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
            try records.write { tx in try tx.noteTokenUses(batch) }
        } catch {
            lock.withLock { for (id, date) in batch where (pending[id] ?? .distantPast) < date { pending[id] = date } }
            throw error
        }
    }
}
