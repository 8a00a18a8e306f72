public import GeoModel
import PublicErrors
import Foundation

/// CQL2 JSON (`filter-lang=cql2-json`): `{"op": "and", "args": [...]}`, properties as
/// `{"property": "name"}`, geometries as GeoJSON, boxes as `{"bbox": [...]}`, instants as
/// `{"date": "…"}` / `{"timestamp": "…"}`. Errors name the JSON path that is wrong.
///
/// Operators (`and`, `or`, `not`, the spatial functions) and GeometryCollections nest at most
/// `CQL2Expression.maximumNesting` levels, as in CQL2 text.
public enum CQL2JSON {
    public static func parse(_ text: String) throws(CQL2SyntaxError) -> CQL2Expression {
        let value: JSONValue
        do { value = try JSONValue.parse(Array(text.utf8)) } catch {
            throw CQL2SyntaxError(SafeMessage("cql2json.notJSON"), position: 0)
        }
        return try parse(value)
    }

    public static func parse(_ value: JSONValue) throws(CQL2SyntaxError) -> CQL2Expression {
        try expression(value, path: "$", depth: 0)
    }

    /// The error at a JSON path (`$.args[1]`): the message `key` with its arguments.
    static func fail(_ path: String, key: String, _ arguments: [String: String] = [:]) -> CQL2SyntaxError {
        CQL2SyntaxError(SafeMessage("cql2json.at", ["path": path], parts: ["reason": SafeMessage(key, arguments)]), position: 0)
    }

    @available(*, deprecated, message: "add the message to Sources/PublicErrors/messages.*.json and call fail(_:key:_:)")
    static func fail(_ path: String, _ text: String) -> CQL2SyntaxError {
        fail(path, key: "untranslated", ["text": text])
    }

    /// Opens one level of nesting at `path` (and, or, not, a spatial function, a
    /// GeometryCollection), as a parenthesis or NOT does in CQL2 text.
    static func descend(_ depth: Int, _ path: String) throws(CQL2SyntaxError) -> Int {
        guard depth < CQL2Expression.maximumNesting else {
            throw CQL2SyntaxError(SafeMessage("cql2json.at", ["path": String(path.prefix(80)) + "…"],
                                              parts: ["reason": CQL2SyntaxError.nestedTooDeep(position: 0).message]), position: 0)
        }
        return depth + 1
    }

