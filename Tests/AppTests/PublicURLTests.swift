import Testing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import GeoStore
import Portal
import Tiles
import TestSupport
@testable import App

/// Issue 16: `Host` (and `X-Forwarded-Proto`) were written into TileJSON, styles, OGC links,
/// the catalogue and CKAN's `help`, so any client could make the server hand others its links.
@Suite struct PublicURLTests {
    static let documents = [
        "/tiles/xa-hue.json", "/tiles", "/tileMatrixSets", "/collections/xa-hue/tiles", "/collections/xa-hue/tiles/WebMercatorQuad",
        "/styles/default.json", "/ogc", "/ogc/collections", "/ogc/collections/xa-hue", "/ogc/collections/xa-hue/items?limit=1",
        "/ogc/collections/xa-hue/items?limit=1&f=html", "/ogc/api", "/api/catalog", "/api/catalog/xa-hue", "/catalog.jsonld",
        "/api/3/action/package_show?id=xa-hue", "/api/3/action/package_search", "/api/3/action/no_such_action",
    ]

    @Test func noHostHeaderEndsUpInADocument() async throws {
        let s = try EdgeServer()
        try await s.app(EdgeServer.limits()).test(.live) { client in
            let port = try #require(client.port)
            for path in Self.documents {
                let c = try RawConnection(port: port)
                try c.send(Array(("GET \(path) HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil.example\r\n"
                                  + "X-Forwarded-Proto: https\r\nForwarded: host=evil.example;proto=https\r\nConnection: close\r\n\r\n").utf8))
                let r = try #require(try await c.responses(1).first, "\(path): no answer")
                let body = String(decoding: r.body, as: UTF8.self)
                #expect(r.status == 200 || path.contains("no_such_action"), "\(path): \(r.status)")
                #expect(!body.contains("evil.example") && !r.head.contains("evil.example"), "\(path) reflects the Host: \(body.prefix(300))")
                #expect(!body.contains("https://127.0.0.1"), "\(path) took the scheme from X-Forwarded-Proto")
                // Its links point at the server as it listens.
                #expect(body.contains("http://127.0.0.1:\(port)/"), "\(path): \(body.prefix(300))")
            }
        }
    }

