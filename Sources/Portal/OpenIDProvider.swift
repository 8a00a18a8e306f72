// Sign-in through an OpenID Connect provider (issue 20): the province's single sign-on, one
// `OpenIDProvider` per `--oidc-issuer`. The authorization code flow with PKCE (S256): the browser
// goes to the provider's authorization endpoint with a `state` and a `nonce` kept here
// (`SignOnAttempts`), comes back with a code, which is redeemed at the token endpoint with the
// client secret; the ID token's signature is checked against the provider's JWKS (jwt-kit; the
// keys are cached and fetched again once when a token names a key id not seen yet), then `iss`,
// `aud`, `exp` (a minute of clock skew) and the `nonce`. Every call to the provider has a
// timeout; its failures are `SignOnError`s with a message key, never the provider's words or a
// token (those go to the log detail at most).
public import Foundation
public import AsyncHTTPClient
import Crypto
import JWTKit
public import NIOCore
import NIOHTTP1
public import PublicErrors

/// One provider as configured on the command line.
public struct OpenIDIssuerConfiguration: Sendable, Equatable {
    /// The short name in this server's URLs (`/signin/oidc/<id>`): 1, 2… in the order given.
    public var id: String
    /// The issuer URL, exactly as the provider writes it in `iss`.
    public var issuer: String
    public var clientID: String
    public var clientSecret: String
    /// What the sign-in button says (`--oidc-name`); the issuer's host when not given.
    public var name: String

    public init(id: String, issuer: String, clientID: String, clientSecret: String, name: String? = nil) {
        self.id = id; self.issuer = issuer; self.clientID = clientID; self.clientSecret = clientSecret
        self.name = name ?? URL(string: issuer)?.host ?? issuer
    }
}

/// Why a sign-in through a provider was refused: a message key for the page, details for the log.
public struct SignOnError: PublicError, Equatable {
    public enum Reason: String, Sendable {
        /// The provider did not answer (discovery, keys or token endpoint), or answered nonsense.
        case unreachable
        /// The provider sent the person back with an error (they refused, or it did).
        case providerRefused
        /// The token endpoint refused the code.
        case codeRefused
        /// No sign-in under way with this `state` in this browser: expired, used already or forged.
        case state
        /// The ID token's signature does not verify with the provider's keys.
        case signature
        case expired
        case audience
        case issuer
        /// The ID token's nonce is not the one this sign-in sent.
        case nonce
        /// The ID token could not be read, or lacks a claim.
        case malformed
        /// No provider of that name is configured.
        case unknownProvider
    }

    public var reason: Reason
    public var detail: String?

    public init(_ reason: Reason, detail: String? = nil) { self.reason = reason; self.detail = detail }

    public var status: Int {
        switch reason {
        case .unreachable: 502
        case .unknownProvider: 404
        case .state, .providerRefused: 400
        case .codeRefused, .signature, .expired, .audience, .issuer, .nonce, .malformed: 401
        }
    }
    public var code: String { reason == .unknownProvider ? "NotFound" : "SignOnRefused" }
    public var message: SafeMessage {
        switch reason {
        case .unreachable: SafeMessage("portal.signOn.unreachable")
        case .providerRefused: SafeMessage("portal.signOn.providerRefused")
        case .codeRefused: SafeMessage("portal.signOn.codeRefused")
        case .state: SafeMessage("portal.signOn.state")
        case .signature: SafeMessage("portal.signOn.signature")
        case .expired: SafeMessage("portal.signOn.expired")
        case .audience: SafeMessage("portal.signOn.audience")
        case .issuer: SafeMessage("portal.signOn.issuer")
        case .nonce: SafeMessage("portal.signOn.nonce")
        case .malformed: SafeMessage("portal.signOn.malformed")
        case .unknownProvider: SafeMessage("portal.signOn.unknownProvider")
        }
    }
    public var internalDetail: String? { detail }
}

/// The claims of an ID token this server reads. `verify` checks the expiry (with skew); the
/// audience is checked by jwt-kit (`expectedAudience`), the issuer and nonce by `OpenIDProvider`.
struct IDTokenClaims: JWTIdentityToken {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nonce: String?
    var email: String?
    var email_verified: BoolClaim?
    var name: String?

    var audience: AudienceClaim { aud }

    /// Clocks differ a little between servers: a token is accepted up to a minute past `exp`.
    static let clockSkew: TimeInterval = 60

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired(currentDate: Date().addingTimeInterval(-Self.clockSkew))
    }
}

