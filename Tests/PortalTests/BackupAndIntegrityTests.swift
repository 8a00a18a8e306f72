import Foundation
import Testing
import TestSupport
import GRDB
import GeoStore
import Portal

/// Issue 17: backups taken while the server runs, restored into a new store and checked; the
/// audit log as a hash chain whose edited or deleted rows `bando verify --all` names.
@Suite(.serialized, .printsChildLogsOnFailure) struct BackupAndIntegrityTests {
    /// Six audit rows written through the portal, then edited and deleted by hand (the store's
    /// own triggers dropped first, as someone with the file would): the walk names both rows,
    /// and so does `bando verify --all`.
    @Test func theAuditChainNamesAnEditedAndADeletedRow() throws {
        let scratch = ScratchDirectory("audit-chain")
        let path = scratch.path("s.sqlite")
        let store = try Store(path: path)
        let portal = PortalService(store: store, hasher: PasswordHasher(cost: 4))
        for i in 0..<6 { try portal.createAgency(slug: "so-\(i)", name: "Sở số \(i)", by: PortalService.commandLine) }
        #expect(try store.verifyAuditChain().isEmpty)
        let ids = try store.pool.read { try Int64.fetchAll($0, sql: "SELECT id FROM audit_log ORDER BY id") }
        try #require(ids.count == 6)
        // The store refuses an edit of a sealed row by itself.
        #expect(throws: (any Error).self) {
            try store.pool.write { try $0.execute(sql: "UPDATE audit_log SET detail = 'khác' WHERE id = ?", arguments: [ids[1]]) }
        }
        let clean = try Run.process(TestPaths.bandoBinary, ["verify", "--all", "--store", path])
        #expect(clean.succeeded && clean.stdout.contains("audit log") && clean.stdout.contains("OK"), "\(clean.stdout)\(clean.stderr)")

        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete")
            try db.execute(sql: "UPDATE audit_log SET detail = 'Sở giả mạo' WHERE id = ?", arguments: [ids[1]])
            try db.execute(sql: "DELETE FROM audit_log WHERE id = ?", arguments: [ids[3]])
        }
        #expect(try store.verifyAuditChain() == [AuditChainProblem(rowID: ids[1], kind: .changed),
                                                  AuditChainProblem(rowID: ids[4], kind: .unchained(after: ids[2]))])
        let r = try Run.process(TestPaths.bandoBinary, ["verify", "--all", "--store", path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("audit row \(ids[1]) was changed after it was written"), "\(r.stdout)")
        #expect(r.stdout.contains("audit row \(ids[4]) does not follow row \(ids[2])"), "\(r.stdout)")
    }

    /// The demo store is served while a fourth dataset is being ingested into it; a backup taken
    /// then restores into a new store that passes `verify --all`, and served from there, every
    /// published version downloads byte for byte as from the original.
    @Test func aBackupTakenWhileServingRestoresToTheSameDownloads() throws {
        let scratch = ScratchDirectory("backup-restore")
        let store = scratch.path("live/bando.sqlite")
        try FileManager.default.createDirectory(atPath: scratch.path("live"), withIntermediateDirectories: true)
        let load = try Run.process("bash", [TestPaths.fixture("load-demo.sh").path, TestPaths.bandoBinary, store], currentDirectory: TestPaths.root)
        try #require(load.succeeded, "load-demo.sh: \(load.stderr)")
        let port = freeLocalPort()
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port), "--tiles", scratch.path("no-tiles")],
                                           log: scratch.path("serve.log"), currentDirectory: TestPaths.root)
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        // An ingest writing to the same store while the backup runs.
        let big = scratch.path("big.geojson")
        try LargeFixtures.repeatedCommunes(6, to: big)
        let ingest = try BackgroundProcess(TestPaths.bandoBinary, ["ingest", big, "--dataset", "xa-lap-lai", "--store", store],
                                           log: scratch.path("ingest.log"))
        let backups = scratch.path("backups")
        let b = try Run.process(TestPaths.bandoBinary, ["backup", "--to", backups, "--store", store])
        try #require(b.succeeded, "backup: \(b.stderr)")
        try ingest.wait(for: "the ingest to end") { !ingest.isRunning }
        let folders = try FileManager.default.contentsOfDirectory(atPath: backups)
        try #require(folders.count == 1 && folders[0].hasPrefix("bando-"), "\(folders)")
        let folder = (backups as NSString).appendingPathComponent(folders[0])
        let manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json")))
        // The three demo datasets' versions at least (the fourth if its ingest had published by then).
        let demo = ["huyen", "xa-phuong-hue", "xa-quang-ngai-vn2000"]
        #expect(Set(manifest.versions.map(\.dataset)).isSuperset(of: demo))
        #expect(manifest.fileSHA256.count == 64 && manifest.auditRows > 0)

        let restored = scratch.path("restored/bando.sqlite")
        let r = try Run.process(TestPaths.bandoBinary, ["restore", folder, "--store", restored])
        try #require(r.succeeded, "restore: \(r.stderr)")
        #expect(r.stdout.contains("versions and"))
        let v = try Run.process(TestPaths.bandoBinary, ["verify", "--all", "--store", restored])
        #expect(v.succeeded, "verify --all on the restored store: \(v.stdout)\(v.stderr)")
        // Restoring over a file that exists is refused, naming what to do.
        let again = try Run.process(TestPaths.bandoBinary, ["restore", folder, "--store", restored])
        #expect(again.status != 0 && again.stderr.contains("restore into a new file"), "\(again.stderr)")

        let port2 = freeLocalPort()
        let second = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", restored, "--port", String(port2), "--tiles", scratch.path("no-tiles")],
                                           log: scratch.path("serve-restored.log"), currentDirectory: TestPaths.root)
        defer { second.stop() }
        try second.waitForHTTP(port: port2)
        for version in manifest.versions {
            for ext in ["geojson", "csv", "kml"] {
                let path = "/downloads/\(version.dataset)/v\(version.number).\(ext)"
                let a = scratch.path("a-\(version.dataset)-\(version.number).\(ext)"), c = scratch.path("b-\(version.dataset)-\(version.number).\(ext)")
                let one = try Run.process("curl", ["-sf", "-o", a, "http://127.0.0.1:\(port)\(path)"])
                let two = try Run.process("curl", ["-sf", "-o", c, "http://127.0.0.1:\(port2)\(path)"])
                #expect(one.succeeded && two.succeeded, "\(path): \(one.stderr) \(two.stderr)")
                let bytesA = try Data(contentsOf: URL(fileURLWithPath: a)), bytesB = try Data(contentsOf: URL(fileURLWithPath: c))
                #expect(!bytesA.isEmpty && bytesA == bytesB, "\(path) differs after the restore")
            }
        }
        #expect(server.isRunning, "the server stopped during the backup: \(server.logTail())")
    }

    /// A damaged copy is refused before anything is written.
    @Test func aDamagedBackupIsRefused() throws {
        let scratch = ScratchDirectory("backup-damaged")
        let store = scratch.path("s.sqlite")
        let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/districts.zip").path, "--dataset", "huyen", "--store", store])
        try #require(ingest.succeeded, "\(ingest.stderr)")
        let b = try Run.process(TestPaths.bandoBinary, ["backup", "--to", scratch.path("b"), "--store", store])
        try #require(b.succeeded, "\(b.stderr)")
        let folder = scratch.path("b/" + (try FileManager.default.contentsOfDirectory(atPath: scratch.path("b"))[0]))
        let file = folder + "/bando.sqlite"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file))
        let r = try Run.process(TestPaths.bandoBinary, ["restore", folder, "--store", scratch.path("new.sqlite")])
        #expect(r.status != 0 && r.stderr.contains("damaged"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("new.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("new.sqlite.restoring")))
    }

    /// A backup onto a full disk (a 512 KB tmpfs) fails with a message that says so, leaves no
    /// half folder, and the store is untouched.
    @Test func aBackupOntoAFullDiskSaysSoAndLeavesNothing() throws {
        let scratch = ScratchDirectory("backup-full")
        let store = scratch.path("s.sqlite")
        let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/communes.geojson").path, "--dataset", "xa", "--store", store])
        try #require(ingest.succeeded, "\(ingest.stderr)")
        let tiny = scratch.path("tiny")
        try FileManager.default.createDirectory(atPath: tiny, withIntermediateDirectories: true)
        let mount = try Run.process("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", tiny])
        try #require(mount.succeeded, "this test mounts a small tmpfs and needs root: \(mount.stderr)")
        defer { _ = try? Run.process("umount", [tiny]) }
        let b = try Run.process(TestPaths.bandoBinary, ["backup", "--to", tiny, "--store", store])
        #expect(b.status != 0)
        #expect(b.stderr.contains("the disk is full"), "\(b.stderr)")
        #expect(!b.stderr.contains("SQLITE") && !b.stderr.contains(tiny), "\(b.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tiny).isEmpty)
        let v = try Run.process(TestPaths.bandoBinary, ["verify", "--all", "--store", store])
        #expect(v.succeeded, "\(v.stdout)")
    }

    /// `bando serve --backup-dir`: backups made on the server's period (a few seconds here), rotated,
    /// and shown on `/healthz?details`; a backup folder that cannot be used is logged and shown
    /// there, and the server keeps serving.
    @Test func serveMakesBackupsOnItsPeriodAndAFailureIsShownNotFatal() throws {
        let scratch = ScratchDirectory("backup-serve")
        let store = scratch.path("s.sqlite")
        let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/districts.zip").path, "--dataset", "huyen", "--store", store])
        try #require(ingest.succeeded, "\(ingest.stderr)")
        let folder = scratch.path("backups")
        let port = freeLocalPort()
        // About every 1.1 s: three in a few seconds (folder names have whole seconds).
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port), "--tiles", scratch.path("none"),
                                                                   "--backup-dir", folder, "--backup-keep", "1", "--backup-every-hours", "0.0003"],
                                           log: scratch.path("serve.log"), currentDirectory: TestPaths.root)
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        try server.wait(for: "three backups") { server.logText.components(separatedBy: "backup written: ").count > 3 }
        // Kept: the newest and the month's first (the first one made); each one whole and restorable.
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("bando-") }.sorted()
        #expect(kept.count == 2, "\(kept)")
        let restored = try Run.process(TestPaths.bandoBinary, ["restore", folder + "/" + kept.last!, "--store", scratch.path("r.sqlite")])
        #expect(restored.succeeded, "\(restored.stderr)")
        let details = try Run.process("curl", ["-sf", "http://127.0.0.1:\(port)/healthz?details"])
        let status = try #require(try JSONSerialization.jsonObject(with: Data(details.stdout.utf8)) as? [String: Any])
        let backup = try #require(status["backup"] as? [String: Any])
        #expect((backup["made"] as? Int ?? 0) >= 3 && (backup["lastBackup"] as? String)?.hasPrefix("bando-") == true)

        // A backup folder that is a file: every backup fails, the server stays up and says so.
        let notAFolder = scratch.path("a-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: notAFolder))
        let port2 = freeLocalPort()
        let second = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port2), "--tiles", scratch.path("none"),
                                                                   "--backup-dir", notAFolder, "--backup-every-hours", "0.0003"],
                                           log: scratch.path("serve2.log"), currentDirectory: TestPaths.root)
        defer { second.stop() }
        try second.waitForHTTP(port: port2)
        try second.waitForLog("backup failed: the backup folder cannot be created")
        let health = try Run.process("curl", ["-sf", "http://127.0.0.1:\(port2)/healthz?details"])
        let failed = try #require((try JSONSerialization.jsonObject(with: Data(health.stdout.utf8)) as? [String: Any])?["backup"] as? [String: Any])
        #expect((failed["failures"] as? Int ?? 0) >= 1 && (failed["lastError"] as? String)?.contains("cannot be created") == true)
        let tile = try Run.process("curl", ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port2)/tiles/huyen.json"])
        #expect(tile.succeeded && second.isRunning)
    }

    /// Rotation keeps the newest N and the first backup of each month.
    @Test func rotationKeepsTheNewestAndEachMonthsFirst() {
        let names = ["bando-20260903T010000Z", "bando-20260915T010000Z", "bando-20261001T020000Z", "bando-20261002T020000Z",
                     "bando-20261128T020000Z", "bando-20261129T020000Z", "bando-20261130T020000Z", "notes.txt", ".bando-x.partial"]
        #expect(Set(BackupRotation.toDelete(names, keep: 2)) == ["bando-20260915T010000Z", "bando-20261002T020000Z"])
        #expect(BackupRotation.toDelete(names, keep: 100).isEmpty)
    }
}
