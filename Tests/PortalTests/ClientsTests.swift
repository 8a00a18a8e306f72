import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import App
@testable import Portal

/// Stands in for the socket in process: the peer address is taken from `X-Test-Peer`, as if
/// each request had come on a connection from there. A test device only: the server itself
/// never reads this header.
struct PeerFromTestHeader<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BandoRequestContext {
    let inner: Inner
    func respond(to request: Request, context: BandoRequestContext) async throws -> Response {
        var context = context
        if let peer = request.headers[HTTPField.Name("X-Test-Peer")!] {
            context.remoteAddress = try SocketAddress(ipAddress: peer, port: 40000)
        }
        return try await inner.respond(to: request, context: context)
    }
}

extension As {
    func from(_ peer: String) -> As { var a = self; a.headers[HTTPField.Name("X-Test-Peer")!] = peer; return a }
    static func peer(_ address: String) -> As { As.nobody.from(address) }
}

/// Issue 16: every client was "unknown", so one anonymous client locked every account out of
/// signing in and used up the province's feedback allowance.
@Suite struct ClientsToldApartTests {
    func app(_ fx: PortalHTTPFixture) -> some ApplicationProtocol {
        Application(responder: PeerFromTestHeader(inner: fx.router.buildResponder()))
    }

    @discardableResult
    func login(_ c: some TestClientProtocol, _ user: String, _ password: String, as who: As) async throws -> TestResponse {
        try await c.send(.post, "/api/portal/login", as: who, json: #"{"username":"\#(user)","password":"\#(password)"}"#)
    }

    @Test func failedSignInsFromOneClientDoNotLockTheAccountForAnother() async throws {
        let fx = try PortalHTTPFixture()
        try await app(fx).test(.router) { c in
            let stranger = As.peer("203.0.113.9"), owner = As.peer("10.20.0.7")
            for _ in 0..<20 { try await login(c, "leader-tnmt", "guess-guess-1", as: stranger) }
            #expect(try await login(c, "leader-tnmt", "password-leader-tnmt", as: stranger).status == .tooManyRequests)
            #expect(try await login(c, "leader-tnmt", "password-leader-tnmt", as: owner).status == .ok)
        }
    }

    @Test func feedbackIsLimitedPerClient() async throws {
        let fx = try PortalHTTPFixture()
        try await app(fx).test(.router) { c in
            let body = #"{"category":"request-data","message":"Xin dữ liệu"}"#
            for _ in 0..<5 { #expect(try await c.send(.post, "/api/portal/feedback", as: .peer("203.0.113.9"), json: body).status == .created) }
            #expect(try await c.send(.post, "/api/portal/feedback", as: .peer("203.0.113.9"), json: body).status == .tooManyRequests)
            #expect(try await c.send(.post, "/api/portal/feedback", as: .peer("198.51.100.4"), json: body).status == .created)
            // One IPv6 subscriber (a /64) is one client, however many addresses it takes.
            for i in 0..<5 { try await c.send(.post, "/api/portal/feedback", as: .peer("2001:db8:1:2::\(i + 1)"), json: body) }
            #expect(try await c.send(.post, "/api/portal/feedback", as: .peer("2001:db8:1:2:ffff::9"), json: body).status == .tooManyRequests)
            #expect(try await c.send(.post, "/api/portal/feedback", as: .peer("2001:db8:1:3::1"), json: body).status == .created)
        }
    }

    /// Over a real socket, every connection comes from 127.0.0.1: two clients behind a proxy
    /// the server trusts, told apart by the proxy's `X-Forwarded-For`.
    @Test func clientsBehindATrustedProxyOverARealSocket() async throws {
        let fx = try PortalHTTPFixture(clients: ClientIdentification(trustedProxies: [IPNetwork("127.0.0.0/8")!]))
        try await Application(router: fx.router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { c in
            func from(_ client: String) -> As { As(headers: [HTTPField.Name("X-Forwarded-For")!: client]) }
            // The client's own "X-Forwarded-For: 10.20.0.7" is to the left of what the proxy saw.
            let stranger = As(headers: [HTTPField.Name("X-Forwarded-For")!: "10.20.0.7, 203.0.113.9"])
            for _ in 0..<20 { try await login(c, "leader-tnmt", "guess-guess-1", as: stranger) }
            #expect(try await login(c, "leader-tnmt", "password-leader-tnmt", as: from("203.0.113.9")).status == .tooManyRequests)
            #expect(try await login(c, "leader-tnmt", "password-leader-tnmt", as: from("10.20.0.7")).status == .ok)
        }
    }

    /// With no trusted proxy, a client naming itself in `X-Forwarded-For` is still its socket.
    @Test func forwardingHeadersFromAnUntrustedPeerAreIgnored() async throws {
        let fx = try PortalHTTPFixture()
        try await Application(router: fx.router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { c in
            for i in 0..<7 {
                try await login(c, "leader-tnmt", "guess-guess-1", as: As(headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.\(i)"]))
            }
            let r = try await login(c, "leader-tnmt", "password-leader-tnmt", as: As(headers: [HTTPField.Name("X-Forwarded-For")!: "10.20.0.7"]))
            #expect(r.status == .tooManyRequests)
        }
    }
}
