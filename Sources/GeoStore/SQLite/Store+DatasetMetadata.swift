// The catalogue metadata of a dataset beyond its record (table `dataset_metadata`), and the
// catalogue entry's theme and update frequency the portal keeps (`catalogue_entries`): what the
// open-data documents (DCAT, CKAN, the catalogue JSON) need to describe a dataset.
public import Foundation
import GRDB

extension Store {   // DatasetMetadataStore
    public func catalogueDescriptions(of datasetIDs: [Int64]) throws -> [Int64: CatalogueDescriptionRecord] {
        guard !datasetIDs.isEmpty else { return [:] }
        return try pool.read { db in
            let marks = datasetIDs.map { _ in "?" }.joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.id AS dataset_id, c.dataset_id AS entry, c.theme, c.update_frequency, m.*
                FROM datasets d
                LEFT JOIN catalogue_entries c ON c.dataset_id = d.id
                LEFT JOIN dataset_metadata m ON m.dataset_id = d.id
                WHERE d.id IN (\(marks)) AND (c.dataset_id IS NOT NULL OR m.dataset_id IS NOT NULL)
                """, arguments: StatementArguments(datasetIDs))
            var out = [Int64: CatalogueDescriptionRecord]()
            for r in rows {
                let hasMetadata = (r["updated_at"] as String?) != nil
                out[r["dataset_id"]] = CatalogueDescriptionRecord(
                    theme: r["theme"], updateFrequency: r["update_frequency"],
                    metadata: hasMetadata ? Self.catalogueMetadata(r) : nil)
            }
            return out
        }
    }

    public func updateCatalogueMetadata(datasetID: Int64, at now: Date,
                                        _ change: (CatalogueMetadataRecord?) throws -> CatalogueMetadataRecord) throws {
        try pool.write { db in
            let old = try Row.fetchOne(db, sql: "SELECT * FROM dataset_metadata WHERE dataset_id = ?", arguments: [datasetID])
                .map(Self.catalogueMetadata)
            let new = try change(old)
            func text(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
            try db.execute(sql: """
                INSERT OR REPLACE INTO dataset_metadata (dataset_id, title_en, description_en, keywords_json, contact_name,
                    contact_email, temporal_start, temporal_end, spatial_label, identity_field, field_descriptions_json, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [datasetID, text(new.titleEN), text(new.descriptionEN), Self.json(new.keywords),
                                 text(new.contactName), text(new.contactEmail), text(new.temporalStart), text(new.temporalEnd),
                                 text(new.spatialLabel), text(new.identityField), Self.json(new.fieldDescriptions),
                                 ISO8601DateFormatter().string(from: now)])
            // Another key changes which features match: summaries are computed again on demand.
            if text(new.identityField) != text(old?.identityField) {
                try db.execute(sql: "DELETE FROM version_changes WHERE version_id IN (SELECT id FROM dataset_versions WHERE dataset_id = ?)",
                               arguments: [datasetID])
            }
        }
    }

    static func catalogueMetadata(_ r: Row) -> CatalogueMetadataRecord {
        CatalogueMetadataRecord(
            titleEN: r["title_en"], descriptionEN: r["description_en"],
            keywords: decodeJSON([String].self, r["keywords_json"]) ?? [],
            contactName: r["contact_name"], contactEmail: r["contact_email"],
            temporalStart: r["temporal_start"], temporalEnd: r["temporal_end"], spatialLabel: r["spatial_label"],
            identityField: r["identity_field"],
            fieldDescriptions: decodeJSON([String: String].self, r["field_descriptions_json"]) ?? [:])
    }

    static func decodeJSON<T: Decodable>(_ t: T.Type, _ s: String?) -> T? {
        s.flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    static func json<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder(); e.outputFormatting = .sortedKeys
        return String(decoding: (try? e.encode(v)) ?? Data("null".utf8), as: UTF8.self)
    }
}
