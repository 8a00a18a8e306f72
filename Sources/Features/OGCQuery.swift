public import FeatureQuery
public import GeoModel
import PublicErrors
import Foundation

/// A query string as OGC clients send it: `+` is a space (HTML forms, Python's requests),
/// `%XX` escapes are decoded, order and repeats are kept.
public struct QueryString: Sendable, Hashable {
    public var pairs: [(name: String, value: String)]

    public init(_ raw: String?) {
        pairs = (raw ?? "").split(separator: "&").map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }

    public init(pairs: [(String, String)]) { self.pairs = pairs.map { (name: $0.0, value: $0.1) } }

    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    public static func == (a: QueryString, b: QueryString) -> Bool {
        a.pairs.map(\.name) == b.pairs.map(\.name) && a.pairs.map(\.value) == b.pairs.map(\.value)
    }
    public func hash(into h: inout Hasher) { for p in pairs { h.combine(p.name); h.combine(p.value) } }

    /// The query string again, with `f` and `offset` replaced (for self/next/prev links).
    public func encoded(replacing changes: [String: String?]) -> String {
        var out: [(String, String)] = pairs.filter { changes[$0.name] == nil }.map { ($0.name, $0.value) }
        for (k, v) in changes.sorted(by: { $0.key < $1.key }) { if let v = v { out.append((k, v)) } }
        return out.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ s: String) -> String {
        // Most values need no escape at all: skip Foundation's percent-encoding for them.
        if s.utf8.allSatisfy({ b in (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "-._~,:/".utf8.contains(b) }) {
            return s
        }
        return s.addingPercentEncoding(withAllowedCharacters: unescaped) ?? s
    }
    static let unescaped: CharacterSet = {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~,:/")
        return allowed
    }()
}

/// `text` as a whole number in `range`, or a 400 naming the parameter, the range and what the
/// number means. Every number taken from a request goes through a check like this one, so
/// nothing a client sends reaches an unchecked conversion.
func wholeNumber(_ text: String, _ parameter: String, in range: ClosedRange<Int>, _ meaning: String) throws(FeaturesError) -> Int {
    guard let n = Int(text), range.contains(n) else { throw .notWholeNumber(parameter, text, in: range, meaning) }
    return n
}

/// The parameters `/items` understands; any other parameter must be a queryable property.
/// `lang` chooses the language of error messages (read by App), on every route.
let itemsParameters: Set<String> = ["f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "filter", "filter-lang", "filter-crs",
                                    "sortby", "properties", "lang"]

/// The `filter-lang` values accepted: CQL2's two encodings, and `cql-text`, the name of CQL2
/// text in the drafts of Part 3 that GDAL 3.6 knows (without it, GDAL filters on the client,
/// downloading every page).
let filterLanguages = ["cql2-text", "cql2-json", "cql-text"]

extension ItemsQuery {
    /// Reads and checks the query of `/collections/{id}/items`; every mistake is a
    /// `FeaturesError` naming the parameter and saying what to send instead.
    public static func parse(_ q: QueryString, collection c: FeatureCollectionInfo, registry: CRSRegistry) throws(FeaturesError) -> (ItemsQuery, OutputCRS) {
        var query = ItemsQuery()
        if let l = q["limit"] {
            if let n = Int(l), n > maximumLimit {
                throw .invalid("limit", SafeMessage("features.limit.overMaximum", ["maximum": String(maximumLimit), "value": String(n)]))
            }
            guard let n = Int(l), n >= 1 else { throw .invalid("limit", SafeMessage("features.limit.notANumber", ["maximum": String(maximumLimit), "value": String(l.prefix(40))])) }
            query.limit = n
        }
        if let o = q["offset"] {
            query.offset = try wholeNumber(o, "offset", in: 0...maximumOffset, "features to skip")
        }
        if let b = q["bbox"] {
            let parts = b.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            let n = parts.compactMap { $0 }.filter(\.isFinite)
            guard parts.count == 4 || parts.count == 6, n.count == parts.count else {
                throw .invalid("bbox", SafeMessage("features.bbox.format", ["value": String(b.prefix(200))]))
            }
            var box = n.count == 4 ? BoundingBox(minX: n[0], minY: n[1], maxX: n[2], maxY: n[3])
                                   : BoundingBox(minX: n[0], minY: n[1], maxX: n[3], maxY: n[4])
            let bboxCRS = try registry.resolve(q["bbox-crs"] ?? OutputCRS.crs84URI, parameter: "bbox-crs")
            if bboxCRS.uri == CRSRegistry.epsg4326URI {
                // EPSG:4326 boxes are latitude first: minLat,minLon,maxLat,maxLon.
                box = BoundingBox(minX: box.minY, minY: box.minX, maxX: box.maxY, maxY: box.maxX)
            } else if !bboxCRS.isCRS84 {
                do { box = try bboxCRS.boxToWGS84(box) } catch {
                    throw FeaturesError(.invalidParameter, SafeMessage("features.bbox.notConvertible", ["crs": bboxCRS.uri]),
                                        parameter: "bbox", detail: "\(error)")
                }
            }
            guard box.minY <= box.maxY else {
                throw .invalid("bbox", SafeMessage("features.bbox.southNorth", ["south": "\(box.minY)", "north": "\(box.maxY)"]))
            }
            guard box.minX <= box.maxX else {
                throw .invalid("bbox", SafeMessage("features.bbox.westEast", ["west": "\(box.minX)", "east": "\(box.maxX)"]))
            }
            query.bbox = box
        } else if q["bbox-crs"] != nil {
            throw .invalid("bbox-crs", SafeMessage("features.bboxCRS.withoutBbox"))
        }
        if let d = q["datetime"] { query.datetime = try DateTimeInterval(parsing: d) }
        if let f = q["filter"] {
            let lang = (q["filter-lang"] ?? "cql2-text").lowercased()
            guard filterLanguages.contains(lang) else {
                throw .invalid("filter-lang", SafeMessage("features.filterLang.unknown", ["value": String(lang.prefix(40))]))
            }
            var expr: CQL2Expression
            do {
                expr = lang == "cql2-json" ? try CQL2JSON.parse(f) : try CQL2Text.parse(f)
            } catch {
                throw .invalid("filter", error.shown)
            }
            if let fc = q["filter-crs"] {
                let crs = try registry.resolve(fc, parameter: "filter-crs")
                if !crs.isCRS84 {
                    do { expr = try expr.mapLiteralPositions { try crs.toWGS84($0) } } catch {
                        throw FeaturesError(.invalidParameter, SafeMessage("features.filterCRS.notConvertible", ["crs": crs.uri]),
                                            parameter: "filter-crs", detail: "\(error)")
                    }
                }
            }
            query.filter = expr
        } else if q["filter-lang"] != nil || q["filter-crs"] != nil {
            throw .invalid("filter-lang", SafeMessage("features.filterLang.withoutFilter"))
        }
        if let sortby = q["sortby"] {
            for item in sortby.split(separator: ",") {
                var name = item.trimmingCharacters(in: .whitespaces)
                var descending = false
                if name.hasPrefix("-") { descending = true; name.removeFirst() } else if name.hasPrefix("+") { name.removeFirst() }
                guard name == "id" || c.table.field(named: name) != nil else {
                    throw .invalid("sortby", SafeMessage("features.sortby.unknown", [
                        "name": String(name.prefix(64)), "collection": c.id, "queryables": c.table.fields.map(\.name).joined(separator: ", ")]))
                }
                query.sortBy.append(SortKey(name: name, descending: descending))
            }
        }
        if let list = q["properties"] {
            let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in names where c.table.field(named: name) == nil {
                throw .invalid("properties", SafeMessage("features.properties.unknown", [
                    "name": String(name.prefix(64)), "collection": c.id, "queryables": c.table.fields.map(\.name).joined(separator: ", ")]))
            }
            query.properties = names
        }
        for (name, value) in q.pairs where !itemsParameters.contains(name) {
            guard !query.propertyEquals.contains(where: { $0.name == name }) else {
                throw .invalid(name, SafeMessage("features.parameter.repeated", ["name": String(name.prefix(64))]))
            }
            guard c.table.field(named: name) != nil else {
                throw .invalid(name, SafeMessage("features.parameter.unknown", [
                    "name": name, "parameters": itemsParameters.sorted().joined(separator: ", "),
                    "collection": c.id, "queryables": c.table.fields.map(\.name).joined(separator: ", ")]))

            }
            query.propertyEquals.append(PropertyEquality(name: name, value: value))
        }
        let crs = try registry.resolve(q["crs"] ?? OutputCRS.crs84URI, parameter: "crs")
        return (query, crs)
    }
}

extension CQL2Expression {
    /// The same filter with every literal geometry's positions mapped (for `filter-crs`).
    func mapLiteralPositions(_ f: (Position) throws -> Position) rethrows -> CQL2Expression {
        func operand(_ o: CQL2SpatialOperand) throws -> CQL2SpatialOperand {
            switch o {
            case .property: return o
            case .geometry(let g): return .geometry(try g.mapPositions(f))
            case .bbox:
                guard let g = o.literalGeometry else { return o }
                return .geometry(try g.mapPositions(f))
            }
        }
        switch self {
        case .and(let es): return .and(try es.map { try $0.mapLiteralPositions(f) })
        case .or(let es): return .or(try es.map { try $0.mapLiteralPositions(f) })
        case .not(let e): return .not(try e.mapLiteralPositions(f))
        case .spatial(let op, let a, let b): return .spatial(op, try operand(a), try operand(b))
        default: return self
        }
    }
}
