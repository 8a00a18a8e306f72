// A dataset as the catalogue describes it: the store's dataset, agency, catalogue entry and
// versions, plus the catalogue metadata, gathered in one value that every document is built from.
public import GeoStore
public import GeoModel
public import Foundation

/// One field of a dataset's published structure (the schema the sharing rules require).
public struct SchemaField: Sendable, Hashable, Codable {
    public var name: String
    /// The field's type as the store keeps it: integer, real, text, boolean, date, datetime.
    public var type: String
    public var description: String
}

public struct ContactPoint: Sendable, Hashable, Codable {
    public var name: String
    public var email: String?
}

/// A published version: when, how many features, their SHA-256, what changed.
public struct VersionDescription: Sendable, Hashable {
    public var number: Int
    public var published: Date?
    public var featureCount: Int
    /// SHA-256 (hex) of the version's features (`dataset_versions.checksum`).
    public var checksum: String
    public var changes: ChangeSummary?
}

public struct DatasetDescription: Sendable {
    public var slug: String
    public var title: String
    public var titleEN: String?
    public var description: String
    public var descriptionEN: String?
    public var agency: AgencyRecord?
    public var theme: String
    public var keywords: [String]
    public var licence: Licence
    /// The attribution text users must cite (`datasets.attribution`), or the agency's name, or "Bando".
    public var attribution: String
    /// As the portal stores it: quarterly, half-yearly, annual, on-change.
    public var frequency: String
    public var temporalStart: String?
    public var temporalEnd: String?
    public var spatialLabel: String?
    public var bbox: BoundingBox?
    public var contact: ContactPoint
    public var schema: [SchemaField]
    public var geometryTypes: [String]
    public var identityField: String?
    public var created: Date
    public var modified: Date
    /// The current (latest published) version.
    public var current: VersionDescription
    /// Every published version, oldest first (the current one last).
    public var versions: [VersionDescription]

    /// How to cite the dataset in a product (Sơn La art. 10.2; Huế 2024 art. 20.2.b).
    public func citation(baseURL: String) -> String {
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: current.published ?? modified).year ?? 0
        let who = attribution
        return "\(who) (\(year)). \(title), phiên bản \(current.number). \(baseURL)/api/catalog/\(slug). Giấy phép: \(licence.title)."
    }
}

/// What may be set on a dataset's catalogue metadata. A nil member is left as it is; an empty
/// string clears a text member.
public struct MetadataPatch: Sendable, Codable, Equatable {
    public var titleEN: String?
    public var descriptionEN: String?
    public var keywords: [String]?
    public var contactName: String?
    public var contactEmail: String?
    /// ISO dates, `yyyy-MM-dd`.
    public var temporalStart: String?
    public var temporalEnd: String?
    public var spatialLabel: String?
    public var identityField: String?
    /// Field name → description; merged into those already set.
    public var fieldDescriptions: [String: String]?

    public init(titleEN: String? = nil, descriptionEN: String? = nil, keywords: [String]? = nil,
                contactName: String? = nil, contactEmail: String? = nil, temporalStart: String? = nil,
                temporalEnd: String? = nil, spatialLabel: String? = nil, identityField: String? = nil,
                fieldDescriptions: [String: String]? = nil) {
        self.titleEN = titleEN; self.descriptionEN = descriptionEN; self.keywords = keywords
        self.contactName = contactName; self.contactEmail = contactEmail; self.temporalStart = temporalStart
        self.temporalEnd = temporalEnd; self.spatialLabel = spatialLabel; self.identityField = identityField
        self.fieldDescriptions = fieldDescriptions
    }

    /// The names of the members this patch sets (for the audit log).
    public var fieldsSet: [String] {
        let all: [(String, Bool)] = [("titleEN", titleEN != nil), ("descriptionEN", descriptionEN != nil), ("keywords", keywords != nil),
                                     ("contactName", contactName != nil), ("contactEmail", contactEmail != nil),
                                     ("temporalStart", temporalStart != nil), ("temporalEnd", temporalEnd != nil),
                                     ("spatialLabel", spatialLabel != nil), ("identityField", identityField != nil),
                                     ("fieldDescriptions", fieldDescriptions != nil)]
        return all.filter(\.1).map(\.0)
    }
}
