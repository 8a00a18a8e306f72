// What the open-data catalogue keeps about a dataset beyond its versions, whichever engine
// keeps it (issue 21): its metadata (English title and description, keywords, contact point,
// coverage, field descriptions) with its theme and update frequency on the open-data list, and each
// published version's change summary (computed once, since versions never change). What these
// mean is the Catalogue module's; the store keeps them. Plain values, blocking calls.
public import Foundation

/// A dataset's catalogue metadata; nil or empty means unset.
public struct CatalogueMetadataRecord: Sendable, Hashable {
    public var titleEN: String?
    public var descriptionEN: String?
    public var keywords: [String]
    public var contactName: String?
    public var contactEmail: String?
    /// Days as `yyyy-MM-dd`.
    public var temporalStart: String?
    public var temporalEnd: String?
    /// The area covered, in words.
    public var spatialLabel: String?
    /// The field whose value identifies a feature across versions, when the automatic choice is
    /// not the right one.
    public var identityField: String?
    /// Field name → what it means.
    public var fieldDescriptions: [String: String]

    public init(titleEN: String? = nil, descriptionEN: String? = nil, keywords: [String] = [], contactName: String? = nil,
                contactEmail: String? = nil, temporalStart: String? = nil, temporalEnd: String? = nil,
                spatialLabel: String? = nil, identityField: String? = nil, fieldDescriptions: [String: String] = [:]) {
        self.titleEN = titleEN; self.descriptionEN = descriptionEN; self.keywords = keywords
        self.contactName = contactName; self.contactEmail = contactEmail
        self.temporalStart = temporalStart; self.temporalEnd = temporalEnd; self.spatialLabel = spatialLabel
        self.identityField = identityField; self.fieldDescriptions = fieldDescriptions
    }
}

/// How a dataset is described in the catalogue: its entry of the open-data list (theme, update frequency) when
/// the portal has one, and its metadata when set.
public struct CatalogueDescriptionRecord: Sendable, Hashable {
    public var theme: String?
    public var updateFrequency: String?
    public var metadata: CatalogueMetadataRecord?
    public init(theme: String?, updateFrequency: String?, metadata: CatalogueMetadataRecord?) {
        self.theme = theme; self.updateFrequency = updateFrequency; self.metadata = metadata
    }
}

/// Keeps datasets' catalogue metadata.
public protocol DatasetMetadataStore: Sendable {
    /// The open-data list entry and metadata of each dataset asked for (datasets with neither are missing).
    func catalogueDescriptions(of datasetIDs: [Int64]) throws -> [Int64: CatalogueDescriptionRecord]
    /// Replaces a dataset's metadata with what `change` makes of the current one (nil when none),
    /// in one transaction. When the identity field changes, the stored change summaries of the
    /// dataset's versions are forgotten (they are computed again on demand).
    func updateCatalogueMetadata(datasetID: Int64, at: Date,
                                 _ change: (CatalogueMetadataRecord?) throws -> CatalogueMetadataRecord) throws
}

/// The stored counts of what changed in a version since the version it was compared with.
public struct VersionChangeRecord: Sendable, Hashable {
    public var versionID: Int64
    /// The version compared against (nil: the first published version).
    public var previousVersionID: Int64?
    /// That version's number, read with the record.
    public var previousNumber: Int?
    /// How features were matched: `field:<name>` or `content`.
    public var identity: String
    public var added: Int
    public var removed: Int
    public var changed: Int
    public var unchanged: Int

    public init(versionID: Int64, previousVersionID: Int64?, previousNumber: Int?, identity: String,
                added: Int, removed: Int, changed: Int, unchanged: Int) {
        self.versionID = versionID; self.previousVersionID = previousVersionID; self.previousNumber = previousNumber
        self.identity = identity; self.added = added; self.removed = removed; self.changed = changed; self.unchanged = unchanged
    }
}

/// Keeps versions' change summaries.
public protocol VersionChangeStore: Sendable {
    /// The stored summaries of these versions (those not computed yet are missing).
    func versionChanges(of versionIDs: [Int64]) throws -> [Int64: VersionChangeRecord]
    /// Stores (or replaces) one version's summary.
    func saveVersionChange(_ record: VersionChangeRecord, at: Date) throws
}
