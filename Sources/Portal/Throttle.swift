// Slowing down guessing and flooding. Kept in memory: a restart forgets the counters, which is
// acceptable for a single `bando serve`; behind a load balancer each instance throttles its own
// share. The clock is passed in so the rules can be tested without waiting.
public import Foundation
import Synchronization
import PublicErrors

/// Failed sign-ins per key (a user name, a client address): the first `freeFailures` cost
/// nothing, then each further attempt must wait twice as long as the last, up to `maxDelay`.
/// A success clears the key.
public final class LoginThrottle: Sendable {
    struct Entry { var failures: Int; var lastFailure: Date }
    private let entries = Mutex<[String: Entry]>([:])
    public let freeFailures: Int
    public let maxDelay: TimeInterval
    /// Failures older than this are forgotten.
    public let memory: TimeInterval

    public init(freeFailures: Int = 5, maxDelay: TimeInterval = 900, memory: TimeInterval = 3600) {
        self.freeFailures = freeFailures; self.maxDelay = maxDelay; self.memory = memory
    }

    /// Seconds to wait before `key` may try again (0: try now).
    public func delay(for key: String, now: Date = Date()) -> TimeInterval {
        entries.withLock { map in
            guard let e = map[key] else { return 0 }
            if now.timeIntervalSince(e.lastFailure) > memory { map[key] = nil; return 0 }
            let over = e.failures - freeFailures
            guard over >= 0 else { return 0 }
            let wait = min(maxDelay, pow(2, Double(min(over, 20))))
            return max(0, wait - now.timeIntervalSince(e.lastFailure))
        }
    }

    /// Throws `.tooManyAttempts` while the key must wait.
    public func check(_ keys: [String], now: Date = Date()) throws(PortalError) {
        let wait = keys.map { delay(for: $0, now: now) }.max() ?? 0
        if wait > 0 {
            let s = Int(wait.rounded(.up))
            throw PortalError(.tooManyAttempts, SafeMessage("portal.throttle.signIn", ["seconds": String(s)]), retryAfter: s)
        }
    }

    public func recordFailure(_ keys: [String], now: Date = Date()) {
        entries.withLock { map in
            for k in keys {
                var e = map[k] ?? Entry(failures: 0, lastFailure: now)
                if now.timeIntervalSince(e.lastFailure) > memory { e.failures = 0 }
                e.failures += 1; e.lastFailure = now
                map[k] = e
            }
        }
    }

    public func recordSuccess(_ keys: [String]) {
        entries.withLock { map in for k in keys { map[k] = nil } }
    }
}

/// At most `limit` events per key in any `window` seconds (a sliding log, fine for small limits
/// such as feedback per client address).
public final class RateLimiter: Sendable {
    private let log = Mutex<[String: [Date]]>([:])
    public let limit: Int
    public let window: TimeInterval

    public init(limit: Int, window: TimeInterval) { self.limit = limit; self.window = window }

    /// Records an event for `key`, or throws `.tooManyAttempts` when it is over the limit.
    public func acquire(_ key: String, now: Date = Date()) throws(PortalError) {
        let retry: Int? = log.withLock { map in
            var times = (map[key] ?? []).filter { now.timeIntervalSince($0) < window }
            defer { map[key] = times }
            if times.count >= limit, let oldest = times.first {
                return Int((window - now.timeIntervalSince(oldest)).rounded(.up))
            }
            times.append(now)
            return nil
        }
        if let retry {
            throw PortalError(.tooManyAttempts, SafeMessage("portal.throttle.submissions", ["seconds": String(retry)]), retryAfter: retry)
        }
    }
}
