import Foundation
import Testing
import TestSupport
import GeoStore
import Ingest
import Portal
import Catalogue

/// GeoJSON FeatureCollections cut from the Huế communes fixture, for ingesting versions.
enum Communes {
    static func features() throws -> [[String: Any]] {
        let data = try Data(contentsOf: TestPaths.fixture("features/hue_communes.geojson"))
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return obj["features"] as! [[String: Any]]
    }

    static func write(_ features: [[String: Any]], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features])
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Two versions of the communes: v2 drops the first 3 of v1, adds 2 new ones and changes the
    /// population of 4. `strip` removes fields from both (to take away the keys).
    static func twoVersions(in scratch: ScratchDirectory, strip: [String] = []) throws -> (String, String) {
        var all = try features()
        for i in all.indices {
            var p = all[i]["properties"] as! [String: Any]
            for k in strip { p[k] = nil }
            all[i]["properties"] = p
        }
        let v1 = Array(all[0..<150])
        var v2 = Array(all[3..<152])               // 0, 1, 2 removed; 150, 151 added
        for i in 10..<14 {                          // 4 changed (attributes only)
            var p = v2[i]["properties"] as! [String: Any]
            p["population"] = ((p["population"] as? Double) ?? 0) + 1000
            v2[i]["properties"] = p
        }
        let a = scratch.path("v1.geojson"), b = scratch.path("v2.geojson")
        try write(v1, to: a); try write(v2, to: b)
        return (a, b)
    }
}

/// A store with two published datasets, catalogued under two agencies, with catalogue
/// metadata: the Huế communes (two versions) and the Huế districts.
struct CatalogueFixture {
    let scratch = ScratchDirectory("catalogue")
    let store: Store
    let storePath: String

    init() throws {
        storePath = scratch.path("s.sqlite")
        store = try Store(path: storePath)
        let (v1, v2) = try Communes.twoVersions(in: scratch)
        for path in [v1, v2] {
            _ = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(
                slug: "xa-hue", title: "Xã, phường Huế", description: "Ranh giới hành chính cấp xã của tỉnh Thừa Thiên Huế",
                attribution: "censusVN2009 (Marc Choisy, MIT)")), into: store)
        }
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("hue/districts.zip").path, metadata: DatasetMetadata(
            slug: "huyen-hue", title: "Huyện Huế", licence: "CC0-1.0")), into: store)
        let portal = PortalService(store: store, hasher: PasswordHasher(cost: 4))
        let cli = PortalService.commandLine
        try portal.createAgency(slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường", by: cli)
        try portal.createAgency(slug: "so-xd", name: "Sở Xây dựng", by: cli)
        try portal.addToOpenDataList(agency: "so-tnmt", slug: "xa-hue", title: "Xã, phường Huế", theme: "Ranh giới hành chính", by: cli)
        try portal.addToOpenDataList(agency: "so-xd", slug: "huyen-hue", title: "Huyện Huế", theme: "Ranh giới hành chính",
                                  frequency: .annual, by: cli)
        let reader = CatalogueReader(store: store)
        try reader.updateMetadata("xa-hue", MetadataPatch(
            titleEN: "Communes and wards of Huế", keywords: ["ranh giới", "xã", "hành chính"],
            contactName: "Phòng Đo đạc, Bản đồ", contactEmail: "bando@example.gov.vn",
            temporalStart: "2009-04-01", spatialLabel: "Thừa Thiên Huế",
            fieldDescriptions: ["commune_vn": "Tên xã, phường, thị trấn", "population": "Dân số (Tổng điều tra 2009)"]))
        try reader.updateMetadata("huyen-hue", MetadataPatch(keywords: ["huyện", "ranh giới"]))
    }
}

/// The real `bando serve` over a store, on a free local port; stopped when released.
/// Its output is kept in its scratch folder (`server.logTail()` for a failure message).
final class RunningServer {
    let port = freeLocalPort()
    let scratch = ScratchDirectory("catalogue-serve")
    let server: BackgroundProcess
    var base: String { "http://127.0.0.1:\(port)" }

    /// `arguments`: more options of `bando serve`.
    init(storePath: String, arguments: [String] = []) throws {
        server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", storePath, "--port", String(port), "--tiles", scratch.path("no-tiles")] + arguments,
                                       log: scratch.path("serve.log"))
        try server.waitForHTTP(port: port)
    }

    func logTail() -> String { server.logTail() }

    /// Status code and body of a GET.
    func get(_ path: String) throws -> (Int, String) {
        let r = try Run.process("curl", ["-s", "-w", "\n%{http_code}", base + path])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    deinit { server.stop() }
}

/// Runs a Python check that prints one JSON object; fails the test with its stderr otherwise.
func pythonJSON(_ script: String, _ args: [String]) throws -> [String: Any] {
    let r = try Run.python(script, args)
    guard r.succeeded, let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
        throw TestSupportError("python failed (\(r.status)): \(r.stderr)\n\(r.stdout)")
    }
    return obj
}
