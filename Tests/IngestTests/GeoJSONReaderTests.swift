import Foundation
import Testing
import TestSupport
import GeoModel
import GeoStore
import GDALKit
@testable import Ingest
import PublicErrors

/// Bando reads GeoJSON itself (GDAL's driver parses the whole file into a tree first): it must
/// give exactly what GDAL gives, field for field, value for value, coordinate for coordinate,
/// and leave to GDAL every file it cannot read that way.
@Suite struct GeoJSONReaderTests {
    let scratch = ScratchDirectory("geojson-reader")

    /// Types, nulls first, 64-bit integers, escapes, 3-D positions, "coordinates" before "type",
    /// empty and null geometries, integer ids, a `name` member: what GDAL types and reads.
    static let awkward = #"""
    {"type": "FeatureCollection", "name": "awkward", "bbox": [100, 10, 110, 20], "features": [
      {"type": "Feature", "id": 7, "properties": {"a": null, "b": 1, "c": true, "big": 3000000000, "mixed": 1, "k": null, "s": "Hu\u1ebf \"x\" \ud83d\ude00", "neg": -0.0},
       "geometry": {"coordinates": [[[107.5, 16.4, 3], [107.6, 16.4, 3], [107.6, 16.5, 3], [107.5, 16.4, 3]]], "type": "Polygon"}},
      {"type": "Feature", "properties": {"a": null, "b": 2, "c": false, "big": 1, "mixed": 2.5, "k": 7, "s": "Phú Vang", "neg": 1e2, "later": "x"},
       "geometry": {"type": "MultiLineString", "coordinates": [[[107.1, 16.1], [107.2, 16.2]], [[107.3, 16.3], [107.4, 16.4]]]}},
      {"type": "Feature", "properties": {"b": 3, "mixed": 12345678901234567890.5, "s": "0.1", "neg": 0.30000000000000004}, "geometry": null},
      {"type": "Feature", "properties": null, "geometry": {"type": "Polygon", "coordinates": []}},
      {"type": "Feature", "properties": {"b": -4}, "geometry": {"type": "MultiPolygon", "coordinates": [[[[107, 16], [108, 16], [108, 17], [107, 16]]], [[[109, 16], [110, 16], [110, 17], [109, 16]]]]}},
      {"type": "Feature", "properties": {"b": 5, "s": ""}, "geometry": {"type": "MultiPoint", "coordinates": [[107.123456789012345678, 16.987654321098765432], [1.7976931348623157e308, -5e-324]]}},
      {"type": "Feature", "properties": {"b": 6}, "geometry": {"type": "Point", "coordinates": [107.58, 16.46]}},
      {"type": "Feature", "properties": {"b": 7}, "geometry": {"type": "LineString", "coordinates": [[107.58, 16.46], [107.59, 16.47]]}}
    ]}
    """#

    func write(_ name: String, _ text: String) throws -> String {
        let path = scratch.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every field, value and geometry of Bando's reader equals GDAL's.
    func expectSameAsGDAL(_ path: String) throws {
        let ours = try #require(try GeoJSONReader.open(path), "Bando's reader declined \(path)")
        let source = try VectorSource(path: path)
        let layer = try source.layer(0)
        #expect(ours.layerName == layer.name)
        #expect(ours.fields.map(\.rawName) == layer.fields.map(\.rawName), "\(path)")
        #expect(ours.fields.map(\.type) == layer.fields.map(\.type), "\(path)")
        #expect(ours.featureCount == layer.featureCount)
        let gdal = layer.makeReader()
        var n = 0
        while let theirs = try gdal.next() {
            let mine = try #require(try ours.next(), "feature \(n): Bando's reader ended early")
            #expect(mine.values == theirs.values, "\(path) feature \(n)")
            #expect(mine.geometry == theirs.geometry, "\(path) feature \(n)")
            n += 1
        }
        #expect(try ours.next() == nil)
        #expect(n == ours.featureCount)
    }

    @Test(arguments: ["hue/communes.geojson", "features/hue_communes.geojson", "features/hue_commune_points.geojson",
                      "tiles/hue-communes.geojson", "vn2000/originals/hue.geojson", "vn2000/originals/quangngai.geojson",
                      "vn2000/originals/soctrang.geojson"])
    func readsFixturesAsGDALDoes(_ fixture: String) throws {
        try expectSameAsGDAL(TestPaths.fixture(fixture).path)
    }

    /// A large file, made from the fixtures so that a fresh clone checks it too: 60 × 152
    /// communes, read as GDAL reads it.
    @Test func readsALargeFileAsGDALDoes() throws {
        let path = scratch.path("large.geojson")
        try LargeFixtures.repeatedCommunes(60, to: path)
        let reader = try #require(try GeoJSONReader.open(path))
        #expect(reader.featureCount == 60 * 152)
        try expectSameAsGDAL(path)
    }

    @Test func typesAwkwardPropertiesAsGDALDoes() throws {
        let path = try write("awkward.geojson", Self.awkward)
        try expectSameAsGDAL(path)
        let reader = try #require(try GeoJSONReader.open(path))
        let types = Dictionary(uniqueKeysWithValues: reader.fields.map { (String(decoding: $0.rawName, as: UTF8.self), $0.type) })
        #expect(types == ["a": .text, "b": .integer, "c": .boolean, "big": .integer, "mixed": .real, "k": .integer,
                          "s": .text, "neg": .real, "later": .text])
    }

    /// Feature ids beside an `id` property, a foreign member, a number beyond a double's range.
    @Test(arguments: [
        #"{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{"id":1,"n":"a"},"geometry":null},{"type":"Feature","id":2,"properties":{"id":5,"n":"b"},"geometry":null},{"type":"Feature","id":3,"properties":{"n":"c","ID":7},"geometry":null}]}"#,
        #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":"a","x":1.5},"geometry":{"type":"Point","coordinates":[1,2]},"foo":{"bar":1}},{"type":"Feature","properties":{"n":"b","x":1e400},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#,
        #"{"features":[{"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{"t":"12 Lê Lợi"},"type":"Feature"}],"type":"FeatureCollection","name":"members in any order"}"#,
    ])
    func readsOddButPlainFilesAsGDALDoes(_ text: String) throws {
        try expectSameAsGDAL(try write("odd-\(abs(text.hashValue)).geojson", text))
    }

    /// A legacy `crs` member (VN-2000 / UTM 48N, as ogr2ogr writes it): the same version,
    /// checksum for checksum, whichever reader reads it.
    @Test func legacyCRSMemberIngestsAsThroughGDAL() throws {
        let path = scratch.path("utm48n.geojson")
        let r = try Run.process("ogr2ogr", ["-f", "GeoJSON", "-t_srs", "EPSG:3405", path, TestPaths.fixture("hue/communes.geojson").path])
        try #require(r.succeeded, "\(r.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\"crs\""))
        #expect(try GeoJSONReader.open(path)?.crsCode == "EPSG:3405")
        let store = try Store(path: scratch.path("crs.sqlite"))
        let (fast, fastReport) = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "fast")), into: store, gdalOnly: false)
        let (gdal, gdalReport) = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "gdal")), into: store, gdalOnly: true)
        #expect(fastReport.reader == "Bando GeoJSON reader")
        #expect(gdalReport.reader == "GDAL GeoJSON driver")
        #expect(fast.checksum == gdal.checksum)
        #expect(fastReport.crs == gdalReport.crs)
        #expect(fastReport.bbox == gdalReport.bbox)
        #expect(fastReport.fields == gdalReport.fields)
    }

    @Test func ingestsTheSameVersionAsThroughGDAL() throws {
        let store = try Store(path: scratch.path("same.sqlite"))
        for (i, path) in [TestPaths.fixture("hue/communes.geojson").path, try write("awkward2.geojson", Self.awkward)].enumerated() {
            let fastResult = Result { try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "fast\(i)")), into: store, gdalOnly: false) }
            let gdalResult = Result { try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "gdal\(i)")), into: store, gdalOnly: true) }
            if i == 1 {
                // The awkward file holds a position at 1.8e308, outside the world: both readers
                // refuse the whole file (issue 16), naming the same feature.
                guard case .failure(let fe) = fastResult, case .failure(let ge) = gdalResult else {
                    Issue.record("the awkward file with a position at 1.8e308 was not refused by both readers"); continue
                }
                #expect("\(fe)".contains("feature 6") && "\(ge)".contains("feature 6"), "\(fe) / \(ge)")
                continue
            }
            let (fast, fastReport) = try fastResult.get()
            let (gdal, gdalReport) = try gdalResult.get()
            #expect(fastReport.reader == "Bando GeoJSON reader")
            #expect(fast.checksum == gdal.checksum, "\(path)")
            #expect(fastReport.featuresWritten == gdalReport.featuresWritten)
            #expect(fastReport.withoutGeometry == gdalReport.withoutGeometry)
            #expect(fastReport.skipped == gdalReport.skipped)
        }
    }

    /// What GDAL types or reads differently is left to GDAL: the ingest still works, through it.
    @Test(arguments: [
        ("dates", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"d":"2024-03-01"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("spaced date", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"d":" 2024-03-01"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("negative year", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"d":"-2024-03-01"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("times", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"d":"12:30:00"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("list", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"l":[1,2]},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("object", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"o":{"x":1}},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("string id", #"{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{"n":1},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("text and number", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":1},"geometry":null},{"type":"Feature","properties":{"n":"x"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("bool and number", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":1},"geometry":null},{"type":"Feature","properties":{"n":true},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
        ("collection", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":1},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[107.5,16.4]}]}}]}"#),
        ("one feature", #"{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}"#),
        ("crs84", #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}"#),
    ])
    func leavesToGDALWhatItWouldReadDifferently(_ name: String, _ text: String) throws {
        let path = try write(name.replacingOccurrences(of: " ", with: "-") + ".geojson", text)
        #expect(try GeoJSONReader.open(path) == nil, "\(name)")
        let store = try Store(path: scratch.path(name.replacingOccurrences(of: " ", with: "-") + ".sqlite"))
        let (_, report) = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "x")), into: store)
        #expect(report.reader == "GDAL GeoJSON driver")
        // Every feature of the file is written (a null geometry is kept as a feature without one).
        #expect(report.featuresWritten == text.components(separatedBy: #""type":"Feature","#).count - 1)
    }

    /// Broken JSON is refused by Bando's reader itself, naming the feature it broke in, rather
    /// than left to GDAL, which reads `NaN` and other text no JSON parser takes; the scanner says
    /// where the text broke (for the log).
    @Test func brokenJSONIsRefusedWithItsPlace() throws {
        let path = try write("broken.geojson", #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[107.5,16.4]}},{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[107.5,]}}]}"#)
        #expect(throws: GeoJSONReader.Declined.self) { _ = try GeoJSONReader(path: scratch.path("missing.geojson")) }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let error = bytes.withUnsafeBufferPointer { buffer -> JSONSyntaxError? in
            var s = JSONScanner(base: buffer.baseAddress!, count: buffer.count)
            do { try s.skipValue(); return nil } catch let e as JSONSyntaxError { return e } catch { return nil }
        }
        #expect(error?.offset == bytes.lastIndex(of: UInt8(ascii: "]")).map { $0 - 3 })   // the "]" after "107.5,"
        let store = try Store(path: scratch.path("broken.sqlite"))
        do {
            _ = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "x")), into: store)
            Issue.record("a broken document was ingested")
        } catch let e as IngestError {
            guard case .malformed(_, let feature, let problem) = e else { Issue.record("refused as \(e)"); return }
            #expect(feature == 2)
            #expect(problem == "geometry")
            #expect(e.message.text(in: .en).contains("2"))
        }
        #expect(try store.published(slug: "x") == nil)
    }

    /// What is not GeoJSON (RFC 7946) is refused with the feature's number, where GDAL would have
    /// read something from it: a point of one number, `NaN`, text for a geometry, an unknown
    /// type, properties that are a list.
    @Test(arguments: [
        ("nan", #"[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[NaN,16.4]}}]"#, "geometry"),
        ("one number", #"[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[107.5]}}]"#, "geometry"),
        ("empty point", #"[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[]}}]"#, "geometry"),
        ("null position", #"[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[null,null]}}]"#, "geometry"),
        ("wkt", #"[{"type":"Feature","properties":{},"geometry":"POINT(107.5 16.4)"}]"#, "geometry"),
        ("circle", #"[{"type":"Feature","properties":{},"geometry":{"type":"Circle","coordinates":[107.5,16.4]}}]"#, "geometry"),
        ("type number", #"[{"type":"Feature","properties":{},"geometry":{"type":1,"coordinates":[107.5,16.4]}}]"#, "geometry"),
        ("polygon of numbers", #"[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[107.5,16.4]}}]"#, "geometry"),
        ("properties list", #"[{"type":"Feature","properties":[1,2],"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]"#, "properties"),
        ("two dots", #"[{"type":"Feature","properties":{"n":1.2.3},"geometry":null}]"#, "syntax"),
        ("cut in a geometry", #"[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[107.5"#, "truncated"),
        ("cut in properties", #"[{"type":"Feature","properties":{"ten":"Hu"#, "truncated"),
    ])
    func refusesWhatIsNotGeoJSON(_ name: String, _ features: String, _ problem: String) throws {
        let good = #"{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[107.5,16.4]}},"#
        let path = try write(name.replacingOccurrences(of: " ", with: "-") + ".geojson",
                             #"{"type":"FeatureCollection","features":["# + good + features.dropFirst())
        do {
            _ = try GeoJSONReader.open(path)
            Issue.record("\(name) was taken")
        } catch {
            guard case .malformed(_, let feature, let found) = error else { Issue.record("\(name) refused as \(error)"); return }
            #expect(feature == 2, "\(name)")
            #expect(found == problem, "\(name)")
        }
    }

    @Test func numbersAreCorrectlyRounded() throws {
        let samples = ["0", "-0", "1", "-1", "0.1", "107.5709183", "16.4637", "8.96993143961e-05", "1e22", "1e23",
                       "123456789012345678", "0.30000000000000004", "2.2250738585072014e-308", "4.9e-324",
                       "1.7976931348623157e308", "9007199254740993", "3.141592653589793238462643383279", "1E+2", "1e-22", "1e-23"]
        for text in samples {
            let bytes = Array(text.utf8)
            let value = bytes.withUnsafeBufferPointer { buffer -> Double in
                var s = JSONScanner(base: buffer.baseAddress!, count: buffer.count)
                return s.double(try! s.number())
            }
            #expect(value.bitPattern == strtod(text, nil).bitPattern, "\(text)")
        }
    }
}
