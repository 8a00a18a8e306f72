// What changed in a version since the previous published one: features added, removed and
// changed. Computed the first time it is asked for and kept in `version_changes` (versions are
// immutable, so the answer never goes stale unless the previous published version itself
// changes, which the stored `previous_version_id` detects).
//
// Identity of a feature across versions, in this order:
// 1. the dataset's `identity_field` when its metadata names one;
// 2. otherwise the first field, in the new version's order, whose name looks like a key —
//    `id`, `ma`, `code`, `uid`, `gid`, `objectid`, a name starting with `ma_` or ending in `_id`,
//    `_ma` or `_code` (case-insensitive), e.g. `ma_xa`, `commune_id` — and whose values are present
//    and unique in both versions (integral reals compare equal to integers: shapefiles and
//    GeoJSON often carry codes as 4110101.0);
// 3. otherwise the feature's content: identical features are unchanged; of the rest, a new
//    feature with the same geometry as an old one (attributes edited) or the same attributes
//    (geometry edited) counts as changed; what is left is added or removed.
// Under a key, a feature is changed when its geometry or any attribute value differs (compared
// by field name, so a field added to the schema changes every feature).
public import GeoStore
public import GeoModel
import Crypto
import Foundation

/// The changes of one version relative to the previous published version.
public struct ChangeSummary: Sendable, Hashable, Codable {
    /// The version compared against; nil for the first published version (everything is added).
    public var previousVersion: Int?
    /// How features were matched: `field:<name>` or `content`.
    public var identity: String
    public var added: Int
    public var removed: Int
    public var changed: Int
    public var unchanged: Int

    public init(previousVersion: Int?, identity: String, added: Int, removed: Int, changed: Int, unchanged: Int) {
        self.previousVersion = previousVersion; self.identity = identity
        self.added = added; self.removed = removed; self.changed = changed; self.unchanged = unchanged
    }

    /// One line for people, e.g. "+2 −3 ~4 since v1 (matched by commune_id)".
    public var text: String {
        guard let previousVersion else { return "\(added) features (first published version)" }
        let since = "since v\(previousVersion)"
        let how = identity.hasPrefix("field:") ? "matched by \(identity.dropFirst(6))" : "matched by content"
        return "\(added) added, \(removed) removed, \(changed) changed, \(unchanged) unchanged (\(since); \(how))"
    }
}

enum ChangeDetector {
    static func looksLikeKey(_ name: String) -> Bool {
        let n = name.lowercased()
        return ["id", "ma", "code", "uid", "gid", "objectid"].contains(n)
            || n.hasPrefix("ma_") || n.hasSuffix("_id") || n.hasSuffix("_ma") || n.hasSuffix("_code")
    }

