// The open-data catalogue's own tables: what the harvested metadata needs beyond the datasets,
// agencies and catalogue entries that already exist (English title and description, keywords,
// contact point, coverage, the schema's field descriptions), and each version's change summary
// (computed once, since versions never change). The documents built from them live in the
// `Catalogue` module.
public import GRDB

public enum CatalogueMetadataSchema {
    /// Registers the catalogue metadata migrations. Call after `PortalSchema.register`.
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("catalogue-metadata-1") { db in
            try db.execute(sql: """
                CREATE TABLE dataset_metadata (
                    dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id),
                    title_en TEXT,
                    description_en TEXT,
                    keywords_json TEXT NOT NULL DEFAULT '[]',
                    contact_name TEXT,
                    contact_email TEXT,
                    temporal_start TEXT,
                    temporal_end TEXT,
                    spatial_label TEXT,
                    -- the field whose value identifies a feature across versions, when the
                    -- automatic choice (see Catalogue/ChangeSummary.swift) is not the right one
                    identity_field TEXT,
                    field_descriptions_json TEXT NOT NULL DEFAULT '{}',
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE version_changes (
                    version_id INTEGER PRIMARY KEY REFERENCES dataset_versions(id),
                    previous_version_id INTEGER REFERENCES dataset_versions(id),
                    identity TEXT NOT NULL,
                    added INTEGER NOT NULL,
                    removed INTEGER NOT NULL,
                    changed INTEGER NOT NULL,
                    unchanged INTEGER NOT NULL,
                    computed_at TEXT NOT NULL
                );
                """)
        }
    }
}
