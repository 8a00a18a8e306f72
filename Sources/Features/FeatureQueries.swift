public import FeatureQuery
public import GRDB
public import GeoModel
public import GeoStore
import Foundation
import PublicErrors

/// Runs OGC API items queries through the store's `FeatureQuerying`, whichever backend keeps
/// the data, on `BlockingPool` threads (store calls block).
///
/// Features keeps the CRS side: the output CRS becomes a `FeatureOutput` (precision and a
/// position transform) that the store applies while it writes. `reader` is the SQLite pool
/// the analysis API still runs its own SQL on (nil on other backends).
public struct FeatureQueries: Sendable {
    public let store: any FeatureQuerying
    public let reader: (any DatabaseReader)?
    /// Seconds a single query may run before it is stopped with a `.timeout` error.
    public var timeLimit: Double

    /// Items from the store behind `store`.
    public init(store: any FeatureQuerying, timeLimit: Double = 10) {
        self.store = store; self.timeLimit = timeLimit
        reader = (store as? Store)?.pool
    }

    /// Items from a SpatiaLite store's pool.
    public init(reader: any DatabaseReader, timeLimit: Double = 10) {
        self.store = SQLiteFeatureQueries(reader: reader); self.reader = reader; self.timeLimit = timeLimit
    }

    /// One page of an items query, as GeoJSON features in `crs`.
    public func items(_ c: FeatureCollectionInfo, _ q: ItemsQuery, crs: OutputCRS = .crs84) async throws(FeaturesError) -> ItemsPage {
        let store = store, collection = c.queried, output = crs.output, limit = timeLimit
        return try await blocking { () throws(FeaturesError) in
            try store.items(in: collection, q, output: output, timeLimit: limit)
        }
    }

    /// One feature as a GeoJSON Feature, or nil when the collection has no such id.
    public func item(_ c: FeatureCollectionInfo, fid: Int64, crs: OutputCRS = .crs84) async throws(FeaturesError) -> [UInt8]? {
        let store = store, collection = c.queried, output = crs.output, limit = timeLimit
        return try await blocking { () throws(FeaturesError) in
            try store.item(in: collection, id: fid, output: output, timeLimit: limit)
        }
    }

    /// Runs `body` (a store call) on a blocking thread.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(FeaturesError) -> T) async throws(FeaturesError) -> T {
        do {
            return try await BlockingPool.requests.run { try body() }
        } catch let e as FeaturesError {
            throw e
        } catch {
            throw FeaturesError.store("the store could not answer: \(error)")
        }
    }

    /// Runs `body` in a read transaction of the SQLite store (the analysis API's own SQL).
    public func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws(FeaturesError) -> T) async throws(FeaturesError) -> T {
        guard let reader else { throw FeaturesError.store("the analysis API runs on the SQLite store only") }
        let queries = SQLiteFeatureQueries(reader: reader)
        return try await blocking { () throws(FeaturesError) in try queries.run(body) }
    }

    static func selectList(_ table: FeatureTable) -> String { SQLiteFeatureQueries.selectList(table) }

    static func withTimeLimit<T>(_ db: Database, seconds: Double, _ body: () throws(FeaturesError) -> T) throws(FeaturesError) -> T {
        try SQLiteFeatureQueries.withTimeLimit(db, seconds: seconds, body)
    }

    static func count(_ db: Database, sql: String, arguments: [SQLValue]) throws(FeaturesError) -> Int {
        try SQLiteFeatureQueries.count(db, sql: sql, arguments: arguments)
    }
}

extension OutputCRS {
    /// Decimals written: 7 for degrees (≈1 cm), 3 for metres (1 mm).
    var precision: Int {
        uri == OutputCRS.crs84URI || uri == CRSRegistry.epsg4326URI || uri.hasSuffix("/4756") ? 7 : 3
    }

    /// How the store writes positions in this CRS.
    var output: FeatureOutput {
        guard let t = transformer else { return FeatureOutput(precision: precision, crsName: uri) }
        return FeatureOutput(precision: precision, crsName: uri, transform: { try t.forward($0) })
    }
}

extension FeatureCollectionInfo {
    /// The collection as the store's items query takes it.
    var queried: QueriedCollection { QueriedCollection(id: id, table: table, featureCount: featureCount) }
}
