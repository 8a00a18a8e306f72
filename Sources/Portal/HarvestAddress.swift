// Which network addresses a harvest may reach. A harvest source is a URL that an agency user
// types in, and the server fetches it from inside the province's network: without a check it
// would read the cloud metadata service, a database's admin port or anything on loopback for
// whoever asks (server-side request forgery). So every host name is resolved here, each
// address is checked against the ranges below, and the connection goes to the address checked.
// An administrator's allow-list (`bando serve --harvest-allow CIDR`) reopens ranges that hold
// agencies' real APIs, such as the province's intranet.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix

/// An IPv4 or IPv6 address, kept as 16 bytes: IPv4 as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`),
/// so one range check covers both spellings of the same host.
public struct HarvestIPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    init(v6 bytes: [UInt8]) { precondition(bytes.count == 16); self.bytes = bytes }
    init(v4 bytes: [UInt8]) { precondition(bytes.count == 4); self.bytes = Array(repeating: 0, count: 10) + [0xff, 0xff] + bytes }

    /// Parses a numeric address (`192.0.2.1`, `2001:db8::1`); nil for anything else.
    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(v4: withUnsafeBytes(of: &v4) { Array($0) })
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(v6: withUnsafeBytes(of: &v6) { Array($0) })
        } else {
            return nil
        }
    }

    /// The IPv4 address when this is one (mapped form), else nil.
    /// (By the bytes, not through `HarvestNetwork`, whose parser asks this: a static range here would
    /// initialise itself.)
    var v4: [UInt8]? { bytes[..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff ? Array(bytes[12...]) : nil }

    /// The text a socket connects to: dotted IPv4, or IPv6 without brackets.
    public var description: String {
        if let v4 { return v4.map(String.init).joined(separator: ".") }
        var a = in6_addr()
        withUnsafeMutableBytes(of: &a) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func isIn(_ n: HarvestNetwork) -> Bool { n.contains(self) }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is one host).
public struct HarvestNetwork: Sendable, Hashable, CustomStringConvertible {
    let base: HarvestIPAddress
    /// Prefix length over the 16-byte form (an IPv4 /8 is /104 here).
    let prefix: Int
    public let description: String

    /// Parses `address/prefix` or a bare address; nil when it is neither.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = HarvestIPAddress(String(parts[0])) else { return nil }
        let isV4 = address.v4 != nil && !parts[0].contains(":")
        let width = isV4 ? 32 : 128
        var length = width
        if parts.count == 2 {
            guard let n = Int(parts[1]), (0...width).contains(n), parts[1].allSatisfy(\.isASCII) else { return nil }
            length = n
        }
        self.base = address
        self.prefix = isV4 ? length + 96 : length
        self.description = text
    }

    func contains(_ a: HarvestIPAddress) -> Bool {
        var left = prefix
        for i in 0..<16 where left > 0 {
            let bits = min(8, left)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if a.bytes[i] & mask != base.bytes[i] & mask { return false }
            left -= bits
        }
        return true
    }
}

/// Where a harvest may connect: anywhere public, plus the administrator's allow-list.
public struct HarvestAddressPolicy: Sendable, Equatable {
    /// Ranges an administrator opened on purpose (`--harvest-allow`).
    public var allowed: [HarvestNetwork]

    public init(allowed: [HarvestNetwork] = []) { self.allowed = allowed }

    /// IPv4 ranges that are not the public internet: "this network", private (RFC 1918), shared
    /// address space (CGNAT), loopback, link-local (the cloud metadata service, 169.254.169.254),
    /// IETF protocol assignments, benchmarking, multicast, reserved and broadcast.
    static let refusedV4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                            "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4"]
        .map { HarvestNetwork($0)! }
    /// IPv6 ranges likewise: unspecified and loopback (and the deprecated IPv4-compatible block
    /// around them), unique-local, link-local, site-local, multicast, the local-use NAT64 prefix,
    /// Teredo and documentation.
    static let refusedV6 = ["::/96", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "64:ff9b:1::/48", "2001::/32", "2001:db8::/32"]
        .map { HarvestNetwork($0)! }
    /// IPv6 forms that carry an IPv4 address inside: NAT64 (well-known prefix) and 6to4. The
    /// IPv4 address inside is checked like any other.
    static let nat64 = HarvestNetwork("64:ff9b::/96")!
    static let sixToFour = HarvestNetwork("2002::/16")!

    /// Whether a harvest may connect to `address`.
    public func permits(_ address: HarvestIPAddress) -> Bool {
        if allowed.contains(where: { $0.contains(address) }) { return true }
        if let v4 = address.v4 { return permitsV4(v4) }
        if Self.refusedV6.contains(where: { $0.contains(address) }) { return false }
        if Self.nat64.contains(address) { return permitsV4(Array(address.bytes[12...])) }
        if Self.sixToFour.contains(address) { return permitsV4(Array(address.bytes[2..<6])) }
        return true
    }

    private func permitsV4(_ v4: [UInt8]) -> Bool {
        let mapped = HarvestIPAddress(v4: v4)
        if allowed.contains(where: { $0.contains(mapped) }) { return true }
        return !Self.refusedV4.contains { $0.contains(mapped) }
    }

    /// Resolves `host` (a name or a numeric address) and returns the first address a harvest may
    /// connect to; throws, naming every address refused, when there is none. The lookup runs on
    /// NIO's blocking pool, not on the cooperative threads.
    func address(for host: String) async throws -> HarvestIPAddress {
        let found = try await NIOThreadPool.singleton.runIfActive { try Self.resolve(host) }
        guard let usable = found.first(where: permits) else {
            throw HarvestFailure("\(host) resolves to \(found.map(\.description).joined(separator: ", ")), which harvests may not reach (not in --harvest-allow)")
        }
        return usable
    }

    /// `getaddrinfo`, blocking.
    static func resolve(_ host: String) throws -> [HarvestIPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &list)
        guard rc == 0, let first = list else {
            throw HarvestFailure("could not resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var out: [HarvestIPAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let ai = next {
            if let sa = ai.pointee.ai_addr {
                switch ai.pointee.ai_family {
                case AF_INET:
                    let a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    out.append(HarvestIPAddress(v4: withUnsafeBytes(of: a) { Array($0) }))
                case AF_INET6:
                    let a = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    out.append(HarvestIPAddress(v6: withUnsafeBytes(of: a) { Array($0) }))
                default: break
                }
            }
            next = ai.pointee.ai_next
        }
        guard !out.isEmpty else { throw HarvestFailure("\(host) has no IPv4 or IPv6 address") }
        return out
    }
}

/// Why a harvest could not read its source, for the log only: the user is told
/// `HarvestFetcher.unreadable`, whatever this says (a refused address, a closed port and an
/// HTTP 404 must look alike to whoever set the URL).
struct HarvestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
