// Slowing down guessing and flooding. Kept in memory: a restart forgets the counters, which is
// acceptable for a single `bando serve`; behind a load balancer each instance throttles its own
// share. The clock is passed in so the rules can be tested without waiting.
public import Foundation
import Synchronization
import PublicErrors

/// Failed sign-ins counted three ways, so that a stranger cannot lock a real user out from
/// elsewhere while guessing stays slow:
/// - per (account, client) pair: a few free failures, then doubling waits. This is what an
///   ordinary mistyping user meets, and only on the client they mistype from.
/// - per client: more free failures, so one address spraying guesses across accounts is
///   slowed without touching those accounts' owners elsewhere.
/// - per account: only at a much higher count, against guessing spread over many addresses;
///   the one rule a stranger can trip for a real user, and only by hundreds of attempts.
/// A success clears only its pair: signing in to one's own account must not wipe the count of
/// a client guessing others, nor an account's count of guesses from elsewhere.
public struct SignInThrottle: Sendable {
    public let perPair: LoginThrottle
    public let perClient: LoginThrottle
    public let perAccount: LoginThrottle

    public init(perPair: LoginThrottle = LoginThrottle(freeFailures: 5),
                perClient: LoginThrottle = LoginThrottle(freeFailures: 30),
                perAccount: LoginThrottle = LoginThrottle(freeFailures: 200, maxDelay: 300)) {
        self.perPair = perPair; self.perClient = perClient; self.perAccount = perAccount
    }

    private static func pair(_ account: String, _ client: String) -> String { account.lowercased() + "\u{0}" + client }

    /// Throws `.tooManyAttempts` while any of the three must wait.
    public func check(account: String, client: String, now: Date = Date()) throws(PortalError) {
        let wait = max(perPair.delay(for: Self.pair(account, client), now: now),
                       perClient.delay(for: client, now: now),
                       perAccount.delay(for: account.lowercased(), now: now))
        if wait > 0 {
            let s = Int(wait.rounded(.up))
            throw PortalError(.tooManyAttempts, SafeMessage("portal.throttle.signIn", ["seconds": String(s)]), retryAfter: s)
        }
    }

    public func recordFailure(account: String, client: String, now: Date = Date()) {
        perPair.recordFailure([Self.pair(account, client)], now: now)
        perClient.recordFailure([client], now: now)
        perAccount.recordFailure([account.lowercased()], now: now)
    }

    public func recordSuccess(account: String, client: String) {
        perPair.recordSuccess([Self.pair(account, client)])
    }
}

/// Failed sign-ins per key: the first `freeFailures` cost nothing, then each further attempt
/// must wait twice as long as the last, up to `maxDelay`. A success clears the key.
/// Keys are forgotten `memory` seconds after their last failure; past `maxKeys` keys the
/// forgotten ones are swept, then the oldest, so a flood of made-up names cannot grow it without end.
public final class LoginThrottle: Sendable {
    struct Entry { var failures: Int; var lastFailure: Date }
    private let entries = Mutex<[String: Entry]>([:])
    public let freeFailures: Int
    public let maxDelay: TimeInterval
    /// Failures older than this are forgotten.
    public let memory: TimeInterval

    public let maxKeys: Int

    public init(freeFailures: Int = 5, maxDelay: TimeInterval = 900, memory: TimeInterval = 3600, maxKeys: Int = 100_000) {
        self.freeFailures = freeFailures; self.maxDelay = maxDelay; self.memory = memory; self.maxKeys = maxKeys
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
            if map.count > maxKeys {
                map = map.filter { now.timeIntervalSince($0.value.lastFailure) <= memory }
                if map.count > maxKeys {
                    let keep = map.sorted { $0.value.lastFailure > $1.value.lastFailure }.prefix(maxKeys / 2)
                    map = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
                }
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

    /// Past this many keys, those with nothing in the window are swept.
    public let maxKeys: Int

    public init(limit: Int, window: TimeInterval, maxKeys: Int = 100_000) {
        self.limit = limit; self.window = window; self.maxKeys = maxKeys
    }

    /// Records an event for `key`, or throws `.tooManyAttempts` when it is over the limit.
    public func acquire(_ key: String, now: Date = Date()) throws(PortalError) {
        let retry: Int? = log.withLock { map in
            var times = (map[key] ?? []).filter { now.timeIntervalSince($0) < window }
            defer { map[key] = times }
            if times.count >= limit, let oldest = times.first {
                return Int((window - now.timeIntervalSince(oldest)).rounded(.up))
            }
            times.append(now)
            if map.count > maxKeys {
                map = map.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
            }
            return nil
        }
        if let retry {
            throw PortalError(.tooManyAttempts, SafeMessage("portal.throttle.submissions", ["seconds": String(retry)]), retryAfter: retry)
        }
    }
}
