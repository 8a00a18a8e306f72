public import GeoStore
import GeoModel
import GDALKit
import Foundation

/// The outcome of writing one file.
public struct ExportResult: Sendable, Hashable {
    public var sha256: String
    public var bytes: Int
    public var featureCount: Int
}

/// Writes a version of a dataset to a file in one of the download formats, feature by feature
/// from the store's paged reads: memory does not grow with the dataset. GeoJSON and CSV are
/// written by us; shapefile, GeoPackage and KML through GDAL's drivers.
///
/// ```swift
/// let subject = try store.version(dataset: "xa-hue", number: 1)!
/// let result = try Exporter(store: store).write(subject, as: .geopackage, to: "xa-hue-v1.gpkg")
/// ```
public struct Exporter: Sendable {
    /// Where the version is read from, on either engine.
    public let store: any DownloadReading
    public init(store: any DownloadReading) { self.store = store }

    /// Calls back with (features written, total) every few thousand features and at the end.
    public typealias Progress = (Int, Int) -> Void

    /// Writes `subject` as `format` at `path` (replaced if it exists). On failure, whatever was
    /// written at `path` is left for the caller to remove: callers write to a temporary name.
    public func write(_ subject: PublishedDataset, as format: DownloadFormat, to path: String,
                      progress: Progress? = nil) throws -> ExportResult {
        let notice = Notice(subject)
        do {
            switch format {
            case .geojson: return try writeGeoJSON(subject, notice: notice, to: path, progress: progress)
            case .csv: return try writeCSV(subject, to: path, progress: progress)
            case .geopackage, .kml: return try writeGDAL(subject, format: format, notice: notice, to: path, progress: progress)
            case .shapefile: return try writeShapefileZip(subject, notice: notice, to: path, progress: progress)
            }
        } catch let e as DownloadsError {
            throw e
        } catch {
            throw DownloadsError.exportFailed(dataset: subject.dataset.slug, version: subject.version.number, format: format, reason: "\(error)")
        }
    }

    func forEachFeature(_ v: DatasetVersionRecord, progress: Progress?, _ body: (Feature) throws -> Void) throws -> Int {
        var n = 0
        try store.forEachFeature(of: v, pageSize: 2000) { f in
            try body(f)
            n += 1
            if n % 5000 == 0 { progress?(n, v.featureCount) }
        }
        progress?(n, v.featureCount)
        return n
    }

    // MARK: GeoJSON

