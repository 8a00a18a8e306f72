// The tables `bando serve` needs beyond the catalogue, on PostGIS: the usage and download
// counters, the catalogue metadata and the versions' change summaries (SQLite's `downloads-1`,
// `usage-1` and `catalogue-metadata-1`, Store+Downloads.swift, Store+Usage.swift,
// Store+CatalogueMetadataSchema.swift). Days are kept as `yyyy-MM-dd` text, as on SQLite, so
// both engines group and filter them the same way.
extension PostGISStore {
    static let servingSchema: (id: String, sql: [String]) = ("v2-serving", [
        """
        CREATE TABLE download_counts (
            dataset_id bigint NOT NULL REFERENCES datasets(id),
            version_number integer NOT NULL,
            format text NOT NULL,
            day text NOT NULL,
            count bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (dataset_id, version_number, format, day)
        )
        """,
        """
        CREATE TABLE dataset_uses (
            dataset_id bigint NOT NULL REFERENCES datasets(id),
            channel text NOT NULL,
            day text NOT NULL,
            uses bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (dataset_id, channel, day)
        )
        """,
        """
        CREATE TABLE dataset_metadata (
            dataset_id bigint PRIMARY KEY REFERENCES datasets(id),
            title_en text,
            description_en text,
            keywords_json text NOT NULL DEFAULT '[]',
            contact_name text,
            contact_email text,
            temporal_start text,
            temporal_end text,
            spatial_label text,
            identity_field text,
            field_descriptions_json text NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE version_changes (
            version_id bigint PRIMARY KEY REFERENCES dataset_versions(id),
            previous_version_id bigint REFERENCES dataset_versions(id),
            identity text NOT NULL,
            added bigint NOT NULL,
            removed bigint NOT NULL,
            changed bigint NOT NULL,
            unchanged bigint NOT NULL,
            computed_at timestamptz NOT NULL
        )
        """,
    ])
}
