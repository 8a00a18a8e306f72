import GRDB

extension Store {
    /// Versioned migrations: each runs once, in order, in its own transaction.
    var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-spatial-metadata") { db in
            // Inside GRDB's transaction: the forms without a transaction argument start none of
            // their own. Every geometry is stored in EPSG:4326 (reprojection happens in ProjKit),
            // so the WGS 84 systems are all the table needs, not PROJ's 6,000 (half a second
            // on every new store).
            if try Bool.fetchOne(db, sql: "SELECT CheckSpatialMetaData() > 0") != true {
                try db.execute(sql: "SELECT InitSpatialMetadata('WGS84')")
            }
        }
        m.registerMigration("v1-catalogue") { db in
            try db.execute(sql: """
                CREATE TABLE agencies (
                    id INTEGER PRIMARY KEY,
                    slug TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
                );
                CREATE TABLE datasets (
                    id INTEGER PRIMARY KEY,
                    slug TEXT NOT NULL UNIQUE,
                    title TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    agency_id INTEGER REFERENCES agencies(id),
                    licence TEXT NOT NULL DEFAULT 'CC-BY-4.0',
                    attribution TEXT NOT NULL DEFAULT '',
                    current_version_id INTEGER,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE dataset_versions (
                    id INTEGER PRIMARY KEY,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    number INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('draft','submitted','returned','published','superseded')),
                    feature_table TEXT NOT NULL UNIQUE,
                    feature_count INTEGER NOT NULL,
                    min_x REAL, min_y REAL, max_x REAL, max_y REAL,
                    fields_json TEXT NOT NULL,
                    geometry_types TEXT NOT NULL DEFAULT '',
                    crs TEXT NOT NULL DEFAULT '',
                    encoding TEXT NOT NULL DEFAULT '',
                    source_name TEXT NOT NULL DEFAULT '',
                    checksum TEXT NOT NULL,
                    report_json TEXT NOT NULL DEFAULT '{}',
                    created_at TEXT NOT NULL,
                    published_at TEXT,
                    UNIQUE (dataset_id, number)
                );
                CREATE INDEX dataset_versions_by_dataset ON dataset_versions(dataset_id, number);
                """)
        }
        // The portal's tables (accounts, the open-data list, feedback, audit) come after the datasets'.
        PortalSchema.register(in: &m)
        // The open-data catalogue's metadata and version change summaries.
        CatalogueMetadataSchema.register(in: &m)
        // Download counters (issue #6).
        DownloadSchema.register(in: &m)
        // Feature tables an ingest is still writing (see `writeVersion`).
        m.registerMigration("ingest-staging-1") { db in
            try db.execute(sql: "CREATE TABLE ingest_staging (table_name TEXT PRIMARY KEY, pid INTEGER NOT NULL, started_at TEXT NOT NULL)")
        }
        // Uses of each dataset by day and channel (issue #17).
        UsageSchema.register(in: &m)
        // A version approved by its agency may wait for the Department's second review
        // (`approved`). SQLite cannot change a CHECK constraint in place: the table is rebuilt
        // with the same columns (GRDB runs migrations with foreign keys off and checks them at
        // the end, so `version_changes`' references hold across the swap).
        m.registerMigration("v2-version-approved") { db in
            try db.execute(sql: """
                CREATE TABLE dataset_versions_new (
                    id INTEGER PRIMARY KEY,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    number INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('draft','submitted','returned','approved','published','superseded')),
                    feature_table TEXT NOT NULL UNIQUE,
                    feature_count INTEGER NOT NULL,
                    min_x REAL, min_y REAL, max_x REAL, max_y REAL,
                    fields_json TEXT NOT NULL,
                    geometry_types TEXT NOT NULL DEFAULT '',
                    crs TEXT NOT NULL DEFAULT '',
                    encoding TEXT NOT NULL DEFAULT '',
                    source_name TEXT NOT NULL DEFAULT '',
                    checksum TEXT NOT NULL,
                    report_json TEXT NOT NULL DEFAULT '{}',
                    created_at TEXT NOT NULL,
                    published_at TEXT,
                    UNIQUE (dataset_id, number)
                );
                INSERT INTO dataset_versions_new (id, dataset_id, number, status, feature_table, feature_count, min_x, min_y, max_x, max_y,
                                                  fields_json, geometry_types, crs, encoding, source_name, checksum, report_json,
                                                  created_at, published_at)
                    SELECT id, dataset_id, number, status, feature_table, feature_count, min_x, min_y, max_x, max_y,
                           fields_json, geometry_types, crs, encoding, source_name, checksum, report_json, created_at, published_at
                    FROM dataset_versions;
                DROP TABLE dataset_versions;
                ALTER TABLE dataset_versions_new RENAME TO dataset_versions;
                CREATE INDEX dataset_versions_by_dataset ON dataset_versions(dataset_id, number);
                """)
        }
        // Identities at OpenID Connect providers, passwords optional (issue 20).
        IdentitySchema.register(in: &m)
        return m
    }
}
