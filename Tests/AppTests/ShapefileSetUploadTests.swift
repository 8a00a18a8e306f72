import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Portal
import PublicErrors
@testable import App

/// A shapefile sent as its loose files (one `<input type=file multiple>`) is ingested as one
/// shapefile, through the workspace's form and through the JSON API; a set missing a part is
/// refused with the part named, before anything is read.
@Suite struct ShapefileSetUploadTests {
    /// The files of the Huế communes shapefile, as a browser sends them.
    static func communes(_ extensions: [String] = ["shp", "shx", "dbf", "prj", "cpg"]) throws -> [(String, Data)] {
        try extensions.map { ("communes-utm48n.\($0)", try Data(contentsOf: TestPaths.fixture("hue/communes-utm48n.\($0)"))) }
    }

    static func multipart(_ files: [(String, Data)]) -> (String, ByteBuffer) {
        let boundary = "loose-set-boundary"
        var d = Data()
        for (name, content) in files {
            d.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            d.append(content)
            d.append(Data("\r\n".utf8))
        }
        d.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(bytes: d))
    }

    @Test func aLooseSetIsIngestedAndAnIncompleteOneIsRefusedByName() async throws {
        let f = try StaffFixture()
        let portal = f.portal
        try await f.app.test(.router) { c in
            var editor = StaffBrowser()
            try await editor.signIn(c, "bien-tap")
            let (_, _, ws) = try await editor.get(c, "/workspace?lang=vi")
            #expect(ws.contains("type=\"file\" multiple") && ws.contains(".shp,.shx,.dbf"))
            let action = try #require(StaffBrowser.action(ws, startingWith: "/workspace/xa-hue/upload"))
            func send(_ files: [(String, Data)]) async throws -> (HTTPResponse.Status, HTTPFields, String) {
                let (type, body) = Self.multipart(files)
                let r = try await c.execute(uri: action, method: .post, headers: editor.headers([.contentType: type]), body: body)
                return (r.status, r.headers, String(buffer: r.body))
            }

            // Without its .dbf: refused, the missing part named, nothing written.
            let (s1, _, p1) = try await send(try Self.communes(["shp", "shx", "prj"]))
            #expect(s1 == .badRequest && p1.contains(".dbf") && p1.contains("communes-utm48n.shp") && p1.contains("role=\"alert\""), "\(p1)")
            let (s2, _, p2) = try await send(try Self.communes(["shp", "dbf"]) + [("khac.shp", Data())])
            #expect(s2 == .badRequest && p2.contains(SafeMessage("portal.upload.shapefile.severalShp", ["files": "communes-utm48n.shp, khac.shp"]).text(in: .vi)), "\(p2)")
            #expect(try portal.versions(dataset: "xa-hue", by: PortalService.commandLine).isEmpty)

            // The whole set: one version, read as a shapefile in its own CRS.
            let (s3, h3, _) = try await send(try Self.communes())
            #expect(s3 == .seeOther && h3[.location] == "/workspace/xa-hue/versions/1?done=uploaded&lang=vi")
            let (_, _, review) = try await editor.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            #expect(review.contains("Số đối tượng đã đọc</th><td>152") && review.contains("commune_vn"), "\(review)")
            let history = try portal.versionHistory(dataset: "xa-hue", number: 1, by: PortalService.commandLine)
            #expect(history.first?.detail?.contains("communes-utm48n.dbf") == true)

            // The JSON API is the same path.
            let (type, body) = Self.multipart(try Self.communes(["shp", "dbf", "prj"]))
            let bad = try await c.execute(uri: "/api/portal/datasets/xa-hue/uploads", method: .post,
                                          headers: [.cookie: editor.cookieHeader, .contentType: type], body: body)
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains(".shx"))
            let (type2, body2) = Self.multipart(try Self.communes())
            let good = try await c.execute(uri: "/api/portal/datasets/xa-hue/uploads", method: .post,
                                           headers: [.cookie: editor.cookieHeader, .contentType: type2], body: body2)
            #expect(good.status == .created && String(buffer: good.body).contains("\"featureCount\":152"), "\(String(buffer: good.body))")
        }
    }
}

@Suite struct ShapefileSetTests {
    @Test func aSetIsCheckedByItsNames() throws {
        #expect(try ShapefileSet.check(["a.SHP", "a.shx", "a.dbf", "a.prj"]) == "a")
        #expect(ShapefileSet.isSet(["a.shp"]) && ShapefileSet.isSet(["a.dbf", "a.prj"]) && !ShapefileSet.isSet(["x.zip"]) && !ShapefileSet.isSet(["x.geojson"]))
        func key(_ names: [String]) -> String? {
            do { try ShapefileSet.check(names); return nil } catch { return error.message.key }
        }
        #expect(key(["a.shp", "a.shx"]) == "portal.upload.shapefile.missing")
        #expect(key(["a.shp", "a.shx", "b.dbf"]) == "portal.upload.shapefile.missing")
        #expect(key(["a.dbf", "a.shx"]) == "portal.upload.shapefile.noShp")
        #expect(key(["a.shp", "b.shp", "a.shx", "a.dbf"]) == "portal.upload.shapefile.severalShp")
        #expect(key(["a.shp", "a.shx", "a.dbf", "notes.docx"]) == "portal.upload.shapefile.otherFile")
    }
}
