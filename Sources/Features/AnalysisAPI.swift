public import FeatureQuery
public import GeoModel
import Foundation
import PublicErrors

/// The `/api/analysis` questions, read from a query string or a JSON body and answered as
/// JSON or CSV. No HTTP here: App passes the query and body and sends the bytes back.
public struct AnalysisAPI: Sendable {
    public let directory: any CollectionDirectory
    public let analysis: Analysis

    public init(directory: any CollectionDirectory, analysis: Analysis) {
        self.directory = directory; self.analysis = analysis
    }

    /// What the caller sent: the query string and, for POST, the JSON body.
    public struct Input: Sendable {
        public var query: QueryString
        public var body: JSONValue?
        public init(query: QueryString, body: JSONValue?) { self.query = query; self.body = body }

        func string(_ name: String) -> String? { body?[name]?.string ?? query[name] }
        /// The dataset the analysis reads (its `dataset` parameter), as the caller wrote it.
        public var dataset: String? { string("dataset") }
        func number(_ name: String) throws(FeaturesError) -> Double? {
            if let v = body?[name] {
                guard let d = v.double, d.isFinite else { throw .invalid(name, SafeMessage("analysis.number.json", ["name": name])) }
                return d
            }
            guard let s = query[name] else { return nil }
            guard let d = Double(s), d.isFinite else { throw .invalid(name, SafeMessage("analysis.number.text", ["name": name, "value": String(s.prefix(40))])) }
            return d
        }
        /// A whole number in `range` from the body (a JSON integer, or a real with no fraction)
        /// or the query string; anything else, 1e300 included, is a 400 naming the range.
        func wholeNumber(_ name: String, in range: ClosedRange<Int>, _ meaning: String) throws(FeaturesError) -> Int? {
            if let v = body?[name] {
                let n: Int? = switch v {
                case .integer(let i): Int(exactly: i)
                case .number(let d): Int(exactly: d)
                case .string(let s): Int(s)
                default: nil
                }
                guard let n, range.contains(n) else {
                    throw .notWholeNumber(name, Self.describe(v), in: range, meaning)
                }
                return n
            }
            guard let s = query[name] else { return nil }
            return try Features.wholeNumber(s, name, in: range, meaning)
        }
        static func describe(_ v: JSONValue) -> String {
            switch v {
            case .null: "null"
            case .bool(let b): "\(b)"
            case .integer(let i): "\(i)"
            case .number(let d): "\(d)"
            case .string(let s): s
            case .array: "an array"
            case .object: "an object"
            }
        }
        func require(_ name: String, _ hint: String) throws(FeaturesError) -> String {
            guard let v = string(name), !v.isEmpty else { throw .invalid(name, SafeMessage("analysis.required", ["name": name], parts: ["hint": SafeMessage(hint)])) }
            return v
        }
    }

    func dataset(_ input: Input, _ name: String = "dataset") async throws(FeaturesError) -> FeatureCollectionInfo {
        let id = try input.require(name, "analysis.hint.dataset")
        do { return try await directory.collection(id) } catch {
            throw .invalid(name, SafeMessage("analysis.dataset.unknown", ["dataset": id]))
        }
    }

    static func csvWanted(_ input: Input) throws(FeaturesError) -> Bool {
        switch (input.string("format") ?? "json").lowercased() {
        case "json", "geojson": return false
        case "csv": return true
        case let f: throw .invalid("format", SafeMessage("analysis.format", ["value": f]))
        }
    }

    static func answer(_ bytes: [UInt8], csv: Bool) -> OGCResponse {
        OGCResponse(body: bytes, contentType: csv ? "text/csv; charset=utf-8" : "application/json", contentCRS: nil, links: [])
    }

    func point(_ input: Input) throws(FeaturesError) -> Position {
        guard let lon = try input.number("lon"), let lat = try input.number("lat") else {
            throw .invalid("lon", SafeMessage("analysis.point.missing"))
        }
        guard abs(lon) <= 180, abs(lat) <= 90 else { throw .invalid("lat", SafeMessage("analysis.point.range", ["lon": "\(lon)", "lat": "\(lat)"])) }
        return Position(lon, lat)
    }

    // MARK: Questions

