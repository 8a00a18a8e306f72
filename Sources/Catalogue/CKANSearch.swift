// package_search: `q` (free text, or field:value clauses), `fq` (Solr filter syntax as CKAN's
// harvesters write it: `organization:x`, `tags:"a b"`, `res_format:CSV`, `-field:v`, `a OR b`,
// `field:(a OR b)`, `metadata_modified:[2024-01-01T00:00:00Z TO *]`), `rows`, `start`, `sort`, and
// `facet.field` (a JSON list of fields) with `facet.limit` and `facet.mincount`, answered as CKAN
// 2.9+ does: `facets` (value → count) and `search_facets` (items with display names).
// Searching runs over the published datasets in memory: a provincial catalogue has hundreds of
// datasets, not millions, and needs no search engine.
import Foundation
import PublicErrors

struct CKANSearch {
    /// One filter clause: a field, the values any of which may match, negated or not.
    struct Clause { var field: String; var values: [String]; var negated: Bool }

    static let fields = ["organization", "owner_org", "tags", "groups", "res_format", "name", "id", "license_id",
                         "title", "notes", "text", "type", "dataset_type", "capacity", "state", "metadata_modified",
                         "metadata_created"]

    var q: [[Clause]] = []
    var fq: [[Clause]] = []
    var rows = 10
    var start = 0
    var sort: [(String, Bool)] = []
    var sortText = "score desc, metadata_modified desc"
    var facetFields: [String] = []
    /// CKAN's `search.facets.limit` default; negative: no limit.
    var facetLimit = 50
    var facetMinCount = 1

    init(params p: [String: Any]) throws {
        rows = min(try Params.natural(p, "rows") ?? 10, CKANActionAPI.maxRows)
        start = try Params.natural(p, "start") ?? 0
        if let s = Params.string(p, "q") { q = try Self.parse(s, freeText: true) }
        if let s = Params.string(p, "fq") { fq = try Self.parse(s, freeText: false) }
        if let s = Params.string(p, "sort") { sortText = s }
        facetFields = try Self.facetFields(p["facet.field"])
        if let n = try Self.integer(p, "facet.limit") { facetLimit = n }
        if let n = try Self.integer(p, "facet.mincount") { facetMinCount = n }
        for part in sortText.split(separator: ",") {
            let words = part.split(separator: " ").map { $0.lowercased() }
            guard let field = words.first, words.count <= 2,
                  ["score", "name", "title_string", "title", "metadata_modified", "metadata_created", "num_resources"].contains(field),
                  words.count == 1 || ["asc", "desc"].contains(words[1]) else {
                throw CatalogueError.invalid("sort", "ckan.search.sort", ["value": part.trimmingCharacters(in: .whitespaces)])
            }
            sort.append((field, words.count == 2 && words[1] == "desc"))
        }
    }

    func run(_ all: [DatasetDescription], baseURL: String) -> [String: Any] {
        let packages = all.map { ($0, CKANDocuments.package($0, baseURL: baseURL)) }
        var hits = packages.filter { _, p in
            (q + fq).allSatisfy { group in group.contains { c in c.negated != Self.matches(c, p) } }
        }
        hits.sort { a, b in
            for (field, desc) in sort where field != "score" {
                let x = Self.sortKey(a.1, field), y = Self.sortKey(b.1, field)
                if x != y { return desc ? x > y : x < y }
            }
            return a.0.slug < b.0.slug
        }
        let (facets, searchFacets) = self.facets(hits.map(\.1))
        return [
            "count": hits.count, "sort": sortText, "facets": facets, "search_facets": searchFacets,
            "results": hits.dropFirst(start).prefix(rows).map(\.1),
        ]
    }

    // MARK: facets

    /// For each field asked: how many of the matching packages hold each value (all of them, not
    /// only the page), most frequent first, then by name; values held by fewer than
    /// `facet.mincount` are left out, and past `facet.limit` (when not negative) the rest.
    func facets(_ hits: [[String: Any]]) -> ([String: Any], [String: Any]) {
        var facets = [String: Any](), search = [String: Any]()
        for field in facetFields {
            var counts = [String: Int](), labels = [String: String]()
            for p in hits {
                let values = Self.facetValues(p, field)
                for (value, label) in values where labels[value] == nil { labels[value] = label }
                for value in Set(values.map(\.0)) { counts[value, default: 0] += 1 }
            }
            var items = counts.filter { $0.value >= facetMinCount }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            if facetLimit >= 0 { items = Array(items.prefix(facetLimit)) }
            facets[field] = Dictionary(uniqueKeysWithValues: items.map { ($0.key, $0.value) })
            search[field] = ["title": field, "items": items.map { ["name": $0.key, "display_name": labels[$0.key] ?? $0.key, "count": $0.value] }] as [String: Any]
        }
        return (facets, search)
    }

