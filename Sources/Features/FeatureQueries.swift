public import FeatureQuery
public import GeoModel
public import GeoStore
import Foundation
import PublicErrors

/// Runs OGC API items queries and the analysis API's reads through the store's
/// `FeatureQuerying` and `AnalysisReading`, whichever backend keeps the data, on `BlockingPool`
/// threads (store calls block).
///
/// Features keeps the CRS side: the output CRS becomes a `FeatureOutput` (precision and a
/// position transform) that the store applies while it writes.
public struct FeatureQueries: Sendable {
    public let store: any FeatureQuerying & AnalysisReading
    /// Seconds a single query may run before it is stopped with a `.timeout` error.
    public var timeLimit: Double

    /// Queries on `store` (any engine: `Store`, `PostGISStore`).
    public init(store: any FeatureQuerying & AnalysisReading, timeLimit: Double = 10) {
        self.store = store; self.timeLimit = timeLimit
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