    func writeGeoJSON(_ s: PublishedDataset, notice: Notice, to path: String, progress: Progress?) throws -> ExportResult {
        let out = try FileOutput(path: path)
        let v = s.version
        // GDAL and QGIS name the layer after `name`: the slug, short and ASCII, as in every other format.
        out.buffer.append(contentsOf: #"{"type":"FeatureCollection","name":"#.utf8)
        GeoJSON.writeString(notice.slug, into: &out.buffer)
        // Foreign members (RFC 7946 §6.1): the terms travel with the file.
        for (key, value) in [("title", notice.title), ("dataset", notice.slug), ("agency", notice.agency), ("licence", notice.licence),
                             ("licence_url", notice.licenceURL ?? ""), ("attribution", notice.attribution),
                             ("citation", notice.citation), ("published", notice.date)] {
            out.buffer.append(contentsOf: ",\"\(key)\":".utf8)
            GeoJSON.writeString(value, into: &out.buffer)
        }
        out.buffer.append(contentsOf: #","version":"#.utf8)
        out.buffer.append(contentsOf: String(v.number).utf8)
        if let b = v.bbox {
            out.buffer.append(contentsOf: #","bbox":["#.utf8)
            for (i, x) in [b.minX, b.minY, b.maxX, b.maxY].enumerated() {
                if i > 0 { out.buffer.append(UInt8(ascii: ",")) }
                GeoJSON.writeNumber(x, scale: 1e7, into: &out.buffer)
            }
            out.buffer.append(UInt8(ascii: "]"))
        }
        out.buffer.append(contentsOf: #","features":["#.utf8)
        var first = true
        let n = try forEachFeature(v, progress: progress) { f in
            if !first { out.buffer.append(contentsOf: ",\n".utf8) } else { out.buffer.append(UInt8(ascii: "\n")) }
            first = false
            GeoJSON.writeFeature(f, fields: v.fields, into: &out.buffer)
            try out.flushIfFull()
        }
        out.buffer.append(contentsOf: "\n]}\n".utf8)
        let sha = try out.finish()
        return ExportResult(sha256: sha, bytes: out.bytesWritten, featureCount: n)
    }

    // MARK: CSV

    /// RFC 4180 CSV, UTF-8 with a BOM (so Excel reads Vietnamese text right), CRLF lines; the
    /// feature's id first, the geometry as WKT in the last column, and `lon`/`lat` columns when
    /// the dataset has points. Each column's type is in the `.csvt` beside it (`csvTypes`).
    func writeCSV(_ s: PublishedDataset, to path: String, progress: Progress?) throws -> ExportResult {
        let out = try FileOutput(path: path)
        let v = s.version
        let hasPoints = Self.csvHasPoints(v)
        let header = Self.csvColumns(v, int32: []).map(\.name)
        out.buffer.append(contentsOf: [0xEF, 0xBB, 0xBF])
        for (i, h) in header.enumerated() {
            if i > 0 { out.buffer.append(UInt8(ascii: ",")) }
            Self.csvField(h, into: &out.buffer)
        }
        out.buffer.append(contentsOf: [13, 10])
        var scratch: [UInt8] = []
        let n = try forEachFeature(v, progress: progress) { f in
            out.buffer.append(contentsOf: String(f.id).utf8)
            for value in f.values {
                out.buffer.append(UInt8(ascii: ","))
                switch value {
                case .null: break
                case .integer(let i): out.buffer.append(contentsOf: String(i).utf8)
                case .real(let d): GeoJSON.writeReal(d, into: &out.buffer)
                case .boolean(let b): out.buffer.append(contentsOf: (b ? "true" : "false").utf8)
                case .text(let t): Self.csvField(t, into: &out.buffer)
                }
            }
            if hasPoints {
                out.buffer.append(UInt8(ascii: ","))
                if case .point(let p) = f.geometry {
                    GeoJSON.writeNumber(p.x, scale: WKT.scale, into: &out.buffer)
                    out.buffer.append(UInt8(ascii: ","))
                    GeoJSON.writeNumber(p.y, scale: WKT.scale, into: &out.buffer)
                } else {
                    out.buffer.append(UInt8(ascii: ","))
                }
            }
            out.buffer.append(UInt8(ascii: ","))
            if let g = f.geometry {
                scratch.removeAll(keepingCapacity: true)
                WKT.write(g, into: &scratch)
                // WKT of anything but a point holds commas: always quoted (it never holds a quote).
                out.buffer.append(UInt8(ascii: "\""))
                out.buffer.append(contentsOf: scratch)
                out.buffer.append(UInt8(ascii: "\""))
            }
            out.buffer.append(contentsOf: [13, 10])
            try out.flushIfFull()
        }
        let sha = try out.finish()
        return ExportResult(sha256: sha, bytes: out.bytesWritten, featureCount: n)
    }

    static func csvHasPoints(_ v: DatasetVersionRecord) -> Bool { v.geometryTypes.contains("Point") }

    /// The CSV's columns with their GDAL types (`.csvt`): the feature id, the fields, `lon`/`lat`
    /// for points, `WKT`. The id is not called `fid`: ogr2ogr into a GeoPackage takes a column of
    /// that name for its FID column and stops ("Wrong field type for fid") when, without the
    /// `.csvt`, it reads as text.
    /// `int32`: the integer fields (and `fid`) whose values fit in 32 bits, typed `Integer` as in
    /// the GeoPackage (`Store.integerFieldsWithin32Bits`).
    static func csvColumns(_ v: DatasetVersionRecord, int32: Set<String>) -> [(name: String, type: String)] {
        let names = Set(v.fields.map { $0.name.lowercased() })
        var id = "feature_id", k = 1
        while names.contains(id) { k += 1; id = "feature_id_\(k)" }
        func integer(_ name: String) -> String { int32.contains(name) ? "Integer" : "Integer64" }
        var columns: [(name: String, type: String)] = [(id, integer("fid"))]
            + v.fields.map { ($0.name, $0.type == .integer ? integer($0.name) : csvType($0.type)) }
        if csvHasPoints(v) { columns += [("lon", "Real"), ("lat", "Real")] }
        columns.append(("WKT", "WKT"))
        return columns
    }

    /// A field's type as GDAL's CSV driver reads it from a `.csvt`: the types GDAL gives the
    /// same field in the GeoPackage and shapefile (integers are 64-bit there).
    static func csvType(_ t: FieldType) -> String {
        switch t {
        case .integer: "Integer64"
        case .real: "Real"
        case .text: "String"
        case .boolean: "Integer(Boolean)"
        case .date: "Date"
        case .dateTime: "DateTime"
        }
    }

    /// The `.csvt` of a version's CSV: one line, each column's type quoted, as GDAL reads it.
    public func csvTypes(_ v: DatasetVersionRecord) throws -> String {
        Self.csvColumns(v, int32: try store.integerFieldsWithin32Bits(of: v)).map { "\"\($0.type)\"" }.joined(separator: ",") + "\r\n"
    }

    /// A CSV text field: quoted when it must be, a formula made inert (`CSVField`, shared by every CSV).
    static func csvField(_ s: String, into out: inout [UInt8]) { CSVField.append(s, to: &out) }
}
