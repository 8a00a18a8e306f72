// A TCP listener on 127.0.0.1 that only counts who connects: tests point a URL at it to prove
// that the code under test made no network request (or did).
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class LoopbackListener: @unchecked Sendable {
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var connections = 0
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts listening; every connection is counted, then closed without an answer.
    public init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard sock >= 0 else { throw TestSupportError("socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
        guard bound == 0, listen(sock, 16) == 0 else { close(sock); throw TestSupportError("cannot listen on 127.0.0.1") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        fd = sock
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in
            defer { done.signal() }
            while true {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&p, 1, 50)
                lock.lock(); let stop = stopped; lock.unlock()
                if stop { return }
                guard ready > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                lock.lock(); connections += 1; lock.unlock()
                close(client)
            }
        }
        thread.start()
    }

    /// How many connections it has accepted so far.
    public var hits: Int { lock.lock(); defer { lock.unlock() }; return connections }

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    deinit {
        lock.lock(); stopped = true; lock.unlock()
        done.wait()
        close(fd)
    }
}
