import Foundation
import Testing
import TestSupport
import GeoModel
import GDALKit

/// `VectorSource` and `VectorLayer` on the fixtures, every field, value and vertex compared
/// with what GDAL's own command-line tools (`ogrinfo`, `ogr2ogr`) print for the same file; and
/// the errors a broken file gives.
@Suite struct VectorSourceTests {
    let scratch = ScratchDirectory("gdalkit")

    /// The fields `ogrinfo -so` lists for the layer, in order: (name, OGR type).
    static func ogrFields(_ path: String) throws -> [(String, String)] {
        let r = try Run.process("ogrinfo", ["-so", "-al", path])
        try #require(r.succeeded, "ogrinfo: \(r.stderr)")
        return Self.matches(#"(?m)^(\w+): (Integer64|Integer|Real|String|Date|DateTime) \("#, in: r.stdout).map { ($0[0], $0[1]) }
    }

    /// The features as `ogr2ogr -f GeoJSON` writes them (source coordinates, 17 significant figures).
    static func ogrFeatures(_ path: String) throws -> [[String: Any]] {
        let r = try Run.process("ogr2ogr", ["-f", "GeoJSON", "/vsistdout/", path, "-lco", "SIGNIFICANT_FIGURES=17", "-lco", "RFC7946=NO"])
        try #require(r.succeeded, "ogr2ogr: \(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require(doc["features"] as? [[String: Any]])
    }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            (1..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
        }
    }

    /// Every position of a GeoJSON geometry's coordinates, in order.
    static func positions(_ coordinates: Any?) -> [[Double]] {
        if let pair = coordinates as? [Double] { return [pair] }
        return (coordinates as? [Any] ?? []).flatMap { positions($0) }
    }

    static func positions(_ g: Geometry) -> [[Double]] {
        switch g {
        case .point(let p): [[p.x, p.y]]
        case .multiPoint(let ps), .lineString(let ps): ps.map { [$0.x, $0.y] }
        case .multiLineString(let ls), .polygon(let ls): ls.flatMap { $0.map { [$0.x, $0.y] } }
        case .multiPolygon(let polys): polys.flatMap { $0.flatMap { $0.map { [$0.x, $0.y] } } }
        case .geometryCollection(let gs): gs.flatMap(positions)
        }
    }

    static func text(_ v: RawValue) -> String? { if case .bytes(let b) = v { String(decoding: b, as: UTF8.self) } else { nil } }
    static func number(_ v: RawValue) -> Double? {
        switch v { case .integer(let i): Double(i); case .real(let d): d; default: nil }
    }

