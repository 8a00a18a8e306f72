import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import GeoStore
import Ingest
import Tiles
@testable import Downloads
@testable import App

/// A dataset whose types careless writers lose: an integer code, a real whose first values are
/// whole (`175841.0`, then `347525.55`), Vietnamese names, points (so the CSV has lon/lat), a long
/// Vietnamese title; and the real router over it.
struct TypedFixture: @unchecked Sendable {
    let scratch = ScratchDirectory("typed-downloads")
    let store: Store
    let router: Router<BandoRequestContext>
    static let slug = "diem-dan-cu"
    static let names = ["Phường Phú Hội", "Phường Vĩnh Ninh", "Xã Hương Thọ", "Thị trấn Phong Điền"]
    static let populations = [175841.0, 98000.0, 347525.55, 12000.0]

    init() throws {
        var features: [String] = []
        for (i, (name, population)) in zip(Self.names, Self.populations).enumerated() {
            // Written by hand: whole reals keep their `.0`, as a careful source file has them.
            let p = population == population.rounded() ? String(format: "%.1f", population) : String(population)
            features.append(#"{"type":"Feature","properties":{"ma":\#(101 + i),"ten":"\#(name)","dan_so":\#(p),"loai":"khu dân cư"},"#
                            + #""geometry":{"type":"Point","coordinates":[\#(107.55 + Double(i) / 50),\#(16.45 + Double(i) / 100)]}}"#)
        }
        let path = scratch.path("diem.geojson")
        let text = #"{"type":"FeatureCollection","features":["# + features.joined(separator: ",\n") + "]}"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        store = try Store(path: scratch.path("s.sqlite"))
        _ = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(
            slug: Self.slug, title: "Điểm dân cư đô thị và nông thôn của thành phố Huế năm 2024")), into: store)
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0))
        router = buildRouter(store: store, tiles: tiles, downloads: DownloadCache(store: store, folder: scratch.url.appendingPathComponent("cache")))
    }

    /// Downloads `latest.<ext>` (and, for CSV, `latest.csvt`) into the scratch folder under the
    /// names a browser saves them as; returns the path to hand GDAL.
    func download(_ format: DownloadFormat) async throws -> String {
        let file = scratch.path("\(Self.slug)-v1.\(format.fileExtension)")
        try await Application(router: router).test(.router) { client in
            let r = try await fetch(client, "/downloads/\(Self.slug)/latest.\(format.fileExtension)")
            #expect(r.status == .ok)
            try Data(r.bytes).write(to: URL(fileURLWithPath: file))
            if format == .csv {
                let t = try await fetch(client, "/downloads/\(Self.slug)/latest.csvt")
                #expect(t.status == .ok)
                #expect(t.headers[.contentDisposition] == "attachment; filename=\"\(Self.slug)-v1.csvt\"")
                try Data(t.bytes).write(to: URL(fileURLWithPath: scratch.path("\(Self.slug)-v1.csvt")))
            }
        }
        return format == .shapefile ? "/vsizip/" + file : file
    }
}

/// The types of a file's fields as `ogrinfo` lists them (`ma: Integer64 (0.0)` → ma: Integer64).
func fieldTypes(_ path: String, layer: String? = nil) throws -> [String: String] {
    let r = try Run.process("ogrinfo", ["-ro", "-so", "-al", path] + (layer.map { [$0] } ?? []))
    guard r.succeeded else { throw TestSupportError("ogrinfo could not read \(path): \(r.stderr)") }
    var out: [String: String] = [:]
    for line in r.stdout.split(separator: "\n") {
        guard let colon = line.range(of: ": "), let paren = line.range(of: " (", range: colon.upperBound..<line.endIndex),
              !line.hasPrefix(" "), !line.contains("=") else { continue }
        out[String(line[..<colon.lowerBound])] = String(line[colon.upperBound..<paren.lowerBound])
    }
    return out
}

