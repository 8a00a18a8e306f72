import Foundation
import GRDB
import Synchronization
import GeoStore
import GeoStorePostGIS
import GeoModel
import Testing
import TestSupport
@testable import Portal

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ d: Date) { value = Mutex(d) }
    var now: Date { value.withLock { $0 } }
    func set(_ d: Date) { value.withLock { $0 = d } }
    func advance(days: Int) { value.withLock { $0 = $0.addingTimeInterval(Double(days) * 86400) } }
}

/// The engine a service test runs on (issue 21: the portal's workflow on both backends), named
/// in the test report.
enum Engine: String, Sendable, CustomTestStringConvertible {
    case sqlite = "SQLite", postgis = "PostGIS"
    static let all: [Engine] = [.sqlite, .postgis]
    var testDescription: String { rawValue }
}

/// A portal over a fresh store made as `bando` makes one (every real migration: a SpatiaLite
/// file, or a schema of its own in the tests' PostgreSQL cluster), with an administrator, two
/// agencies and their editors and approvers. Drafts are written as an ingest writes them
/// (`writeVersion`), never into a copy of the schema.
struct ServiceFixture {
    let scratch = ScratchDirectory("portal-service")
    let engine: Engine
    let store: any ServingStore
    let portal: PortalService
    let clock: TestClock
    let admin: Actor
    let editorA: Actor, approverA: Actor, approverA2: Actor, editorB: Actor, approverB: Actor

    init(_ engine: Engine = .sqlite, at start: Date = vn(2026, 7, 3, 9)) throws {
        self.engine = engine
        switch engine {
        case .sqlite: store = try Store(path: scratch.path("store.sqlite"))
        case .postgis: store = try PostGISStore(url: TestPostgres.url(), schema: TestPostgres.newSchema("service"))
        }
        let clock = TestClock(start)
        self.clock = clock
        let portal = PortalService(store: store, hasher: PasswordHasher(cost: 4), now: { clock.now })
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

    /// Runs `sql` on the store's database beside the code under test (GRDB on the file, psql on
    /// the schema), for the tests that check what is stored, and returns each row's first
    /// column as text, nil for NULL. Throws when the database refuses the statement.
    @discardableResult
    func inspect(_ sql: String) throws -> [String?] {
        switch store {
        case let sqlite as Store:
            return try sqlite.pool.write { db in
                try Row.fetchAll(db, sql: sql).map { row -> String? in
                    switch (row[0] as DatabaseValue).storage {
                    case .null: nil
                    case .int64(let i): String(i)
                    case .double(let d): String(d)
                    case .string(let s): s
                    case .blob(let b): b.base64EncodedString()
                    }
                }
            }
        case let postgis as PostGISStore:
            let null = "<null>"
            let result = try Run.process("psql", [try TestPostgres.url(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-P", "null=\(null)",
                                                  "-c", "SET search_path TO \(postgis.schema), public", "-c", sql])
            guard result.succeeded else { throw TestSupportError("psql refused the statement: \(result.stderr)") }
            return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0 == null ? nil : String($0) }
        default:
            throw TestSupportError("no way to look inside \(type(of: store))")
        }
    }

    /// What Ingest does for an upload: a new unpublished version of the dataset (already in the
    /// catalogue), `features` points whose names say which draft they came from, so each draft
    /// has a checksum of its own. Returns the version's number.
    @discardableResult
    func ingestDraft(_ dataset: String, features: Int = 10) throws -> Int {
        guard try store.dataset(slug: dataset) != nil else { throw TestSupportError("\(dataset) is not in the catalogue") }
        let drafts = try store.dataset(slug: dataset).map { try store.versions(datasetID: $0.id).count } ?? 0
        return try store.writeVersion(DatasetMetadata(slug: dataset), fields: [FieldDefinition(name: "ten", type: .text)],
                                      publish: false, status: .draft, now: clock.now) { sink in
            for i in 0..<features {
                try sink.insert(geometry: .point(Position(107.5 + Double(i) * 0.001, 16.4)), values: [.text("Bản nháp \(drafts + 1), điểm \(i + 1)")])
            }
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "\(dataset).geojson")
        }.number
    }

    /// The checksum the store recorded for version `number` of `dataset`.
    func checksum(_ dataset: String, _ number: Int) throws -> String {
        let d = try #require(try store.dataset(slug: dataset))
        return try #require(try store.versions(datasetID: d.id).first { $0.number == number }).checksum
    }
}