    /// Which areas of `dataset` contain the point (`lon`, `lat`) or each of `points` (JSON body).
    public func pointInArea(_ input: Input) async throws(FeaturesError) -> OGCResponse {
        let c = try await dataset(input)
        let csv = try Self.csvWanted(input)
        var points: [Position]
        let single: Bool
        if let list = input.body?["points"] {
            guard let arr = list.array else { throw .invalid("points", SafeMessage("analysis.points.notArray")) }
            points = []
            points.reserveCapacity(arr.count)
            for (i, p) in arr.enumerated() {
                guard let xy = p.array, xy.count >= 2, let x = xy[0].double, let y = xy[1].double else {
                    throw .invalid("points", SafeMessage("analysis.points.notPair", ["index": String(i)]))
                }
                points.append(Position(x, y))
            }
            guard !points.isEmpty else { throw .invalid("points", SafeMessage("analysis.points.empty")) }
            single = false
        } else {
            points = [try point(input)]
            single = true
        }
        let matches = try await analysis.areasContaining(points, in: c)
        if single, matches[0].isEmpty {
            throw .invalid("lon", SafeMessage("analysis.point.inNoArea", ["lon": "\(points[0].x)", "lat": "\(points[0].y)", "collection": c.id]))
        }
        let fields = c.table.fields
        return Self.answer(csv ? AnalysisOutput.areasCSV(points: points, matches: matches, fields: fields)
                               : AnalysisOutput.areasJSON(dataset: c.id, points: points, matches: matches, fields: fields), csv: csv)
    }

    /// Features of `dataset` within `distance` metres of a point or a GeoJSON `geometry`.
    public func withinDistance(_ input: Input) async throws(FeaturesError) -> OGCResponse {
        let c = try await dataset(input)
        let csv = try Self.csvWanted(input)
        guard let d = try input.number("distance") else { throw .invalid("distance", SafeMessage("analysis.distance.missing")) }
        let g: Geometry
        if let gj = input.body?["geometry"] {
            do { g = try CQL2JSON.geoJSONGeometry(gj, path: "geometry") } catch { throw .invalid("geometry", error.shown) }
            var inWGS84 = true
            g.forEachPosition { p in if !(abs(p.x) <= 180 && abs(p.y) <= 90) { inWGS84 = false } }
            guard inWGS84 else { throw .invalid("geometry", SafeMessage("analysis.geometry.notWGS84")) }
        } else {
            g = .point(try point(input))
        }
        let limit = try input.wholeNumber("limit", in: 1...Analysis.maximumMatches, "features to return") ?? Analysis.maximumMatches
        let matches = try await analysis.withinDistance(of: g, metres: d, in: c, limit: limit)
        return Self.answer(csv ? AnalysisOutput.matchesCSV(matches: matches, fields: c.table.fields)
                               : AnalysisOutput.matchesJSON(dataset: c.id, matches: matches, fields: c.table.fields), csv: csv)
    }

    /// The `k` features of `dataset` nearest to the point.
    public func nearest(_ input: Input) async throws(FeaturesError) -> OGCResponse {
        let c = try await dataset(input)
        let csv = try Self.csvWanted(input)
        let p = try point(input)
        let k = try input.wholeNumber("k", in: 1...Analysis.maximumNeighbours, "how many neighbours to return") ?? 1
        let matches = try await analysis.nearest(to: p, k: k, in: c)
        return Self.answer(csv ? AnalysisOutput.matchesCSV(matches: matches, fields: c.table.fields)
                               : AnalysisOutput.matchesJSON(dataset: c.id, matches: matches, fields: c.table.fields), csv: csv)
    }

    /// Count (and sum/avg/min/max of `field`) of `dataset`'s features in each polygon of `areas`.
    public func aggregate(_ input: Input) async throws(FeaturesError) -> OGCResponse {
        let counted = try await dataset(input)
        let areas = try await dataset(input, "areas")
        let csv = try Self.csvWanted(input)
        let field = input.string("field")
        let figures = try await analysis.aggregate(counted, field: field, per: areas, includeGeometry: !csv)
        if csv {
            return Self.answer(AnalysisOutput.aggregateCSV(figures, fields: areas.table.fields, withStats: field != nil, field: field), csv: true)
        }
        return OGCResponse(body: AnalysisOutput.aggregateGeoJSON(figures, fields: areas.table.fields, withStats: field != nil, field: field),
                           contentType: "application/geo+json", contentCRS: nil, links: [])
    }
}
