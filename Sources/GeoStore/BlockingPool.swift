// Threads of our own for work that blocks: SQLite, GDAL, bcrypt, zip and multipart parsing.
// Swift's cooperative pool has one thread per core (two here) and the event loops must never
// wait: a request handler that needs blocking work awaits `run`, which hands the closure to one
// of a fixed number of threads and suspends meanwhile, so the cooperative threads stay free to
// resume other tasks (among them the GRDB async reads that release reader connections).
//
// The thread counts are fixed and known to `Store`, which sizes GRDB's reader pool from them:
// each thread holds at most one reader at a time and never waits on anything but SQLite while
// it holds one, so a reader is always freed by work that is running, never by work waiting
// for a thread.
public import Foundation

/// A fixed-size set of threads running blocking closures for async callers.
///
/// ```swift
/// let rows = try await BlockingPool.requests.run { try store.publishedDatasets() }
/// ```
///
/// Threads are started on demand up to `threadCount` and end after a while without work.
public final class BlockingPool: @unchecked Sendable {
    /// Short blocking work reached from a request: store reads and small writes, bcrypt,
    /// checks of an uploaded file.
    public static let requests = BlockingPool(name: "bando-blocking", threads: defaultRequestThreads)
    /// Long work a request starts and waits for: exports of downloads, their gzip copies.
    public static let exports = BlockingPool(name: "bando-export", threads: 2)
    /// Ingests (uploads, harvests): each uses a thread of its own besides the pool's to read
    /// the source, so two at a time keep both cores busy without starving the requests.
    public static let ingests = BlockingPool(name: "bando-ingest", threads: 2, maxWaiting: 16)

    /// Twice the cores (SQLite reads wait on the disk too), at least 4, at most 16.
    public static var defaultRequestThreads: Int { min(16, max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)) }

    /// Readers of one store the pools can hold at once: one per thread of each pool.
    public static var readersNeeded: Int { requests.threadCount + exports.threadCount + ingests.threadCount }

    public let name: String
    public let threadCount: Int
    /// Closures that may wait for a thread before `run` refuses more (nil: no limit).
    public let maxWaiting: Int?
    /// Seconds an idle thread waits for work before it ends.
    let idleSeconds: Double

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var started = 0
    private var idle = 0

    public init(name: String, threads: Int, maxWaiting: Int? = nil, idleSeconds: Double = 30) {
        precondition(threads > 0, "a pool needs a thread")
        self.name = name; self.threadCount = threads; self.maxWaiting = maxWaiting; self.idleSeconds = idleSeconds
    }

    /// Runs `work` on one of the pool's threads and returns its result; the calling task is
    /// suspended meanwhile. Throws `BlockingPoolError.busy` when `maxWaiting` closures already wait.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            do {
                try enqueue { c.resume(with: Result { try work() }) }
            } catch {
                c.resume(throwing: error)
            }
        }
    }

    /// Closures waiting for a thread now.
    public var waiting: Int { condition.withLock { jobs.count - head } }

    private func enqueue(_ job: @escaping @Sendable () -> Void) throws {
        condition.lock()
        defer { condition.unlock() }
        if let maxWaiting, jobs.count - head >= maxWaiting { throw BlockingPoolError.busy(pool: name, waiting: maxWaiting) }
        jobs.append(job)
        if idle > 0 { condition.signal() }
        // More work waiting than idle threads to take it: one more thread while the pool has room.
        if jobs.count - head > idle && started < threadCount {
            started += 1
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(started)"
            // GDAL and GEOS recurse on deep geometries: more than the default 512 KB.
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func work() {
        condition.lock()
        while true {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head == jobs.count { jobs.removeAll(keepingCapacity: true); head = 0 }
                condition.unlock()
                job()
                condition.lock()
                continue
            }
            idle += 1
            let woken = condition.wait(until: Date(timeIntervalSinceNow: idleSeconds))
            idle -= 1
            if !woken && head == jobs.count {
                started -= 1
                condition.unlock()
                return
            }
        }
    }
}

/// Why blocking work was not run.
public enum BlockingPoolError: Error, CustomStringConvertible, Sendable {
    /// Too many closures already wait for the pool's threads.
    case busy(pool: String, waiting: Int)

    public var description: String {
        switch self {
        case .busy(_, let waiting): "the server is busy: \(waiting) tasks of this kind are already waiting; try again in a few minutes"
        }
    }
}
