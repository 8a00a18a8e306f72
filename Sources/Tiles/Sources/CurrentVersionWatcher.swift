import Foundation
import GeoStore

/// A tiny lock around a value: the tile path is synchronous and hot, an actor hop per
/// request would cost more than the work it guards.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}

/// Which version of each dataset is published now. A publication announced by the store
/// (`CurrentVersions.publications`, subscribed by `TileService`) expires the snapshot at once;
/// besides, the store is asked again at most once per interval, since an ingest in another
/// process (`bando ingest --publish` on the same file) publishes without this process hearing
/// it (`currentVersionIDs()`, a few microseconds).
final class CurrentVersionWatcher: Sendable {
    struct Snapshot: Sendable, Equatable {
        var versions: [String: Int64] = [:]
    }
    private struct State {
        var snapshot = Snapshot()
        var checkedAt: UInt64 = 0
        var loaded = false
        var refreshing = false
        /// Set by `expire()`: callers wait for a look at the store begun after it, rather than
        /// take the snapshot of before (a publication must show in the very next tile, even
        /// when a background look is already under way).
        var mustSeeStore = false
        /// Counts `expire()` calls; a look clears `mustSeeStore` only if none came during it.
        var expiries = 0
        var refreshingFor = 0
    }
    let store: any CurrentVersions
    let intervalNanos: UInt64
    private let state = Locked(State())
    private let onChange: @Sendable (_ changed: Set<String>) -> Void

    init(store: any CurrentVersions, interval: Duration, onChange: @escaping @Sendable (Set<String>) -> Void) {
        self.store = store
        let c = interval.components
        intervalNanos = UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds / 1_000_000_000))
        self.onChange = onChange
    }

    /// The current snapshot, refreshed when older than the interval. One caller refreshes;
    /// the others go on with the previous snapshot meanwhile (never blocked on the store).
    /// Whether the last look at the store is recent enough that `snapshot()` would not look
    /// again: callers that must not wait (the cached-tile fast path) serve only then, and leave
    /// the check, when due, to the full path.
    var isFresh: Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        return state.withLock { s in s.loaded && !s.mustSeeStore && now &- s.checkedAt < intervalNanos }
    }

    /// The next `snapshot()` looks at the store, whatever the interval.
    func expire() {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            s.checkedAt = now &- intervalNanos
            s.expiries += 1
            s.mustSeeStore = true
        }
    }

    /// `maxAgeNanos`: refresh when the last look is older than this (default: the interval).
    func snapshot(maxAgeNanos: UInt64? = nil) async throws -> Snapshot {
        let now = DispatchTime.now().uptimeNanoseconds
        let maxAge = maxAgeNanos ?? intervalNanos
        let (current, mustRefresh, mustWait, generation) = state.withLock { s -> (Snapshot, Bool, Bool, Int) in
            if s.loaded && !s.mustSeeStore && (now &- s.checkedAt < maxAge || s.refreshing) { return (s.snapshot, false, false, 0) }
            if s.refreshing && !(s.mustSeeStore && s.refreshingFor != s.expiries) { return (s.snapshot, false, true, 0) }
            s.refreshing = true
            s.refreshingFor = s.expiries
            return (s.snapshot, true, false, s.expiries)
        }
        if mustWait {
            // Nothing loaded yet, or a look the caller must see, and someone else is looking:
            // wait for it rather than serve nothing or the past.
            while true {
                try await Task.sleep(for: .milliseconds(2))
                if let s = state.withLock({ $0.loaded && !$0.mustSeeStore ? $0.snapshot : nil }) { return s }
                if state.withLock({ !$0.refreshing }) { return try await snapshot() }
            }
        }
        guard mustRefresh else { return current }
        let fresh: Snapshot
        do {
            // A blocking read: on the request threads, never the cooperative pool.
            fresh = Snapshot(versions: try await BlockingPool.requests.run { [store] in try store.currentVersionIDs() })
        } catch {
            state.withLock { $0.refreshing = false }
            throw TilesError(.storeUnavailable, "The store cannot be read to find the published datasets: \(error)")
        }
        let old = state.withLock { s -> Snapshot? in
            let old = s.loaded ? s.snapshot : nil
            s.snapshot = fresh; s.loaded = true; s.refreshing = false
            // Expired again during this look: it stays due, and callers keep waiting for the next.
            if generation == s.expiries {
                s.mustSeeStore = false
                s.checkedAt = DispatchTime.now().uptimeNanoseconds
            }
            return old
        }
        if let old, old != fresh {
            var changed = Set<String>()
            for (slug, v) in fresh.versions where old.versions[slug] != v { changed.insert(slug) }
            for slug in old.versions.keys where fresh.versions[slug] == nil { changed.insert(slug) }
            onChange(changed)
        }
        return fresh
    }
}