    static func expression(_ v: JSONValue, path: String, depth: Int) throws(CQL2SyntaxError) -> CQL2Expression {
        if case .bool(let b) = v { return .literal(b) }
        guard case .object(let o) = v, let opValue = o["op"] else {
            throw fail(path, key: "cql2json.expectedOp")
        }
        guard let op = opValue.string else { throw fail(path + ".op", key: "cql2json.opNotString") }
        guard let args = o["args"]?.array else { throw fail(path, key: "cql2json.argsMissing", ["op": op]) }
        func argc(_ n: Int) throws(CQL2SyntaxError) {
            guard args.count == n else {
                throw fail(path + ".args", key: n == 1 ? "cql2json.argumentCount.one" : "cql2json.argumentCount",
                           ["op": op, "expected": String(n), "count": String(args.count)])
            }
        }
        func scalarArg(_ i: Int) throws(CQL2SyntaxError) -> CQL2Scalar { try scalar(args[i], path: "\(path).args[\(i)]") }
        if let comparison = CQL2ComparisonOperator(rawValue: op) {
            try argc(2)
            return .comparison(comparison, try scalarArg(0), try scalarArg(1))
        }
        switch op.lowercased() {
        case "and", "or":
            guard args.count >= 2 else { throw fail(path + ".args", key: "cql2json.atLeastTwo", ["op": op]) }
            let inner = try descend(depth, path)
            var es: [CQL2Expression] = []
            for (i, a) in args.enumerated() { es.append(try expression(a, path: "\(path).args[\(i)]", depth: inner)) }
            return op.lowercased() == "and" ? .and(es) : .or(es)
        case "not":
            try argc(1)
            return .not(try expression(args[0], path: path + ".args[0]", depth: try descend(depth, path)))
        case "like":
            try argc(2)
            return .like(try scalarArg(0), pattern: try scalarArg(1))
        case "between":
            // Both the final form [value, low, high] and the draft form [value, [low, high]].
            if args.count == 2, let pair = args[1].array, pair.count == 2 {
                return .between(try scalarArg(0), low: try scalar(pair[0], path: path + ".args[1][0]"),
                                high: try scalar(pair[1], path: path + ".args[1][1]"))
            }
            try argc(3)
            return .between(try scalarArg(0), low: try scalarArg(1), high: try scalarArg(2))
        case "in":
            try argc(2)
            guard let list = args[1].array, !list.isEmpty else { throw fail(path + ".args[1]", key: "cql2json.inList") }
            var values: [CQL2Scalar] = []
            for (i, item) in list.enumerated() { values.append(try scalar(item, path: "\(path).args[1][\(i)]")) }
            return .inList(try scalarArg(0), values)
        case "isnull":
            try argc(1)
            return .isNull(try scalarArg(0))
        default:
            if let sop = CQL2SpatialOperator(rawValue: op.uppercased()) {
                try argc(2)
                let inner = try descend(depth, path)
                return .spatial(sop, try spatial(args[0], path: path + ".args[0]", depth: inner),
                                try spatial(args[1], path: path + ".args[1]", depth: inner))
            }
            throw fail(path + ".op", key: "cql2json.unknownOperator", ["op": op])
        }
    }

    static func scalar(_ v: JSONValue, path: String) throws(CQL2SyntaxError) -> CQL2Scalar {
        switch v {
        case .string(let s): return .string(s)
        case .integer(let i): return .integer(i)
        case .number(let d): return .real(d)
        case .bool(let b): return .boolean(b)
        case .object(let o):
            if let p = o["property"] {
                guard let name = p.string else { throw fail(path + ".property", key: "cql2json.propertyNotString") }
                return .property(name)
            }
            if let op = o["op"]?.string?.lowercased(), op == "casei" || op == "accenti" {
                // {"op": "casei", "args": [{"property": "ten"}]}
                guard let args = o["args"]?.array, args.count == 1 else {
                    throw fail(path + ".args", key: "cql2json.argumentCount.one", ["op": op, "expected": "1", "count": String(o["args"]?.array?.count ?? 0)])
                }
                return .fold(try scalar(args[0], path: path + ".args[0]"), op == "casei" ? .caseInsensitive : .accentInsensitive)
            }
            if let d = o["date"] {
                guard let s = d.string, isISODate(s) else { throw fail(path + ".date", key: "cql2json.date") }
                return .date(s)
            }
            if let t = o["timestamp"] {
                guard let s = t.string, isISOTimestamp(s) else { throw fail(path + ".timestamp", key: "cql2json.timestamp") }
                return .timestamp(s)
            }
            throw fail(path, key: "cql2json.expectedScalarObject")
        default:
            throw fail(path, key: v == .null ? "cql2json.expectedScalar.null" : "cql2json.expectedScalar.array")
        }
    }

    static func spatial(_ v: JSONValue, path: String, depth: Int) throws(CQL2SyntaxError) -> CQL2SpatialOperand {
        guard case .object(let o) = v else { throw fail(path, key: "cql2json.expectedSpatial") }
        if let p = o["property"] {
            guard let name = p.string else { throw fail(path + ".property", key: "cql2json.propertyNotString") }
            return .property(name)
        }
        if let b = o["bbox"] {
            // Every member must be a number: compactMap would have dropped a stray string.
            let numbers = b.array?.map(\.double) ?? []
            let n = numbers.compactMap { $0 }
            guard n.count == numbers.count, n.count == 4 || n.count == 6 else {
                throw fail(path + ".bbox", key: "cql2json.bboxCount")
            }
            let box = n.count == 4 ? BoundingBox(minX: n[0], minY: n[1], maxX: n[2], maxY: n[3])
                                   : BoundingBox(minX: n[0], minY: n[1], maxX: n[3], maxY: n[4])
            guard box.minX <= box.maxX, box.minY <= box.maxY else { throw fail(path + ".bbox", key: "cql2json.bboxOrder") }
            return .bbox(box)
        }
        return .geometry(try geoJSONGeometry(v, path: path, depth: depth))
    }