    /// A package's values of a facet field with their display names: an organization's or
    /// group's title, a licence's title, else the value itself.
    static func facetValues(_ p: [String: Any], _ field: String) -> [(String, String)] {
        func list(_ key: String) -> [(String, String)] {
            (p[key] as? [[String: Any]] ?? []).compactMap { x in
                (x["name"] as? String).map { ($0, x["title"] as? String ?? x["display_name"] as? String ?? $0) }
            }
        }
        switch field {
        case "organization":
            guard let org = p["organization"] as? [String: Any], let name = org["name"] as? String else { return [] }
            return [(name, org["title"] as? String ?? name)]
        case "groups": return list("groups")
        case "tags": return list("tags")
        case "license_id":
            guard let id = p["license_id"] as? String else { return [] }
            return [(id, p["license_title"] as? String ?? id)]
        default: return values(p, field).map { ($0, $0) }
        }
    }

    static let facetable = ["organization", "groups", "tags", "res_format", "license_id", "owner_org", "type", "dataset_type", "name"]

    /// `facet.field` as CKAN takes it: a JSON list of field names, given as a list (JSON body)
    /// or as its JSON text (query string).
    static func facetFields(_ raw: Any?) throws -> [String] {
        guard let raw, !(raw is NSNull) else { return [] }
        var value: Any = raw
        if let text = raw as? String {
            if let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) {
                value = parsed
            } else if facetable.contains(text) {
                // ckanapi sends a one-field list by GET as the bare name.
                value = [text]
            } else {
                throw CatalogueError.invalid("facet.field", "ckan.facet.notList", ["value": text])
            }
        }
        guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
            throw CatalogueError.invalid("facet.field", "ckan.facet.notList", ["value": "\(raw)"])
        }
        let fields = list.compactMap { $0 as? String }
        for f in fields where !facetable.contains(f) {
            throw CatalogueError.invalid("facet.field", "ckan.facet.unknownField", ["field": f, "fields": facetable.joined(separator: ", ")])
        }
        return fields
    }

    /// A whole number, negative allowed (`facet.limit=-1` lifts the limit).
    static func integer(_ p: [String: Any], _ k: String) throws -> Int? {
        guard let raw = p[k], !(raw is NSNull) else { return nil }
        switch raw {
        case let n as NSNumber where n.doubleValue == n.doubleValue.rounded(): return n.intValue
        case let s as String:
            if let n = Int(s.trimmingCharacters(in: .whitespaces)) { return n }
        default: break
        }
        throw CatalogueError.invalid(k, "ckan.integer.invalid", ["value": "\(raw)", "name": k])
    }

    static func sortKey(_ p: [String: Any], _ field: String) -> String {
        switch field {
        case "title_string", "title": (p["title"] as? String ?? "").lowercased()
        case "num_resources": String(format: "%06d", p["num_resources"] as? Int ?? 0)
        default: p[field] as? String ?? ""
        }
    }

    // MARK: matching

    static func fold(_ s: String) -> String {
        s.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
    }

    static func values(_ p: [String: Any], _ field: String) -> [String] {
        func list(_ key: String, _ inner: String) -> [String] { (p[key] as? [[String: Any]] ?? []).compactMap { $0[inner] as? String } }
        let org = p["organization"] as? [String: Any]
        switch field {
        case "organization": return [org?["name"] as? String].compactMap { $0 }
        case "owner_org": return [p["owner_org"] as? String].compactMap { $0 }
        case "tags": return list("tags", "name")
        case "groups": return list("groups", "name")
        case "res_format": return list("resources", "format")
        // CKAN adds `+dataset_type:dataset` and older harvesters `capacity:public`: all ours are both.
        case "dataset_type": return [p["type"] as? String].compactMap { $0 }
        case "capacity": return ["public"]
        case "text":
            let extras = (p["extras"] as? [[String: Any]] ?? []).filter {
                ["title_en", "notes_en", "theme", "spatial_text"].contains($0["key"] as? String ?? "")
            }.compactMap { $0["value"] as? String }
            return [p["name"], p["title"], p["notes"], org?["title"], org?["name"]].compactMap { $0 as? String }
                + list("tags", "name") + list("groups", "title") + extras
        default: return [p[field] as? String].compactMap { $0 }
        }
    }

    static func matches(_ c: Clause, _ p: [String: Any]) -> Bool {
        let have = values(p, c.field)
        return c.values.contains { v in
            if v == "*" { return !have.isEmpty }
            if v.hasPrefix("[") { return have.contains { inRange($0, v) } }
            if c.field == "text" || c.field == "title" || c.field == "notes" {
                let words = fold(v).split(whereSeparator: \.isWhitespace)
                let text = have.map(fold).joined(separator: " ")
                return words.allSatisfy { text.contains($0) }
            }
            return have.contains { $0.caseInsensitiveCompare(v) == .orderedSame }
        }
    }

    /// `[A TO B]` over CKAN timestamps; `*` is open, `NOW` is now.
    static func inRange(_ value: String, _ range: String) -> Bool {
        let inner = range.dropFirst().dropLast().components(separatedBy: " TO ")
        guard inner.count == 2 else { return false }
        func norm(_ s: String) -> String {
            if s == "NOW" { return ISODate.ckan(Date()) }
            return s.replacingOccurrences(of: "Z", with: "")
        }
        let lo = inner[0].trimmingCharacters(in: .whitespaces), hi = inner[1].trimmingCharacters(in: .whitespaces)
        return (lo == "*" || value >= norm(lo)) && (hi == "*" || value <= norm(hi))
    }

    // MARK: parsing

    /// `[A TO B]` where each bound is `*`, `NOW` or a date, `2024-01-31` or `2024-01-31T08:00:00Z`.
    static func isRange(_ v: String) -> Bool {
        guard v.hasPrefix("["), v.hasSuffix("]") else { return false }
        let bounds = v.dropFirst().dropLast().components(separatedBy: " TO ")
        guard bounds.count == 2 else { return false }
        return bounds.allSatisfy { b in
            let b = b.trimmingCharacters(in: .whitespaces)
            if b == "*" || b == "NOW" { return true }
            let date = #/\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?Z?)?/#
            return b.wholeMatch(of: date) != nil
        }
    }

    /// Splits a query into AND-ed groups of OR-ed clauses.
    static func parse(_ text: String, freeText: Bool) throws -> [[Clause]] {
        var groups = [[Clause]]()
        var pendingOr = false, pendingNot = false
        for token in try tokens(text) {
            switch token {
            case "AND", "&&", "(", ")": continue
            case "OR", "||": pendingOr = true; continue
            case "NOT": pendingNot = true; continue
            default: break
            }
            var t = Substring(token)
            var negated = pendingNot
            if t.hasPrefix("-") { negated.toggle(); t = t.dropFirst() } else if t.hasPrefix("+") { t = t.dropFirst() }
            var clause: Clause
            if t == "*:*" {
                pendingOr = false; pendingNot = false; continue
            } else if let colon = t.firstIndex(of: ":"), !t.hasPrefix("\""), fields.contains(String(t[..<colon])) || !freeText {
                let field = String(t[..<colon])
                guard fields.contains(field) else {
                    throw CatalogueError.searchQuery("ckan.search.unknownField", ["field": field, "query": text, "fields": fields.joined(separator: ", ")])
                }
                clause = Clause(field: field, values: values(of: String(t[t.index(after: colon)...])), negated: negated)
                for v in clause.values where v.hasPrefix("[") && !isRange(v) {
                    throw CatalogueError.searchQuery("ckan.search.badRange", ["range": v])
                }
            } else if freeText {
                clause = Clause(field: "text", values: [unquote(String(t))], negated: negated)
            } else {
                throw CatalogueError.searchQuery("ckan.search.notFieldValue", ["term": String(t), "query": text])
            }
            if pendingOr, !groups.isEmpty { groups[groups.count - 1].append(clause) } else { groups.append([clause]) }
            pendingOr = false; pendingNot = false
        }
        return groups
    }

    static func unquote(_ s: String) -> String {
        s.count >= 2 && s.hasPrefix("\"") && s.hasSuffix("\"") ? String(s.dropFirst().dropLast()) : s
    }

    /// `v`, `"v w"`, `[a TO b]`, `(a OR b OR "c d")`.
    static func values(of raw: String) -> [String] {
        if raw.hasPrefix("(") && raw.hasSuffix(")") {
            return ((try? tokens(String(raw.dropFirst().dropLast()))) ?? []).filter { $0 != "OR" && $0 != "||" }.map(unquote)
        }
        return [unquote(raw)]
    }

    /// Whitespace-separated tokens; quotes, brackets and parentheses keep their spaces.
    static func tokens(_ s: String) throws -> [String] {
        var out = [String](), current = ""
        var closing: [Character] = []
        var inQuote = false
        for ch in s {
            if inQuote {
                current.append(ch); if ch == "\"" { inQuote = false }
                continue
            }
            switch ch {
            case "\"": inQuote = true; current.append(ch)
            case "[": closing.append("]"); current.append(ch)
            case "(":
                // A group's parenthesis stands alone; a field's value list stays in its token.
                if current.isEmpty && closing.isEmpty { out.append("(") } else { closing.append(")"); current.append(ch) }
            case "]" where closing.last == "]", ")" where closing.last == ")":
                closing.removeLast(); current.append(ch)
            case ")":
                if !current.isEmpty { out.append(current); current = "" }
                out.append(")")
            default:
                if ch.isWhitespace && closing.isEmpty {
                    if !current.isEmpty { out.append(current); current = "" }
                } else { current.append(ch) }
            }
        }
        guard !inQuote, closing.isEmpty else {
            throw CatalogueError.searchQuery("ckan.search.unbalanced", ["query": s])
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
