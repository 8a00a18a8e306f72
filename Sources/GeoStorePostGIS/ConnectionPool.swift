import Foundation
import GeoStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Runs async driver work for a thread that must block until it is done (the store's callers
/// are `BlockingPool` threads). The work runs on the connection's event loop through
/// `EventLoopTaskExecutor`, never on Swift's cooperative pool, so a caller that does block a
/// cooperative thread (a synchronous test) cannot starve the work it waits for.
func waitFor<T>(on loop: any EventLoop, _ body: @escaping @Sendable () async throws -> T) throws -> T {
    precondition(!loop.inEventLoop, "the PostGIS store blocks: call it from a BlockingPool thread, not an event loop")
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task(executorPreference: EventLoopTaskExecutor(loop)) {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

/// The result handed from the task to the waiting thread (the semaphore orders the two).
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// A task executor that runs jobs on one NIO event loop: driver work is all awaiting the
/// loop's own futures, so it costs the loop nothing.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let loop: any EventLoop
    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Open connections lent to one caller at a time: a version's load holds one across many
/// blocking calls (its transaction), which a scoped `withConnection` cannot lend to a
/// synchronous caller. Connections are made on demand and kept for the next caller; a closed
/// one is dropped when it comes back.
final class ConnectionPool: @unchecked Sendable {
    let configuration: PostgresConnection.Configuration
    let schema: String
    let logger = Logger(label: "bando.postgis")
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var nextID = 1
    /// Idle connections kept for later callers; more are closed when they come back.
    private let keepIdle = 8

    init(configuration: PostgresConnection.Configuration, schema: String) {
        self.configuration = configuration
        self.schema = schema
    }

    /// A new connection whose `search_path` is the store's schema, then `public` (PostGIS).
    func connect() throws -> PostgresConnection {
        let id = lock.withLock { defer { nextID += 1 }; return nextID }
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let configuration = configuration, logger = logger, schema = schema
        do {
            return try waitFor(on: loop) {
                let connection = try await PostgresConnection.connect(on: loop, configuration: configuration, id: id, logger: logger)
                try await connection.query("SET search_path TO \(unescaped: quoteIdentifier(schema)), public", logger: logger)
                return connection
            }
        } catch {
            throw PostGISError.unavailable(reason: Self.reason(error))
        }
    }

    /// Lends a connection to `body` and takes it back; one that failed mid-transaction is closed.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try lock.withLock { idle.popLast() }.flatMap { $0.isClosed ? nil : $0 } ?? connect()
        do {
            let value = try body(connection)
            giveBack(connection)
            return value
        } catch {
            // A connection may be left inside a failed transaction or a COPY: not worth reusing.
            connection.closeKeepingAlive()
            throw error
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        let keep = lock.withLock {
            guard !connection.isClosed, idle.count < keepIdle else { return false }
            idle.append(connection); return true
        }
        if !keep { connection.closeKeepingAlive() }
    }

    func closeAll() {
        let all = lock.withLock { defer { idle.removeAll() }; return idle }
        for c in all { c.closeKeepingAlive() }
    }

    /// Why a connection failed, without the password (PostgresNIO's errors do not print it,
    /// but its descriptions hide the server's message behind a generic text).
    static func reason(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return message }
            if let underlying = e.underlying { return "\(underlying)" }
            return "\(e.code)"
        }
        return "\(error)"
    }
}

extension PostgresConnection {
    /// Runs `query` and returns its rows, blocking the calling thread.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger, _ operation: String) throws -> [PostgresRow] {
        do {
            return try waitFor(on: eventLoop) { try await self.query(query, logger: logger).collect() }
        } catch {
            throw PostGISError.wrapping(error, operation)
        }
    }

    /// Runs `body` between BEGIN and COMMIT (ROLLBACK when it throws), blocking the calling thread.
    func transaction<T>(logger: Logger, _ operation: String, _ body: () throws -> T) throws -> T {
        try rows("BEGIN", logger: logger, operation)
        do {
            let value = try body()
            try rows("COMMIT", logger: logger, operation)
            return value
        } catch {
            _ = try? rows("ROLLBACK", logger: logger, operation)
            throw error
        }
    }
}

extension PostgresConnection {
    /// Closes the connection without waiting, keeping it alive until it has closed
    /// (PostgresNIO asserts that a connection is never released open).
    func closeKeepingAlive() {
        close().whenComplete { _ in withExtendedLifetime(self) {} }
    }
}
