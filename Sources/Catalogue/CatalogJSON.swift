// `/api/catalog`: the whole catalogue as plain JSON, for people's scripts: every published
// dataset with its metadata, schema, versions (date, feature count, checksum, change summary)
// and distributions.
public import Foundation
import GeoStore
import GeoModel

public enum CatalogJSON {
    public static func document(_ datasets: [DatasetDescription], baseURL: String) -> [String: Any] {
        [
            "title": Site.title,
            "description": Site.description,
            "homepage": baseURL + "/",
            "dcat": baseURL + "/catalog.jsonld",
            "ckan": baseURL + "/api/3/action/package_list",
            "datasets": datasets.map { dataset($0, baseURL: baseURL) },
        ]
    }

    public static func dataset(_ d: DatasetDescription, baseURL: String) -> [String: Any] {
        var title: [String: Any] = ["vi": d.title], description: [String: Any] = ["vi": d.description]
        if let t = d.titleEN { title["en"] = t }
        if let t = d.descriptionEN { description["en"] = t }
        var out: [String: Any] = [
            "id": d.slug,
            "uri": "\(baseURL)/api/catalog/\(d.slug)",
            "title": title,
            "description": description,
            "agency": d.agency.map { ["id": $0.slug, "name": $0.name] as [String: Any] } ?? NSNull(),
            "theme": d.theme,
            "keywords": d.keywords,
            "licence": ["id": d.licence.spdx, "title": d.licence.title, "url": d.licence.url ?? NSNull()] as [String: Any],
            "attribution": d.attribution,
            "citation": d.citation(baseURL: baseURL),
            "updateFrequency": d.frequency,
            "temporalCoverage": ["start": d.temporalStart ?? NSNull(), "end": d.temporalEnd ?? NSNull()] as [String: Any],
            "spatialCoverage": ["name": d.spatialLabel ?? NSNull(), "bbox": d.bbox?.array ?? NSNull()] as [String: Any],
            "contactPoint": ["name": d.contact.name, "email": d.contact.email ?? NSNull()] as [String: Any],
            "schema": [
                "fields": d.schema.map { ["name": $0.name, "type": $0.type, "description": $0.description] },
                "geometryTypes": d.geometryTypes,
                "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                "identityField": d.identityField ?? NSNull(),
            ] as [String: Any],
            "created": ISODate.string(d.created) ?? NSNull(),
            "modified": ISODate.string(d.modified) ?? NSNull(),
            "currentVersion": d.current.number,
            "featureCount": d.current.featureCount,
            "checksum": "sha256:" + d.current.checksum,
        ]
        out["versions"] = d.versions.map { v -> [String: Any] in
            [
                "number": v.number,
                "published": ISODate.string(v.published) ?? NSNull(),
                "featureCount": v.featureCount,
                "checksum": "sha256:" + v.checksum,
                "changes": v.changes.map(changes) ?? NSNull(),
                "downloads": Dictionary(uniqueKeysWithValues: DistributionFormat.all.map {
                    ($0.ext, "\(baseURL)/downloads/\(d.slug)/v\(v.number).\($0.ext)")
                }),
            ]
        }
        out["distributions"] = d.distributions(baseURL: baseURL).map { x -> [String: Any] in
            ["kind": x.kind.rawValue, "title": x.title, "url": x.url, "format": x.format, "mediaType": x.mediaType]
        }
        return out
    }

    static func changes(_ c: ChangeSummary) -> [String: Any] {
        ["sinceVersion": c.previousVersion ?? NSNull(), "identity": c.identity, "added": c.added, "removed": c.removed,
         "changed": c.changed, "unchanged": c.unchanged, "summary": c.text]
    }
}

/// What the catalogue says about itself.
public enum Site {
    public static let title = "Bando: dữ liệu mở không gian của tỉnh"
    public static let description = "Danh mục dữ liệu mở không gian: tải về tự do, không cần tài khoản, trích dẫn nguồn khi sử dụng."
}
