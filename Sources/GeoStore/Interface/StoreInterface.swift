// The store's promises, whichever engine keeps the data: SQLite/SpatiaLite in one file (`Store`,
// the default) or PostgreSQL/PostGIS when a province outgrows one machine.
//
// Records and errors are plain values; nothing here names GRDB or PostgresNIO. Every call
// blocks: make it from a `BlockingPool` thread, never from an event loop or the cooperative pool.
//
// Modules move onto these protocols one by one (issue 21); until they all have, some still read
// `Store.pool` directly.
public import Foundation
public import GeoModel

/// A version became the current one of its dataset.
public struct Publication: Sendable, Hashable {
    /// The dataset's slug.
    public var dataset: String
    public var versionID: Int64
    /// The version's number within its dataset (1, 2, …).
    public var number: Int
    public init(dataset: String, versionID: Int64, number: Int) {
        self.dataset = dataset; self.versionID = versionID; self.number = number
    }
}

/// Where publications are announced. Every path that publishes (a portal approval, the
/// Department's publication, a harvest, the command line) posts here through the store, and
/// everything that must follow a publication (tile caches, the OGC collections, prepared
/// downloads, change summaries, backups) subscribes once at start-up.
///
/// Handlers run on the thread that posts, in the order they subscribed; they must return quickly
/// (start a task for long work). With a shared database (PostGIS), the store also posts what
/// other processes publish.
public final class PublicationEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var handlers: [@Sendable (Publication) -> Void] = []

    public init() {}

    /// Calls `handler` for every later publication.
    public func subscribe(_ handler: @escaping @Sendable (Publication) -> Void) {
        lock.withLock { handlers.append(handler) }
    }

    /// Announces `publication` to every subscriber.
    public func post(_ publication: Publication) {
        let current = lock.withLock { handlers }
        for handler in current { handler(publication) }
    }
}

/// Which version of each dataset is current, and word the moment that changes: all a cache of
/// published data needs (the tile service's watcher), apart from the rest of `DatasetStore`.
public protocol CurrentVersions: Sendable {
    /// Slug → id of the current version, for every dataset that has one: what a cache checks to
    /// learn it is stale.
    func currentVersionIDs() throws -> [String: Int64]
    /// Where publications are announced (see `PublicationEvents`).
    var publications: PublicationEvents { get }
}

/// Datasets, their versions and which version is current.
public protocol DatasetStore: CurrentVersions {
    /// Every dataset with a current version, with that version and its agency.
    func publishedDatasets() throws -> [PublishedDataset]
    func datasetSlugs() throws -> [String]
    func dataset(slug: String) throws -> DatasetRecord?
    /// The dataset `slug` with its current version, nil when it has none.
    func published(slug: String) throws -> PublishedDataset?
    func version(id: Int64) throws -> DatasetVersionRecord?
    /// Every version of a dataset, oldest first (by number).
    func versions(datasetID: Int64) throws -> [DatasetVersionRecord]
    func agencies() throws -> [AgencyRecord]
    /// Makes `versionID` the current version of its dataset (the previous one superseded) and
    /// announces it on `publications`. The one way to publish.
    @discardableResult
    func publish(versionID: Int64) throws -> Publication
}

/// Receives a new version's features, in order, from an ingest.
public protocol FeatureSinking: AnyObject {
    /// Appends one feature; ids are given in order from 1.
    func insert(geometry: Geometry?, values: [FieldValue]) throws
    /// Features received so far.
    var count: Int { get }
    /// The bounding box of the geometries received so far (empty when none).
    var bbox: BoundingBox { get }
}

/// Writes new versions.
public protocol VersionWriting: Sendable {
    /// Writes a new version of `metadata.slug` (creating the dataset if needed) from the features
    /// `body` gives the sink, then returns the version's record. Published at once when
    /// `publish` is true (and announced), otherwise left with `status`. A failure leaves no trace.
    @discardableResult
    func writeVersion(_ metadata: DatasetMetadata, fields: [FieldDefinition], publish: Bool,
                      status: VersionStatus, now: Date,
                      body: (any FeatureSinking) throws -> VersionProvenance) throws -> DatasetVersionRecord
}

/// Reads a version's features.
public protocol FeatureReading: Sendable {
    /// Up to `limit` features with id greater than `after`, in id order, optionally only those
    /// whose bounding box meets `bbox`.
    func featurePage(of version: DatasetVersionRecord, bbox: BoundingBox?, after: Int64, limit: Int) throws -> [Feature]
}

extension FeatureReading {
    /// Streams the features of a version in id order, page by page, so a slow consumer never
    /// holds a connection and memory stays flat.
    public func forEachFeature(of version: DatasetVersionRecord, bbox: BoundingBox? = nil, pageSize: Int = 2000,
                               _ body: (Feature) throws -> Void) throws {
        var after: Int64 = 0
        while true {
            let page = try featurePage(of: version, bbox: bbox, after: after, limit: pageSize)
            for f in page { try body(f) }
            guard page.count == pageSize, let last = page.last else { return }
            after = last.id
        }
    }
}

/// Everything a backend provides so far: datasets, versions and their features, items
/// queries, the analysis API's reads, the usage and download counters, catalogue metadata and
/// change summaries.
public typealias GeoStoreBackend = DatasetStore & VersionWriting & FeatureReading & FieldSubsetReading & DownloadReading
    & FeatureQuerying & AnalysisReading & UsageCounting & DatasetMetadataStore & VersionChangeStore

/// The store as the open-data catalogue's source: what `CatalogueReader` and its DCAT and CKAN
/// documents read — published datasets with their metadata, versions and change summaries
/// (computed from features when not stored yet).
public typealias CatalogueSource = DatasetStore & FeatureReading & DatasetMetadataStore & VersionChangeStore

/// What `bando serve` takes: every promise of a backend and the portal's records. A class, so
/// that what follows its publications can hold it weakly. SQLite's `Store` and `PostGISStore`
/// are both.
public typealias ServingStore = AnyObject & GeoStoreBackend & PortalStore & AuditChainReading
