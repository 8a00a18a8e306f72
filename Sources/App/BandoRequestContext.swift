public import Hummingbird
public import NIOCore

/// The request context of every Bando route: Hummingbird's core storage plus the two socket
/// addresses of the connection the request came on.
///
/// `remoteAddress` is the peer (a client, or a proxy in front of us): `ClientIdentification`
/// decides from it, and from forwarding headers when the peer is a trusted proxy, which client
/// a throttle counts against. `localAddress` is the server's own address as the client reached
/// it, the fallback for absolute URLs when no public URL is configured (never the `Host`
/// header, which the client writes).
public struct BandoRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Settable so in-process tests (whose channel has no address) can stand in for two clients.
    public var remoteAddress: SocketAddress?
    public var localAddress: SocketAddress?
    /// The person signed in, on staff pages (set by `StaffSessionMiddleware`; nil elsewhere).
    public var staff: StaffSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        localAddress = source.channel.localAddress
    }
}
