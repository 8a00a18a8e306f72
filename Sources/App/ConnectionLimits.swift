// Limits on connections, so that idle or half-sent connections cannot use up the server's file
// descriptors or memory: one answer to "how many, how long, how big" for `bando serve`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import Synchronization

/// Limits on each connection and on how many are open (each a `bando serve` flag).
public struct ConnectionLimits: Sendable {
    /// Largest request head (request line and header fields) in bytes; a larger one is
    /// answered 431 and the connection closed.
    public var maxHeaderBytes: Int = 32 * 1024
    /// Time from a request's first byte (from the connection's opening, for its first request)
    /// to the end of its head; a head not complete by then (a client sending it byte by byte,
    /// or never finishing it) has its connection closed.
    public var headerTimeout: Duration = .seconds(20)
    /// How long a keep-alive connection may wait, after its last answer, before the first
    /// byte of its next request.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a request's body may pause: each of its reads must come within this of the one
    /// before (a slow upload keeps going; one announced and not sent is answered 408).
    public var bodyTimeout: Duration = .seconds(30)
    /// Connections open at once, at most; kept below the process's open-file limit. A
    /// connection beyond it closes the longest-idle connection in its favour, or, when every
    /// connection is busy answering, is answered 503 and closed.
    public var maxConnections: Int = 4096

    public init() {}

    /// Open files kept free of connections for the store, downloads, uploads and the rest.
    static func reserve(forFileLimit limit: Int) -> Int { min(256, limit / 4) }

    /// `maxConnections`, lowered to fit under an open-file limit.
    func connectionCap(fileLimit: Int) -> Int {
        max(1, min(maxConnections, fileLimit - Self.reserve(forFileLimit: fileLimit)))
    }
}

/// Raises the process's soft limit on open files to its hard limit (Linux distributions start
/// services at 1,024, the hard limit is often far higher) and returns the soft limit then in
/// force. Each connection is a file descriptor: at the soft limit, `accept` fails and nothing,
/// not even `/healthz`, is answered.
@discardableResult
public func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    #if canImport(Glibc)
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    let resource = RLIMIT_NOFILE
    #endif
    guard getrlimit(resource, &limit) == 0 else { return 1024 }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        #if canImport(Darwin)
        raised.rlim_cur = min(limit.rlim_max, rlim_t(OPEN_MAX))   // macOS refuses more than OPEN_MAX
        #endif
        if setrlimit(resource, &raised) == 0 { limit = raised }
    }
    return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
}

/// The open connections, across event loops: admits a new one under the cap, else makes room
/// by closing the connection idle longest; a connection busy answering is never closed for
/// another.
final class OpenConnections: Sendable {
    /// One connection: its channel and since when it has been idle (nanoseconds of uptime,
    /// or -1 while a request is being answered). Written by its `ConnectionGuard` on the
    /// channel's event loop, read here under the lock when room must be made.
    final class Slot: Sendable {
        let channel: any Channel
        let idleSince: Atomic<Int64>
        init(_ channel: any Channel) {
            self.channel = channel
            idleSince = Atomic(Int64(NIODeadline.now().uptimeNanoseconds))
        }
    }

    let capacity: Int
    private let slots = Mutex<[ObjectIdentifier: Slot]>([:])

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { slots.withLock { $0.count } }

    /// A slot for `channel`, or nil when every open connection is busy.
    func admit(_ channel: any Channel) -> Slot? {
        let slot = Slot(channel)
        let (admitted, evicted): (Bool, Slot?) = slots.withLock { map in
            if map.count < capacity {
                map[ObjectIdentifier(slot)] = slot
                return (true, nil)
            }
            var victim: (key: ObjectIdentifier, since: Int64)?
            for (key, s) in map {
                let since = s.idleSince.load(ordering: .relaxed)
                if since >= 0, since < victim?.since ?? .max { victim = (key, since) }
            }
            guard let victim, let old = map.removeValue(forKey: victim.key) else { return (false, nil) }
            map[ObjectIdentifier(slot)] = slot
            return (true, old)
        }
        evicted?.channel.close(promise: nil)
        return admitted ? slot : nil
    }

    func remove(_ slot: Slot) {
        _ = slots.withLock { $0.removeValue(forKey: ObjectIdentifier(slot)) }
    }
}
