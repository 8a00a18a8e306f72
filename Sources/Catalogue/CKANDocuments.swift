// CKAN's dictionaries for our datasets and agencies: a package (with its resources, tags,
// organization and extras) and an organization, shaped as CKAN 2.10 returns them.
import Foundation
import GeoStore
import GeoModel
import Crypto

enum CKANDocuments {
    /// A stable UUID for a name: harvesters key packages by `id`, which must not change.
    static func uuid(_ name: String) -> String {
        var b = Array(SHA256.hash(data: Array("bando:\(name)".utf8)).prefix(16))
        b[6] = (b[6] & 0x0f) | 0x50   // version 5 layout (name-based, SHA)
        b[8] = (b[8] & 0x3f) | 0x80   // RFC 4122 variant
        let hex = b.map { String(format: "%02x", $0) }.joined()
        let i = hex.startIndex
        func part(_ a: Int, _ n: Int) -> Substring { hex[hex.index(i, offsetBy: a)..<hex.index(i, offsetBy: a + n)] }
        return "\(part(0, 8))-\(part(8, 4))-\(part(12, 4))-\(part(16, 4))-\(part(20, 12))"
    }

    static func organization(_ a: AgencyRecord, packageCount: Int) -> [String: Any] {
        [
            "id": uuid("organization:\(a.slug)"), "name": a.slug, "title": a.name, "display_name": a.name,
            "description": "", "type": "organization", "is_organization": true, "state": "active",
            "approval_status": "approved", "image_url": "", "image_display_url": "", "package_count": packageCount,
            "num_followers": 0, "created": ISODate.ckan(Date(timeIntervalSince1970: 0)),
        ]
    }

    /// A theme as a CKAN group (group_list, group_show); its name is the slug package_show gives it.
    static func group(theme: String, packageCount: Int) -> [String: Any] {
        let slug = slugify(theme)
        return [
            "id": uuid("group:\(slug)"), "name": slug, "title": theme, "display_name": theme,
            "description": "", "type": "group", "is_organization": false, "state": "active",
            "approval_status": "approved", "image_url": "", "image_display_url": "", "package_count": packageCount,
            "num_followers": 0, "created": ISODate.ckan(Date(timeIntervalSince1970: 0)),
        ]
    }

    /// A free tag (no vocabulary), as package_show and tag_list give it.
    static func tag(_ name: String) -> [String: Any] {
        ["id": uuid("tag:\(name)"), "name": name, "display_name": name, "state": "active", "vocabulary_id": NSNull()]
    }

    static func licence(_ l: Licence) -> [String: Any] {
        ["id": l.ckanID, "title": l.title, "url": l.url ?? "", "is_okd_compliant": l.isOpen, "od_conformance": l.isOpen ? "approved" : "not reviewed",
         "status": "active"]
    }

    static func package(_ d: DatasetDescription, baseURL: String) -> [String: Any] {
        let id = uuid("dataset:\(d.slug)")
        let created = ISODate.ckan(d.created), modified = ISODate.ckan(d.modified)
        let resources = d.distributions(baseURL: baseURL).enumerated().map { i, x -> [String: Any] in
            [
                "id": uuid("resource:\(d.slug):\(x.key)"), "package_id": id, "name": x.title,
                "description": x.kind == .download
                    ? "Phiên bản mới nhất (v\(d.current.number), \(d.current.featureCount) đối tượng), định dạng \(x.format)."
                    : "Dịch vụ dữ liệu (\(x.format)).",
                "format": x.format, "mimetype": x.mediaType, "url": x.url, "position": i, "state": "active",
                "created": created, "last_modified": modified, "metadata_modified": modified,
                "resource_type": x.kind == .download ? "file" : "api", "url_type": NSNull(), "hash": "",
                "size": NSNull(), "datastore_active": false, "cache_url": NSNull(), "mimetype_inner": NSNull(),
            ]
        }
        let tags = d.keywords.map { tag($0) }
        var groups = [[String: Any]]()
        if !d.theme.isEmpty {
            let slug = slugify(d.theme)
            groups.append(["id": uuid("group:\(slug)"), "name": slug, "title": d.theme, "display_name": d.theme,
                           "description": "", "image_display_url": ""])
        }
        var extras: [(String, String)] = [
            ("frequency", d.frequency),
            ("attribution", d.attribution),
            ("citation", d.citation(baseURL: baseURL)),
            ("feature_count", String(d.current.featureCount)),
            ("checksum", "sha256:" + d.current.checksum),
            ("schema", json(["fields": d.schema.map { ["name": $0.name, "type": $0.type, "description": $0.description] },
                             "geometry_types": d.geometryTypes])),
            ("versions", json(d.versions.map { v -> [String: Any] in
                ["number": v.number, "published": ISODate.string(v.published) ?? NSNull(), "feature_count": v.featureCount,
                 "checksum": "sha256:" + v.checksum, "changes": v.changes.map(CatalogJSON.changes) ?? NSNull()]
            })),
            ("dcat", "\(baseURL)/catalog.jsonld"),
        ]
        if !d.theme.isEmpty { extras.append(("theme", d.theme)) }
        if let c = d.current.changes { extras.append(("version_notes", c.text)) }
        if let t = d.titleEN { extras.append(("title_en", t)) }
        if let t = d.descriptionEN { extras.append(("notes_en", t)) }
        if let s = d.temporalStart { extras.append(("temporal_start", s)) }
        if let e = d.temporalEnd { extras.append(("temporal_end", e)) }
        if let l = d.spatialLabel { extras.append(("spatial_text", l)) }
        if let b = d.bbox {
            // ckanext-spatial reads the dataset's extent from the `spatial` extra as GeoJSON.
            extras.append(("spatial", json(["type": "Polygon", "coordinates": [[[b.minX, b.minY], [b.maxX, b.minY], [b.maxX, b.maxY],
                                                                                [b.minX, b.maxY], [b.minX, b.minY]]]])))
        }
        return [
            "id": id, "name": d.slug, "title": d.title, "notes": d.description, "type": "dataset", "state": "active",
            "private": false, "isopen": d.licence.isOpen, "url": "\(baseURL)/api/catalog/\(d.slug)",
            "version": String(d.current.number),
            "author": d.agency?.name ?? NSNull(), "author_email": NSNull(),
            "maintainer": d.contact.name, "maintainer_email": d.contact.email ?? NSNull(),
            "license_id": d.licence.ckanID, "license_title": d.licence.title, "license_url": d.licence.url ?? NSNull(),
            "organization": d.agency.map { organization($0, packageCount: 0).filter { $0.key != "package_count" } } ?? NSNull(),
            "owner_org": d.agency.map { uuid("organization:\($0.slug)") } ?? NSNull(),
            "metadata_created": created, "metadata_modified": modified,
            "tags": tags, "num_tags": tags.count, "groups": groups,
            "resources": resources, "num_resources": resources.count,
            "extras": extras.map { ["key": $0.0, "value": $0.1] },
            "relationships_as_object": [Any](), "relationships_as_subject": [Any](), "creator_user_id": NSNull(),
        ]
    }

    static func json(_ v: Any) -> String {
        guard let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "null" }
        return String(decoding: d, as: UTF8.self)
    }
}
