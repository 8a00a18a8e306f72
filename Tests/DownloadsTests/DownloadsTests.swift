import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import GeoModel
import Ingest
import Tiles
import GRDB
@testable import Downloads
@testable import App

/// A store with the Huế communes (Vietnamese names) published twice — v1 from the UTM
/// shapefile, v2 from the GeoJSON — and the real router over it, its download cache in a
/// folder the tests can look into.
struct DownloadsFixture: @unchecked Sendable {
    let scratch = ScratchDirectory("downloads")
    let store: Store
    let cache: DownloadCache
    let router: Router<BandoRequestContext>
    var cacheFolder: URL { cache.folder }

    init() throws {
        store = try Store(path: scratch.path("s.sqlite"))
        let meta = DatasetMetadata(slug: "xa-hue", title: "Xã, phường Huế", agencyName: "Sở Tài nguyên và Môi trường",
                                   attribution: "censusVN2009 (Marc Choisy, MIT)")
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes-utm48n.shp").path, metadata: meta), into: store)
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path, metadata: meta), into: store)
        cache = DownloadCache(store: store, folder: scratch.url.appendingPathComponent("cache"))
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0))
        router = buildRouter(store: store, tiles: tiles, downloads: cache)
    }

    func app() -> some ApplicationProtocol { Application(router: router) }
}

struct Fetched {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var bytes: [UInt8]
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

func fetch(_ client: some TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:]) async throws -> Fetched {
    try await client.execute(uri: uri, method: method, headers: headers) { r in
        Fetched(status: r.status, headers: r.headers, bytes: Array(r.body.readableBytesView))
    }
}

/// Every feature of a file as GDAL reads it, converted to GeoJSON by ogr2ogr (the real client).
func readWithGDAL(_ path: String) throws -> [[String: Any]] {
    let r = try Run.process("ogr2ogr", ["-f", "GeoJSON", "/vsistdout/", path])
    guard r.succeeded else { throw TestSupportError("ogr2ogr could not read \(path): \(r.stderr)") }
    let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    return obj?["features"] as? [[String: Any]] ?? []
}

/// The rings of a Polygon or MultiPolygon (or the one "ring" of a point or line), in order.
func rings(_ geometry: Any?) -> [[[Double]]] {
    guard let g = geometry as? [String: Any], let coordinates = g["coordinates"] else { return [] }
    func positions(_ a: Any) -> [[Double]] { (a as? [Any] ?? []).map { ($0 as? [NSNumber] ?? []).map(\.doubleValue) } }
    switch g["type"] as? String {
    case "Point": return [[(coordinates as? [NSNumber] ?? []).map(\.doubleValue)]]
    case "LineString", "MultiPoint": return [positions(coordinates)]
    case "Polygon", "MultiLineString": return (coordinates as? [Any] ?? []).map(positions)
    case "MultiPolygon": return (coordinates as? [Any] ?? []).flatMap { ($0 as? [Any] ?? []).map(positions) }
    default: return []
    }
}

/// Whether two property values read by GDAL are the same value: text equal, or numbers equal
/// to 1e-9 relative (a shapefile's DBF keeps 10 significant digits of a real; CSV and KML
/// carry numbers as text).
func sameValue(_ a: Any?, _ b: Any?) -> Bool {
    func number(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue ?? (v as? String).flatMap(Double.init) }
    if let x = number(a), let y = number(b) { return abs(x - y) <= 1e-9 * max(1, abs(y)) }
    if let x = a as? String, let y = b as? String { return x == y }
    return a == nil && b == nil || (a is NSNull && b is NSNull)
}

