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
        if let d = parseStored(s) { return d }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    /// The two shapes `format` writes and the store holds, `2026-12-02T16:37:00.123Z` and
    /// `2026-12-02T16:37:00Z`, read without a formatter: `ISO8601DateFormatter` loads ICU's
    /// calendar and time-zone data (6 MB resident) in every process that reads a version, a tile
    /// build among them. The same `Date` as the formatter's (milliseconds over 1000, then
    /// shifted to the reference date); anything else, or a field out of range, is left to it.
    static func parseStored(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count == 20 || u.count == 24, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              u[u.count - 1] == UInt8(ascii: "Z") else { return nil }
        func digits(_ from: Int, _ n: Int) -> Int? {
            var v = 0
            for i in from..<(from + n) {
                let c = u[i]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int(c - UInt8(ascii: "0"))
            }
            return v
        }
        guard let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2) else { return nil }
        var millis = 0
        if u.count == 24 {
            guard u[19] == UInt8(ascii: "."), let m = digits(20, 3) else { return nil }
            millis = m
        }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard year >= 1, (1...12).contains(month), day >= 1, day <= monthDays[month - 1],
              hour < 24, minute < 60, second < 60 else { return nil }
        // Days from 1970-01-01 to the date (proleptic Gregorian, Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let ms = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
        return Date(timeIntervalSinceReferenceDate: Double(ms) / 1000.0 - 978_307_200.0)
    }
}