/// Every download as analysts take it: converted by `ogr2ogr` (to a GeoPackage, as QGIS users
/// do), with the right field types and values.
@Suite struct ClientFormatTests {
    /// Each format converts with ogr2ogr; the integer code is an integer and the same type in
    /// every format, the population a real holding its fractions, the name text.
    @Test func everyFormatConvertsWithItsFieldTypes() async throws {
        let f = try TypedFixture()
        var codeTypes: [DownloadFormat: String] = [:]
        for format in DownloadFormat.allCases {
            let source = try await f.download(format)
            let out = f.scratch.path("converted-\(format.rawValue).gpkg")
            let r = try Run.process("ogr2ogr", ["-f", "GPKG", out, source])
            #expect(r.succeeded, "\(format): ogr2ogr failed: \(r.stderr)")
            guard r.succeeded else { continue }
            let types = try fieldTypes(out)
            codeTypes[format] = types["ma"]
            #expect(["Integer", "Integer64"].contains(types["ma"] ?? ""), "\(format): ma is \(types["ma"] ?? "missing") in \(types)")
            #expect(types["dan_so"] == "Real", "\(format): dan_so is \(types["dan_so"] ?? "missing")")
            #expect(types["ten"] == "String", "\(format): ten is \(types["ten"] ?? "missing")")
            let features = try readWithGDAL(out)
            let byCode = Dictionary(uniqueKeysWithValues: features.compactMap { f -> (Int, [String: Any])? in
                guard let p = f["properties"] as? [String: Any], let code = (p["ma"] as? NSNumber)?.intValue else { return nil }
                return (code, p)
            })
            for (i, name) in TypedFixture.names.enumerated() {
                let p = byCode[101 + i]
                #expect(p?["ten"] as? String == name, "\(format): feature \(101 + i)")
                #expect((p?["dan_so"] as? NSNumber)?.doubleValue == TypedFixture.populations[i], "\(format): dan_so of \(101 + i)")
            }
        }
        #expect(Set(codeTypes.values) == ["Integer"], "the code has one type in every format: \(codeTypes)")
        #expect(codeTypes.count == DownloadFormat.allCases.count)
    }

    /// A real field of the Huế communes (its ids are reals in the source) stays Real in every
    /// download, GeoJSON included, where whole values used to be written without a decimal point.
    @Test func realIdentifiersStayRealEverywhere() async throws {
        let f = try DownloadsFixture()
        try await f.app().test(.router) { client in
            for format in DownloadFormat.allCases {
                let r = try await fetch(client, "/downloads/xa-hue/v2.\(format.fileExtension)")
                let file = f.scratch.path("xa-hue-v2.\(format.fileExtension)")
                try Data(r.bytes).write(to: URL(fileURLWithPath: file))
                if format == .csv {
                    try Data(try await fetch(client, "/downloads/xa-hue/v2.csvt").bytes).write(to: URL(fileURLWithPath: f.scratch.path("xa-hue-v2.csvt")))
                }
                let types = try fieldTypes(format == .shapefile ? "/vsizip/" + file : file)
                for field in ["commune_id", "population"] {
                    #expect(types[field] == "Real", "\(format): \(field) is \(types[field] ?? "missing")")
                }
            }
        }
    }

    /// Without its `.csvt` (a browser saves only the CSV) the file still converts: its id column
    /// is not `fid`, which ogr2ogr takes for the GeoPackage's FID and refuses as text.
    @Test func csvAloneConvertsToGeoPackage() async throws {
        let f = try TypedFixture()
        let csv = try await f.download(.csv)
        try FileManager.default.removeItem(atPath: f.scratch.path("\(TypedFixture.slug)-v1.csvt"))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: csv)))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF] + Array("feature_id,ma,".utf8)), "\(String(decoding: bytes.prefix(40), as: UTF8.self))")
        let out = f.scratch.path("alone.gpkg")
        let r = try Run.process("ogr2ogr", ["-f", "GPKG", out, csv])
        #expect(r.succeeded && !r.stderr.contains("Wrong field type"), "\(r.stderr)")
        #expect(try readWithGDAL(out).count == TypedFixture.names.count)
        let csvt = try Run.process("ogrinfo", ["-ro", "-so", "-al", csv])
        #expect(csvt.stdout.contains("dan_so: String"), "without the .csvt every column is text, as GDAL documents")
    }

    /// The GeoJSON's layer is named after the slug, not the long Vietnamese title.
    @Test func geojsonLayerIsNamedAfterTheSlug() async throws {
        let f = try TypedFixture()
        let file = try await f.download(.geojson)
        let r = try Run.process("ogrinfo", ["-ro", "-q", file])
        #expect(r.stdout.contains("1: \(TypedFixture.slug) (Point)"), "\(r.stdout)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(doc["title"] as? String == "Điểm dân cư đô thị và nông thôn của thành phố Huế năm 2024")
    }

    /// Each KML placemark has a <name>: the dataset's name field, which stays in its data too.
    @Test func kmlPlacemarksHaveNames() async throws {
        let f = try TypedFixture()
        let file = try await f.download(.kml)
        let script = """
        import json, sys, xml.etree.ElementTree as ET
        k = "{http://www.opengis.net/kml/2.2}"
        marks = list(ET.parse(sys.argv[1]).getroot().iter(k + "Placemark"))
        print(json.dumps([{"name": (p.find(k + "name").text if p.find(k + "name") is not None else None),
                           "ten": next((d.text for d in p.iter(k + "SimpleData") if d.get("name") == "ten"), None)} for p in marks]))
        """
        let r = try Run.process("python3", ["-c", script, file])
        try #require(r.succeeded, "\(r.stderr)")
        let marks = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(marks.count == TypedFixture.names.count)
        #expect(marks.compactMap { $0["name"] as? String } == TypedFixture.names)
        #expect(marks.compactMap { $0["ten"] as? String } == TypedFixture.names)
        let gdal = try readWithGDAL(file).compactMap { ($0["properties"] as? [String: Any])?["Name"] as? String }
        #expect(gdal == TypedFixture.names)
    }

    /// GDAL reading the CSV over HTTP (`/vsicurl/`) finds the `.csvt` beside it on the server.
    @Test func gdalReadsTheCSVTypesOverHTTP() throws {
        let f = try TypedFixture()
        let port = freeLocalPort()
        let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", f.store.path, "--port", String(port),
                                                                   "--tiles", f.scratch.path("no-tiles")],
                                           log: f.scratch.path("serve.log"))
        defer { server.stop() }
        try server.waitForHTTP(port: port)
        let url = "/vsicurl/http://127.0.0.1:\(port)/downloads/\(TypedFixture.slug)/latest.csv"
        let types = try fieldTypes(url)
        #expect(types["ma"] == "Integer" && types["dan_so"] == "Real" && types["ten"] == "String", "\(types)")
        let out = f.scratch.path("http.gpkg")
        let r = try Run.process("ogr2ogr", ["-f", "GPKG", out, url])
        #expect(r.succeeded, "\(r.stderr)")
    }
}

