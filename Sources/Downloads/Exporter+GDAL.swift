import GeoStore
import GeoModel
import GDALKit
import ZIPFoundation
import Foundation

extension Exporter {
    /// GeoPackage (one layer, one transaction, ids kept) or KML through GDAL.
    func writeGDAL(_ s: PublishedDataset, format: DownloadFormat, notice: Notice, to path: String,
                   progress: Progress?) throws -> ExportResult {
        try? FileManager.default.removeItem(atPath: path)
        let v = s.version
        // Widths declared by a legacy DBF count bytes of its code page, not UTF-8: drop them.
        let fields = v.fields.map { FieldDefinition(name: $0.name, type: $0.type) }
        let writer: VectorWriter
        var layerOptions: [String] = []
        switch format {
        case .geopackage:
            writer = try VectorWriter(path: path, driver: "GPKG")
            layerOptions = ["IDENTIFIER=\(notice.title)", "DESCRIPTION=\(notice.citation) \(Notice.disclaimer)", "FID=fid"]
        default:
            // Each placemark's <name> is what Google Earth and QGIS list and label. GDAL writes it
            // from the field named by NameField and leaves that field out of the placemark's data:
            // a field of its own, holding the value of the dataset's name-like field
            // (`placemarkNameField`), so every field of the dataset stays in the data as well.
            writer = try VectorWriter(path: path, driver: "KML", options: ["NameField=\(Self.placemarkField)"])
        }
        let label = format == .kml ? try placemarkNameField(v) : nil
        let names = format == .kml ? Self.kmlFields(fields) : fields
        let layerFields = format == .kml ? [FieldDefinition(name: Self.placemarkField, type: .text)] + names : fields
        let layer = try writer.addLayer(name: s.dataset.slug, geometryType: Self.layerType(v.geometryTypes),
                                        fields: layerFields, options: layerOptions,
                                        int32Fields: try int32Fields(v, namedAs: names.map(\.name)))
        try writer.startTransactionIfSupported(format == .geopackage)
        let n = try forEachFeature(v, progress: progress) { f in
            guard format == .kml else { try layer.write(f); return }
            var named = f
            named.values = [.text(Self.placemarkName(f, labelField: label))] + f.values
            try layer.write(named)
        }
        if format == .geopackage { try writer.commitTransaction() }
        try writer.close()
        return ExportResult(sha256: try FileDigest.sha256(path: path), bytes: Self.size(path), featureCount: n)
    }

    /// The names (as this format writes them, in the order of the version's fields) of the
    /// integer fields whose values fit in 32 bits: declared `Integer`, as GDAL reads them from the
    /// GeoJSON and as its KML writer can type them, rather than `Integer64`.
    func int32Fields(_ v: DatasetVersionRecord, namedAs names: [String]) throws -> Set<String> {
        let narrow = try store.integerFieldsWithin32Bits(of: v)
        return Set(zip(v.fields, names).filter { narrow.contains($0.0.name) }.map(\.1))
    }

    /// The text field whose values name the features best, as far as the first 2,000 features
    /// show: a name-like field (`ten…`, `…name…`, `…_vn`, `title`, `label`) before any other, then
    /// the one with the most distinct values (the communes' `commune_vn`, not `province_vn`).
    /// Nil when the dataset has no text field.
    func placemarkNameField(_ v: DatasetVersionRecord) throws -> Int? {
        let candidates = v.fields.indices.filter { v.fields[$0].type == .text }
        guard !candidates.isEmpty else { return nil }
        var seen = Dictionary(uniqueKeysWithValues: candidates.map { ($0, Set<String>()) })
        struct Enough: Error {}
        var read = 0
        do {
            try store.forEachFeature(of: v, pageSize: 500) { f in
                for i in candidates where i < f.values.count { if case .text(let t) = f.values[i], !t.isEmpty { seen[i]!.insert(t) } }
                read += 1
                if read >= 2000 { throw Enough() }
            }
        } catch is Enough {}
        return candidates.max { a, b in
            (Self.isNameLike(v.fields[a].name) ? 1 : 0, seen[a]!.count, -a) < (Self.isNameLike(v.fields[b].name) ? 1 : 0, seen[b]!.count, -b)
        }
    }

