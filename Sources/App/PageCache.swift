// Rendered portal pages kept for a few seconds (micro-caching): the home, catalogue, dataset,
// developers and statistics pages are the same for every reader of a language for seconds at a
// time, while rendering one reads the catalogue, the download counters and the files' records.
// Any request that may write (anything but GET and HEAD) empties the cache, so what a person
// does here shows at once; a write from another process (a CLI ingest) shows within the TTL.
// Bounded: at most `capacity` pages (URLs differ by query), the oldest dropped first.
import Foundation
import Hummingbird

final class PageCache: @unchecked Sendable {
    let ttl: TimeInterval
    let capacity: Int
    private let lock = NSLock()
    private var pages: [String: (at: TimeInterval, generation: Int, html: String)] = [:]
    private var generation = 0

    init(ttl: TimeInterval, capacity: Int = 512) {
        self.ttl = ttl; self.capacity = capacity
    }

    var isOn: Bool { ttl > 0 }

    /// The page under `key` when rendered less than `ttl` ago and since the last write; else renders it.
    func page(_ key: String, render: () async throws -> String) async throws -> String {
        guard isOn else { return try await render() }
        let now = ProcessInfo.processInfo.systemUptime
        let (hit, seen): (String?, Int) = lock.withLock {
            if let p = pages[key], p.generation == generation, now - p.at < ttl { return (p.html, generation) }
            return (nil, generation)
        }
        if let hit { return hit }
        let html = try await render()
        lock.withLock {
            // A write while rendering: the page may be older than it; keep it out.
            guard seen == generation else { return }
            if pages.count >= capacity, pages[key] == nil,
               let oldest = pages.min(by: { $0.value.at < $1.value.at })?.key {
                pages[oldest] = nil
            }
            pages[key] = (now, generation, html)
        }
        return html
    }

    /// Forgets every page (called after any request that may have written).
    func invalidate() {
        lock.withLock {
            generation &+= 1
            pages.removeAll(keepingCapacity: true)
        }
    }
}

/// Empties the page cache after every request that is not a GET or HEAD, whatever its outcome.
struct PageCacheInvalidation<Context: RequestContext>: RouterMiddleware {
    let cache: PageCache
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard cache.isOn, request.method != .get, request.method != .head else { return try await next(request, context) }
        defer { cache.invalidate() }
        return try await next(request, context)
    }
}
