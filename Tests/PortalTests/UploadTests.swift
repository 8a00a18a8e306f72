import Foundation
import Testing
import PublicErrors
import TestSupport
@testable import Portal

@Suite struct UploadTests {
    let scratch = ScratchDirectory("portal-upload")

    func zip(_ name: String, entries: [String]) throws -> URL {
        let path = scratch.path(name)
        let r = try Run.process("/usr/bin/python3", ["-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                for n in sys.argv[2:]:
                    z.writestr(n, 'x')
            """, path] + entries)
        #expect(r.succeeded, "\(r.stderr)")
        return URL(fileURLWithPath: path)
    }

    @Test func kindsAreToldByContentNotName() throws {
        let gj = URL(fileURLWithPath: scratch.path("a.zip"))
        try Data("\u{FEFF}\n  {\"type\":\"FeatureCollection\",\"features\":[]}".utf8).write(to: gj)
        #expect(try UploadCheck.check(gj) == .geojson)
        #expect(try UploadCheck.check(zip("ok.zip", entries: ["roads/roads.shp", "roads/roads.dbf"])) == .zip)
        let exe = URL(fileURLWithPath: scratch.path("x.geojson"))
        try Data([0x7F, 0x45, 0x4C, 0x46, 1, 2]).write(to: exe)
        #expect(throws: PortalError.self) { try UploadCheck.check(exe) }
        let empty = URL(fileURLWithPath: scratch.path("e.geojson"))
        try Data().write(to: empty)
        #expect(throws: PortalError.self) { try UploadCheck.check(empty) }
    }

    @Test func zipPathsThatEscapeAreRefused() throws {
        for bad in ["../evil.shp", "data/../../evil.shp", "/etc/passwd", "..\\win.shp"] {
            let z = try zip("bad.zip", entries: ["ok.shp", bad])
            do { _ = try UploadCheck.check(z); Issue.record("\(bad) accepted") } catch {
                #expect(error.kind == .invalid)
                #expect(error.message.description.contains("escapes"))
            }
        }
        // A name that merely contains two dots is fine.
        _ = try UploadCheck.check(zip("dots.zip", entries: ["roads..v2.shp"]))
    }

    @Test func multipartFileIsExtractedFromASpooledBody() throws {
        let boundary = "----bando42"
        // A payload bigger than one read chunk, holding CR LF and dashes, split across chunk ends.
        var payload = Data()
        for i in 0..<150_000 { payload.append(contentsOf: Array("line \(i)\r\n--".utf8)) }
        var body = Data()
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8))
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\data\\roads.geojson\"\r\nContent-Type: application/geo+json\r\n\r\n".utf8))
        body.append(payload)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let src = URL(fileURLWithPath: scratch.path("body")), dst = URL(fileURLWithPath: scratch.path("file"))
        try body.write(to: src)
        #expect(MultipartFile.boundary(contentType: "multipart/form-data; boundary=\"\(boundary)\"") == boundary)
        let name = try MultipartFile.extractFirstFile(from: src, boundary: boundary, to: dst)
        #expect(name == "roads.geojson")
        #expect(try Data(contentsOf: dst) == payload)

        // A cut transfer is an error, not a shorter file.
        try body.prefix(body.count - 20).write(to: src)
        #expect(throws: PortalError.self) { try MultipartFile.extractFirstFile(from: src, boundary: boundary, to: dst) }
    }
}
