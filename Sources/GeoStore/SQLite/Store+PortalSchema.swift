// The Portal's tables: accounts and their tokens, the open-data list and agencies'
// proposals, the audit log, public feedback, harvest sources. GeoStore owns every migration so
// that one migrator builds the whole store; the rules over these tables live in Portal.
// Timestamps are GRDB's UTC text (`yyyy-MM-dd HH:mm:ss.SSS`), so they sort and compare in SQL.
public import GRDB

public enum PortalSchema {
    /// Registers the Portal migrations. Call after the catalogue migration (agencies, datasets,
    /// dataset_versions), which these tables reference.
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("portal-1") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    display_name TEXT NOT NULL DEFAULT '',
                    role TEXT NOT NULL CHECK (role IN ('administrator', 'editor', 'approver')),
                    agency_id INTEGER REFERENCES agencies(id),
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    -- an administrator belongs to the Department, everyone else to one agency
                    CHECK ((role = 'administrator') = (agency_id IS NULL))
                );
                CREATE TABLE auth_tokens (
                    id INTEGER PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('session', 'api')),
                    digest TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL DEFAULT '',
                    created_at TEXT NOT NULL,
                    expires_at TEXT,
                    last_used_at TEXT,
                    revoked_at TEXT
                );
                CREATE INDEX auth_tokens_user ON auth_tokens(user_id);
                CREATE TABLE catalogue_entries (
                    dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id),
                    theme TEXT NOT NULL DEFAULT '',
                    update_frequency TEXT NOT NULL DEFAULT 'quarterly',
                    added_at TEXT NOT NULL,
                    added_by INTEGER REFERENCES users(id)
                );
                CREATE TABLE dataset_proposals (
                    id INTEGER PRIMARY KEY,
                    agency_id INTEGER NOT NULL REFERENCES agencies(id),
                    slug TEXT NOT NULL,
                    title TEXT NOT NULL,
                    theme TEXT NOT NULL DEFAULT '',
                    update_frequency TEXT NOT NULL DEFAULT 'quarterly',
                    description TEXT NOT NULL DEFAULT '',
                    proposed_by INTEGER REFERENCES users(id),
                    proposed_at TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
                    decided_by INTEGER REFERENCES users(id),
                    decided_at TEXT,
                    decision_comment TEXT
                );
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at TEXT NOT NULL,
                    user_id INTEGER,
                    username TEXT NOT NULL,
                    role TEXT NOT NULL,
                    action TEXT NOT NULL,
                    agency_id INTEGER,
                    dataset_slug TEXT,
                    version_id INTEGER,
                    version_number INTEGER,
                    checksum TEXT,
                    comment TEXT,
                    detail TEXT
                );
                CREATE INDEX audit_log_version ON audit_log(version_id);
                -- the log is append-only: the store itself refuses edits and deletions
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TABLE feedback (
                    id INTEGER PRIMARY KEY,
                    dataset_id INTEGER REFERENCES datasets(id),
                    agency_id INTEGER REFERENCES agencies(id),
                    category TEXT NOT NULL,
                    message TEXT NOT NULL,
                    contact_email TEXT,
                    received_at TEXT NOT NULL,
                    due_day TEXT NOT NULL,
                    answer TEXT,
                    answered_at TEXT,
                    answered_by INTEGER REFERENCES users(id)
                );
                CREATE INDEX feedback_agency ON feedback(agency_id, answered_at);
                CREATE TABLE harvest_sources (
                    id INTEGER PRIMARY KEY,
                    dataset_id INTEGER NOT NULL UNIQUE REFERENCES datasets(id),
                    url TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('geojson', 'ogcapi-features')),
                    interval_seconds INTEGER NOT NULL,
                    last_run_at TEXT,
                    last_status TEXT,
                    last_checksum TEXT,
                    last_error TEXT
                );
                """)
        }
        // Who set each harvest source: scheduled pulls are submitted in that person's name, so
        // every publication has a submitter the four-eyes rule can compare with the approver.
        // Sources set before this have nobody and must be set again before they pull.
        migrator.registerMigration("portal-2-harvest-set-by") { db in
            try db.execute(sql: "ALTER TABLE harvest_sources ADD COLUMN set_by INTEGER REFERENCES users(id)")
        }
        // The audit log becomes a hash chain (see `AuditChain`); rows already there are sealed in order.
        migrator.registerMigration("portal-3-audit-chain") { db in
            try AuditChain.migrate(db)
        }
        // Failed pulls in a row: the scheduler waits longer after each (back-off).
        migrator.registerMigration("portal-4-harvest-failures") { db in
            try db.execute(sql: "ALTER TABLE harvest_sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0")
        }
        // The agency administrator (Quảng Ngãi art. 4.3): manages the editors and approvers of one
        // agency. SQLite cannot change a CHECK constraint in place: the table is rebuilt (GRDB
        // runs migrations with foreign keys off and checks them at the end).
        migrator.registerMigration("portal-5-agency-administrator") { db in
            try db.execute(sql: """
                CREATE TABLE users_new (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    display_name TEXT NOT NULL DEFAULT '',
                    role TEXT NOT NULL CHECK (role IN ('administrator', 'editor', 'approver', 'agency-administrator')),
                    agency_id INTEGER REFERENCES agencies(id),
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    CHECK ((role = 'administrator') = (agency_id IS NULL))
                );
                INSERT INTO users_new (id, username, display_name, role, agency_id, password_hash, disabled, created_at, updated_at)
                    SELECT id, username, display_name, role, agency_id, password_hash, disabled, created_at, updated_at FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;
                """)
        }
        // The yearly review of the open-data list (each entry looked at again at least once a
        // year), and the changes an agency declares for datasets updated "on change": each is due
        // 15 days after the change (Sơn La art. 8.4).
        migrator.registerMigration("portal-6-review-and-changes") { db in
            try db.execute(sql: """
                ALTER TABLE catalogue_entries ADD COLUMN reviewed_at TEXT;
                ALTER TABLE catalogue_entries ADD COLUMN reviewed_by INTEGER REFERENCES users(id);
                CREATE TABLE dataset_changes (
                    id INTEGER PRIMARY KEY,
                    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    changed_on TEXT NOT NULL,
                    note TEXT NOT NULL DEFAULT '',
                    noted_at TEXT NOT NULL,
                    noted_by INTEGER REFERENCES users(id)
                );
                CREATE INDEX dataset_changes_dataset ON dataset_changes(dataset_id, changed_on);
                -- a harvest's last error as a message key and its arguments (said in the reader's language)
                ALTER TABLE harvest_sources ADD COLUMN last_error_key TEXT;
                ALTER TABLE harvest_sources ADD COLUMN last_error_arguments TEXT;
                """)
        }
        // Settings of the whole province the Department's administrator changes at run time: the
        // first is whether the Department reviews each agency-approved version before it is
        // published (Huế 2024 art. 26.4, 30.2; `department-review`, `on` or `off`).
        migrator.registerMigration("portal-7-settings") { db in
            try db.execute(sql: """
                CREATE TABLE portal_settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    updated_by INTEGER REFERENCES users(id)
                );
                """)
        }
    }
}
