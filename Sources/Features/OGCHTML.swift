import Foundation
import GeoModel

/// Plain HTML views of the OGC documents (`f=html`): the links as links, the rest as
/// readable JSON. Enough for a person in a browser to find their way; no scripts.
enum OGCHTML {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func wrap(_ title: String, _ body: String) -> [UInt8] {
        Array("""
        <!doctype html><html lang="vi"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .4em;font-size:.9em}pre{background:#f6f6f6;padding:.5em;overflow:auto}</style>
        </head><body><h1>\(escape(title))</h1>\(body)</body></html>
        """.utf8)
    }

    static func linkList(_ links: [[String: Any]]) -> String {
        guard !links.isEmpty else { return "" }
        return "<ul>" + links.map { l in
            let href = l["href"] as? String ?? "", t = l["title"] as? String ?? href
            return "<li><a href=\"\(escape(href))\">\(escape(t))</a> <small>(\(escape(l["rel"] as? String ?? "")), \(escape(l["type"] as? String ?? "")))</small></li>"
        }.joined() + "</ul>"
    }

    static func page(_ title: String, _ doc: [String: Any]) -> [UInt8] {
        var body = ""
        if let d = doc["description"] as? String { body += "<p>\(escape(d))</p>" }
        body += linkList(doc["links"] as? [[String: Any]] ?? [])
        if let cs = doc["collections"] as? [[String: Any]] {
            body += "<h2>Collections</h2><ul>" + cs.map { c in
                let href = ((c["links"] as? [[String: Any]])?.first { $0["rel"] as? String == "alternate" }?["href"] as? String) ?? ""
                return "<li><a href=\"\(escape(href))\">\(escape(c["title"] as? String ?? ""))</a></li>"
            }.joined() + "</ul>"
        }
        var rest = doc
        rest["links"] = nil
        rest["collections"] = nil
        if !rest.isEmpty,
           let data = try? JSONSerialization.data(withJSONObject: rest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            body += "<pre>\(escape(String(decoding: data, as: UTF8.self)))</pre>"
        }
        return wrap(title, body)
    }

    static func items(_ c: FeatureCollectionInfo, page: ItemsPage, links: [[String: Any]]) -> [UInt8] {
        var body = "<p>\(page.numberReturned) of \(page.numberMatched) features.</p>" + linkList(links)
        let features = (try? JSONSerialization.jsonObject(with: Data(page.featuresJSON))) as? [[String: Any]] ?? []
        body += "<table><tr><th>id</th>" + c.table.fields.map { "<th>\(escape($0.name))</th>" }.joined() + "</tr>"
        let base = (links.first { $0["rel"] as? String == "collection" }?["href"] as? String) ?? ""
        for f in features {
            let id = "\(f["id"] ?? "")"
            let props = f["properties"] as? [String: Any] ?? [:]
            body += "<tr><td><a href=\"\(escape(base))/items/\(escape(id))?f=html\">\(escape(id))</a></td>"
            body += c.table.fields.map { fd in
                let v = props[fd.name]
                return "<td>\(v == nil || v is NSNull ? "" : escape("\(v!)"))</td>"
            }.joined() + "</tr>"
        }
        return wrap(c.title, body + "</table>")
    }

    static func feature(_ c: FeatureCollectionInfo, json: [UInt8], links: [[String: Any]]) -> [UInt8] {
        var body = linkList(links)
        if let f = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] {
            let props = f["properties"] as? [String: Any] ?? [:]
            body += "<table>" + c.table.fields.map { fd in
                let v = props[fd.name]
                return "<tr><th>\(escape(fd.name))</th><td>\(v == nil || v is NSNull ? "" : escape("\(v!)"))</td></tr>"
            }.joined() + "</table>"
        }
        return wrap("\(c.title): feature", body)
    }
}
