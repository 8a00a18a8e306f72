public import GeoModel
import Foundation

/// JSON and CSV answers of the analysis API, written as bytes (no HTTP here).
public enum AnalysisOutput {
    static func properties(_ fields: [FieldDefinition], _ values: [FieldValue], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            GeoJSON.writeString(f.name, into: &out)
            out.append(UInt8(ascii: ":"))
            GeoJSON.writeValue(i < values.count ? values[i] : .null, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `{"dataset":…,"results":[{"point":[x,y],"areas":[{"id":…,"properties":{…}}]}]}`.
    public static func areasJSON(dataset: String, points: [Position], matches: [[Analysis.Match]], fields: [FieldDefinition]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(points.count * 200)
        out.append(contentsOf: #"{"dataset":"#.utf8)
        GeoJSON.writeString(dataset, into: &out)
        out.append(contentsOf: #","count":"#.utf8)
        out.append(contentsOf: String(points.count).utf8)
        out.append(contentsOf: #","results":["#.utf8)
        for (i, p) in points.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"point":["#.utf8)
            GeoJSON.writeNumber(p.x, scale: 0, into: &out)
            out.append(UInt8(ascii: ","))
            GeoJSON.writeNumber(p.y, scale: 0, into: &out)
            out.append(contentsOf: #"],"areas":["#.utf8)
            for (j, m) in matches[i].enumerated() {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"id":"#.utf8)
                out.append(contentsOf: String(m.fid).utf8)
                out.append(contentsOf: #","properties":"#.utf8)
                properties(fields, m.values, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// One line per point and area: `index,lon,lat,id,<fields>`; a point in no area gets one
    /// line with empty id and fields.
    public static func areasCSV(points: [Position], matches: [[Analysis.Match]], fields: [FieldDefinition]) -> [UInt8] {
        var out = Array((["index", "lon", "lat", "id"] + fields.map(\.name)).map(csvField).joined(separator: ",").utf8)
        out.append(contentsOf: "\r\n".utf8)
        for (i, p) in points.enumerated() {
            let head = "\(i),\(p.x),\(p.y),"
            if matches[i].isEmpty {
                out.append(contentsOf: (head + String(repeating: ",", count: fields.count) + "\r\n").utf8)
            }
            for m in matches[i] {
                out.append(contentsOf: (head + "\(m.fid)" + m.values.map { "," + csvValue($0) }.joined() + "\r\n").utf8)
            }
        }
        return out
    }

    /// GeoJSON FeatureCollection of matches (geometry omitted) with `distance_m` first.
    public static func matchesJSON(dataset: String, matches: [Analysis.Match], fields: [FieldDefinition]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"dataset":"#.utf8)
        GeoJSON.writeString(dataset, into: &out)
        out.append(contentsOf: #","count":"#.utf8)
        out.append(contentsOf: String(matches.count).utf8)
        out.append(contentsOf: #","results":["#.utf8)
        for (i, m) in matches.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"id":"#.utf8)
            out.append(contentsOf: String(m.fid).utf8)
            out.append(contentsOf: #","distance_m":"#.utf8)
            GeoJSON.writeReal(m.distance ?? .nan, scale: 1000, into: &out)
            out.append(contentsOf: #","properties":"#.utf8)
            properties(fields, m.values, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    public static func matchesCSV(matches: [Analysis.Match], fields: [FieldDefinition]) -> [UInt8] {
        var out = Array((["id", "distance_m"] + fields.map(\.name)).map(csvField).joined(separator: ",").utf8)
        out.append(contentsOf: "\r\n".utf8)
        for m in matches {
            let d = m.distance.map { String(($0 * 1000).rounded() / 1000) } ?? ""
            out.append(contentsOf: ("\(m.fid),\(d)" + m.values.map { "," + csvValue($0) }.joined() + "\r\n").utf8)
        }
        return out
    }

    static let figureNames = ["count", "sum", "avg", "min", "max"]

    static func figureValues(_ f: Analysis.AreaFigures, withStats: Bool) -> [FieldValue] {
        guard withStats else { return [.integer(Int64(f.count))] }
        return [.integer(Int64(f.count))] + [f.sum, f.average, f.minimum, f.maximum].map { $0.map(FieldValue.real) ?? .null }
    }

    /// The areas as GeoJSON features whose properties are the area's own, then the figures.
    public static func aggregateGeoJSON(_ figures: [Analysis.AreaFigures], fields: [FieldDefinition], withStats: Bool, field: String?) -> [UInt8] {
        let extra = (withStats ? figureNames.map { $0 == "count" ? $0 : "\($0)_\(field ?? "")" } : ["count"]).map { FieldDefinition(name: $0, type: .real) }
        var out: [UInt8] = Array(#"{"type":"FeatureCollection","features":["#.utf8)
        for (i, f) in figures.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            GeoJSON.writeFeature(Feature(id: f.fid, geometry: f.geometry, values: f.values + figureValues(f, withStats: withStats)),
                                 fields: fields + extra, into: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    public static func aggregateCSV(_ figures: [Analysis.AreaFigures], fields: [FieldDefinition], withStats: Bool, field: String?) -> [UInt8] {
        let extra = withStats ? figureNames.map { $0 == "count" ? $0 : "\($0)_\(field ?? "")" } : ["count"]
        var out = Array((["id"] + fields.map(\.name) + extra).map(csvField).joined(separator: ",").utf8)
        out.append(contentsOf: "\r\n".utf8)
        for f in figures {
            let vals = (f.values + figureValues(f, withStats: withStats)).map(csvValue)
            out.append(contentsOf: (([String(f.fid)] + vals).joined(separator: ",") + "\r\n").utf8)
        }
        return out
    }

    static func csvValue(_ v: FieldValue) -> String {
        switch v {
        case .null: ""
        case .integer(let i): String(i)
        case .real(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .text(let s): csvField(s)
        case .boolean(let b): b ? "true" : "false"
        }
    }

    /// Quoted as RFC 4180 asks, a formula made inert (`CSVField`, shared by every CSV).
    static func csvField(_ s: String) -> String { CSVField.text(s) }
}