    /// The KML layer's field that GDAL turns into each placemark's <name> (never in the file itself).
    static let placemarkField = "bando_placemark_name"

    static func isNameLike(_ field: String) -> Bool {
        let folded = field.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        let words = folded.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        return words.contains { ["ten", "name", "vn", "title", "label", "nom"].contains($0) || $0.hasPrefix("ten") || $0.hasSuffix("name") }
    }

    /// A placemark's <name>: the label field's text, else the dataset's feature id.
    static func placemarkName(_ f: Feature, labelField: Int?) -> String {
        if let i = labelField, i < f.values.count, case .text(let t) = f.values[i], !t.isEmpty { return t }
        return String(f.id)
    }

    /// GDAL 3.6's KML writer escapes values but copies field names verbatim into `name="…"`
    /// attributes: a field called `a<b` would make the file ill-formed. The names are handed over
    /// escaped, so the XML reads back the very names of the dataset; characters XML 1.0 cannot
    /// hold (control characters) are dropped, as GDAL drops them from values.
    /// `placemarkField` is kept for the placemark's name (GDAL compares field names ignoring case).
    static func kmlFields(_ fields: [FieldDefinition]) -> [FieldDefinition] {
        var used: Set<String> = [placemarkField.lowercased()]
        return fields.map { f in
            var name = xmlAttributeText(f.name)
            if name.isEmpty { name = "field" }
            let base = name
            var k = 1
            while used.contains(name.lowercased()) { k += 1; name = "\(base)_\(k)" }
            used.insert(name.lowercased())
            return FieldDefinition(name: name, type: f.type, width: f.width, precision: f.precision)
        }
    }

    /// `s` as it must be written inside an XML attribute value.
    static func xmlAttributeText(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                // XML 1.0 Char: no C0 controls, no U+FFFE/U+FFFF.
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A zip with one shapefile per geometry family (a shapefile holds one), `.prj` and `.cpg`
    /// (UTF-8) beside each, and README.txt and LICENSE.txt.
    func writeShapefileZip(_ s: PublishedDataset, notice: Notice, to path: String, progress: Progress?) throws -> ExportResult {
        let v = s.version
        let folder = path + ".d"
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: path)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (names, renamed) = Self.shapefileFieldNames(v.fields)
        let fields = zip(v.fields, names).map { f, name in
            // DBF has no date-time type; text is sized at the DBF maximum, then shrunk to fit (RESIZE).
            FieldDefinition(name: name, type: f.type == .dateTime ? .text : f.type,
                            width: f.type == .text || f.type == .dateTime ? 254 : 0)
        }
        let int32 = try int32Fields(v, namedAs: names)
        var families = Set(v.geometryTypes.compactMap(Self.family))
        if families.isEmpty { families = [.point] }
        let ordered = GeometryFamily.allCases.filter(families.contains)
        let base = "\(s.dataset.slug)-v\(v.number)"
        let writer = try VectorWriter(path: folder, driver: "ESRI Shapefile")
        var layers: [GeometryFamily: (VectorLayerWriter, LayerGeometryType)] = [:]
        var files: [String] = []
        for family in ordered {
            let name = ordered.count == 1 ? base : "\(base)-\(Self.plural(family))"
            let type: LayerGeometryType = switch family {
            case .point: v.geometryTypes.contains("MultiPoint") ? .multiPoint : .point
            case .line: .lineString
            case .polygon: .polygon
            }
            layers[family] = (try writer.addLayer(name: name, geometryType: type, fields: fields,
                                                  options: ["ENCODING=UTF-8", "RESIZE=YES"], int32Fields: int32), type)
            files += ["shp", "shx", "dbf", "prj", "cpg"].map { "\(name).\($0)" }
        }
        var skipped = 0
        let n = try forEachFeature(v, progress: progress) { f in
            var f = f
            guard let g = f.geometry else { try layers[ordered[0]]!.0.write(f); return }
            if case .geometryCollection = g { skipped += 1; return }
            let (layer, type) = layers[g.family]!
            if type == .multiPoint, case .point(let p) = g { f.geometry = .multiPoint([p]) }
            try layer.write(f)
        }
        try writer.close()
        var notes: [ZipNote] = []
        if ordered.count > 1 {
            notes.append(.mixedGeometries(ordered.map { f in
                switch f { case .point: .point; case .line: .line; case .polygon: .polygon }
            }))
        }
        if !renamed.isEmpty { notes.append(.renamedFields(renamed.map { RenamedField(name: $0.0, shapefileName: $0.1) })) }
        if skipped > 0 { notes.append(.skippedCollections(skipped)) }
        try notice.readme(files: files + ["LICENSE.txt"], notes: notes).write(toFile: folder + "/README.txt", atomically: false, encoding: .utf8)
        try notice.licenceText.write(toFile: folder + "/LICENSE.txt", atomically: false, encoding: .utf8)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for file in ["README.txt", "LICENSE.txt"] + files where FileManager.default.fileExists(atPath: folder + "/" + file) {
            try archive.addEntry(with: file, relativeTo: URL(fileURLWithPath: folder), compressionMethod: .deflate)
        }
        return ExportResult(sha256: try FileDigest.sha256(path: path), bytes: Self.size(path), featureCount: n - skipped)
    }

