// Sign-in through an OpenID Connect provider (issue 20): a person is known to the provider by
// issuer + subject, and an administrator links that identity to one Bando account (or names
// the e-mail the provider will vouch for, linked at the first sign-in). Local passwords become
// optional: an account that signs in only through the provider has no password hash at all
// (NULL), never an empty one, so no password can match it.
public import GRDB

public enum IdentitySchema {
    /// Registers the identity migrations. Call after `PortalSchema.register` (users, auth_tokens).
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("identity-1-openid") { db in
            // SQLite cannot drop NOT NULL in place: `users` is rebuilt as in portal-5 (GRDB runs
            // migrations with foreign keys off and checks them at the end).
            try db.execute(sql: """
                CREATE TABLE users_new (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    display_name TEXT NOT NULL DEFAULT '',
                    role TEXT NOT NULL CHECK (role IN ('administrator', 'editor', 'approver', 'agency-administrator')),
                    agency_id INTEGER REFERENCES agencies(id),
                    -- NULL: signs in through an identity provider only
                    password_hash TEXT CHECK (password_hash IS NULL OR password_hash <> ''),
                    disabled INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    CHECK ((role = 'administrator') = (agency_id IS NULL))
                );
                INSERT INTO users_new (id, username, display_name, role, agency_id, password_hash, disabled, created_at, updated_at)
                    SELECT id, username, display_name, role, agency_id, password_hash, disabled, created_at, updated_at FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;
                CREATE TABLE user_identities (
                    id INTEGER PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    issuer TEXT NOT NULL,
                    -- NULL until the first sign-in of a pre-registered e-mail
                    subject TEXT,
                    email TEXT COLLATE NOCASE,
                    created_at TEXT NOT NULL,
                    linked_at TEXT,
                    last_signed_in_at TEXT,
                    CHECK (subject IS NOT NULL OR email IS NOT NULL),
                    UNIQUE (issuer, subject)
                );
                CREATE UNIQUE INDEX user_identities_waiting_email ON user_identities(issuer, email) WHERE subject IS NULL;
                CREATE INDEX user_identities_user ON user_identities(user_id);
                -- The ID token a session was opened with: its issuer's sign-out takes it as a hint.
                CREATE TABLE signon_sessions (
                    token_id INTEGER PRIMARY KEY REFERENCES auth_tokens(id) ON DELETE CASCADE,
                    issuer TEXT NOT NULL,
                    id_token TEXT NOT NULL
                );
                """)
        }
    }
}
