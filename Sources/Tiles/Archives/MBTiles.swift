import Foundation
import GeoModel
import GRDB
import Crypto

/// MBTiles 1.3 (https://github.com/mapbox/mbtiles-spec/blob/master/1.3/spec.md): SQLite with a
/// `metadata` name/value table and a `tiles` table or view in TMS row order (y counted from the
/// south). For the tools that read it (QGIS, GDAL's MBTiles driver, `pmtiles convert`).
enum MBTiles {
    /// The metadata rows the spec asks for, with `json` holding `vector_layers`.
    static func metadataRows(_ m: TilesetMetadata) -> [(String, String)] {
        let doc = ArchiveMetadata.document(m)
        func string<T: Encodable>(_ v: T) -> String { String(decoding: ArchiveMetadata.encoded(v), as: UTF8.self) }
        let b = m.bounds, c = b.center
        return [
            ("name", m.name), ("format", "pbf"), ("type", "overlay"), ("version", "1.0.0"),
            ("description", m.description), ("attribution", m.attribution),
            ("minzoom", String(m.minZoom)), ("maxzoom", String(m.maxZoom)),
            ("bounds", "\(b.minX),\(b.minY),\(b.maxX),\(b.maxY)"),
            ("center", "\(c.x),\(c.y),\(min(m.maxZoom, max(m.minZoom, TileDocuments.zoomFitting(b))))"),
            ("json", string(ArchiveMetadata.Document.VectorLayers(vector_layers: doc.vector_layers))),
            ("bando", string(doc.bando)),
        ]
    }
}

/// Writes an MBTiles file with one copy of each distinct tile, in the layout tippecanoe writes
/// and GDAL, QGIS and the pmtiles tools read: `images` (each distinct tile once, keyed by the
/// SHA-256 of its bytes), `map` (every tile's place and the key of its bytes) and the view
/// `tiles` joining them, which is what the spec's readers query. Seas, land inside one polygon
/// and empty tiles repeat thousands of times at high zooms. One transaction per thousand tiles,
/// journal off (the file is a temporary one until the build completes).
final class MBTilesWriter: TileArchiveWriter {
    let path: String
    private let db: DatabaseQueue
    private var pending: [(TileCoord, [UInt8])] = []

    init(path: String) throws {
        self.path = path
        do {
            var config = Configuration()
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF") }
            db = try DatabaseQueue(path: path, configuration: config)
            try db.write { db in
                try db.execute(sql: """
                    CREATE TABLE metadata (name TEXT, value TEXT);
                    CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT);
                    CREATE TABLE images (tile_data BLOB, tile_id TEXT);
                    CREATE UNIQUE INDEX images_id ON images (tile_id);
                    CREATE VIEW tiles AS
                        SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column, map.tile_row AS tile_row,
                               images.tile_data AS tile_data
                        FROM map JOIN images ON images.tile_id = map.tile_id;
                    """)
            }
        } catch {
            throw TilesError(.badArchive, "Cannot create \(path): check the folder exists and is writable (\(error))")
        }
    }

    func add(_ coord: TileCoord, id: UInt64, gzipped: [UInt8]) throws {
        pending.append((coord, gzipped))
        if pending.count >= 1000 { try flush() }
    }

    private func flush() throws {
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        try db.write { db in
            let place = try db.makeStatement(sql: "INSERT INTO map VALUES (?, ?, ?, ?)")
            let image = try db.makeStatement(sql: "INSERT OR IGNORE INTO images VALUES (?, ?)")
            for (c, data) in batch {
                let key = Self.key(data)
                try image.execute(arguments: [Data(data), key])
                try place.execute(arguments: [c.z, c.x, (1 << c.z) - 1 - c.y, key])
            }
        }
    }

    /// The key of a tile's bytes in `images`: their SHA-256 in hex.
    static func key(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in SHA256.hash(data: bytes) { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    func finish(_ metadata: TilesetMetadata) throws {
        try flush()
        try db.write { db in
            for (k, v) in MBTiles.metadataRows(metadata) {
                try db.execute(sql: "INSERT INTO metadata VALUES (?, ?)", arguments: [k, v])
            }
            try db.execute(sql: "CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, tile_row)")
            try db.execute(sql: "CREATE UNIQUE INDEX name ON metadata (name)")
        }
        try db.close()
    }
}

/// Serves an MBTiles file: metadata read once at opening, one indexed look-up per tile.
final class MBTilesSource: TileSource {
    let path: String
    private let db: DatabaseQueue
    private let meta: TilesetMetadata

    init(path: String, name: String) throws {
        self.path = path
        func fail(_ m: String) -> TilesError { TilesError(.badArchive, "Archive \(path) cannot be served: \(m)") }
        do {
            var config = Configuration()
            config.readonly = true
            db = try DatabaseQueue(path: path, configuration: config)
            let rows: [String: String] = try db.read { db in
                let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? ""
                guard check == "ok" else { throw fail("SQLite finds it damaged (\(check))") }
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
                guard tables.contains("metadata"), tables.contains("tiles") else {
                    throw fail("it is SQLite but not MBTiles (no metadata and tiles tables)")
                }
                return Dictionary(try Row.fetchAll(db, sql: "SELECT name, value FROM metadata").compactMap { r -> (String, String)? in
                    guard let k: String = r[0], let v: String = r[1] else { return nil }
                    return (k, v)
                }, uniquingKeysWith: { a, _ in a })
            }
            guard rows["format"] == nil || rows["format"] == "pbf" else {
                throw fail("it holds \(rows["format"]!) tiles, not vector tiles (format pbf)")
            }
            let b = (rows["bounds"] ?? "").split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            let bounds = (b.count == 4 ? BoundingBox.lonLatExtent(minX: b[0], minY: b[1], maxX: b[2], maxY: b[3]) : nil) ?? TilesetMetadata.world
            var obj: [String: Any] = [:]
            if let j = rows["json"], let o = try? JSONSerialization.jsonObject(with: Data(j.utf8)) as? [String: Any] { obj = o }
            if let j = rows["bando"], let o = try? JSONSerialization.jsonObject(with: Data(j.utf8)) { obj["bando"] = o }
            obj["description"] = rows["description"]; obj["attribution"] = rows["attribution"]; obj["name"] = rows["name"]
            let data = Array((try? JSONSerialization.data(withJSONObject: obj)) ?? Data("{}".utf8))
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            do {
                meta = try ArchiveMetadata.parse(data, name: name, minZoom: Int(rows["minzoom"] ?? "") ?? 0,
                                                 maxZoom: Int(rows["maxzoom"] ?? "") ?? TilesetDefinition.defaultMaxZoom,
                                                 bounds: bounds, revisionSuffix: "m\(size)")
            } catch { throw fail(error.message) }
        } catch let e as TilesError { throw e } catch {
            throw fail("it is not a readable SQLite file (\(error))")
        }
    }

    func metadata() async throws -> TilesetMetadata { meta }

    func tile(_ c: TileCoord) async throws -> EncodedTile? {
        let data: Data?
        do {
            data = try await db.read { db in
                try Data.fetchOne(db, sql: "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                                  arguments: [c.z, c.x, (1 << c.z) - 1 - c.y])
            }
        } catch {
            throw TilesError(.badArchive, "Archive \(path): tile \(c) cannot be read (\(error))")
        }
        guard let data, !data.isEmpty else { return nil }
        let bytes = [UInt8](data)
        return EncodedTile(data: bytes, isGzipped: Gzip.isGzip(bytes))
    }
}