    static func family(_ typeName: String) -> GeometryFamily? {
        switch typeName {
        case "Point", "MultiPoint": .point
        case "LineString", "MultiLineString": .line
        case "Polygon", "MultiPolygon": .polygon
        default: nil
        }
    }

    static func plural(_ f: GeometryFamily) -> String {
        switch f { case .point: "points"; case .line: "lines"; case .polygon: "polygons" }
    }

    /// The layer type for a GeoPackage/KML layer: the one type when there is one, a polygon
    /// or line layer's multi type when single and multi mix, else any geometry.
    static func layerType(_ types: [String]) -> LayerGeometryType {
        let set = Set(types)
        if set.isEmpty { return .unknown }
        if set.count == 1 {
            switch set.first! {
            case "Point": return .point
            case "MultiPoint": return .multiPoint
            case "LineString": return .lineString
            case "MultiLineString": return .multiLineString
            case "Polygon": return .polygon
            case "MultiPolygon": return .multiPolygon
            default: return .unknown
            }
        }
        if set == ["Polygon", "MultiPolygon"] { return .multiPolygon }
        if set == ["LineString", "MultiLineString"] { return .multiLineString }
        return .unknown
    }

    /// Field names of at most 10 bytes (the DBF limit), cut on character boundaries so UTF-8
    /// stays whole, and unique; with the list of those that changed.
    static func shapefileFieldNames(_ fields: [FieldDefinition]) -> ([String], [(String, String)]) {
        var used = Set<String>()
        var names: [String] = []
        var renamed: [(String, String)] = []
        for f in fields {
            func cut(_ s: String, _ limit: Int) -> String {
                var out = ""
                for ch in s {
                    guard out.utf8.count + String(ch).utf8.count <= limit else { break }
                    out.append(ch)
                }
                return out
            }
            var name = cut(f.name, 10)
            var k = 1
            while used.contains(name.lowercased()) {
                k += 1
                let suffix = "_\(k)"
                name = cut(f.name, 10 - suffix.utf8.count) + suffix
            }
            used.insert(name.lowercased())
            names.append(name)
            if name != f.name { renamed.append((f.name, name)) }
        }
        return (names, renamed)
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}

extension VectorWriter {
    func startTransactionIfSupported(_ yes: Bool) throws { if yes { try startTransaction() } }
}
