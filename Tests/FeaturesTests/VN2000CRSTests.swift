import Foundation
import Testing
import PublicErrors
import GeoModel
import TestSupport
@testable import Features

/// OGC API - Features Part 2 with the VN-2000 systems, checked against PROJ's own `cs2cs`
/// given the same official `+towgs84` (Decision 05/2007).
@Suite(.serialized) struct VN2000CRSTests {
    let store: TestStore
    let api: OGCFeaturesAPI

    static let towgs84 = "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
    static let utm48 = "+proj=utm +zone=48 +ellps=WGS84 +towgs84=\(towgs84) +units=m +no_defs +type=crs"
    static let tm3Hue = "+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=\(towgs84) +units=m +no_defs +type=crs"
    static let geographic = "+proj=longlat +ellps=WGS84 +towgs84=\(towgs84) +no_defs +type=crs"
    static let wgs84 = "+proj=longlat +datum=WGS84 +no_defs +type=crs"

    init() throws {
        store = try TestStore()
        try store.publish("communes", geoJSON: Fixture.communes)
        api = OGCFeaturesAPI(directory: StoreCollectionDirectory(store: store.store), queries: FeatureQueries(store: store.store))
    }

    func page(_ query: String) async throws -> (doc: [String: Any], contentCRS: String?) {
        let r = try await api.items("communes", query: QueryString(query), base: "http://h/ogc", html: false)
        return (try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]), r.contentCRS)
    }

    /// Every position of every feature of a page, in order.
    func positions(_ doc: [String: Any]) -> [[Double]] {
        var out: [[Double]] = []
        func walk(_ a: Any) {
            if let p = a as? [NSNumber] { out.append(p.map(\.doubleValue)); return }
            for e in a as? [Any] ?? [] { walk(e) }
        }
        for f in doc["features"] as? [[String: Any]] ?? [] { walk((f["geometry"] as? [String: Any])?["coordinates"] ?? []) }
        return out
    }

    func ids(_ doc: [String: Any]) -> [Int] { (doc["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int } }

    /// `cs2cs` from `source` to `target` on x y lines, lon/lat order for geographic CRSs.
    func cs2cs(_ source: String, _ target: String, _ points: [[Double]]) throws -> [[Double]] {
        let input = points.map { "\($0[0]) \($0[1])" }.joined(separator: "\n") + "\n"
        let r = try Run.process("cs2cs", ["-f", "%.9f"] + source.split(separator: " ").map(String.init) + ["+to"]
                                + target.split(separator: " ").map(String.init), stdin: Data(input.utf8))
        #expect(r.succeeded, "cs2cs: \(r.stderr)")
        return r.stdout.split(separator: "\n").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).prefix(2).compactMap { Double($0) } }
    }

    @Test func collectionsListTheVN2000Systems() async throws {
        let doc = try JSONSerialization.jsonObject(with: Data(try await api.collection("communes", base: "http://h/ogc", html: false).body)) as! [String: Any]
        let crs = doc["crs"] as! [String]
        for code in [4756, 3405, 3406, 9214, 5899] {
            #expect(crs.contains("http://www.opengis.net/def/crs/EPSG/0/\(code)"), "\(code) missing from \(crs)")
        }
        // Every province's TM-3 zone is offered.
        for (province, uri) in VN2000Projections.provinceZones { #expect(crs.contains(uri), "\(province): \(uri)") }
    }

    @Test(arguments: [("EPSG:3405", utm48), ("http://www.opengis.net/def/crs/EPSG/0/9214", tm3Hue)])
    func projectedFeaturesMatchPROJ(crs: String, proj: String) async throws {
        let lonLat = positions(try await page("limit=5").doc)
        let (doc, contentCRS) = try await page("limit=5&crs=\(crs)")
        #expect(contentCRS == "<\(CRSRegistry.canonical(crs))>")
        let mine = positions(doc)
        let expected = try cs2cs(Self.wgs84, proj, lonLat)
        #expect(mine.count == lonLat.count)
        var worst = 0.0
        for (a, b) in try zipNonEmpty(mine, expected, "our positions and cs2cs's") { worst = max(worst, hypot(a[0] - b[0], a[1] - b[1])) }
        // Both sides write millimetres; CRS84 input is rounded to 1e-7° (≈1 cm).
        #expect(worst < 0.03, "worst difference from PROJ: \(worst) m")
        // Easting near 500 km around Huế on TM-3 107°, northing ≈ 1 800 km.
        #expect(mine.allSatisfy { (1_700_000...1_900_000).contains($0[1]) })
    }

    @Test func geographicVN2000IsLatitudeFirst() async throws {
        let lonLat = positions(try await page("limit=3").doc)
        let mine = positions(try await page("limit=3&crs=EPSG:4756").doc)
        let expected = try cs2cs(Self.wgs84, Self.geographic, lonLat)
        #expect(mine.count == lonLat.count)
        var worst = 0.0
        for (a, b) in try zipNonEmpty(mine, expected, "our positions and cs2cs's") { worst = max(worst, abs(a[0] - b[1]) + abs(a[1] - b[0])) }
        #expect(worst < 3e-7, "worst difference from PROJ: \(worst)°")
        // The datum shift is real: VN-2000 positions are not WGS 84 ones.
        #expect(abs(mine[0][1] - lonLat[0][0]) > 1e-4)
    }

    @Test func bboxInEPSG3405SelectsWhatTheEquivalentCRS84BoxSelects() async throws {
        // A box in UTM 48N around Huế, and its outline in lon/lat according to PROJ.
        let (minE, minN, maxE, maxN) = (776_000.0, 1_817_000.0, 787_000.0, 1_826_000.0)
        var outline: [[Double]] = []
        for i in 0...8 {
            let t = Double(i) / 8
            let e = minE + (maxE - minE) * t, n = minN + (maxN - minN) * t
            outline += [[e, minN], [e, maxN], [minE, n], [maxE, n]]
        }
        let ll = try cs2cs(Self.utm48, Self.wgs84, outline)
        let box = [ll.map { $0[0] }.min()!, ll.map { $0[1] }.min()!, ll.map { $0[0] }.max()!, ll.map { $0[1] }.max()!]
        let viaCRS84 = try await page("limit=1000&bbox=" + box.map { String(format: "%.9f", $0) }.joined(separator: ","))
        let viaUTM = try await page("limit=1000&bbox=\(minE),\(minN),\(maxE),\(maxN)&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3405")
        #expect(!ids(viaCRS84.doc).isEmpty)
        #expect(ids(viaUTM.doc) == ids(viaCRS84.doc))
        // The answer is in CRS84 unless crs says otherwise.
        #expect(viaUTM.contentCRS == "<\(OutputCRS.crs84URI)>")
    }

    @Test func unknownCRSNamesTheOffer() async throws {
        do {
            _ = try await page("crs=EPSG:32648")
            Issue.record("EPSG:32648 is not offered and should be refused")
        } catch let e as FeaturesError {
            #expect(e.kind == .invalidParameter)
            #expect(e.message.description.contains("EPSG/0/3405") && e.message.description.contains("EPSG/0/9214"))
        }
    }
}
