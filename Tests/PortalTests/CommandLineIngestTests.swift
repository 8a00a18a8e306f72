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

/// `ingest`, `datasets`, `export`, `verify DATASET` and `tiles build` run on PostGIS; every other
/// command given a PostGIS URL says so, instead of taking the URL for a file name and making a
/// store called "postgres:".
@Suite struct PostGISURLRefusedTests {
    let scratch = ScratchDirectory("cli-postgis-url")

    @Test(arguments: [["serve"], ["users", "list"], ["verify", "--all"], ["restore", "bando-20260101T000000Z"], ["backup", "--to", "backups"]])
    func aCommandNotYetOnPostGISRefusesItsURL(_ command: [String]) throws {
        let url = "postgres://bando@127.0.0.1:1/bando?schema=bando"
        let r = try Run.process(TestPaths.bandoBinary, command + ["--store", url], currentDirectory: scratch.url)
        #expect(!r.succeeded)
        #expect(r.stderr.contains("runs on a SpatiaLite store file for now"), "\(command): \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty, "\(command) left files behind")
    }
}
