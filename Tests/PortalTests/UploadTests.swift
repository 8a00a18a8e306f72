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

    /// A zip bomb is refused from its directory, before anything is inflated: too many entries,
    /// too many bytes once inflated, or an end record that counts entries the zip does not hold.
    @Test func zipBombsAreRefusedFromTheDirectory() throws {
        let many = try zip("many.zip", entries: (0...1000).map { "rac/\($0).txt" })
        #expect(try UploadCheck.check(zip("few.zip", entries: (1...1000).map { "rac/\($0).txt" })) == .zip)
        do { _ = try UploadCheck.check(many); Issue.record("1,001 entries accepted") } catch {
            #expect(error.message.key == "portal.upload.zipEntries")
            #expect(error.message.text(in: .en).contains("1000"))
        }
        #expect(try UploadCheck.check(many, limits: UploadLimits(maxZipEntries: 2000)) == .zip)

        // 3 MB of zeros, a few KB zipped: over a 2 MB limit, under the default.
        let big = scratch.path("big.zip")
        let r = try Run.process("/usr/bin/python3", ["-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('diem.dbf', bytes(3 << 20))
            """, big])
        try #require(r.succeeded, "\(r.stderr)")
        let zipped = try #require(try FileManager.default.attributesOfItem(atPath: big)[.size] as? Int)
        #expect(zipped < 100_000)
        do { _ = try UploadCheck.check(URL(fileURLWithPath: big), limits: UploadLimits(maxUnzippedBytes: 2 << 20)); Issue.record("3 MB inflated accepted") } catch {
            #expect(error.message.key == "portal.upload.zipUnzipped")
        }
        #expect(try UploadCheck.check(URL(fileURLWithPath: big)) == .zip)

        // The end record says 256 entries; the directory holds two.
        var bytes = try Data(contentsOf: zip("lying.zip", entries: ["a.shp", "a.dbf"]))
        let end = try #require(bytes.lastRange(of: Data([0x50, 0x4B, 0x05, 0x06]))).lowerBound
        for offset in [8, 10] { bytes[end + offset] = 0x00; bytes[end + offset + 1] = 0x01 }
        let lying = URL(fileURLWithPath: scratch.path("lying.zip"))
        try bytes.write(to: lying)
        do { _ = try UploadCheck.check(lying, limits: UploadLimits(maxZipEntries: 300)); Issue.record("a lying end record accepted") } catch {
            #expect(error.message.key == "portal.upload.zipDamaged")
        }
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

    /// 64 MB in a multipart form, its content full of near-delimiters (`\r\n--` and the
    /// boundary's first letters) at every offset, including across the reader's chunk ends:
    /// the file comes out byte for byte. (The reader used to search its whole growing buffer
    /// again at every chunk; it now looks at each byte once, plus a delimiter's length.)
    @Test func a64MBMultipartBodyIsExtractedExactly() throws {
        let boundary = "----bandoBoundaryZ"
        var payload = [UInt8]()
        payload.reserveCapacity(64 << 20)
        var i = 0
        while payload.count < 64 << 20 {
            payload += Array("\r\n--\(boundary.prefix(i % boundary.count))\(i)".utf8)
            if i % 97 == 0 { payload += [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 1000 + i % 4096) }
            i += 1
        }
        var body = Array("preamble\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.geojson\"\r\n\r\n".utf8)
        body += payload
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let src = URL(fileURLWithPath: scratch.path("big-body")), dst = URL(fileURLWithPath: scratch.path("big-file"))
        try Data(body).write(to: src)
        #expect(try MultipartFile.extractFirstFile(from: src, boundary: boundary, to: dst) == "big.geojson")
        let out = try Data(contentsOf: dst)
        #expect(out.count == payload.count)
        #expect(out == Data(payload))
    }

    /// A file over the limit is refused as too large, whatever its framing says.
    @Test func aMultipartFileOverTheLimitIsRefused() throws {
        let boundary = "cap"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.geojson\"\r\n\r\n".utf8)
        body += [UInt8](repeating: 0x41, count: 3 << 20)
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let src = URL(fileURLWithPath: scratch.path("cap-body")), dst = URL(fileURLWithPath: scratch.path("cap-file"))
        try Data(body).write(to: src)
        #expect(try MultipartFile.extractFirstFile(from: src, boundary: boundary, to: dst, limit: 3 << 20) == "a.geojson")
        let e = #expect(throws: PortalError.self) {
            try MultipartFile.extractFirstFile(from: src, boundary: boundary, to: dst, limit: (3 << 20) - 1)
        }
        #expect(e?.kind == .tooLarge)
        #expect(e?.message.description.contains("larger than the limit") == true)
    }

    /// Part headers that never end, and a form without a file, are refused with a reason.
    @Test func malformedFormsAreRefused() throws {
        let src = URL(fileURLWithPath: scratch.path("bad-body")), dst = URL(fileURLWithPath: scratch.path("bad-file"))
        try Data(("--b\r\nContent-Disposition: form-data; name=\"x\"" + String(repeating: "x", count: 100_000)).utf8).write(to: src)
        #expect(throws: PortalError.self) { try MultipartFile.extractFirstFile(from: src, boundary: "b", to: dst) }
        try Data("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue\r\n--b--\r\n".utf8).write(to: src)
        let e = #expect(throws: PortalError.self) { try MultipartFile.extractFirstFile(from: src, boundary: "b", to: dst) }
        #expect(e?.message.description.contains("holds no file") == true)
    }
}
