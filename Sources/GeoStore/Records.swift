public import GeoModel
public import Foundation

/// A publishing agency (sở, ban, ngành; a district people's committee).
public struct AgencyRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var slug: String
    public var name: String
    public init(id: Int64, slug: String, name: String) {
        self.id = id; self.slug = slug; self.name = name
    }
}

/// A dataset of the store; its features live in its versions.
public struct DatasetRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var slug: String
    public var title: String
    public var description: String
    public var agencyID: Int64?
    public var licence: String
    public var attribution: String
    public var currentVersionID: Int64?
    public var createdAt: Date
    public var updatedAt: Date
    /// Public (not only memberwise) so that backends outside this module make records too.
    public init(id: Int64, slug: String, title: String, description: String, agencyID: Int64?, licence: String,
                attribution: String, currentVersionID: Int64?, createdAt: Date, updatedAt: Date) {
        self.id = id; self.slug = slug; self.title = title; self.description = description; self.agencyID = agencyID
        self.licence = licence; self.attribution = attribution; self.currentVersionID = currentVersionID
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

public enum VersionStatus: String, Sendable, Codable, CaseIterable {
    /// `approved`: approved by its agency, waiting for the Department's second review (Portal).
    case draft, submitted, returned, approved, published, superseded
}

/// One version of a dataset: an immutable feature table plus what ingest learnt about it.
public struct DatasetVersionRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var datasetID: Int64
    public var number: Int
    public var status: VersionStatus
    public var featureTable: String
    public var featureCount: Int
    public var bbox: BoundingBox?
    public var fields: [FieldDefinition]
    /// Geometry type names present, e.g. ["MultiPolygon", "Polygon"].
    public var geometryTypes: [String]
    public var crs: String
    public var encoding: String
    public var sourceName: String
    /// SHA-256 (hex) over the version's features in order: proof that nothing changed since.
    public var checksum: String
    public var reportJSON: String
    public var createdAt: Date
    public var publishedAt: Date?
    public init(id: Int64, datasetID: Int64, number: Int, status: VersionStatus, featureTable: String, featureCount: Int,
                bbox: BoundingBox?, fields: [FieldDefinition], geometryTypes: [String], crs: String, encoding: String,
                sourceName: String, checksum: String, reportJSON: String, createdAt: Date, publishedAt: Date?) {
        self.id = id; self.datasetID = datasetID; self.number = number; self.status = status
        self.featureTable = featureTable; self.featureCount = featureCount; self.bbox = bbox; self.fields = fields
        self.geometryTypes = geometryTypes; self.crs = crs; self.encoding = encoding; self.sourceName = sourceName
        self.checksum = checksum; self.reportJSON = reportJSON; self.createdAt = createdAt; self.publishedAt = publishedAt
    }
}

/// A dataset with its current published version and agency: what readers serve.
public struct PublishedDataset: Sendable, Hashable {
    public var dataset: DatasetRecord
    public var version: DatasetVersionRecord
    public var agency: AgencyRecord?
    public init(dataset: DatasetRecord, version: DatasetVersionRecord, agency: AgencyRecord?) {
        self.dataset = dataset; self.version = version; self.agency = agency
    }
}

/// Timestamps are stored as ISO 8601 UTC text, readable in SQL and in exports.
public enum Timestamp {
    public static func format(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }
    /// Reads a stored timestamp, with or without fractional seconds.
    public static func parse(_ s: String?) -> Date? {
        guard let s else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }
}
