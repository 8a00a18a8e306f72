// Which client a request comes from, for throttles: the peer's address, or, when the peer is a
// proxy the operator trusts (`bando serve --trust-proxy CIDR`), the address that proxy says
// it was talking to. Forwarding headers from anyone else are ignored: a client writing
// `X-Forwarded-For: 1.2.3.4` itself must not become 1.2.3.4.
#if canImport(Glibc)
import Glibc
import CNIOLinux   // where the compiler finds in_addr's members once NIO is imported
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPTypes
public import Hummingbird
public import NIOCore

/// The forwarding header a trusted proxy writes. Only that one is read: a proxy appends to its
/// own header and passes any other through untouched, so reading the other would believe
/// whatever the client put there.
public enum ForwardedHeader: String, Sendable, CaseIterable {
    /// `X-Forwarded-For: client, proxy1` (nginx `$proxy_add_x_forwarded_for`, HAProxy, Caddy, Traefik).
    case xForwardedFor = "x-forwarded-for"
    /// RFC 7239 `Forwarded: for=client;proto=https, for=proxy1`.
    case forwarded
}

/// Tells clients apart from the peer address and the proxies trusted to name the client.
public struct ClientIdentification: Sendable {
    public var trustedProxies: [IPNetwork]
    public var header: ForwardedHeader

    public init(trustedProxies: [IPNetwork] = [], header: ForwardedHeader = .xForwardedFor) {
        self.trustedProxies = trustedProxies
        self.header = header
    }

    /// The client as a throttle key: an IPv4 address, or an IPv6 /64 (one subscriber's
    /// prefix: counting single IPv6 addresses would let one client be billions). "unknown"
    /// when the connection has no IP peer (in-process tests, a Unix socket).
    public func client(_ request: Request, peer: SocketAddress?) -> String {
        guard let address = clientAddress(request, peer: peer) else { return "unknown" }
        return address.throttleKey
    }

    /// The client's address: the peer unless it is a trusted proxy, else the right-most address
    /// in the forwarding header that is not a trusted proxy (each proxy appends the address it
    /// saw, so everything left of the first untrusted one could have been written by the client).
    func clientAddress(_ request: Request, peer: SocketAddress?) -> IPAddress? {
        guard let peer = peer.flatMap(IPAddress.init) else { return nil }
        guard isTrusted(peer) else { return peer }
        var client = peer
        for hop in forwardingChain(request).reversed() {
            // A hop the proxy could not name ("unknown", an obfuscated name): the nearest
            // address we are sure of stands for the client.
            guard let hop else { break }
            client = hop
            if !isTrusted(hop) { break }
        }
        return client
    }

    func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The addresses in the forwarding header, left (the original client) to right (the proxy
    /// nearest us); nil for an entry that is not an address. Repeated header lines are one list.
    func forwardingChain(_ request: Request) -> [IPAddress?] {
        switch header {
        case .xForwardedFor:
            let name = HTTPField.Name("X-Forwarded-For")!
            return request.headers[values: name].flatMap { $0.split(separator: ",") }.map { IPAddress(node: $0) }
        case .forwarded:
            let name = HTTPField.Name("Forwarded")!
            return request.headers[values: name].flatMap { $0.split(separator: ",") }.map { element -> IPAddress? in
                // `for=…;proto=…;by=…`: the `for` pair, its value possibly quoted.
                for pair in element.split(separator: ";") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2, kv[0].trimmingSpaces.lowercased() == "for" else { continue }
                    var value = kv[1].trimmingSpaces
                    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
                    return IPAddress(node: value)
                }
                return nil
            }
        }
    }
}

/// An IPv4 or IPv6 address as bytes (4 or 16); IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`,
/// what a dual-stack socket reports for IPv4 peers) are read as the IPv4 address.
struct IPAddress: Hashable, Sendable {
    let bytes: [UInt8]

    init?(bytes: [UInt8]) {
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            self.bytes = Array(bytes[12...])
        } else if bytes.count == 4 || bytes.count == 16 {
            self.bytes = bytes
        } else {
            return nil
        }
    }

    /// A textual address, `1.2.3.4` or `2001:db8::1` (no port, no brackets).
    init?(_ text: some StringProtocol) {
        let s = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v4) { Array($0) })
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v6) { Array($0) })
            return
        }
        return nil
    }

    /// A node as forwarding headers write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`,
    /// `[2001:db8::1]` or `[2001:db8::1]:443`.
    init?(node: some StringProtocol) {
        let s = node.trimmingSpaces
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            self.init(s[s.index(after: s.startIndex)..<close])
        } else if let a = IPAddress(s) {
            self = a
        } else if let colon = s.lastIndex(of: ":"), s.firstIndex(of: ":") == colon {
            self.init(s[..<colon])
        } else {
            return nil
        }
    }

    init?(_ address: SocketAddress) {
        switch address {
        case .v4(let a):
            var raw = a.address.sin_addr
            self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        case .v6(let a):
            var raw = a.address.sin6_addr
            self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        case .unixDomainSocket:
            return nil
        }
    }

    var isIPv4: Bool { bytes.count == 4 }

    /// IPv4: the address; IPv6: its /64 network.
    var throttleKey: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var prefix = Array(bytes[0..<8]) + [UInt8](repeating: 0, count: 8)
        let text = prefix.withUnsafeMutableBytes { raw -> String in
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(cString: buffer)
        }
        return text + "/64"
    }
}

/// An IP network in CIDR notation: `10.0.0.0/8`, `2001:db8::/32`; a bare address is one host.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    let network: IPAddress
    let prefixLength: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        var length = bits
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= bits else { return nil }
            // A mapped IPv4 network written as IPv6 (`::ffff:10.0.0.0/104`) counts its IPv4 bits.
            length = parts[0].contains(":") && address.isIPv4 ? n - 96 : n
            guard length >= 0 else { return nil }
        }
        network = address
        prefixLength = length
        description = text
    }

    func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, network.bytes) {
            if remaining <= 0 { return true }
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }
}

extension StringProtocol {
    var trimmingSpaces: SubSequence {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
