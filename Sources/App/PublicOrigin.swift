import Foundation
public import Hummingbird
import NIOCore

/// Where clients reach the server: the root of every absolute URL written into a document
/// (TileJSON, styles, OGC API links, the catalogue, DCAT, CKAN). Never taken from the request's
/// `Host` or `X-Forwarded-*` headers: those are the client's words, and a document cached by a
/// proxy or a harvester would carry another client's host to everyone.
public struct PublicOrigin: Sendable {
    /// The configured root without a trailing slash (`https://bando.example.gov.vn`, or with a
    /// path when served under a prefix); nil: the server socket's address as the client
    /// reached it (`http://127.0.0.1:8080`), which only the server's own interfaces can be.
    public let fixed: String?

    /// `url`: `--public-url`, else `BANDO_PUBLIC_URL`, else the listen address; nil: see `fixed`.
    public init(_ url: String? = nil) {
        fixed = url.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// Whether clients reach us over https (the session cookie is then `Secure`).
    public var isHTTPS: Bool { fixed?.lowercased().hasPrefix("https://") == true }

    /// The root for a request.
    public func url(_ context: some RequestContext) -> String {
        if let fixed { return fixed }
        if let local = (context as? BandoRequestContext)?.localAddress, let root = Self.root(of: local) { return root }
        return "http://localhost"
    }

    /// The public URL a server configured so uses: the `--public-url` given, else the
    /// `BANDO_PUBLIC_URL` environment variable, else `http://HOST:PORT` from the listen address
    /// (nil when that is a wildcard or port 0, which no client can use: each request's local
    /// address then stands in). Throws for a public URL that is not an absolute http(s) URL.
    public static func configured(_ url: String?, host: String, port: Int) throws -> PublicOrigin {
        try configured(url, environment: ProcessInfo.processInfo.environment, host: host, port: port)
    }

    static func configured(_ url: String?, environment: [String: String], host: String, port: Int) throws -> PublicOrigin {
        if let given = [url, environment["BANDO_PUBLIC_URL"]].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            guard let u = URLComponents(string: given), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let h = u.host, !h.isEmpty, u.query == nil, u.fragment == nil, u.user == nil else {
                throw PublicOriginError(message: "the public URL \"\(given)\" is not an absolute http or https URL without query (e.g. https://bando.example.gov.vn)")
            }
            return PublicOrigin(given)
        }
        guard port != 0, !["", "0.0.0.0", "::", "[::]", "*"].contains(host) else { return PublicOrigin() }
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return PublicOrigin("http://\(shown):\(port)")
    }

    static func root(of address: SocketAddress) -> String? {
        guard var ip = address.ipAddress, let port = address.port else { return nil }
        if ip.lowercased().hasPrefix("::ffff:"), ip.contains(".") { ip = String(ip.dropFirst(7)) }   // IPv4 on a dual-stack socket
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return "http://\(host):\(port)"
    }
}

public struct PublicOriginError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
