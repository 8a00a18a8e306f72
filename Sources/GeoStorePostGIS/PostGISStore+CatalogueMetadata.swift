// The catalogue metadata and the versions' change summaries on PostGIS, with the meaning
// SQLite's have (Store+DatasetMetadata.swift, Store+VersionChanges.swift).
public import Foundation
public import GeoStore
import PostgresNIO

extension PostGISStore {   // DatasetMetadataStore, VersionChangeStore
    public func catalogueDescriptions(of datasetIDs: [Int64]) throws -> [Int64: CatalogueDescriptionRecord] {
        guard !datasetIDs.isEmpty else { return [:] }
        var out: [Int64: CatalogueDescriptionRecord] = [:]
        for row in try rows("SELECT * FROM dataset_metadata WHERE dataset_id = ANY(\(datasetIDs))", "read catalogue metadata") {
            let r = row.makeRandomAccess()
            out[try r["dataset_id"].decode(Int64.self)] = CatalogueDescriptionRecord(theme: nil, updateFrequency: nil,
                                                                                     metadata: try Self.catalogueMetadata(r))
        }
        // The catalogue entries are the portal's table: a schema without the portal's records has none.
        let hasEntries = try rows("SELECT to_regclass(\(table("catalogue_entries"))) IS NOT NULL", "read catalogue entries")
            .first?.decode(Bool.self) ?? false
        guard hasEntries else { return out }
        for row in try rows("SELECT dataset_id, theme, update_frequency FROM catalogue_entries WHERE dataset_id = ANY(\(datasetIDs))",
                            "read catalogue entries") {
            let (id, theme, frequency) = try row.decode((Int64, String?, String?).self)
            var d = out[id] ?? CatalogueDescriptionRecord(theme: nil, updateFrequency: nil, metadata: nil)
            d.theme = theme; d.updateFrequency = frequency
            out[id] = d
        }
        return out
    }

    /// Reads, changes and writes the metadata in one transaction, the dataset's row locked so
    /// two processes editing one dataset apply one change after the other.
    public func updateCatalogueMetadata(datasetID: Int64, at now: Date,
                                        _ change: (CatalogueMetadataRecord?) throws -> CatalogueMetadataRecord) throws {
        let logger = connections.logger
        try connections.withConnection { c in
            try c.transaction(logger: logger, "update catalogue metadata") {
                try c.rows("SELECT id FROM datasets WHERE id = \(datasetID) FOR UPDATE", logger: logger, "update catalogue metadata")
                let old = try c.rows("SELECT * FROM dataset_metadata WHERE dataset_id = \(datasetID)", logger: logger, "update catalogue metadata")
                    .first.map { try Self.catalogueMetadata($0.makeRandomAccess()) }
                let new = try change(old)
                func text(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
                try c.rows("""
                    INSERT INTO dataset_metadata (dataset_id, title_en, description_en, keywords_json, contact_name, contact_email,
                        temporal_start, temporal_end, spatial_label, identity_field, field_descriptions_json, updated_at)
                    VALUES (\(datasetID), \(text(new.titleEN)), \(text(new.descriptionEN)), \(Self.json(new.keywords)),
                        \(text(new.contactName)), \(text(new.contactEmail)), \(text(new.temporalStart)), \(text(new.temporalEnd)),
                        \(text(new.spatialLabel)), \(text(new.identityField)), \(Self.json(new.fieldDescriptions)), \(now))
                    ON CONFLICT (dataset_id) DO UPDATE SET title_en = excluded.title_en, description_en = excluded.description_en,
                        keywords_json = excluded.keywords_json, contact_name = excluded.contact_name,
                        contact_email = excluded.contact_email, temporal_start = excluded.temporal_start,
                        temporal_end = excluded.temporal_end, spatial_label = excluded.spatial_label,
                        identity_field = excluded.identity_field, field_descriptions_json = excluded.field_descriptions_json,
                        updated_at = excluded.updated_at
                    """, logger: logger, "update catalogue metadata")
                // Another key changes which features match: summaries are computed again on demand.
                if text(new.identityField) != text(old?.identityField) {
                    try c.rows("DELETE FROM version_changes WHERE version_id IN (SELECT id FROM dataset_versions WHERE dataset_id = \(datasetID))",
                               logger: logger, "update catalogue metadata")
                }
            }
        }
    }

    public func versionChanges(of versionIDs: [Int64]) throws -> [Int64: VersionChangeRecord] {
        guard !versionIDs.isEmpty else { return [:] }
        var out: [Int64: VersionChangeRecord] = [:]
        for row in try rows("""
            SELECT c.version_id, c.previous_version_id, p.number, c.identity, c.added, c.removed, c.changed, c.unchanged
            FROM version_changes c LEFT JOIN dataset_versions p ON p.id = c.previous_version_id
            WHERE c.version_id = ANY(\(versionIDs))
            """, "read change summaries") {
            let (id, previous, number, identity, added, removed, changed, unchanged) =
                try row.decode((Int64, Int64?, Int?, String, Int, Int, Int, Int).self)
            out[id] = VersionChangeRecord(versionID: id, previousVersionID: previous, previousNumber: number, identity: identity,
                                          added: added, removed: removed, changed: changed, unchanged: unchanged)
        }
        return out
    }

    public func saveVersionChange(_ c: VersionChangeRecord, at now: Date) throws {
        try rows("""
            INSERT INTO version_changes (version_id, previous_version_id, identity, added, removed, changed, unchanged, computed_at)
            VALUES (\(c.versionID), \(c.previousVersionID), \(c.identity), \(c.added), \(c.removed), \(c.changed), \(c.unchanged), \(now))
            ON CONFLICT (version_id) DO UPDATE SET previous_version_id = excluded.previous_version_id, identity = excluded.identity,
                added = excluded.added, removed = excluded.removed, changed = excluded.changed, unchanged = excluded.unchanged,
                computed_at = excluded.computed_at
            """, "store a change summary")
    }

    static func catalogueMetadata(_ r: PostgresRandomAccessRow) throws -> CatalogueMetadataRecord {
        func decoded<T: Decodable>(_ t: T.Type, _ column: String) throws -> T? {
            try r[column].decode(String?.self).flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
        }
        return CatalogueMetadataRecord(
            titleEN: try r["title_en"].decode(String?.self), descriptionEN: try r["description_en"].decode(String?.self),
            keywords: try decoded([String].self, "keywords_json") ?? [],
            contactName: try r["contact_name"].decode(String?.self), contactEmail: try r["contact_email"].decode(String?.self),
            temporalStart: try r["temporal_start"].decode(String?.self), temporalEnd: try r["temporal_end"].decode(String?.self),
            spatialLabel: try r["spatial_label"].decode(String?.self), identityField: try r["identity_field"].decode(String?.self),
            fieldDescriptions: try decoded([String: String].self, "field_descriptions_json") ?? [:])
    }

    /// JSON as SQLite's store writes it (keys sorted).
    static func json<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder(); e.outputFormatting = .sortedKeys
        return String(decoding: (try? e.encode(v)) ?? Data("null".utf8), as: UTF8.self)
    }
}
