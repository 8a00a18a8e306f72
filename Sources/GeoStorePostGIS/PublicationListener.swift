import Foundation
import GeoStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// What a publication's `NOTIFY` carries: enough to announce it without reading the database.
struct PublicationNotice: Codable {
    /// Notifications are per database; stores in other schemas of it ignore this one.
    var schema: String
    /// The process (store instance) that published: it has announced its own already.
    var origin: String
    var dataset: String
    var versionID: Int64
    var number: Int

    func encoded() -> String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }
}

/// Holds a connection of its own that LISTENs for publications and posts other processes' on the
/// store's `publications`, so every `bando serve` on one database serves a new version at once.
/// A lost connection is made again (a publication made meanwhile is missed: a cache that must
/// not miss one also compares `currentVersionIDs()` now and then).
final class PublicationListener: @unchecked Sendable {
    static let channel = "bando_publications"

    private weak var store: PostGISStore?
    private let schema: String
    private let origin: String
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    /// Subscribers run here, one publication at a time and in order, off the event loop.
    private let queue = DispatchQueue(label: "bando.postgis.publications")
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private var stopped = false

    init(store: PostGISStore, configuration: PostgresConnection.Configuration) throws {
        self.store = store
        schema = store.schema
        origin = store.origin
        self.configuration = configuration
        logger = store.connections.logger
        try listen()
    }

    /// Connects and LISTENs; waits until PostgreSQL has confirmed, so a publication committed
    /// after the store is opened is never missed.
    private func listen() throws {
        let pool = ConnectionPool(configuration: configuration, schema: schema)
        let connection = try pool.connect()
        let schema = schema, origin = origin, queue = queue
        connection.addListener(channel: Self.channel) { [weak self] _, notification in
            guard let notice = try? JSONDecoder().decode(PublicationNotice.self, from: Data(notification.payload.utf8)),
                  notice.schema == schema, notice.origin != origin else { return }
            let publication = Publication(dataset: notice.dataset, versionID: notice.versionID, number: notice.number)
            guard let events = self?.store?.publications else { return }
            queue.async { events.post(publication) }
        }
        try connection.rows("LISTEN \(unescaped: Self.channel)", logger: logger, "listen for publications")
        let keep = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            self.connection = connection
            return true
        }
        guard keep else { connection.closeKeepingAlive(); return }
        connection.closeFuture.whenComplete { [weak self] _ in self?.reconnectLater() }
    }

    private func reconnectLater() {
        guard !lock.withLock({ stopped }) else { return }
        logger.warning("the LISTEN connection for publications closed; connecting again")
        queue.asyncAfter(deadline: .now() + 1) { [weak self] in
            guard let self, !self.lock.withLock({ self.stopped }) else { return }
            do { try self.listen() } catch { self.reconnectLater() }
        }
    }

    func stop() {
        let connection = lock.withLock { () -> PostgresConnection? in
            stopped = true
            defer { self.connection = nil }
            return self.connection
        }
        connection?.closeKeepingAlive()
    }
}
