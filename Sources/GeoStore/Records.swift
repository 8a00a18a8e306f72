public import GeoModel
public import Foundation

/// A publishing agency (sở, ban, ngành; a district people's committee).
public struct AgencyRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var slug: String
    public var name: String
}

/// A dataset of the catalogue; its features live in its versions.
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
}

/// A dataset with its current published version and agency: what readers serve.
public struct PublishedDataset: Sendable, Hashable {
    public var dataset: DatasetRecord
    public var version: DatasetVersionRecord
    public var agency: AgencyRecord?
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
