import Foundation
import GRDB
import Synchronization
import GeoStore
@testable import Portal

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ d: Date) { value = Mutex(d) }
    var now: Date { value.withLock { $0 } }
    func set(_ d: Date) { value.withLock { $0 = d } }
    func advance(days: Int) { value.withLock { $0 = $0.addingTimeInterval(Double(days) * 86400) } }
}

/// A portal over a fresh store with an administrator, two agencies and their editors and approvers.
struct ServiceFixture {
    let db: DatabaseQueue
    let portal: PortalService
    let clock: TestClock
    let admin: Actor
    let editorA: Actor, approverA: Actor, approverA2: Actor, editorB: Actor, approverB: Actor

    init(at start: Date = vn(2026, 7, 3, 9)) throws {
        db = try DatabaseQueue()
        var m = DatabaseMigrator()
        // The catalogue tables as GeoStore defines them (only the columns the portal touches).
        m.registerMigration("catalogue") { db in
            try db.execute(sql: """
                CREATE TABLE agencies (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
                CREATE TABLE datasets (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
                    agency_id INTEGER REFERENCES agencies(id), description TEXT NOT NULL DEFAULT '', licence TEXT NOT NULL DEFAULT '',
                    attribution TEXT NOT NULL DEFAULT '', current_version_id INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                CREATE TABLE dataset_versions (id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                    number INTEGER NOT NULL, status TEXT NOT NULL, feature_table TEXT, feature_count INTEGER, checksum TEXT,
                    created_at TEXT, published_at TEXT, UNIQUE (dataset_id, number));
                CREATE TABLE dataset_metadata (dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id), spatial_label TEXT);
                """)
        }
        PortalSchema.register(in: &m)
        IdentitySchema.register(in: &m)
        try m.migrate(db)
        let clock = TestClock(start)
        self.clock = clock
        let portal = PortalService(db: db, hasher: PasswordHasher(cost: 4), now: { clock.now })
        self.portal = portal
        let cli = PortalService.commandLine
        try portal.createAgency(slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường", by: cli)
        try portal.createAgency(slug: "so-gtvt", name: "Sở Giao thông Vận tải", by: cli)
        func user(_ name: String, _ role: Role, _ agency: String?) throws -> Actor {
            let u = try portal.createUser(username: name, password: "password-\(name)", role: role, agency: agency, by: cli)
            return try portal.authenticate(token: portal.login(username: u.username, password: "password-\(name)", client: "test").token)
        }
        admin = try user("admin", .administrator, nil)
        editorA = try user("editor-tnmt", .editor, "so-tnmt")
        approverA = try user("leader-tnmt", .approver, "so-tnmt")
        approverA2 = try user("deputy-tnmt", .approver, "so-tnmt")
        editorB = try user("editor-gtvt", .editor, "so-gtvt")
        approverB = try user("leader-gtvt", .approver, "so-gtvt")
    }

    /// What Ingest does for an upload: a new unpublished version of the dataset.
    @discardableResult
    func ingestDraft(_ dataset: String, features: Int = 10, checksum: String = UUID().uuidString) throws -> Int {
        try db.write { db in
            let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE slug = ?", arguments: [dataset])!
            let n = (try Int.fetchOne(db, sql: "SELECT MAX(number) FROM dataset_versions WHERE dataset_id = ?", arguments: [id]) ?? 0) + 1
            try db.execute(sql: "INSERT INTO dataset_versions (dataset_id, number, status, feature_count, checksum, created_at) VALUES (?, ?, 'draft', ?, ?, ?)",
                           arguments: [id, n, features, checksum, PortalService.stamp(clock.now)])
            return n
        }
    }
}
