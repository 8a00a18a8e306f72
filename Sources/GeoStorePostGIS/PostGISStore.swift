// GeoStorePostGIS: the store on PostgreSQL/PostGIS, for a province that outgrows one machine
// (issue 21). It owns its schema's tables, its migrations, its connections and the LISTEN that
// brings other processes' publications; it keeps GeoStore's promises (`GeoStoreBackend`) with
// the same records, checksums and field values as the SpatiaLite store.
//
// It must not: import GRDB, serve HTTP, or be called from an event loop or Swift's cooperative
// pool (every call blocks its thread until PostgreSQL answers, as SQLite's calls do).
import Foundation
public import GeoStore
import Logging
import NIOCore
import PostgresNIO

/// The store on a PostgreSQL database with PostGIS, in one schema of it.
///
/// Several processes (several `bando serve` behind a load balancer) may open the same database
/// and schema: a publication made by any of them is announced on every one's `publications`.
///
/// ```swift
/// let store = try PostGISStore(url: "postgres://bando@db.example/bando", schema: "bando")
/// let version = try store.writeVersion(metadata, fields: fields, publish: true, status: .draft, now: Date()) { sink in
///     try sink.insert(geometry: .point(Position(107.59, 16.46)), values: [.text("Huế")])
///     return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "hue.geojson")
/// }
/// ```
public final class PostGISStore: GeoStoreBackend, @unchecked Sendable {
    /// The schema holding the store's tables (created when missing).
    public let schema: String
    /// Where publications are announced: this process's own once each, and other processes'
    /// as PostgreSQL notifies them.
    public let publications = PublicationEvents()
    /// Download counts batched in memory, added to the shared counters by each flush.
    public let downloadCounter: DownloadCounter
    /// Uses by channel batched in memory, added to the shared counters by each flush.
    public let usageCounter: UsageCounter

    let connections: ConnectionPool
    /// Tells this process's notifications from other processes' (all share one channel).
    let origin = UUID().uuidString
    private var listener: PublicationListener?

    /// Opens the store at `url` (`postgres://user:password@host:port/database`), creating and
    /// migrating `schema` when needed, and starts listening for publications.
    public init(url: String, schema: String = "bando") throws {
        guard Self.isPlainName(schema) else { throw PostGISError.invalidSchema(schema) }
        self.schema = schema
        let configuration = try Self.configuration(url: url)
        connections = ConnectionPool(configuration: configuration, schema: schema)
        downloadCounter = DownloadCounter { [connections] batch in try Self.addDownloads(connections, batch) }
        usageCounter = UsageCounter { [connections] batch in try Self.addUses(connections, batch) }
        try migrate()
        listener = try PublicationListener(store: self, configuration: configuration)
    }

    deinit {
        try? downloadCounter.flush()
        try? usageCounter.flush()
        listener?.stop()
        connections.closeAll()
    }

    /// Schemas are named in SQL and in notifications: lower-case letters, digits and `_` only.
    static func isPlainName(_ s: String) -> Bool {
        guard (1...63).contains(s.utf8.count), let first = s.utf8.first, !(48...57).contains(first) else { return false }
        return s.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
    }

    /// The connection settings a `postgres://` or `postgresql://` URL gives (no TLS: a database
    /// reached over a network the operator does not trust belongs behind a tunnel for now).
    static func configuration(url: String) throws -> PostgresConnection.Configuration {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql",
              let host = c.host, !host.isEmpty else { throw PostGISError.invalidURL }
        let database = String(c.path.drop { $0 == "/" })
        var configuration = PostgresConnection.Configuration(
            host: host, port: c.port ?? 5432, username: c.user?.removingPercentEncoding ?? "postgres",
            password: c.password?.removingPercentEncoding, database: database.isEmpty ? nil : database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The schema-qualified, quoted name of one of the store's tables.
    func table(_ name: String) -> String { "\(quoteIdentifier(schema)).\(quoteIdentifier(name))" }
}

/// What went wrong in the PostGIS store, with the dataset, version or setting it concerns.
/// Descriptions carry no SQL and no password.
public enum PostGISError: Error, CustomStringConvertible, Sendable {
    case invalidURL
    case invalidSchema(String)
    case invalidSlug(String)
    /// PostgreSQL could not be reached or refused the connection.
    case unavailable(reason: String)
    case versionNotFound(Int64)
    /// A value that its field's column cannot hold (text in a number field, say).
    case valueDoesNotFit(field: String, value: String)
    /// PostgreSQL refused a statement; `operation` says which step.
    case failed(operation: String, reason: String)

    public var description: String {
        switch self {
        case .invalidURL: "the store's address is not a postgres://user@host:port/database URL"
        case .invalidSchema(let s): "'\(s)' is not a valid schema name: use lower-case letters, digits and '_', not starting with a digit"
        case .invalidSlug(let s): "'\(s)' is not a valid dataset name"
        case .unavailable(let reason): "PostgreSQL cannot be reached: \(reason)"
        case .versionNotFound(let id): "version \(id) does not exist"
        case .valueDoesNotFit(let field, let value): "the value '\(value)' does not fit the field '\(field)'"
        case .failed(let operation, let reason): "PostgreSQL refused to \(operation): \(reason)"
        }
    }

    /// `error` (from PostgresNIO) as a `PostGISError` saying what was being done; the server's
    /// message is kept, the statement is not.
    static func wrapping(_ error: any Error, _ operation: String) -> any Error {
        if error is PostGISError { return error }
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return PostGISError.failed(operation: operation, reason: message) }
            return PostGISError.unavailable(reason: "\(e.code)")
        }
        if let e = error as? PostgresTransactionError {
            for inner in [e.closureError, e.beginError, e.commitError].compactMap({ $0 }) { return wrapping(inner, operation) }
        }
        return PostGISError.failed(operation: operation, reason: "\(error)")
    }
}
