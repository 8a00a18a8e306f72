// Secrets: passwords are kept only as bcrypt hashes; session and API tokens are random 256-bit
// values given to the user once and kept only as SHA-256 digests, so a copy of the store does not
// let anyone sign in. Tokens are high-entropy, so a fast digest is enough for them; passwords are
// not, so they get bcrypt's deliberate slowness.
import Foundation
import Crypto
import HummingbirdBcrypt
import PublicErrors

public struct PasswordHasher: Sendable {
    /// bcrypt cost (log2 rounds). 12 in production; tests use the minimum, 4, to stay quick.
    public var cost: UInt8
    public static let minimumLength = 10

    /// A hash of nothing, checked against when the user name is unknown so that a wrong name
    /// takes as long to refuse as a wrong password.
    public let decoy: String

    public init(cost: UInt8 = 12) {
        self.cost = max(4, min(cost, 31))
        decoy = Bcrypt.hash(SecretToken.generate(prefix: "").plaintext, cost: self.cost)
    }

    public func hash(_ password: String) throws(PortalError) -> String {
        try Self.checkPolicy(password)
        return Bcrypt.hash(password, cost: cost)
    }

    /// `hash` nil: the account has no password (it signs in through an identity provider), so
    /// no password matches it.
    public func verify(_ password: String, hash: String?) -> Bool {
        // bcrypt reads at most 72 bytes; the policy check on creation keeps passwords meaningful.
        guard let hash, hash.hasPrefix("$2") else { return false }
        return Bcrypt.verify(password, hash: hash)
    }

    public static func checkPolicy(_ password: String) throws(PortalError) {
        guard password.count >= minimumLength else {
            throw .invalid("portal.password.short", ["minimum": String(minimumLength)])
        }
        guard password.utf8.count <= 72 else {
            throw .invalid("portal.password.long")
        }
    }
}

/// A random bearer secret: `plaintext` goes to the user once, `digest` goes to the store.
public struct SecretToken: Sendable {
    public let plaintext: String
    public var digest: String { Self.digest(of: plaintext) }

    /// `prefix` makes tokens recognisable in logs and secret scanners (`bando_pat_…`, `bando_ses_…`).
    public static func generate(prefix: String) -> SecretToken {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) }
        let b64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return SecretToken(plaintext: prefix + b64)
    }

    public static func digest(of plaintext: String) -> String {
        SHA256.hash(data: Data(plaintext.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    init(plaintext: String) { self.plaintext = plaintext }
}