    /// A value's text for matching keys: integral reals as integers.
    static func keyText(_ v: FieldValue) -> String? {
        switch v {
        case .null: nil
        case .integer(let i): String(i)
        case .real(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .text(let s): s.isEmpty ? nil : s
        case .boolean(let b): b ? "true" : "false"
        }
    }

    struct Digest: Hashable { var bytes: [UInt8] }

    struct Row { var attributes: Digest; var geometry: Digest; var all: Digest; var keys: [String?] }

    /// Digests of each feature: attributes by field name (order-independent), geometry as WKB.
    static func rows(_ store: some FeatureReading, _ version: DatasetVersionRecord, keyFields: [String]) throws -> [Row] {
        let order = version.fields.enumerated().sorted { $0.element.name.lowercased() < $1.element.name.lowercased() }
        let keyIndex = keyFields.map { k in version.fields.firstIndex { $0.name.lowercased() == k.lowercased() } }
        var out = [Row]()
        out.reserveCapacity(version.featureCount)
        try store.forEachFeature(of: version) { f in
            var a = SHA256()
            for (i, field) in order {
                a.update(data: Array(field.name.lowercased().utf8)); a.update(data: [0])
                a.update(data: Array((keyText(f.values[i]) ?? "\u{1}null").utf8)); a.update(data: [0])
            }
            var g = SHA256()
            if let geom = f.geometry { g.update(data: WKB.encode(geom)) }
            let ad = Digest(bytes: Array(a.finalize())), gd = Digest(bytes: Array(g.finalize()))
            out.append(Row(attributes: ad, geometry: gd, all: Digest(bytes: ad.bytes + gd.bytes),
                           keys: keyIndex.map { $0.flatMap { keyText(f.values[$0]) } }))
        }
        return out
    }

    static func compare(_ store: some FeatureReading, old: DatasetVersionRecord?, new: DatasetVersionRecord, preferred: String?) throws -> ChangeSummary {
        guard let old else {
            return ChangeSummary(previousVersion: nil, identity: "content", added: new.featureCount, removed: 0, changed: 0, unchanged: 0)
        }
        let oldNames = Set(old.fields.map { $0.name.lowercased() })
        var candidates = new.fields.map(\.name).filter { looksLikeKey($0) && oldNames.contains($0.lowercased()) }
        if let preferred, oldNames.contains(preferred.lowercased()),
           new.fields.contains(where: { $0.name.lowercased() == preferred.lowercased() }) {
            candidates = [preferred]
        }
        let a = try rows(store, old, keyFields: candidates), b = try rows(store, new, keyFields: candidates)
        for (i, name) in candidates.enumerated() {
            if let byOld = uniqueIndex(a, i), let byNew = uniqueIndex(b, i) {
                var s = ChangeSummary(previousVersion: old.number, identity: "field:\(name)", added: 0, removed: 0, changed: 0, unchanged: 0)
                for (k, row) in byNew {
                    if let before = byOld[k] { if before.all == row.all { s.unchanged += 1 } else { s.changed += 1 } } else { s.added += 1 }
                }
                s.removed = byOld.keys.filter { byNew[$0] == nil }.count
                return s
            }
        }
        return byContent(a, b, previous: old.number)
    }

    /// Key value → row, or nil when some value is missing or repeated.
    static func uniqueIndex(_ rows: [Row], _ i: Int) -> [String: Row]? {
        var map = [String: Row](minimumCapacity: rows.count)
        for r in rows {
            guard let k = r.keys[i], map.updateValue(r, forKey: k) == nil else { return nil }
        }
        return map
    }

    static func byContent(_ old: [Row], _ new: [Row], previous: Int) -> ChangeSummary {
        var s = ChangeSummary(previousVersion: previous, identity: "content", added: 0, removed: 0, changed: 0, unchanged: 0)
        var pool = [Digest: [Int]]()
        for (i, r) in old.enumerated() { pool[r.all, default: []].append(i) }
        var used = Set<Int>()
        var rest = [Row]()
        for r in new {
            if let i = pool[r.all]?.popLast() { used.insert(i); s.unchanged += 1 } else { rest.append(r) }
        }
        var byGeometry = [Digest: [Int]](), byAttributes = [Digest: [Int]]()
        for (i, r) in old.enumerated() where !used.contains(i) {
            byGeometry[r.geometry, default: []].append(i); byAttributes[r.attributes, default: []].append(i)
        }
        for r in rest {
            let match = (byGeometry[r.geometry] ?? []).first { !used.contains($0) }
                ?? (byAttributes[r.attributes] ?? []).first { !used.contains($0) }
            if let m = match { used.insert(m); s.changed += 1 } else { s.added += 1 }
        }
        s.removed = old.count - used.count
        return s
    }
}

extension VersionChangeStore where Self: FeatureReading {
    /// The change summary of each published version of a dataset (oldest first), computing and
    /// storing those not known yet. `identityField` is the dataset's chosen key, if any.
    public func changeSummaries(of versions: [DatasetVersionRecord], identityField: String?) throws -> [Int64: ChangeSummary] {
        let published = versions.filter { $0.publishedAt != nil }.sorted { $0.number < $1.number }
        guard !published.isEmpty else { return [:] }
        let stored = try versionChanges(of: published.map(\.id))
        var out = [Int64: ChangeSummary]()
        for (i, v) in published.enumerated() {
            let previous = i > 0 ? published[i - 1] : nil
            if let s = stored[v.id], s.previousVersionID == previous?.id {
                out[v.id] = ChangeSummary(previousVersion: s.previousNumber, identity: s.identity, added: s.added,
                                          removed: s.removed, changed: s.changed, unchanged: s.unchanged)
                continue
            }
            let summary = try ChangeDetector.compare(self, old: previous, new: v, preferred: identityField)
            try saveVersionChange(VersionChangeRecord(
                versionID: v.id, previousVersionID: previous?.id, previousNumber: previous?.number, identity: summary.identity,
                added: summary.added, removed: summary.removed, changed: summary.changed, unchanged: summary.unchanged), at: Date())
            out[v.id] = summary
        }
        return out
    }
}
