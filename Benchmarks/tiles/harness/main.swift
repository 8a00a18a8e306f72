// Benchmark harness used for the first side-by-side figures, before `bando serve` existed: serves
// one GeoJSON file through TileService and the tile routes (store schema in plain SQLite, WKB
// geometries). Not a target: to use it, add an executableTarget with this file and a symlink to
// Sources/App/Routes+Tiles.swift, then run Benchmarks/tiles/run.sh with TILES_HARNESS=its binary.
import Foundation
import GRDB
import GeoModel
import Hummingbird
import Tiles


let args = CommandLine.arguments
let (geojson, dbPath, port, cacheMB) = (args[1], args[2], Int(args[3])!, Int(args[4])!)
var config = Configuration()
config.prepareDatabase { db in db.add(function: DatabaseFunction("AsBinary", argumentCount: 1, pure: true) { $0[0] }) }
let fresh = !FileManager.default.fileExists(atPath: dbPath)
let pool = try DatabasePool(path: dbPath, configuration: config)
if fresh {
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: geojson))) as! [String: Any]
    let feats = json["features"] as! [[String: Any]]
    let first = feats[0]["properties"] as! [String: Any]
    let names = first.keys.sorted()
    func geometry(_ g: [String: Any]) -> Geometry {
        func pos(_ a: Any) -> Position { let c = a as! [Double]; return Position(c[0], c[1]) }
        func ring(_ a: Any) -> [Position] { (a as! [Any]).map(pos) }
        switch g["type"] as! String {
        case "Polygon": return .polygon((g["coordinates"] as! [Any]).map(ring))
        default: return .multiPolygon((g["coordinates"] as! [Any]).map { ($0 as! [Any]).map(ring) })
        }
    }
    let fields = names.map { n in FieldDefinition(name: n, type: first[n] is String ? .text : .real) }
    try pool.write { db in
        try db.execute(sql: """
            CREATE TABLE datasets(id INTEGER PRIMARY KEY, slug TEXT UNIQUE, title TEXT, description TEXT, licence TEXT, attribution TEXT, current_version_id INTEGER);
            CREATE TABLE dataset_versions(id INTEGER PRIMARY KEY, dataset_id INTEGER, feature_table TEXT, fields_json TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL);
            INSERT INTO datasets VALUES (1, 'communes', 'Communes', '', '', 'censusVN2009', 1);
            """)
        var box = BoundingBox.empty
        let cols = names.map { "\"\($0)\"" }.joined(separator: ", ")
        try db.execute(sql: "CREATE TABLE features_1(fid INTEGER PRIMARY KEY, \(cols), geom BLOB)")
        for (i, f) in feats.enumerated() {
            let p = f["properties"] as! [String: Any]
            let g = geometry(f["geometry"] as! [String: Any])
            box.extend(g.boundingBox!)
            var a: [(any DatabaseValueConvertible)?] = [i + 1]
            for n in names { a.append(p[n] as? String ?? (p[n] as? NSNumber)?.doubleValue) }
            a.append(Data(WKB.encode(g)))
            try db.execute(sql: "INSERT INTO features_1 VALUES (\(Array(repeating: "?", count: names.count + 2).joined(separator: ",")))", arguments: StatementArguments(a))
        }
        let fj = String(decoding: try JSONEncoder().encode(fields), as: UTF8.self)
        try db.execute(sql: "INSERT INTO dataset_versions VALUES (1, 1, 'features_1', ?, ?, ?, ?, ?)", arguments: [fj, box.minX, box.minY, box.maxX, box.maxY])
    }
}
let tiles = try TileService(reader: pool, configuration: .init(cacheMegabytes: cacheMB))
if args.count > 5 { try await Task.detached {
    let c = TileCoord(z: 12, x: 3265, y: 1861)
    _ = try await tiles.tile("communes", c, acceptsGzip: false)
    let t0 = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<100_000 { _ = try await tiles.tile("communes", c, acceptsGzip: false) }
    let t1 = DispatchTime.now().uptimeNanoseconds
    print("cached tile(): \(Double(t1 - t0) / 100_000 / 1000) µs")
    let m0 = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<100_000 { _ = try await tiles.metadata("communes") }
    print("metadata(): \(Double(DispatchTime.now().uptimeNanoseconds - m0) / 100_000 / 1000) µs")
    let lines = try String(contentsOfFile: "/work/shared/bench/tiles-z10-z14.txt", encoding: .utf8).split(separator: "\n")
    let coords = lines.map { l -> TileCoord in let p = l.split(separator: "/").map { Int($0)! }; return TileCoord(z: p[0], x: p[1], y: p[2]) }
    let u = try TileService(reader: pool, configuration: .init(cacheMegabytes: 0))
    _ = try await u.tile("communes", coords[0], acceptsGzip: false)
    let u0 = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<5 { for c in coords { _ = try await u.tile("communes", c, acceptsGzip: false) } }
    print("uncached tile(): \(Double(DispatchTime.now().uptimeNanoseconds - u0) / Double(5 * coords.count) / 1000) µs")
    exit(0)
}.value }
let router = Router()
addTileRoutes(to: router, tiles: tiles)
let fixed = ByteBuffer(bytes: [UInt8](repeating: 7, count: 7208))
let arr = [UInt8](repeating: 7, count: 7208)
router.get("copy/{a}/{b}/{c}") { _, _ -> Response in Response(status: .ok, headers: [.contentType: "application/vnd.mapbox-vector-tile"], body: .init(byteBuffer: ByteBuffer(bytes: arr))) }
router.get("svc/{a}/{b}/{c}") { _, ctx -> Response in
    let c = TileCoord(z: Int(ctx.parameters.get("a")!)!, x: Int(ctx.parameters.get("b")!)!, y: Int(ctx.parameters.get("c")!)!)
    _ = try await tiles.tile("communes", c, acceptsGzip: false)
    return Response(status: .ok, headers: [.contentType: "application/vnd.mapbox-vector-tile"], body: .init(byteBuffer: fixed))
}
router.get("ping/{a}/{b}/{c}") { _, _ -> Response in Response(status: .ok, headers: [.contentType: "application/vnd.mapbox-vector-tile"], body: .init(byteBuffer: fixed)) }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