/// Every feature of `got` against the same feature of `source` (both as GDAL reads them): each
/// field of `fields` (source name → name in the download) and every vertex of every ring,
/// to 1e-7° (our files keep 7 decimals and more); a ring may come back reversed (a
/// shapefile's outer rings are clockwise).
func expectSameFeatures(_ got: [[String: Any]], as source: [[String: Any]], fields: [(String, String)], _ label: String) throws {
    #expect(got.count == source.count, "\(label): \(got.count) features, the source has \(source.count)")
    for (n, (feature, want)) in try zipNonEmpty(got, source, "\(label): downloaded and source features").enumerated() {
        let p = feature["properties"] as? [String: Any] ?? [:], q = want["properties"] as? [String: Any] ?? [:]
        for (sourceName, name) in fields {
            #expect(sameValue(p[name], q[sourceName]), "\(label) feature \(n + 1) \(name): \(String(describing: p[name])) ≠ \(String(describing: q[sourceName]))")
        }
        let mine = rings(feature["geometry"]), theirs = rings(want["geometry"])
        #expect(mine.map(\.count) == theirs.map(\.count), "\(label) feature \(n + 1): ring sizes \(mine.map(\.count)) vs \(theirs.map(\.count))")
        for (a, b) in zip(mine, theirs) where a.count == b.count {
            func close(_ r: [[Double]]) -> Bool { zip(r, b).allSatisfy { abs($0[0] - $1[0]) < 1e-7 && abs($0[1] - $1[1]) < 1e-7 } }
            #expect(close(a) || close(a.reversed()), "\(label) feature \(n + 1): a ring differs from the source")
        }
    }
}

