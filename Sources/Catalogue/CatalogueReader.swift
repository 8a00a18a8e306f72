// Reads the catalogue's datasets from the store (one query for the datasets, their agency,
// catalogue entry and metadata; one per dataset for its versions) and writes its metadata.
public import GeoStore
import GeoModel
import GRDB
public import Foundation
import PublicErrors

public struct CatalogueReader: Sendable {
    public let store: Store
    public init(store: Store) { self.store = store }

    /// Every dataset with a published version, ordered by slug.
    public func datasets() throws -> [DatasetDescription] {
        try describe(slug: nil)
    }

    /// The published dataset `slug`, or a not-found error naming it.
    public func dataset(_ slug: String) throws -> DatasetDescription {
        guard let d = try describe(slug: slug).first else {
            throw CatalogueError.notFound("catalogue.dataset.unpublished", ["dataset": slug])
        }
        return d
    }

    public func agencies() throws -> [AgencyRecord] { try store.agencies() }

    private func describe(slug: String?) throws -> [DatasetDescription] {
        let rows = try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.*, c.theme, c.update_frequency, m.title_en,
                       m.description_en, m.keywords_json, m.contact_name, m.contact_email, m.temporal_start,
                       m.temporal_end, m.spatial_label, m.identity_field, m.field_descriptions_json
                FROM datasets d
                LEFT JOIN catalogue_entries c ON c.dataset_id = d.id
                LEFT JOIN dataset_metadata m ON m.dataset_id = d.id
                WHERE d.current_version_id IS NOT NULL AND (? IS NULL OR d.slug = ?)
                ORDER BY d.slug
                """, arguments: [slug, slug])
        }
        let agencies = Dictionary(uniqueKeysWithValues: try store.agencies().map { ($0.id, $0) })
        return try rows.compactMap { r -> DatasetDescription? in
            let datasetID: Int64 = r["id"], currentID: Int64 = r["current_version_id"]
            let all = try store.versions(datasetID: datasetID)
            guard let current = all.first(where: { $0.id == currentID }) else { return nil }
            let identity: String? = r["identity_field"]
            let changes = try store.changeSummaries(of: all, identityField: identity)
            let versions = all.filter { $0.publishedAt != nil }.map {
                VersionDescription(number: $0.number, published: $0.publishedAt, featureCount: $0.featureCount,
                                   checksum: $0.checksum, changes: changes[$0.id])
            }
            let agency = (r["agency_id"] as Int64?).flatMap { agencies[$0] }
            let fieldNotes = Self.decode([String: String].self, r["field_descriptions_json"]) ?? [:]
            let attribution: String = r["attribution"]
            return DatasetDescription(
                slug: r["slug"], title: r["title"], titleEN: Self.nonEmpty(r["title_en"]),
                description: r["description"], descriptionEN: Self.nonEmpty(r["description_en"]),
                agency: agency, theme: r["theme"] ?? "", keywords: Self.decode([String].self, r["keywords_json"]) ?? [],
                licence: Licence.named(r["licence"]),
                attribution: attribution.isEmpty ? (agency?.name ?? "Bando") : attribution,
                frequency: r["update_frequency"] ?? "quarterly",
                temporalStart: Self.nonEmpty(r["temporal_start"]), temporalEnd: Self.nonEmpty(r["temporal_end"]),
                spatialLabel: Self.nonEmpty(r["spatial_label"]), bbox: current.bbox,
                contact: ContactPoint(name: Self.nonEmpty(r["contact_name"]) ?? agency?.name ?? "Bando",
                                      email: Self.nonEmpty(r["contact_email"])),
                schema: current.fields.map { SchemaField(name: $0.name, type: $0.type.rawValue, description: fieldNotes[$0.name] ?? "") },
                geometryTypes: current.geometryTypes, identityField: identity,
                created: Self.date(r["created_at"]) ?? current.createdAt,
                modified: current.publishedAt ?? current.createdAt,
                current: versions.first { $0.number == current.number }
                    ?? VersionDescription(number: current.number, published: current.publishedAt, featureCount: current.featureCount,
                                          checksum: current.checksum, changes: changes[current.id]),
                versions: versions)
        }
    }

    /// Sets catalogue metadata of the dataset `slug` (published or not).
    /// The metadata set for `slug`, every field present (empty when unset), as `updateMetadata` takes it.
    public func metadataOf(_ slug: String) throws -> MetadataPatch {
        guard let dataset = try store.dataset(slug: slug) else {
            throw CatalogueError.notFound("store.datasetNotFound", ["dataset": slug])
        }
        let row = try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM dataset_metadata WHERE dataset_id = ?", arguments: [dataset.id])
        }
        func text(_ column: String) -> String { (row?[column] as String?) ?? "" }
        return MetadataPatch(titleEN: text("title_en"), descriptionEN: text("description_en"),
                             keywords: Self.decode([String].self, row?["keywords_json"]) ?? [],
                             contactName: text("contact_name"), contactEmail: text("contact_email"),
                             temporalStart: text("temporal_start"), temporalEnd: text("temporal_end"),
                             spatialLabel: text("spatial_label"), identityField: text("identity_field"),
                             fieldDescriptions: Self.decode([String: String].self, row?["field_descriptions_json"]) ?? [:])
    }

    public func updateMetadata(_ slug: String, _ patch: MetadataPatch) throws {
        guard let dataset = try store.dataset(slug: slug) else {
            throw CatalogueError.notFound("store.datasetNotFound", ["dataset": slug])
        }
        if let e = patch.contactEmail, !e.isEmpty, !(e.contains("@") && !e.contains(" ")) {
            throw CatalogueError.invalid("contactEmail", "catalogue.metadata.email", ["value": e])
        }
        for (name, value) in [("temporalStart", patch.temporalStart), ("temporalEnd", patch.temporalEnd)] {
            if let v = value, !v.isEmpty, Self.day(v) == nil {
                throw CatalogueError.invalid(name, "catalogue.metadata.date", ["value": v])
            }
        }
        let fields = try dataset.currentVersionID.flatMap { try store.version(id: $0) }?.fields.map(\.name)
        if let fields {
            for name in [patch.identityField].compactMap({ $0 }).filter({ !$0.isEmpty }) + (patch.fieldDescriptions?.keys.sorted() ?? [])
            where !fields.contains(name) {
                throw CatalogueError.invalid("field", "catalogue.metadata.field", ["field": name, "fields": fields.joined(separator: ", ")])
            }
        }
        try store.pool.write { db in
            let old = try Row.fetchOne(db, sql: "SELECT * FROM dataset_metadata WHERE dataset_id = ?", arguments: [dataset.id])
            func text(_ column: String, _ value: String?) -> String? {
                guard let value else { return old?[column] }
                return value.isEmpty ? nil : value
            }
            var notes = Self.decode([String: String].self, old?["field_descriptions_json"]) ?? [:]
            for (k, v) in patch.fieldDescriptions ?? [:] { notes[k] = v.isEmpty ? nil : v }
            let keywords = patch.keywords.map { $0.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                ?? Self.decode([String].self, old?["keywords_json"]) ?? []
            let identity = text("identity_field", patch.identityField)
            try db.execute(sql: """
                INSERT OR REPLACE INTO dataset_metadata (dataset_id, title_en, description_en, keywords_json, contact_name,
                    contact_email, temporal_start, temporal_end, spatial_label, identity_field, field_descriptions_json, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [dataset.id, text("title_en", patch.titleEN), text("description_en", patch.descriptionEN),
                                 Self.encode(keywords), text("contact_name", patch.contactName), text("contact_email", patch.contactEmail),
                                 text("temporal_start", patch.temporalStart), text("temporal_end", patch.temporalEnd),
                                 text("spatial_label", patch.spatialLabel), identity, Self.encode(notes),
                                 ISO8601DateFormatter().string(from: Date())])
            // Another key changes which features match: summaries are computed again on demand.
            if identity != (old?["identity_field"] as String?) {
                try db.execute(sql: "DELETE FROM version_changes WHERE version_id IN (SELECT id FROM dataset_versions WHERE dataset_id = ?)",
                               arguments: [dataset.id])
            }
        }
    }

    static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
    static func decode<T: Decodable>(_ t: T.Type, _ s: String?) -> T? {
        s.flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }
    static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder(); e.outputFormatting = .sortedKeys
        return String(decoding: (try? e.encode(v)) ?? Data("null".utf8), as: UTF8.self)
    }
    static func day(_ s: String) -> Date? {
        let f = DateFormatter(); f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: s)
    }
    static func date(_ s: String?) -> Date? { Timestamp.parse(s) }
}
