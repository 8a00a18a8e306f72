import Foundation
import Testing
import TestSupport
@testable import App

/// Spool files a killed server left behind are removed when the app is built; those of a live
/// process are not.
@Suite struct UploadSpoolTests {
    @Test func staleSpoolFilesAreSweptWhenTheAppIsBuilt() async throws {
        let scratch = ScratchDirectory("spool")
        let uploads = scratch.url.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        // A pid that has just ended: the process that wrote its files is gone.
        let gone = ChildProcess()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let deadPID = gone.processIdentifier
        let old = Date(timeIntervalSinceNow: -3600)
        let files: [(name: String, modified: Date, kept: Bool)] = [
            ("bando-upload-\(deadPID)-7C0E8A3D-1111-2222-3333-444455556666.part", Date(), false),
            ("bando-upload-\(deadPID)-7C0E8A3D-1111-2222-3333-444455556666.zip", old, false),
            // An older server's name, without a pid: stale once older than this process.
            ("bando-upload-9F1C2B3A-1111-2222-3333-444455556666.part", old, false),
            ("bando-upload-\(getpid())-7C0E8A3D-1111-2222-3333-444455556666.part", old, true),
            ("bando-upload-9F1C2B3A-1111-2222-3333-777788889999.geojson", Date(timeIntervalSinceNow: 3600), true),
            ("notes.txt", old, true),
        ]
        for f in files {
            let path = uploads.appendingPathComponent(f.name).path
            #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
            try FileManager.default.setAttributes([.modificationDate: f.modified], ofItemAtPath: path)
        }
        var config = AppConfiguration(storePath: scratch.path("s.sqlite"), tilesFolder: scratch.path("no-tiles"), tileCacheMegabytes: 0)
        config.uploadDirectory = uploads.path
        _ = try await buildApplication(config)
        for f in files {
            let exists = FileManager.default.fileExists(atPath: uploads.appendingPathComponent(f.name).path)
            #expect(exists == f.kept, "\(f.name): \(exists ? "still there" : "removed")")
        }
    }
}