public actor OpenIDProvider {
    public nonisolated let configuration: OpenIDIssuerConfiguration
    /// Each call to the provider (discovery, keys, token) ends after this.
    public nonisolated let timeout: TimeAmount
    private let http: HTTPClient
    private var discovery: Discovery?
    private var keys: JWTKeyCollection?
    private var keyIDs: Set<String> = []

    /// The algorithms a provider may sign ID tokens with: asymmetric only (never `none` or a
    /// shared-secret HMAC, which anyone holding the client secret could forge).
    static let algorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
    /// Largest answer read from the provider.
    static let maxBody = 1 << 20

    public init(_ configuration: OpenIDIssuerConfiguration, timeout: TimeAmount = .seconds(10), http: HTTPClient = .shared) {
        self.configuration = configuration; self.timeout = timeout; self.http = http
    }

    struct Discovery: Decodable, Sendable {
        var issuer: String
        var authorization_endpoint: String
        var token_endpoint: String
        var jwks_uri: String
        var end_session_endpoint: String?
        var token_endpoint_auth_methods_supported: [String]?
    }

    /// The provider's discovery document, fetched once (again after a failure).
    func discovered() async throws(SignOnError) -> Discovery {
        if let discovery { return discovery }
        let base = configuration.issuer.hasSuffix("/") ? String(configuration.issuer.dropLast()) : configuration.issuer
        let data = try await get(base + "/.well-known/openid-configuration")
        let document: Discovery
        do { document = try JSONDecoder().decode(Discovery.self, from: data) } catch {
            throw SignOnError(.unreachable, detail: "discovery document unreadable: \(error)")
        }
        // OpenID Connect Discovery §4.3: the document must name the issuer it was asked for.
        guard document.issuer == configuration.issuer else {
            throw SignOnError(.unreachable, detail: "discovery names issuer \(document.issuer), configured \(configuration.issuer)")
        }
        discovery = document
        return document
    }

    /// Where to send the browser: the authorization endpoint with this sign-in's values.
    public func authorizationURL(redirectURI: String, attempt: SignOnAttempts.Started) async throws(SignOnError) -> String {
        let d = try await discovered()
        let query = formEncoded([
            ("response_type", "code"), ("client_id", configuration.clientID), ("redirect_uri", redirectURI),
            ("scope", "openid email profile"), ("state", attempt.state), ("nonce", attempt.nonce),
            ("code_challenge", attempt.codeChallenge), ("code_challenge_method", "S256"),
        ])
        return d.authorization_endpoint + (d.authorization_endpoint.contains("?") ? "&" : "?") + query
    }

    /// Redeems the code at the token endpoint; returns the ID token (unverified yet).
    public func redeem(code: String, codeVerifier: String, redirectURI: String) async throws(SignOnError) -> String {
        let d = try await discovered()
        var fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", codeVerifier)]
        var request = HTTPClientRequest(url: d.token_endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        // client_secret_basic is the default of the specification; _post when the provider offers only that.
        let methods = d.token_endpoint_auth_methods_supported ?? ["client_secret_basic"]
        if methods.contains("client_secret_basic") || !methods.contains("client_secret_post") {
            let pair = Self.formComponent(configuration.clientID) + ":" + Self.formComponent(configuration.clientSecret)
            request.headers.add(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
        } else {
            fields += [("client_id", configuration.clientID), ("client_secret", configuration.clientSecret)]
        }
        request.body = .bytes(ByteBuffer(string: formEncoded(fields)))
        let (status, data) = try await send(request)
        struct TokenAnswer: Decodable { var id_token: String?; var error: String? }
        let answer = try? JSONDecoder().decode(TokenAnswer.self, from: data)
        guard status == 200, let idToken = answer?.id_token else {
            throw SignOnError(.codeRefused, detail: "token endpoint answered \(status) \(answer?.error ?? "")")
        }
        return idToken
    }

    /// Checks the ID token: signature (provider's keys), issuer, audience, expiry and nonce.
    public func verify(idToken: String, nonce: String) async throws(SignOnError) -> VerifiedIdentity {
        let header = try Self.header(of: idToken)
        guard let alg = header.alg, Self.algorithms.contains(alg) else {
            throw SignOnError(.signature, detail: "algorithm \(header.alg ?? "none") not accepted")
        }
        let readBefore = keys != nil
        var collection = try await keyCollection()
        if let kid = header.kid, !keyIDs.contains(kid), readBefore {
            // A key id not seen yet: the provider may have rotated its keys. Fetched again once
            // (the token came from the provider's token endpoint, not from the browser).
            collection = try await keyCollection(refresh: true)
        }
        if let kid = header.kid, !keyIDs.contains(kid) {
            throw SignOnError(.signature, detail: "no key \(kid) in the provider's JWKS")
        }
        let claims: IDTokenClaims
        do {
            claims = try await collection.verify(idToken, as: IDTokenClaims.self, expectedAudience: configuration.clientID)
        } catch let e as JWTError {
            switch e.errorType {
            case .claimVerificationFailure where e.failedClaim is ExpirationClaim:
                throw SignOnError(.expired, detail: e.reason)
            case .claimVerificationFailure where e.failedClaim is AudienceClaim:
                throw SignOnError(.audience, detail: e.reason)
            case .signatureVerificationFailed, .signingAlgorithmFailure, .noKeyProvided, .unknownKID, .unsupportedAlgorithm:
                throw SignOnError(.signature, detail: String(describing: e.errorType))
            default:
                throw SignOnError(.malformed, detail: String(describing: e.errorType) + " " + (e.reason ?? ""))
            }
        } catch {
            throw SignOnError(.malformed, detail: String(describing: type(of: error)))
        }
        guard claims.iss.value == configuration.issuer else { throw SignOnError(.issuer, detail: "iss \(claims.iss.value)") }
        guard let sent = claims.nonce, Self.sameSecret(sent, nonce) else { throw SignOnError(.nonce) }
        let email = claims.email_verified?.value == true ? claims.email : nil
        return VerifiedIdentity(issuer: configuration.issuer, subject: claims.sub.value, verifiedEmail: email, name: claims.name)
    }

    /// The provider's sign-out URL for a session opened with `idToken`, or nil when it has none.
    public func endSessionURL(idTokenHint: String, postLogoutRedirectURI: String) async -> String? {
        guard let end = (try? await discovered())?.end_session_endpoint else { return nil }
        let query = formEncoded([("id_token_hint", idTokenHint), ("post_logout_redirect_uri", postLogoutRedirectURI),
                                 ("client_id", configuration.clientID)])
        return end + (end.contains("?") ? "&" : "?") + query
    }

    // MARK: keys

    private func keyCollection(refresh: Bool = false) async throws(SignOnError) -> JWTKeyCollection {
        if let keys, !refresh { return keys }
        let d = try await discovered()
        let data = try await get(d.jwks_uri)
        // One key jwt-kit cannot read (an encryption key, a key type it lacks) does not hide the others.
        struct Lenient: Decodable {
            var key: JWK?
            init(from decoder: any Decoder) throws { key = try? JWK(from: decoder) }
        }
        struct KeySet: Decodable { var keys: [Lenient] }
        guard let set = try? JSONDecoder().decode(KeySet.self, from: data) else {
            throw SignOnError(.unreachable, detail: "JWKS unreadable")
        }
        let collection = JWTKeyCollection()
        var ids: Set<String> = []
        for case let key? in set.keys.map(\.key) {
            guard let kid = key.keyIdentifier else { continue }
            do { try await collection.add(jwk: key); ids.insert(kid.string) } catch { continue }
        }
        keys = collection
        keyIDs = ids
        return collection
    }

    struct Header: Decodable { var alg: String?; var kid: String? }

    static func header(of token: String) throws(SignOnError) -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = base64URLDecoded(String(parts[0])),
              let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw SignOnError(.malformed, detail: "not a signed JWT")
        }
        return header
    }

    static func base64URLDecoded(_ s: String) -> Data? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }

    /// Compares two secrets in a time that does not depend on where they differ.
    static func sameSecret(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    // MARK: HTTP

    private func get(_ url: String) async throws(SignOnError) -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, data) = try await send(request)
        guard status == 200 else { throw SignOnError(.unreachable, detail: "\(url) answered \(status)") }
        return data
    }

    private func send(_ request: HTTPClientRequest) async throws(SignOnError) -> (UInt, Data) {
        do {
            let response = try await http.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: Self.maxBody)
            return (response.status.code, Data(body.readableBytesView))
        } catch {
            throw SignOnError(.unreachable, detail: "\(request.url): \(error)")
        }
    }

    static func formComponent(_ s: String) -> String {
        // RFC 3986 unreserved characters only (`+`, `/`, `=` of secrets are escaped).
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    nonisolated func formEncoded(_ fields: [(String, String)]) -> String {
        fields.map { Self.formComponent($0.0) + "=" + Self.formComponent($0.1) }.joined(separator: "&")
    }
}
