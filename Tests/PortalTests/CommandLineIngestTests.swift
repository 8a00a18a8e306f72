import Foundation
import Testing
import TestSupport
import GeoStore
@testable import Portal

/// `bando ingest` publishes from the command line: the audit log says who did it.
@Suite struct CommandLineIngestTests {
    let scratch = ScratchDirectory("cli-ingest")

    func ingest(_ extra: [String]) throws -> (Store, [PortalService.AuditEntry]) {
        let storePath = scratch.path("\(UUID().uuidString).sqlite")
        let r = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/communes.geojson").path,
                                                        "--dataset", "xa-hue", "--store", storePath] + extra)
        #expect(r.succeeded, "\(r.stderr)")
        let store = try Store(path: storePath)
        let log = try PortalService(store: store).auditLog(by: PortalService.commandLine, dataset: "xa-hue")
        return (store, log)
    }

    @Test func publicationNamesThePersonGivenWithBy() throws {
        let (store, log) = try ingest(["--by", "Nguyễn Văn An"])
        let entry = try #require(log.last)
        #expect(entry.action == "ingest.publish")
        #expect(entry.username == "Nguyễn Văn An")
        #expect(entry.versionNumber == 1)
        #expect(entry.detail?.contains("communes.geojson") == true)
        let published = try #require(try store.published(slug: "xa-hue"))
        #expect(published.version.number == 1)
        #expect(entry.checksum == published.version.checksum)
    }

    @Test func withoutByTheOperatingSystemUserIsRecorded() throws {
        let (_, log) = try ingest([])
        let who = try Run.process("id", ["-un"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!who.isEmpty)
        #expect(log.map(\.username) == [who])
        #expect(log.map(\.action) == ["ingest.publish"])
    }

    @Test func draftIsRecordedAndStaysUnpublished() throws {
        let (store, log) = try ingest(["--draft", "--by", "an"])
        #expect(log.map(\.action) == ["ingest.draft"])
        #expect(try store.published(slug: "xa-hue") == nil)
    }
}

/// Every command runs on PostGIS but `backup` and `restore`, which copy a SpatiaLite file: given a
/// PostGIS URL they say what to use instead (PostgreSQL's own tools), rather than taking the URL
/// for a file name and making a store called "postgres:".
@Suite struct PostGISURLRefusedTests {
    let scratch = ScratchDirectory("cli-postgis-url")

    @Test(arguments: [["restore", "bando-20260101T000000Z"], ["backup", "--to", "backups"]])
    func aCommandThatCopiesTheFileRefusesAPostGISURL(_ command: [String]) throws {
        let url = "postgres://bando@127.0.0.1:1/bando?schema=bando"
        let r = try Run.process(TestPaths.bandoBinary, command + ["--store", url], currentDirectory: scratch.url)
        #expect(!r.succeeded)
        #expect(r.stderr.contains("pg_dump"), "\(command): \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty, "\(command) left files behind")
    }
}

/// The portal's commands and the whole integrity check on a PostGIS store: an ingest is
/// recorded in the audit log there as on SQLite, accounts are made and listed, and
/// `verify --all` recomputes every version and walks the audit chain.
@Suite struct PostGISCommandLineTests {
    let scratch = ScratchDirectory("cli-postgis")

    @Test func ingestUsersAndTheWholeCheckRunOnPostGIS() throws {
        let store = "\(try TestPostgres.url())?schema=\(TestPostgres.newSchema("cli"))"
        func bando(_ args: [String], stdin: String? = nil) throws -> ProcessResult {
            try Run.process(TestPaths.bandoBinary, args + ["--store", store], currentDirectory: scratch.url, stdin: stdin.map { Data($0.utf8) })
        }
        let ingest = try bando(["ingest", TestPaths.fixture("hue/communes.geojson").path, "--dataset", "xa-hue", "--by", "an"])
        try #require(ingest.succeeded, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("recorded in the audit log as published by an"))
        #expect(try bando(["agencies", "add", "so-tnmt", "--name", "Sở Tài nguyên và Môi trường"]).succeeded)
        let add = try bando(["users", "add", "bien-tap", "--role", "editor", "--agency", "so-tnmt", "--password-stdin"], stdin: "mat-khau-du-dai-1\n")
        #expect(add.succeeded, "\(add.stderr)")
        let list = try bando(["users", "list"])
        #expect(list.stdout.contains("bien-tap\teditor\tso-tnmt\tactive"), "\(list.stdout) \(list.stderr)")
        let verify = try bando(["verify", "--all"])
        #expect(verify.succeeded, "\(verify.stdout) \(verify.stderr)")
        // Three audit rows: the ingest, the agency and the account, chained.
        #expect(verify.stdout.contains("audit log\t3 rows"), "\(verify.stdout)")
        // Nothing was made in the working folder: the store is the database.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
    }
}
