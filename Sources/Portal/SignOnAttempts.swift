// The sign-ins under way through a provider: what this server sent (state, nonce, the PKCE
// verifier) kept here in memory, not in the browser, and given back once. The browser that
// started a sign-in holds a random secret in a short-lived cookie; the callback must bring both
// the `state` and that cookie, so a code obtained in one browser cannot be finished in another.
// Ten minutes to come back; at most `capacity` at once (the oldest are forgotten first).
public import Foundation
import Crypto
import Synchronization

public final class SignOnAttempts: Sendable {
    /// What the provider is sent and the browser's cookie holds, for one sign-in.
    public struct Started: Sendable {
        public var state: String
        public var nonce: String
        public var codeChallenge: String
        /// The value of the browser's cookie.
        public var browserSecret: String
    }

    /// What the callback needs back.
    public struct Attempt: Sendable {
        public var provider: String
        public var nonce: String
        public var codeVerifier: String
        /// A local path to land on once signed in ("" for the role's home).
        public var next: String
        /// The language of the page the sign-in started from (`vi`, `en`).
        public var language: String
        var browserDigest: String
        var startedAt: Date
    }

    public let lifetime: TimeInterval
    public let capacity: Int
    private let attempts = Mutex<[String: Attempt]>([:])

    public init(lifetime: TimeInterval = 600, capacity: Int = 10_000) {
        self.lifetime = lifetime; self.capacity = capacity
    }

    public func start(provider: String, next: String, language: String = "vi", now: Date = Date()) -> Started {
        let verifier = SecretToken.generate(prefix: "").plaintext
        let started = Started(state: SecretToken.generate(prefix: "").plaintext, nonce: SecretToken.generate(prefix: "").plaintext,
                              codeChallenge: Self.challenge(for: verifier), browserSecret: SecretToken.generate(prefix: "").plaintext)
        let attempt = Attempt(provider: provider, nonce: started.nonce, codeVerifier: verifier, next: next, language: language,
                              browserDigest: SecretToken.digest(of: started.browserSecret), startedAt: now)
        attempts.withLock { all in
            all = all.filter { now.timeIntervalSince($0.value.startedAt) < lifetime }
            if all.count >= capacity, let oldest = all.min(by: { $0.value.startedAt < $1.value.startedAt })?.key {
                all[oldest] = nil
            }
            all[started.state] = attempt
        }
        return started
    }

    /// The attempt `state` names, once: a second call with the same state finds nothing. Nil
    /// too when it expired, or when `browserSecret` is not the cookie of the browser that started it.
    public func finish(state: String, browserSecret: String?, now: Date = Date()) -> Attempt? {
        guard let attempt = attempts.withLock({ $0.removeValue(forKey: state) }),
              now.timeIntervalSince(attempt.startedAt) < lifetime,
              let browserSecret, SecretToken.digest(of: browserSecret) == attempt.browserDigest else { return nil }
        return attempt
    }

    /// PKCE S256 (RFC 7636 §4.2): the base64url SHA-256 of the verifier, without padding.
    static func challenge(for verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