    /// A GeoJSON geometry object (RFC 7946 §3.1).
    public static func geoJSONGeometry(_ v: JSONValue, path: String = "$") throws(CQL2SyntaxError) -> Geometry {
        try geoJSONGeometry(v, path: path, depth: 0)
    }

    static func geoJSONGeometry(_ v: JSONValue, path: String, depth: Int) throws(CQL2SyntaxError) -> Geometry {
        guard let type = v["type"]?.string else { throw fail(path, key: "cql2json.geometryType") }
        if type == "GeometryCollection" {
            let depth = try descend(depth, path)
            guard let gs = v["geometries"]?.array else { throw fail(path, key: "cql2json.geometries") }
            var out: [Geometry] = []
            for (i, g) in gs.enumerated() { out.append(try geoJSONGeometry(g, path: "\(path).geometries[\(i)]", depth: depth)) }
            return .geometryCollection(out)
        }
        guard let c = v["coordinates"] else { throw fail(path, key: "cql2json.coordinates", ["type": type]) }
        let cp = path + ".coordinates"
        func pos(_ v: JSONValue, _ p: String) throws(CQL2SyntaxError) -> Position {
            guard let a = v.array, a.count >= 2, let x = a[0].double, let y = a[1].double else {
                throw fail(p, key: "cql2json.position")
            }
            return Position(x, y)
        }
        func list(_ v: JSONValue, _ p: String, min: Int) throws(CQL2SyntaxError) -> [Position] {
            guard let a = v.array, a.count >= min else { throw fail(p, key: "cql2json.positions", ["minimum": String(min)]) }
            var out: [Position] = []
            for (i, e) in a.enumerated() { out.append(try pos(e, "\(p)[\(i)]")) }
            return out
        }
        func rings(_ v: JSONValue, _ p: String) throws(CQL2SyntaxError) -> [[Position]] {
            guard let a = v.array, !a.isEmpty else { throw fail(p, key: "cql2json.rings") }
            var out: [[Position]] = []
            for (i, r) in a.enumerated() {
                let ring = try list(r, "\(p)[\(i)]", min: 4)
                guard ring.first == ring.last else { throw fail("\(p)[\(i)]", key: "cql2json.ringNotClosed") }
                out.append(ring)
            }
            return out
        }
        func many<T>(_ v: JSONValue, _ p: String, _ each: (JSONValue, String) throws(CQL2SyntaxError) -> T) throws(CQL2SyntaxError) -> [T] {
            guard let a = v.array else { throw fail(p, key: "cql2json.array") }
            var out: [T] = []
            for (i, e) in a.enumerated() { out.append(try each(e, "\(p)[\(i)]")) }
            return out
        }
        switch type {
        case "Point": return .point(try pos(c, cp))
        case "MultiPoint": return .multiPoint(try list(c, cp, min: 1))
        case "LineString": return .lineString(try list(c, cp, min: 2))
        case "MultiLineString": return .multiLineString(try many(c, cp) { (v, p) throws(CQL2SyntaxError) in try list(v, p, min: 2) })
        case "Polygon": return .polygon(try rings(c, cp))
        case "MultiPolygon": return .multiPolygon(try many(c, cp) { (v, p) throws(CQL2SyntaxError) in try rings(v, p) })
        default: throw fail(path + ".type", key: "cql2json.unknownGeometryType", ["type": type])
        }
    }
}