@Suite struct DownloadFormatTests {
    /// Each format, downloaded over HTTP, opens with GDAL with every feature, every field, the
    /// Vietnamese text intact and every vertex of the source file as GDAL itself reads it (not
    /// as our store holds it: an ingest bug must not cancel out); its bytes match the
    /// published checksum.
    @Test(arguments: DownloadFormat.allCases)
    func opensWithGDAL(format: DownloadFormat) async throws {
        let f = try DownloadsFixture()
        let version = try #require(try f.store.published(slug: "xa-hue")).version
        try await f.app().test(.router) { client in
            let source = try readWithGDAL(TestPaths.fixture("hue/communes.geojson").path)
            #expect(source.count == 152)
            let sourceNames = try #require(source.first?["properties"] as? [String: Any]).keys.sorted()
            #expect(version.fields.map(\.name).sorted() == sourceNames)
            let r = try await fetch(client, "/downloads/xa-hue/v2.\(format.fileExtension)")
            #expect(r.status == .ok)
            #expect(r.headers[.contentDisposition] == "attachment; filename=\"xa-hue-v2.\(format.fileExtension)\"")
            #expect(r.headers[.contentType] == format.mediaType)
            #expect(r.headers[HTTPField.Name("Link")!] == "<https://creativecommons.org/licenses/by/4.0/>; rel=\"license\"")
            // The checksum, checked by sha256sum itself against the file saved under its download name.
            let sum = try await fetch(client, "/downloads/xa-hue/v2.\(format.fileExtension).sha256")
            #expect(sum.status == .ok)
            let file = f.scratch.path("xa-hue-v2.\(format.fileExtension)")
            try Data(r.bytes).write(to: URL(fileURLWithPath: file))
            try Data(sum.bytes).write(to: URL(fileURLWithPath: file + ".sha256"))
            let check = try Run.process("sha256sum", ["-c", file + ".sha256"], currentDirectory: f.scratch.url)
            #expect(check.succeeded, "\(check.stdout) \(check.stderr)")

            let gdalPath = format == .shapefile ? "/vsizip/" + file : file
            let features = try readWithGDAL(gdalPath)
            // A shapefile's field names are cut to 10 bytes (README.txt lists them).
            let names = format == .shapefile ? Exporter.shapefileFieldNames(version.fields).0 : version.fields.map(\.name)
            let props = try #require(features.first?["properties"] as? [String: Any])
            for name in names { #expect(props[name] != nil, "\(format): field \(name) missing; has \(props.keys.sorted())") }
            try expectSameFeatures(features, as: source, fields: Array(zip(version.fields.map(\.name), names)), "\(format)")
        }
    }

    @Test func csvIsExcelFriendlyWithPointColumns() throws {
        let scratch = ScratchDirectory("csv")
        let store = try Store(path: scratch.path("s.sqlite"))
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("features/hue_commune_points.geojson").path,
                                           metadata: DatasetMetadata(slug: "diem")), into: store)
        let subject = try #require(try store.published(slug: "diem"))
        _ = try Exporter(store: store).write(subject, as: .csv, to: scratch.path("d.csv"))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: scratch.path("d.csv"))))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 BOM for Excel")
        let lines = String(decoding: bytes.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header.first == "feature_id" && header.suffix(3) == ["lon", "lat", "WKT"], "\(header)")
        // Each row's lon and lat are the source file's point, as GDAL reads the source.
        let source = try readWithGDAL(TestPaths.fixture("features/hue_commune_points.geojson").path)
        let rows = lines.dropFirst().filter { !$0.isEmpty }
        for (line, feature) in try zipNonEmpty(rows, source, "CSV rows and source points") {
            let p = try #require(rings(feature["geometry"]).first?.first)
            let cells = line.split(separator: ",").map(String.init)
            #expect(abs(Double(cells[cells.count - 3])! - p[0]) < 1e-9 && abs(Double(cells[cells.count - 2])! - p[1]) < 1e-9, "\(line)")
            #expect(cells.last!.hasPrefix("\"POINT ("))
        }
        // GDAL reads the WKT column as the geometry: every point and field of the source.
        try expectSameFeatures(try readWithGDAL(scratch.path("d.csv")), as: source,
                               fields: subject.version.fields.map { ($0.name, $0.name) }, "csv")
    }

    /// A dataset mixing points, lines and polygons becomes one shapefile per type, with a
    /// README saying so; each opens with its share of the features.
    @Test func mixedGeometriesMakeOneShapefilePerType() throws {
        let scratch = ScratchDirectory("mixed")
        let geojson = """
            {"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"tên":"Cầu Trường Tiền"},"geometry":{"type":"LineString","coordinates":[[107.586,16.468],[107.590,16.465]]}},
            {"type":"Feature","properties":{"tên":"Chợ Đông Ba"},"geometry":{"type":"Point","coordinates":[107.588,16.473]}},
            {"type":"Feature","properties":{"tên":"Đại Nội"},"geometry":{"type":"Polygon","coordinates":[[[107.57,16.46],[107.58,16.46],[107.58,16.47],[107.57,16.46]]]}},
            {"type":"Feature","properties":{"tên":"Chùa Thiên Mụ"},"geometry":{"type":"Point","coordinates":[107.545,16.453]}}
            ]}
            """
        try geojson.write(toFile: scratch.path("mixed.geojson"), atomically: true, encoding: .utf8)
        let store = try Store(path: scratch.path("s.sqlite"))
        _ = try Ingestor.run(IngestOptions(path: scratch.path("mixed.geojson"), metadata: DatasetMetadata(slug: "dia-danh", title: "Địa danh Huế")), into: store)
        let subject = try #require(try store.published(slug: "dia-danh"))
        let zip = scratch.path("m.zip")
        _ = try Exporter(store: store).write(subject, as: .shapefile, to: zip)
        let listing = try Run.process("unzip", ["-l", zip]).stdout
        for part in ["points", "lines", "polygons"] { #expect(listing.contains("dia-danh-v1-\(part).shp"), "\(listing)") }
        #expect(listing.contains("README.txt") && listing.contains("LICENSE.txt"))
        let counts = try ["points": 2, "lines": 1, "polygons": 1].map { part, n in
            (n, try readWithGDAL("/vsizip/\(zip)/dia-danh-v1-\(part).shp"))
        }
        for (n, features) in counts { #expect(features.count == n) }
        let names = counts.flatMap { $0.1 }.compactMap { ($0["properties"] as? [String: Any])?["tên"] as? String }
        #expect(Set(names) == ["Cầu Trường Tiền", "Chợ Đông Ba", "Đại Nội", "Chùa Thiên Mụ"])
        let readme = try Run.process("unzip", ["-p", zip, "README.txt"]).stdout
        #expect(readme.contains("one shapefile per type") && readme.contains("Địa danh Huế"))
    }
}

@Suite struct DownloadHTTPTests {
    @Test func rangeRequestsReturnExactlyTheBytesAsked() async throws {
        let f = try DownloadsFixture()
        try await f.app().test(.router) { client in
            let full = try await fetch(client, "/downloads/xa-hue/v1.geojson")
            #expect(full.headers[.acceptRanges] == "bytes")
            let part = try await fetch(client, "/downloads/xa-hue/v1.geojson", headers: [.range: "bytes=100-1099"])
            #expect(part.status == .partialContent)
            #expect(part.bytes == Array(full.bytes[100...1099]))
            #expect(part.headers[.contentRange] == "bytes 100-1099/\(full.bytes.count)")
            let tail = try await fetch(client, "/downloads/xa-hue/v1.geojson", headers: [.range: "bytes=-50"])
            #expect(tail.bytes == Array(full.bytes.suffix(50)))
            let open = try await fetch(client, "/downloads/xa-hue/v1.gpkg", headers: [.range: "bytes=0-"])
            let gpkg = try await fetch(client, "/downloads/xa-hue/v1.gpkg")
            #expect(open.status == .partialContent && open.bytes == gpkg.bytes)

            let past = try await fetch(client, "/downloads/xa-hue/v1.geojson", headers: [.range: "bytes=\(full.bytes.count)-"])
            #expect(past.status == .rangeNotSatisfiable)
            #expect(past.headers[.contentRange] == "bytes */\(full.bytes.count)")
            let bad = try await fetch(client, "/downloads/xa-hue/v1.geojson", headers: [.range: "bytes=abc"])
            #expect(bad.status == .rangeNotSatisfiable)
            #expect(bad.text.contains("bytes=START-END") && bad.text.contains("tệp có \(full.bytes.count) byte"), "\(bad.text)")
            let many = try await fetch(client, "/downloads/xa-hue/v1.geojson", headers: [.range: "bytes=0-1,5-6"])
            #expect(many.status == .rangeNotSatisfiable && many.text.contains("một khoảng"))
        }
    }

    /// The second download is the file the first one produced: same bytes and ETag, the cached
    /// file on disk untouched; a conditional request gets 304.
    @Test func secondDownloadIsServedFromTheCache() async throws {
        let f = try DownloadsFixture()
        let cached = f.cacheFolder.appendingPathComponent("xa-hue/v2.gpkg").path
        #expect(!FileManager.default.fileExists(atPath: cached))
        try await f.app().test(.router) { client in
            let first = try await fetch(client, "/downloads/xa-hue/latest.gpkg")
            #expect(first.status == .ok)
            let attrs = try FileManager.default.attributesOfItem(atPath: cached)
            #expect(try Data(contentsOf: URL(fileURLWithPath: cached)) == Data(first.bytes))
            let second = try await fetch(client, "/downloads/xa-hue/v2.gpkg")
            #expect(second.bytes == first.bytes)
            #expect(second.headers[.eTag] == first.headers[.eTag])
            let again = try FileManager.default.attributesOfItem(atPath: cached)
            #expect(again[.modificationDate] as? Date == attrs[.modificationDate] as? Date)
            #expect(again[.systemFileNumber] as? Int == attrs[.systemFileNumber] as? Int, "the cached file was not rewritten")
            let etag = try #require(first.headers[.eTag])
            let notModified = try await fetch(client, "/downloads/xa-hue/v2.gpkg", headers: [.ifNoneMatch: etag])
            #expect(notModified.status == .notModified && notModified.bytes.isEmpty)
            let lastModified = try #require(first.headers[.lastModified])
            let since = try await fetch(client, "/downloads/xa-hue/v2.gpkg", headers: [.ifModifiedSince: lastModified])
            #expect(since.status == .notModified)
            let known = try #require(f.cache.knownChecksum(dataset: "xa-hue", version: 2, format: .geopackage))
            #expect(known.hasPrefix(etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
        }
        // No temporary file is left beside the cached ones.
        let left = try FileManager.default.subpathsOfDirectory(atPath: f.cacheFolder.path).filter { $0.contains(".tmp") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func textFormatsAreGzippedForClientsThatAsk() async throws {
        let f = try DownloadsFixture()
        try await f.app().test(.router) { client in
            let plain = try await fetch(client, "/downloads/xa-hue/v2.csv")
            let gz = try await fetch(client, "/downloads/xa-hue/v2.csv", headers: [.acceptEncoding: "gzip, deflate"])
            #expect(gz.headers[.contentEncoding] == "gzip")
            #expect(gz.headers[.vary] == "Accept-Encoding")
            #expect(gz.bytes.count < plain.bytes.count / 2)
            try Data(gz.bytes).write(to: URL(fileURLWithPath: f.scratch.path("c.csv.gz")))
            let unzipped = try Run.process("gzip", ["-dc", f.scratch.path("c.csv.gz")])
            #expect(unzipped.succeeded && Array(unzipped.stdout.utf8) == plain.bytes)
            let zip = try await fetch(client, "/downloads/xa-hue/v2.shp.zip", headers: [.acceptEncoding: "gzip"])
            #expect(zip.headers[.contentEncoding] == nil, "a zip is not compressed again")
        }
    }

    @Test func everyPublicVersionAndLatest() async throws {
        let f = try DownloadsFixture()
        // A draft is not public: it cannot be downloaded.
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/communes.geojson").path,
                                           metadata: DatasetMetadata(slug: "xa-hue"), publish: false), into: f.store)
        try await f.app().test(.router) { client in
            let v1 = try await fetch(client, "/downloads/xa-hue/v1.geojson")
            let v2 = try await fetch(client, "/downloads/xa-hue/v2.geojson")
            let latest = try await fetch(client, "/downloads/xa-hue/latest.geojson")
            #expect(v1.status == .ok && v2.status == .ok)
            #expect(latest.bytes == v2.bytes)
            #expect(latest.headers[.contentDisposition] == "attachment; filename=\"xa-hue-v2.geojson\"")
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(v1.bytes)) as? [String: Any])
            #expect(doc["version"] as? Int == 1)
            #expect(doc["licence"] as? String == "CC-BY-4.0")
            #expect(doc["agency"] as? String == "Sở Tài nguyên và Môi trường")
            #expect((doc["citation"] as? String)?.contains("censusVN2009 (Marc Choisy, MIT)") == true)
            let draft = try await fetch(client, "/downloads/xa-hue/v3.geojson")
            #expect(draft.status == .notFound)
            #expect(draft.text.contains("v1, v2"), "\(draft.text)")
        }
    }

    @Test func badInputIsAClear404NamingTheChoices() async throws {
        let f = try DownloadsFixture()
        try await f.app().test(.router) { client in
            let dataset = try await fetch(client, "/downloads/khong-co/latest.geojson")
            #expect(dataset.status == .notFound && dataset.text.contains("xa-hue"), "\(dataset.text)")
            let version = try await fetch(client, "/downloads/xa-hue/v9.kml")
            #expect(version.status == .notFound && version.text.contains("mới nhất = v2"), "\(version.text)")
            let format = try await fetch(client, "/downloads/xa-hue/v1.exe")
            #expect(format.status == .notFound && format.text.contains(".gpkg") && format.text.contains(".exe"), "\(format.text)")
            let name = try await fetch(client, "/downloads/xa-hue/newest.csv")
            #expect(name.status == .notFound && name.text.contains("latest.csv"), "\(name.text)")
            let old = try await fetch(client, "/downloads/xa-hue.geojson")
            #expect(old.status == .movedPermanently && old.headers[.location] == "/downloads/xa-hue/latest.geojson")
            let stats = try await fetch(client, "/api/datasets/khong-co/downloads")
            #expect(stats.status == .notFound && stats.text.contains("xa-hue"))
        }
    }

    /// Downloads are counted per dataset, version, format and day; the table has no column
    /// that could say who downloaded.
    @Test func downloadsAreCountedWithoutIdentity() async throws {
        let f = try DownloadsFixture()
        try await f.app().test(.router) { client in
            var kmlFile = Fetched(status: .ok, headers: [:], bytes: [])
            for uri in ["/downloads/xa-hue/v1.geojson", "/downloads/xa-hue/latest.geojson", "/downloads/xa-hue/v2.geojson", "/downloads/xa-hue/v2.kml"] {
                let r = try await fetch(client, uri)
                #expect(r.status == .ok)
                kmlFile = r
            }
            // Not counted: the checksum, a HEAD and a range after the start, each answered.
            #expect(try await fetch(client, "/downloads/xa-hue/v2.kml.sha256").status == .ok)
            let head = try await fetch(client, "/downloads/xa-hue/v2.kml", method: .head)
            #expect(head.status == .ok && head.bytes.isEmpty, "HEAD: \(head.status), \(head.bytes.count) bytes")
            #expect(head.headers[.contentLength] == String(kmlFile.bytes.count), "HEAD announces the file's length")
            #expect(head.headers[.contentType] == DownloadFormat.kml.mediaType && head.headers[.eTag] == kmlFile.headers[.eTag])
            let range = try await fetch(client, "/downloads/xa-hue/v2.kml", headers: [.range: "bytes=10-20"])
            #expect(range.status == .partialContent && range.bytes == Array(kmlFile.bytes[10...20]))
            let r = try await fetch(client, "/api/datasets/xa-hue/downloads")
            #expect(r.status == .ok)
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.bytes)) as? [String: Any])
            #expect(obj["total"] as? Int == 4)
            #expect(obj["byFormat"] as? [String: Int] == ["geojson": 3, "kml": 1])
            #expect(obj["byVersion"] as? [String: Int] == ["1": 1, "2": 3])
            let files = try #require(obj["files"] as? [[String: Any]])
            let kml = try #require(files.first { $0["version"] as? Int == 2 && $0["format"] as? String == "kml" })
            #expect((kml["sha256"] as? String)?.count == 64)
            // The catalogue API carries the same usage, and the file's checksum as published beside it.
            let entry = try await fetch(client, "/api/catalog/xa-hue")
            let catalogued = try #require(try JSONSerialization.jsonObject(with: Data(entry.bytes)) as? [String: Any])
            let usage = try #require(catalogued["downloadUsage"] as? [String: Any])
            #expect(usage["total"] as? Int == 4)
            let sidecar = String(decoding: try await fetch(client, "/downloads/xa-hue/v2.kml.sha256").bytes, as: UTF8.self)
            let listed = (usage["files"] as? [[String: Any]])?.first { $0["version"] as? Int == 2 && $0["format"] as? String == "kml" }
            let sum = try #require(listed?["sha256"] as? String)
            #expect(sidecar.hasPrefix(sum))
        }
        let columns = try await f.store.pool.read { db in try Row.fetchAll(db, sql: "PRAGMA table_info(download_counts)").map { $0["name"] as String } }
        #expect(Set(columns) == ["dataset_id", "version_number", "format", "day", "count"])
    }

    /// A failed export (here: its feature table is gone) answers 500 and leaves no file in the cache.
    @Test func failedExportLeavesNoBrokenFile() async throws {
        let f = try DownloadsFixture()
        let table = try #require(try f.store.version(dataset: "xa-hue", number: 1)).version.featureTable
        try await f.store.pool.write { db in try db.execute(sql: "SELECT DiscardGeometryColumn(?, 'geom')", arguments: [table]); try db.execute(sql: "DROP TABLE \(quoteIdentifier(table))") }
        try await f.app().test(.router) { client in
            for ext in ["geojson", "gpkg", "shp.zip"] {
                let r = try await fetch(client, "/downloads/xa-hue/v1.\(ext)")
                #expect(r.status == .internalServerError)
            }
        }
        let left = (try? FileManager.default.subpathsOfDirectory(atPath: f.cacheFolder.path)) ?? []
        #expect(left.filter { !$0.hasSuffix("xa-hue") }.isEmpty, "left in the cache: \(left)")
    }
}