    @Test func aConfiguredPublicURLRootsEveryLinkAndMakesTheCookieSecure() async throws {
        let f = try SkeletonFixture()
        try PortalService(store: f.store).createUser(username: "admin", password: "password-admin-1", role: .administrator,
                                                       agency: nil, by: PortalService.commandLine)
        let tiles = try TileService(store: f.store, configuration: .init(cacheMegabytes: 0))
        let site = MapSite(stylesFolder: TestPaths.root.appendingPathComponent("Styles").path)
        for root in ["https://bando.example.gov.vn", "http://10.1.2.3:8080/bando"] {
            let router = buildRouter(store: f.store, tiles: tiles, site: site, requests: RequestPolicy(origin: PublicOrigin(root + "/")))
            try await Application(router: router).test(.router) { c in
                let tilejson = try await c.execute(uri: "/tiles/xa-hue.json", method: .get, headers: [HTTPField.Name("Host")!: "evil.example"])
                #expect(String(buffer: tilejson.body).contains("\"\(root)/tiles/xa-hue/{z}/{x}/{y}.mvt\""), "\(String(buffer: tilejson.body))")
                let style = try await c.execute(uri: "/styles/default.json", method: .get, headers: [HTTPField.Name("Host")!: "evil.example"])
                #expect(String(buffer: style.body).contains("\(root)/tiles/") && !String(buffer: style.body).contains("{base_url}"))
                let ckan = try await c.execute(uri: "/api/3/action/package_list", method: .get, headers: [HTTPField.Name("Host")!: "evil.example"])
                #expect(String(buffer: ckan.body).contains("\"help\":\"\(root)/api/3/action/help_show"))
                let login = try await c.execute(uri: "/api/portal/login", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: #"{"username":"admin","password":"password-admin-1"}"#))
                #expect(login.status == .ok)
                let cookie = login.headers[.setCookie] ?? ""
                #expect(cookie.contains("Secure") == root.hasPrefix("https:"), "\(cookie)")
            }
        }
    }

    @Test func theConfiguredURLComesFromTheFlagTheEnvironmentOrTheListenAddress() throws {
        #expect(try PublicOrigin.configured("https://a.example/", environment: ["BANDO_PUBLIC_URL": "https://b.example"], host: "127.0.0.1", port: 80).fixed == "https://a.example")
        #expect(try PublicOrigin.configured(nil, environment: ["BANDO_PUBLIC_URL": "https://b.example"], host: "127.0.0.1", port: 80).fixed == "https://b.example")
        #expect(try PublicOrigin.configured(nil, environment: [:], host: "127.0.0.1", port: 8080).fixed == "http://127.0.0.1:8080")
        #expect(try PublicOrigin.configured(nil, environment: [:], host: "::1", port: 8080).fixed == "http://[::1]:8080")
        // A wildcard or an ephemeral port names no address a client can use: each request's
        // local address (the server's own, as reached) stands in.
        #expect(try PublicOrigin.configured(nil, environment: [:], host: "0.0.0.0", port: 8080).fixed == nil)
        #expect(try PublicOrigin.configured(nil, environment: [:], host: "127.0.0.1", port: 0).fixed == nil)
        for bad in ["bando.example.gov.vn", "ftp://x.example", "https://x.example/?a=1", "https://"] {
            #expect(throws: PublicOriginError.self, "\(bad)") { try PublicOrigin.configured(bad, environment: [:], host: "127.0.0.1", port: 1) }
        }
        #expect(PublicOrigin.root(of: try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 8080)) == "http://127.0.0.1:8080")
        #expect(PublicOrigin.root(of: try SocketAddress(ipAddress: "2001:db8::5", port: 80)) == "http://[2001:db8::5]:80")
    }
}

/// Security headers: `nosniff` on every answer, and on HTML a policy that still lets the map run.
@Suite struct SecurityHeadersTests {
    @Test func htmlPagesGetAPolicyAndEveryAnswerNosniff() async throws {
        let f = try SkeletonFixture()
        try await Application(router: f.router).test(.router) { c in
            let map = try await c.execute(uri: "/map", method: .get)
            let csp = try #require(map.headers[.contentSecurityPolicy])
            for directive in ["frame-ancestors 'none'", "script-src 'self'", "worker-src 'self' blob:", "img-src 'self' data: blob:",
                              "object-src 'none'", "base-uri 'none'"] {
                #expect(csp.contains(directive), "\(directive) missing from \(csp)")
            }
            #expect(!csp.contains("'unsafe-eval'") && !csp.split(separator: ";").contains { $0.contains("script-src") && $0.contains("unsafe-inline") })
            #expect(map.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(map.headers[.xContentTypeOptions] == "nosniff")
            // No inline script for the policy to block: the map's script is /map.js.
            let html = String(buffer: map.body)
            #expect(html.contains("<script src=\"/map.js\"></script>") && !html.contains("<script>"))
            let js = try await c.execute(uri: "/map.js", method: .get)
            #expect(js.status == .ok && js.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(String(buffer: js.body).contains("new maplibregl.Map"))

            let ogc = try await c.execute(uri: "/ogc/collections?f=html", method: .get)
            #expect(ogc.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(ogc.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)

            for uri in ["/healthz", "/api/datasets", "/ogc/collections", "/no/such/route", "/tiles/nope/1/0/0.mvt"] {
                let r = try await c.execute(uri: uri, method: .get)
                #expect(r.headers[.xContentTypeOptions] == "nosniff", "\(uri) \(r.status)")
                #expect(r.headers[.contentSecurityPolicy] == nil || r.headers[.contentType]?.hasPrefix("text/html") == true)
            }
        }
    }
}

@Suite struct ClientIdentificationTests {
    func req(_ headers: HTTPFields) -> Request {
        Request(head: HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/", headerFields: headers), body: .init(buffer: ByteBuffer()))
    }
    let xff = HTTPField.Name("X-Forwarded-For")!
    let forwarded = HTTPField.Name("Forwarded")!

    @Test func forwardingHeadersAreBelievedOnlyFromTrustedProxies() throws {
        let peer = try SocketAddress(ipAddress: "10.0.0.2", port: 5000)
        let none = ClientIdentification()
        #expect(none.client(req([xff: "1.2.3.4"]), peer: peer) == "10.0.0.2")
        let proxies = ClientIdentification(trustedProxies: [IPNetwork("10.0.0.0/8")!, IPNetwork("192.168.1.10")!])
        #expect(proxies.client(req([xff: "1.2.3.4"]), peer: peer) == "1.2.3.4")
        // The right-most address that is not a proxy: what the client wrote itself is to its left.
        #expect(proxies.client(req([xff: "6.6.6.6, 1.2.3.4, 192.168.1.10"]), peer: peer) == "1.2.3.4")
        var two = HTTPFields()
        two.append(HTTPField(name: xff, value: "6.6.6.6"))
        two.append(HTTPField(name: xff, value: "1.2.3.4:5555"))
        #expect(proxies.client(req(two), peer: peer) == "1.2.3.4")
        #expect(proxies.client(req([xff: "10.9.9.9"]), peer: peer) == "10.9.9.9")     // a client inside the proxies' network
        #expect(proxies.client(req([xff: "6.6.6.6, unknown"]), peer: peer) == "10.0.0.2")  // the proxy could not say: itself
        #expect(proxies.client(req([:]), peer: peer) == "10.0.0.2")
        // A peer outside the trusted networks is the client whatever it writes.
        #expect(proxies.client(req([xff: "1.2.3.4"]), peer: try SocketAddress(ipAddress: "8.8.8.8", port: 1)) == "8.8.8.8")
        // IPv4 peers on a dual-stack socket.
        #expect(proxies.client(req([xff: "1.2.3.4"]), peer: try SocketAddress(ipAddress: "::ffff:10.0.0.2", port: 1)) == "1.2.3.4")
        #expect(none.client(req([:]), peer: nil) == "unknown")
    }

    @Test func rfc7239ForwardedWhenThatIsTheProxysHeader() throws {
        let peer = try SocketAddress(ipAddress: "2001:db8:ffff::1", port: 443)
        let ids = ClientIdentification(trustedProxies: [IPNetwork("2001:db8:ffff::/48")!], header: .forwarded)
        #expect(ids.client(req([forwarded: #"for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711""#]), peer: peer)
                == "2001:db8:cafe::/64")
        #expect(ids.client(req([forwarded: "For=\"192.0.2.60:8080\""]), peer: peer) == "192.0.2.60")
        // The other header is the client's own words when the proxy writes `Forwarded`.
        #expect(ids.client(req([xff: "1.2.3.4"]), peer: peer) == "2001:db8:ffff::/64")
    }

    @Test func networksParse() {
        #expect(IPNetwork("10.0.0.0/8")?.contains(IPAddress("10.255.1.2")!) == true)
        #expect(IPNetwork("10.0.0.0/8")?.contains(IPAddress("11.0.0.1")!) == false)
        #expect(IPNetwork("172.16.0.0/12")?.contains(IPAddress("172.31.255.255")!) == true)
        #expect(IPNetwork("172.16.0.0/12")?.contains(IPAddress("172.32.0.0")!) == false)
        #expect(IPNetwork("::1")?.contains(IPAddress("::1")!) == true)
        #expect(IPNetwork("0.0.0.0/0")?.contains(IPAddress("8.8.8.8")!) == true)
        #expect(IPNetwork("0.0.0.0/0")?.contains(IPAddress("::1")!) == false)
        for bad in ["10.0.0.0/33", "abc", "10.0.0/8", "", "::/129", "10.0.0.0/-1"] { #expect(IPNetwork(bad) == nil, "\(bad)") }
    }
}
