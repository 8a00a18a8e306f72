public import FeatureQuery
public import GeoStore
import GeoModel
import Foundation

/// The collections of the store: each dataset whose current version is published, read through
/// the store's interface (`DatasetStore.publishedDatasets`, any engine) and kept for `ttl`
/// seconds, so that an items request costs no store query. `invalidate()` makes a publication
/// visible at once (App calls it from the store's publication event).
public final class StoreCollectionDirectory: CollectionDirectory, @unchecked Sendable {
    public let store: any DatasetStore
    public let ttl: Double
    private let lock = NSLock()
    private var cached: (at: Date, list: [FeatureCollectionInfo])?

    public init(store: any DatasetStore, ttl: Double = 2) { self.store = store; self.ttl = ttl }

    public func invalidate() { lock.withLock { cached = nil } }

    public func collections() async throws(FeaturesError) -> [FeatureCollectionInfo] {
        if let c = lock.withLock({ cached }), Date().timeIntervalSince(c.at) < ttl { return c.list }
        let list: [FeatureCollectionInfo]
        do {
            let store = store
            list = try await BlockingPool.requests.run { try store.publishedDatasets() }
                .filter { $0.version.status == .published }
                .map(Self.collection)
        } catch let e as FeaturesError {
            throw e
        } catch {
            throw FeaturesError.store("the collections could not be read: \(error)")
        }
        lock.withLock { cached = (Date(), list) }
        return list
    }

    static func collection(_ p: PublishedDataset) -> FeatureCollectionInfo {
        let d = p.dataset, v = p.version
        return FeatureCollectionInfo(
            id: d.slug, title: d.title, description: d.description,
            table: FeatureTable(name: v.featureTable, fields: v.fields),
            extent: v.bbox, featureCount: v.featureCount, geometryTypes: v.geometryTypes,
            licence: d.licence, attribution: d.attribution, versionID: v.id)
    }
}