/// README.txt and LICENSE.txt in the zip: Vietnamese first, English after, the portal's own
/// reuse terms and "as is" disclaimer in both.
@Suite struct ZipNoticeTests {
    static func pageTexts(_ language: String) throws -> [String: String] {
        let url = TestPaths.root.appendingPathComponent("Sources/Web/Resources/pages.\(language).json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: String])
    }

    @Test func zipTextsAreVietnameseFirstWithThePortalsTerms() throws {
        let f = try DownloadsFixture()
        let subject = try #require(try f.store.published(slug: "xa-hue"))
        let zip = f.scratch.path("z.zip")
        _ = try Exporter(store: f.store).write(subject, as: .shapefile, to: zip)
        let vi = try Self.pageTexts("vi"), en = try Self.pageTexts("en")
        for name in ["README.txt", "LICENSE.txt"] {
            let text = try Run.process("unzip", ["-p", zip, name]).stdout
            #expect(text.hasPrefix("=== TIẾNG VIỆT ==="), "\(name) starts: \(text.prefix(80))")
            func at(_ s: String) -> String.Index? { text.range(of: s)?.lowerBound }
            let english = try #require(at("=== ENGLISH ==="), "\(name) has an English part")
            for key in ["licence_terms", "disclaimer"] {
                let viText = try #require(vi[key]), enText = try #require(en[key])
                let mine = try #require(at(viText), "\(name) lacks the Vietnamese \(key)")
                let theirs = try #require(at(enText), "\(name) lacks the English \(key)")
                #expect(mine < english && english < theirs, "\(name): Vietnamese \(key) first")
            }
            #expect(text.contains("Xã, phường Huế, phiên bản 2"), "\(name): the citation in Vietnamese")
            #expect(!text.contains("{{") && !text.contains("{title}"), "\(name): a placeholder left: \(text)")
        }
        let readme = try Run.process("unzip", ["-p", zip, "README.txt"]).stdout
        #expect(readme.contains("Số đối tượng: 152") && readme.contains("Features: 152"))
    }

    /// The zip's words are the portal's: same reuse terms and disclaimer, same keys in both languages.
    @Test func noticeWordsMatchThePortalPages() throws {
        let vi = NoticeTexts.shared.all(.vi), en = NoticeTexts.shared.all(.en)
        #expect(Set(vi.keys) == Set(en.keys))
        for (language, words) in [("vi", vi), ("en", en)] {
            let pages = try Self.pageTexts(language)
            for key in ["licence_title", "licence_terms", "disclaimer_title", "disclaimer"] {
                #expect(words[key] == pages[key], "\(language) \(key) differs from the portal's page")
            }
        }
    }
}