@Suite struct VerifyAndExportCLITests {
    @Test func verifyRecomputesAndDetectsAChange() throws {
        let f = try DownloadsFixture()
        for n in [1, 2] {
            let v = try #require(try f.store.version(dataset: "xa-hue", number: n)).version
            let r = try f.store.verifyChecksum(of: v)
            #expect(r.matches && r.featureCount == 152, "v\(n): \(r)")
        }
        let v1 = try #require(try f.store.version(dataset: "xa-hue", number: 1)).version
        try f.store.pool.write { db in try db.execute(sql: "UPDATE \(quoteIdentifier(v1.featureTable)) SET commune_vn = 'Phường Sửa' WHERE fid = 3") }
        #expect(try !f.store.verifyChecksum(of: v1).matches)

        let cli = try Run.process(TestPaths.bandoBinary, ["verify", "xa-hue", "--store", f.store.path])
        #expect(cli.status == 1)
        #expect(cli.stdout.contains("v1\t152 features\tMISMATCH") && cli.stdout.contains("v2\t152 features\tOK"), "\(cli.stdout)\(cli.stderr)")
    }

    @Test func exportCommandWritesTheSameFileWithProgress() async throws {
        let f = try DownloadsFixture()
        let out = f.scratch.path("cli.gpkg")
        let r = try Run.process(TestPaths.bandoBinary, ["export", "xa-hue", "--version", "1", "--format", "gpkg", "-o", out, "--store", f.store.path])
        #expect(r.succeeded, "\(r.stderr)")
        #expect(r.stderr.contains("wrote 152 of 152 features"), "\(r.stderr)")
        let sha = try Run.process("sha256sum", [out]).stdout.prefix(64)
        #expect(r.stdout.hasPrefix(String(sha)))
        #expect(try readWithGDAL(out).count == 152)

        let bad = try Run.process(TestPaths.bandoBinary, ["export", "xa-hue", "--version", "7", "--format", "csv", "-o", f.scratch.path("x.csv"), "--store", f.store.path])
        #expect(!bad.succeeded && bad.stderr.contains("v1, v2"), "\(bad.stderr)")
        let format = try Run.process(TestPaths.bandoBinary, ["export", "xa-hue", "--format", "xlsx", "-o", f.scratch.path("x.xlsx"), "--store", f.store.path])
        #expect(!format.succeeded && format.stderr.contains("geopackage"), "\(format.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.scratch.path("x.csv")) && !FileManager.default.fileExists(atPath: f.scratch.path("x.csv.part")))
    }

    @Test func zipCarriesLicenceAndCitation() throws {
        let f = try DownloadsFixture()
        let subject = try #require(try f.store.published(slug: "xa-hue"))
        let zip = f.scratch.path("z.zip")
        _ = try Exporter(store: f.store).write(subject, as: .shapefile, to: zip)
        let readme = try Run.process("unzip", ["-p", zip, "README.txt"]).stdout
        for s in ["Xã, phường Huế", "Sở Tài nguyên và Môi trường", "version 2", "CC-BY-4.0", "censusVN2009 (Marc Choisy, MIT)", "Disclaimer", subject.version.checksum] {
            #expect(readme.contains(s), "README lacks \(s)")
        }
        let licence = try Run.process("unzip", ["-p", zip, "LICENSE.txt"]).stdout
        #expect(licence.contains("https://creativecommons.org/licenses/by/4.0/") && licence.contains("cite"))
        #expect(try Run.process("unzip", ["-p", zip, "xa-hue-v2.cpg"]).stdout.contains("UTF-8"))
        #expect(try Run.process("unzip", ["-p", zip, "xa-hue-v2.prj"]).stdout.contains("WGS"))
    }
}