    /// Reads `path` through GDALKit and compares each feature with ogr2ogr's: field names in
    /// ogrinfo's order, every value, the geometry type and every vertex.
    func compareWithGDAL(_ path: String, driver: String, features expectedCount: Int) throws {
        let source = try VectorSource(path: path)
        #expect(source.driverName == driver)
        #expect(source.layerCount == 1)
        let layer = try source.layer(0)
        let names = layer.fields.map { String(decoding: $0.rawName, as: UTF8.self) }
        // GDAL's tools read a zip only through /vsizip/, the path GDALKit opened.
        let reference = try Self.ogrFields(source.gdalPath)
        try #require(!reference.isEmpty, "ogrinfo listed no fields")
        #expect(names == reference.map(\.0))
        #expect(layer.featureCount == expectedCount)

        let expected = try Self.ogrFeatures(source.gdalPath)
        try #require(expected.count == expectedCount)
        var read: [SourceFeature] = []
        try layer.forEachFeature { read.append($0) }
        try #require(read.count == expected.count, "GDALKit read \(read.count) features, ogr2ogr \(expected.count)")
        var problems: [String] = []
        for (i, (mine, theirs)) in zip(read, expected).enumerated() {
            let props = theirs["properties"] as? [String: Any] ?? [:]
            try #require(mine.values.count == names.count)
            for (name, value) in zip(names, mine.values) {
                switch props[name] {
                case let s as String: if Self.text(value) != s { problems.append("#\(i) \(name): \(value) vs '\(s)'") }
                case let n as NSNumber: if Self.number(value).map({ abs($0 - n.doubleValue) <= 1e-9 * max(1, abs($0)) }) != true { problems.append("#\(i) \(name): \(value) vs \(n)") }
                case nil, is NSNull: if value != .null { problems.append("#\(i) \(name): \(value) vs null") }
                default: problems.append("#\(i) \(name): unexpected \(String(describing: props[name]))")
                }
            }
            let geometry = theirs["geometry"] as? [String: Any]
            guard let g = mine.geometry else { problems.append("#\(i): no geometry"); continue }
            if g.typeName != geometry?["type"] as? String { problems.append("#\(i): \(g.typeName) vs \(String(describing: geometry?["type"]))") }
            let a = Self.positions(g), b = Self.positions(geometry?["coordinates"])
            if a.count != b.count { problems.append("#\(i): \(a.count) vertices vs \(b.count)"); continue }
            for (p, q) in zip(a, b) where abs(p[0] - q[0]) > 1e-9 * max(1, abs(q[0])) || abs(p[1] - q[1]) > 1e-9 * max(1, abs(q[1])) {
                problems.append("#\(i): vertex \(p) vs \(q)")
                break
            }
        }
        #expect(problems.isEmpty, "\(problems.count) differences from ogr2ogr, first: \(problems.prefix(5))")
    }

    @Test func shapefileReadsAsGDALsToolsReadIt() throws {
        let path = TestPaths.fixture("hue/communes-utm48n.shp").path
        try compareWithGDAL(path, driver: "ESRI Shapefile", features: 152)
        let srs = try #require(try VectorSource(path: path).layer(0).spatialReference)
        #expect(srs.authorityCode == "32648" || srs.wkt.contains("UTM zone 48N"), "\(srs)")
        #expect(!srs.isGeographic)
    }

    @Test func geoJSONReadsAsGDALsToolsReadIt() throws {
        let path = TestPaths.fixture("features/hue_commune_points.geojson").path
        try compareWithGDAL(path, driver: "GeoJSON", features: 152)
        #expect(try VectorSource(path: path).layer(0).spatialReference?.isGeographic == true)
    }

    /// A zipped shapefile opens through `/vsizip/` and reads the same as GDAL's tools read it there.
    @Test func zippedShapefileOpensInside() throws {
        let zip = TestPaths.fixture("hue/districts.zip").path
        let source = try VectorSource(path: zip)
        #expect(source.gdalPath.hasPrefix("/vsizip/"))
        #expect(source.driverName == "ESRI Shapefile")
        try compareWithGDAL(zip, driver: "ESRI Shapefile", features: try source.layer(0).featureCount)
        #expect(try source.layer(0).featureCount > 0)
    }

    /// Broken files are refused at opening with a GDALError naming the file, not read as empty.
    @Test(arguments: [
        ("rac.shp", Data("this is not a shapefile at all".utf8)),
        ("cat-ngang.geojson", Data(#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Poi"#.utf8)),
        ("rong.geojson", Data()),
    ])
    func brokenFileIsAClearError(name: String, content: Data) throws {
        let path = scratch.path(name)
        try content.write(to: URL(fileURLWithPath: path))
        do {
            let source = try VectorSource(path: path)
            var n = 0
            try source.layer(0).forEachFeature { _ in n += 1 }
            Issue.record("\(name) was read as \(n) features")
        } catch let e as GDALError {
            #expect(e.path == path)
            #expect(!e.message.isEmpty)
            #expect(e.description.hasPrefix(path + ": "))
        }
    }

    @Test func aMissingFileSaysSo() throws {
        let path = scratch.path("khong-co.shp")
        let e = #expect(throws: GDALError.self) { try VectorSource(path: path) }
        #expect(e?.path == path)
        #expect(e?.message == "no such file")
    }
}
