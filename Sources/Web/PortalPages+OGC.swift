// OGC API - Features pages for people (`f=html`): the documents the Features module describes
// (`OGCPage`), in the portal's look and the reader's language. Links are named by what they
// lead to (their relation and media type), so no English title from the JSON reaches the page.
public import Features
public import PublicErrors
import Foundation

extension PortalPages {
    /// `base`: the OGC API's root URL (`https://…/ogc`); `switchURL`: this page in the other language.
    public func ogc(_ p: OGCPage, base: String, language: Language, switchURL: String) -> String {
        let l = language
        let lang = "lang=\(l.rawValue)"
        let collectionTitle = p.title ?? ""
        let heading: String = switch p.kind {
        case .landing: texts.text("ogc_title", l)
        case .conformance: texts.text("ogc_conformance", l)
        case .collections: texts.text("ogc_collections", l)
        case .collection: collectionTitle
        case .queryables: texts.text("ogc_queryables_of", l, ["title": collectionTitle])
        case .schema: texts.text("ogc_schema_of", l, ["title": collectionTitle])
        case .items: texts.text("ogc_items_of", l, ["title": collectionTitle])
        case .feature: texts.text("ogc_feature_of", l, ["id": p.featureID ?? "", "title": collectionTitle])
        }
        var c = layout(l, title: heading, current: "developers", switchURL: switchURL)
        c["heading"] = heading
        // The service's own description is the API's (English); the page says it in the reader's words.
        if p.kind == .landing { c["description"] = texts.text("ogc_intro", l) } else if let d = p.description { c["description"] = d }
        // Where the reader is: the API's home, the collections, the collection.
        var trail: [[String: Any]] = [["title": texts.text("ogc_title", l), "url": "\(base)?f=html&\(lang)"]]
        if p.kind != .landing {
            trail.append(["title": texts.text("ogc_collections", l), "url": "\(base)/collections?f=html&\(lang)"])
        }
        if let slug = p.datasetSlug, p.kind != .collection {
            trail.append(["title": collectionTitle, "url": "\(base)/collections/\(slug)?f=html&\(lang)"])
        }
        if p.kind == .landing || p.kind == .collections { trail.removeLast() }
        c["trail"] = trail
        // One line per target: the same link under two spellings of its relation (GDAL's) shows once.
        var seen = Set<String>()
        let distinct = p.links.filter { $0.rel != "self" && seen.insert($0.href + " " + $0.type).inserted }
        c["links"] = distinct.map { link -> [String: Any] in
            let html = link.type.hasPrefix("text/html")
            let url = html ? link.href + (link.href.contains("?") ? "&" : "?") + lang : link.href
            return ["label": linkLabel(link, l), "url": url, "type": link.type]
        }
        c["collections"] = p.collections.map { x -> [String: Any] in
            var o: [String: Any] = ["title": x.title, "url": x.url + "&" + lang, "id": x.id]
            if let d = x.description { o["description"] = d }
            return o
        }
        c["has_collections"] = p.kind == .collections
        c["no_collections"] = p.kind == .collections && p.collections.isEmpty
        c["conforms"] = p.conformsTo
        c["has_conforms"] = !p.conformsTo.isEmpty
        c["has_links"] = !(c["links"] as? [Any] ?? []).isEmpty
        c["fields"] = p.fields.map { f in
            ["name": f.name, "type": texts.all(l)["type_" + f.type.replacingOccurrences(of: "-", with: "")] ?? f.type]
        }
        c["show_fields"] = p.kind == .collection || p.kind == .queryables || p.kind == .schema
        if p.kind == .items {
            c["items"] = [
                "summary": texts.text("ogc_items_summary", l, ["returned": String(p.numberReturned ?? 0), "matched": String(p.numberMatched ?? 0)]),
                "names": p.fields.map(\.name),
                "rows": p.rows.map { r in ["id": r.id, "url": r.url + "&" + lang, "cells": r.cells] },
            ]
            var pager: [String: Any] = [:]
            if let prev = p.prev { pager["prev"] = prev + "&" + lang }
            if let next = p.next { pager["next"] = next + "&" + lang }
            if !pager.isEmpty { c["pager"] = pager }
        }
        if p.kind == .feature, let row = p.rows.first {
            c["feature"] = zip(p.fields, row.cells).map { f, v in ["name": f.name, "value": v] }
            c["has_feature"] = true
        }
        if p.kind == .collection {
            var facts: [[String: String]] = []
            if let e = p.extent, e.count == 4 {
                facts.append(["term": texts.text("ogc_extent", l), "value": e.map { String(format: "%.5f", $0) }.joined(separator: ", ")])
            }
            if let v = p.licence { facts.append(["term": texts.text("ds_licence", l), "value": v]) }
            if let v = p.attribution { facts.append(["term": texts.text("ogc_attribution", l), "value": v]) }
            c["facts"] = facts
            c["has_facts"] = !facts.isEmpty
        }
        if let slug = p.datasetSlug { c["dataset_url"] = "/datasets/\(slug)?\(lang)" }
        return render("ogc", c)
    }

    /// A link in words: what it leads to, by its relation, and in which form.
    func linkLabel(_ link: OGCPage.Link, _ l: Language) -> String {
        let rel = (link.rel.split(separator: "/").last.map(String.init) ?? link.rel).lowercased()
        let what = texts.all(l)["ogc_rel_" + rel.replacingOccurrences(of: "-", with: "_")] ?? rel
        let form: String = if link.type.hasPrefix("text/html") { texts.text("ogc_form_html", l) }
            else if link.type.contains("openapi") { "OpenAPI" }
            else if link.type.contains("geo+json") { "GeoJSON" }
            else if link.type.contains("schema+json") { "JSON Schema" }
            else if link.type.contains("json") { "JSON" }
            else { link.type }
        return texts.text("ogc_link", l, ["what": what, "form": form])
    }
}
