// GeoJSON read by Bando itself. GDAL's GeoJSON driver parses the whole document into a tree
// when it opens the file: on a 12 MB FeatureCollection that is two thirds of an ingest. This
// reader maps the file and reads it twice, without a tree: the first pass checks the syntax
// and types the fields exactly as GDAL does; the second streams features to the pipeline.
//
// It only takes files on which it gives what GDAL gives (a test holds it to that, field for
// field and value for value): a FeatureCollection of simple geometries whose properties are
// numbers, booleans, plain strings or null. Anything else (date-like strings, which GDAL types
// as dates; arrays and objects; string ids; a field mixing text and numbers; a `crs` that is
// not an EPSG code; a GeometryCollection) makes `open` return nil and the ingest goes through
// GDAL as before. What is not GeoJSON at all (broken JSON, `NaN`, a point of one number, a
// geometry given as text, properties that are a list), which GDAL would read its own lenient
// way, makes `open` throw, naming the feature.
import GDALKit
import GeoModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class GeoJSONReader: FeatureStream, @unchecked Sendable {
    /// The layer's name as GDAL gives it: the collection's `name` member, else the file's base name.
    let layerName: String
    let fields: [SourceField]
    let featureCount: Int
    /// "EPSG:n" from a legacy `crs` member; nil when there is none (RFC 7946: WGS 84).
    let crsCode: String?

    private let map: UnsafeMutableRawPointer
    private let size: Int
    private let kinds: [Kind]
    private let index: [[UInt8]: Int]
    /// Where the next feature (or the end of the features array) starts.
    private var scanner: JSONScanner
    private var first = true
    /// The map below this offset has been read for good and handed back (see `release`).
    private var released = 0
    private var finished = false
    private let path: String

    /// Why the fast reader declines a file (shown nowhere: GDAL reads it instead).
    struct Declined: Error { var reason: String }

    /// Why a file is refused: it is not GeoJSON (RFC 7946) where GDAL, lenient, would still read
    /// something from it, such as a point of one number, `NaN`, a geometry given as text, or
    /// properties that are a list. `feature`: its number in the file, from 1.
    struct Malformed: Error {
        enum Problem: String { case syntax, geometry, properties, truncated }
        var problem: Problem
        var feature: Int?
    }

    /// A field's JSON type so far, in GDAL's terms.
    enum Kind: Equatable {
        /// Only nulls seen: GDAL makes it a String field if nothing else comes.
        case undetermined
        case integer, real, boolean, string

        var fieldType: FieldType {
            switch self {
            case .integer: .integer
            case .real: .real
            case .boolean: .boolean
            case .string, .undetermined: .text
            }
        }
    }

    /// Opens `path` when this reader can read it as GDAL would; nil otherwise (and for any
    /// file that is not a plain `.geojson`/`.json` file, zips included).
    /// Throws for a document that is not GeoJSON (see `Malformed`), which GDAL must not be left
    /// to read its own way.
    static func open(_ path: String) throws(IngestError) -> GeoJSONReader? {
        let lower = path.lowercased()
        guard lower.hasSuffix(".geojson") || lower.hasSuffix(".json") else { return nil }
        do { return try GeoJSONReader(path: path) }
        catch let m as Malformed { throw .malformed(path: path, feature: m.feature, problem: m.problem.rawValue) }
        catch let e as JSONSyntaxError {
            let cut = e.offset >= ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? .max)
            throw .malformed(path: path, feature: nil, problem: (cut ? Malformed.Problem.truncated : .syntax).rawValue)
        }
        catch { return nil }
    }

    init(path: String) throws {
        self.path = path
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw Declined(reason: "cannot open") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { throw Declined(reason: "empty or unreadable") }
        size = Int(st.st_size)
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else { throw Declined(reason: "cannot map") }
        madvise(m, size, MADV_SEQUENTIAL)
        map = m
        do {
            let base = UnsafePointer(m.assumingMemoryBound(to: UInt8.self))
            var schema = Schema()
            var s = JSONScanner(base: base, count: size)
            let (featuresAt, name, crs) = try Self.scanCollection(&s, schema: &schema)
            guard s.peek() == 0 else { throw s.fail("text after the end of the document") }
            fields = zip(schema.names, schema.kinds).map { SourceField(rawName: $0, type: $1.fieldType, width: 0, precision: 0) }
            kinds = schema.kinds
            index = schema.index
            featureCount = schema.features
            crsCode = crs
            layerName = name ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            scanner = JSONScanner(base: base, count: size, offset: featuresAt)
            try scanner.expect(UInt8(ascii: "["))
        } catch {
            munmap(m, size)
            throw error
        }
    }

    deinit { munmap(map, size) }

    /// Hands the pages of the map below `offset` back to the kernel once 4 MB have been read past
    /// `from`: both passes read forward only, so a large file does not stay resident (it would
    /// count, twice over, in the ingest's memory). Returns the new released offset.
    private static func release(_ base: UnsafePointer<UInt8>, upTo offset: Int, from: Int) -> Int {
        let end = offset / pageSize * pageSize
        guard end - from >= 4 << 20 else { return from }
        madvise(UnsafeMutableRawPointer(mutating: base + from), end - from, MADV_DONTNEED)
        return end
    }

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    // MARK: first pass: syntax, fields and their types

    private struct Schema {
        var names: [[UInt8]] = []
        var kinds: [Kind] = []
        var index: [[UInt8]: Int] = [:]
        var features = 0

        mutating func note(_ key: [UInt8], _ kind: Kind) throws {
            guard let i = index[key] else {
                index[key] = names.count
                names.append(key)
                kinds.append(kind)
                return
            }
            switch (kinds[i], kind) {
            case (_, .undetermined): break
            case (.undetermined, _): kinds[i] = kind
            case (let a, let b) where a == b: break
            case (.integer, .real), (.real, .integer): kinds[i] = .real
            default: throw Declined(reason: "field mixes JSON types")
            }
        }
    }

    /// The top-level object: returns where the features array starts, the `name` and the `crs`.
    private static func scanCollection(_ s: inout JSONScanner, schema: inout Schema) throws -> (Int, String?, String?) {
        var featuresAt: Int?
        var name: String?
        var crs: String?
        var isCollection = false
        guard s.peek() == UInt8(ascii: "{") else { throw Declined(reason: "not an object") }
        try s.forEachMember { s, key in
            if s.equals(key, "type") {
                let t = try s.string()
                isCollection = s.equals(t.range, "FeatureCollection")
            } else if s.equals(key, "features") {
                s.skipSpace()
                featuresAt = s.offset
                var released = 0
                try s.forEachElement { s in
                    do { try scanFeature(&s, schema: &schema) }
                    catch let e as JSONSyntaxError {
                        throw Malformed(problem: e.offset >= s.count ? .truncated : .syntax, feature: schema.features + 1)
                    }
                    catch var m as Malformed { m.feature = schema.features + 1; throw m }
                    released = release(s.base, upTo: s.offset, from: released)
                }
            } else if s.equals(key, "name"), s.peek() == UInt8(ascii: "\"") {
                let t = try s.string()
                name = s.decodedString(t.range, escaped: t.escaped).map { String(decoding: $0, as: UTF8.self) }
            } else if s.equals(key, "crs") {
                crs = try scanCRS(&s)
            } else {
                try s.skipValue()
            }
        }
        guard isCollection, let featuresAt else { throw Declined(reason: "not a FeatureCollection") }
        return (featuresAt, name, crs)
    }

    /// A legacy named `crs` member ("EPSG:n", "urn:ogc:def:crs:EPSG::n"), as "EPSG:n".
    private static func scanCRS(_ s: inout JSONScanner) throws -> String? {
        if s.peek() == UInt8(ascii: "n") { try s.literal("null"); return nil }
        let start = s.offset
        try s.skipValue()
        let text = Data(UnsafeBufferPointer(start: s.base + start, count: s.offset - start))
        guard let object = try? JSONSerialization.jsonObject(with: text) as? [String: Any],
              object["type"] as? String == "name",
              let name = (object["properties"] as? [String: Any])?["name"] as? String else {
            throw Declined(reason: "crs is not a named CRS")
        }
        for prefix in ["EPSG:", "urn:ogc:def:crs:EPSG::"] where name.hasPrefix(prefix) {
            let code = name.dropFirst(prefix.count)
            if !code.isEmpty, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) { return "EPSG:" + code }
        }
        throw Declined(reason: "crs \(name) is not an EPSG code")
    }

    private static func scanFeature(_ s: inout JSONScanner, schema: inout Schema) throws {
        var isFeature = false
        try s.forEachMember { s, key in
            if s.equals(key, "type") {
                let t = try s.string()
                isFeature = s.equals(t.range, "Feature")
            } else if s.equals(key, "properties") {
                if s.peek() == UInt8(ascii: "n") { try s.literal("null"); return }
                guard s.peek() == UInt8(ascii: "{") else { throw Malformed(problem: .properties) }
                try s.forEachMember { s, key in
                    let name = Array(UnsafeBufferPointer(start: s.base + key.lowerBound, count: key.count))
                    guard !name.contains(UInt8(ascii: "\\")) else { throw Declined(reason: "escaped field name") }
                    try schema.note(name, scanValue(&s))
                }
            } else if s.equals(key, "geometry") {
                // What the coordinates hold is checked here, in the first pass: a position that is
                // not two or three numbers makes the whole file refused, before anything is written.
                do { _ = try readGeometry(&s, build: false) }
                catch let e as JSONSyntaxError { throw Malformed(problem: e.offset >= s.count ? .truncated : .geometry) }
            } else if s.equals(key, "id") {
                // GDAL takes integer ids as feature ids (not fields); other ids become a field.
                guard s.peek() != UInt8(ascii: "\""), s.peek() != UInt8(ascii: "{"), s.peek() != UInt8(ascii: "["),
                      try s.number().isInteger else { throw Declined(reason: "non-integer feature id") }
            } else {
                try s.skipValue()
            }
        }
        guard isFeature else { throw Declined(reason: "an element of features is not a Feature") }
        schema.features += 1
    }

    /// A property's type; declines what GDAL types otherwise (dates, lists, objects).
    private static func scanValue(_ s: inout JSONScanner) throws -> Kind {
        switch s.peek() {
        case UInt8(ascii: "\""):
            let t = try s.string()
            if t.escaped {
                guard let bytes = s.decodedString(t.range, escaped: true) else { throw Declined(reason: "escape that is not text") }
                if looksLikeDateOrTime(bytes[...]) { throw Declined(reason: "date-like text") }
            } else if looksLikeDateOrTime(UnsafeBufferPointer(start: s.base + t.range.lowerBound, count: t.range.count)) {
                throw Declined(reason: "date-like text")
            }
            return .string
        case UInt8(ascii: "t"): try s.literal("true"); return .boolean
        case UInt8(ascii: "f"): try s.literal("false"); return .boolean
        case UInt8(ascii: "n"): try s.literal("null"); return .undetermined
        case UInt8(ascii: "{"), UInt8(ascii: "["): throw Declined(reason: "nested value")
        default:
            let t = try s.number()
            guard t.isInteger else { return .real }
            guard s.int64(t) != nil else { throw Declined(reason: "integer beyond 64 bits") }
            return .integer
        }
    }

    /// GDAL types text as Date, Time or DateTime when it parses as one (" 2020-01-02",
    /// "-2020-01-02" and "12:30" included). Rather than mirror its parser, decline anything that
    /// might be one: after any spaces and a sign, a digit, and a '-', '/' or ':' somewhere after.
    static func looksLikeDateOrTime<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var rest = bytes.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        if let sign = rest.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { rest = rest.dropFirst() }
        guard let first = rest.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return false }
        return rest.contains { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") }
    }

    // MARK: geometry (both passes)

    private enum GeometryType { case point, multiPoint, lineString, multiLineString, polygon, multiPolygon }

    /// The geometry object that starts here; nil for `null` and for an empty geometry (as GDAL,
    /// which reads those as no geometry). With `build` false only the syntax and shape are checked.
    private static func readGeometry(_ s: inout JSONScanner, build: Bool) throws -> Geometry? {
        if s.peek() == UInt8(ascii: "n") { try s.literal("null"); return nil }
        guard s.peek() == UInt8(ascii: "{") else { throw Malformed(problem: .geometry) }
        var type: GeometryType?
        var coordinatesAt: Int?
        var geometry: Geometry?
        var sawCoordinates = false
        try s.forEachMember { s, key in
            if s.equals(key, "type") {
                let t = try s.string()
                type = try geometryType(s, t.range)
            } else if s.equals(key, "coordinates") {
                sawCoordinates = true
                if let type { geometry = try coordinates(&s, type, build: build) } else {
                    s.skipSpace(); coordinatesAt = s.offset; try s.skipValue()
                }
            } else if s.equals(key, "geometries") {
                throw Declined(reason: "GeometryCollection")
            } else {
                try s.skipValue()
            }
        }
        guard let type, sawCoordinates else { throw Declined(reason: "geometry without type or coordinates") }
        if let at = coordinatesAt {   // "coordinates" came before "type"
            var again = JSONScanner(base: s.base, count: s.count, offset: at)
            geometry = try coordinates(&again, type, build: build)
        }
        return geometry
    }

    private static func geometryType(_ s: JSONScanner, _ r: Range<Int>) throws -> GeometryType {
        if s.equals(r, "Polygon") { return .polygon }
        if s.equals(r, "MultiPolygon") { return .multiPolygon }
        if s.equals(r, "Point") { return .point }
        if s.equals(r, "LineString") { return .lineString }
        if s.equals(r, "MultiLineString") { return .multiLineString }
        if s.equals(r, "MultiPoint") { return .multiPoint }
        if s.equals(r, "GeometryCollection") { throw Declined(reason: "GeometryCollection") }
        throw Malformed(problem: .geometry)
    }

    private static func coordinates(_ s: inout JSONScanner, _ type: GeometryType, build: Bool) throws -> Geometry? {
        let position = { (s: inout JSONScanner) in try Self.position(&s, build: build) }
        let line = { (s: inout JSONScanner) in try array(&s, build: build, emptyIs: "an empty ring or line", position).list }
        switch type {
        case .point:
            return .point(try position(&s))
        case .multiPoint, .lineString:
            let ps = try array(&s, build: build, emptyIs: nil, position)
            guard ps.count > 0 else { return nil }
            return type == .lineString ? .lineString(ps.list) : .multiPoint(ps.list)
        case .multiLineString, .polygon:
            let parts = try array(&s, build: build, emptyIs: nil, line)
            guard parts.count > 0 else { return nil }
            return type == .polygon ? .polygon(parts.list) : .multiLineString(parts.list)
        case .multiPolygon:
            let polygon = { (s: inout JSONScanner) in try array(&s, build: build, emptyIs: "an empty polygon in a MultiPolygon", line).list }
            let polygons = try array(&s, build: build, emptyIs: nil, polygon)
            return polygons.count > 0 ? .multiPolygon(polygons.list) : nil
        }
    }

    /// The array that starts here, read element by element: the elements (kept only when
    /// `build`) and their number. An empty array declines the file when `emptyIs` says why
    /// (GDAL reads empty parts inside a geometry its own way); elsewhere it means no geometry.
    private static func array<T>(_ s: inout JSONScanner, build: Bool, emptyIs: String?,
                                 _ element: (inout JSONScanner) throws -> T) throws -> (list: [T], count: Int) {
        var list: [T] = []
        var n = 0
        try s.forEachElement { s in
            let e = try element(&s)
            n += 1
            if build { list.append(e) }
        }
        if n == 0, let emptyIs { throw Declined(reason: emptyIs) }
        return (list, n)
    }

    /// `[x, y]` or `[x, y, z…]` (extra ordinates dropped, as the store is 2-D).
    @inline(__always)
    private static func position(_ s: inout JSONScanner, build: Bool) throws -> Position {
        try s.expect(UInt8(ascii: "["))
        let x = try s.number()
        try s.expect(UInt8(ascii: ","))
        let y = try s.number()
        while s.consume(UInt8(ascii: ",")) { _ = try s.number() }
        try s.expect(UInt8(ascii: "]"))
        return build ? Position(s.double(x), s.double(y)) : Position(0, 0)
    }

    // MARK: second pass: features

    func next() throws -> SourceFeature? {
        guard !finished else { return nil }
        do {
            released = Self.release(scanner.base, upTo: scanner.offset, from: released)
            if scanner.consume(UInt8(ascii: "]")) { finished = true; return nil }
            if !first { try scanner.expect(UInt8(ascii: ",")) }
            first = false
            var values = [RawValue](repeating: .null, count: kinds.count)
            var geometry: Geometry?
            var id: String?
            var expected = 0
            var scanner = self.scanner
            defer { self.scanner = scanner }
            try scanner.forEachMember { s, key in
                if s.equals(key, "properties") {
                    if s.peek() == UInt8(ascii: "n") { try s.literal("null"); return }
                    try s.forEachMember { s, key in
                        // Properties mostly come in the same order in every feature: try the next field first.
                        let i: Int
                        if expected < fields.count, fields[expected].rawName.withUnsafeBufferPointer({
                            $0.count == key.count && memcmp($0.baseAddress!, s.base + key.lowerBound, key.count) == 0
                        }) {
                            i = expected
                        } else {
                            guard let known = index[Array(UnsafeBufferPointer(start: s.base + key.lowerBound, count: key.count))] else {
                                throw Declined(reason: "a field the first pass did not see")
                            }
                            i = known
                        }
                        expected = i + 1
                        values[i] = try value(&s, kinds[i])
                    }
                } else if s.equals(key, "geometry") {
                    geometry = try Self.readGeometry(&s, build: true)
                } else if s.equals(key, "id") {
                    // The first pass let only integer ids through.
                    let t = try s.number()
                    id = s.int64(t).map(String.init)
                } else {
                    try s.skipValue()
                }
            }
            return SourceFeature(fid: 0, geometry: geometry, geometryProblem: nil, values: values, id: id)
        } catch let e as JSONSyntaxError {
            throw GDALError(path: path, message: "\(e)")
        } catch let e as Declined {
            // The first pass saw the whole file: this would mean the file changed under us.
            throw GDALError(path: path, message: "the file changed while it was read (\(e.reason))")
        }
    }

    private func value(_ s: inout JSONScanner, _ kind: Kind) throws -> RawValue {
        switch s.peek() {
        case UInt8(ascii: "n"): try s.literal("null"); return .null
        case UInt8(ascii: "t"): try s.literal("true"); return .boolean(true)
        case UInt8(ascii: "f"): try s.literal("false"); return .boolean(false)
        case UInt8(ascii: "\""):
            let t = try s.string()
            guard let bytes = s.decodedString(t.range, escaped: t.escaped) else { throw Declined(reason: "escape") }
            return .bytes(bytes)
        default:
            let t = try s.number()
            if kind == .integer, let i = s.int64(t) { return .integer(i) }
            return .real(s.double(t))
        }
    }
}
