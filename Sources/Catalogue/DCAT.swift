// `/catalog.jsonld`: the catalogue in DCAT-AP 3 as JSON-LD. One dcat:Catalog holding every
// published dataset; each dataset with its download distributions (one per format), its two
// service distributions (OGC API - Features, TileJSON) with their dcat:DataService, its schema
// (dct:conformsTo `/api/catalog/{dataset}#schema`, the `schema` member of that JSON) and its published versions (dcat:hasVersion, DCAT 3
// versioning), each a dcat:Dataset with the distributions of that version. The catalogue's
// publisher is the province's Department (`CataloguePublisher`); every dataset has keywords and an
// EU data theme (`DataTheme`), and every distribution a `dct:format` IRI.
public import Foundation
public import GeoStore
import GeoModel

public enum DCAT {
    nonisolated(unsafe) static let context: [String: Any] = [
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "adms": "http://www.w3.org/ns/adms#",
        "locn": "http://www.w3.org/ns/locn#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "gsp": "http://www.opengis.net/ont/geosparql#",
        "spdx": "http://spdx.org/rdf/terms#",
        "owl": "http://www.w3.org/2002/07/owl#",
        "dcatap": "http://data.europa.eu/r5r/",
    ]

    /// The catalogue; `publisher` is resolved against `agencies` when it names a registered agency.
    public static func document(_ datasets: [DatasetDescription], baseURL: String,
                                publisher: CataloguePublisher = .default, agencies: [AgencyRecord] = []) -> [String: Any] {
        let modified = datasets.map(\.modified).max()
        let publisherNode = catalogPublisher(publisher, agencies: agencies, baseURL: baseURL)
        var catalog: [String: Any] = [
            "@context": context,
            "@id": "\(baseURL)/catalog.jsonld#catalog",
            "@type": "dcat:Catalog",
            "dct:title": [lang(Site.title, "vi")],
            "dct:description": [lang(Site.description, "vi")],
            "dct:publisher": publisherNode,
            "foaf:homepage": ["@id": baseURL + "/"],
            "dct:language": ["@id": "http://publications.europa.eu/resource/authority/language/VIE"],
            "dcat:themeTaxonomy": ref(DataTheme.scheme),
            "dcat:dataset": datasets.map { dataset($0, baseURL: baseURL, catalogPublisher: publisherNode) },
            "dcat:service": datasets.flatMap { services($0, baseURL: baseURL) },
        ]
        if let modified { catalog["dct:modified"] = dateTime(modified) }
        return catalog
    }

    /// The agency's node: the same `@id` wherever it is named (catalogue or datasets).
    static func agent(_ a: AgencyRecord, baseURL: String) -> [String: Any] {
        ["@id": "\(baseURL)/api/3/action/organization_show?id=\(a.slug)", "@type": "foaf:Organization",
         "foaf:name": [lang(a.name, "vi")], "dct:type": ref(CataloguePublisher.regionalAuthority)]
    }

    static func catalogPublisher(_ p: CataloguePublisher, agencies: [AgencyRecord], baseURL: String) -> [String: Any] {
        var node: [String: Any]
        if let slug = p.agencySlug, let agency = agencies.first(where: { $0.slug == slug }) {
            node = agent(agency, baseURL: baseURL)
        } else {
            node = ["@id": "\(baseURL)/catalog.jsonld#publisher", "@type": "foaf:Organization",
                    "foaf:name": [lang(p.name, "vi")], "dct:type": ref(CataloguePublisher.regionalAuthority)]
        }
        if let en = p.nameEN, var names = node["foaf:name"] as? [[String: String]] {
            names.append(lang(en, "en"))
            node["foaf:name"] = names
        }
        if let h = p.homepage { node["foaf:homepage"] = ref(h) }
        if let e = p.email { node["foaf:mbox"] = ref("mailto:\(e)") }
        return node
    }

    /// What every dataset (and each of its versions) says of its subject and origin: keywords
    /// (the catalogue metadata's, else the portal theme and the EU theme's name, so none is
    /// without), the EU data theme plus the portal's own theme, and the publisher.
    static func classification(_ d: DatasetDescription, baseURL: String, catalogPublisher: [String: Any]) -> [String: Any] {
        let eu = DataTheme.matching(d.theme)
        var keywords = d.keywords
        if keywords.isEmpty { keywords = (d.theme.isEmpty ? [] : [d.theme]) + [eu.labelVI] }
        var themes: [[String: Any]] = [["@id": eu.uri, "@type": "skos:Concept", "skos:inScheme": ref(DataTheme.scheme),
                                        "skos:prefLabel": [lang(eu.labelVI, "vi"), lang(eu.labelEN, "en")]]]
        if !d.theme.isEmpty {
            themes.append(["@id": "\(baseURL)/api/catalog?theme=\(d.theme.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? d.theme)",
                           "@type": "skos:Concept", "skos:prefLabel": lang(d.theme, "vi")])
        }
        return [
            "dcat:keyword": keywords.map { lang($0, "vi") },
            "dcat:theme": themes,
            "dct:publisher": d.agency.map { agent($0, baseURL: baseURL) } ?? catalogPublisher,
        ]
    }

    static func lang(_ s: String, _ l: String) -> [String: String] { ["@value": s, "@language": l] }
    static func dateTime(_ d: Date?) -> Any { d.flatMap(ISODate.string).map { ["@value": $0, "@type": "xsd:dateTime"] } ?? NSNull() }
    static func ref(_ s: String) -> [String: String] { ["@id": s] }

    static func datasetURI(_ d: DatasetDescription, _ base: String) -> String { "\(base)/api/catalog/\(d.slug)" }

    static func dataset(_ d: DatasetDescription, baseURL: String, catalogPublisher: [String: Any]) -> [String: Any] {
        let uri = datasetURI(d, baseURL)
        var titles = [lang(d.title, "vi")], notes = [lang(d.description.isEmpty ? d.title : d.description, "vi")]
        if let t = d.titleEN { titles.append(lang(t, "en")) }
        if let t = d.descriptionEN { notes.append(lang(t, "en")) }
        var out: [String: Any] = [
            "@id": uri,
            "@type": "dcat:Dataset",
            "dct:identifier": d.slug,
            "dct:title": titles,
            "dct:description": notes,
            "dct:issued": dateTime(d.created),
            "dct:modified": dateTime(d.modified),
            "dcat:version": String(d.current.number),
            "dcat:landingPage": ref(uri),
            "dct:bibliographicCitation": d.citation(baseURL: baseURL),
            "dct:rights": ["@type": "dct:RightsStatement", "rdfs:label": d.attribution] as [String: Any],
            "dct:conformsTo": ref("\(uri)#schema"),
            "dcat:contactPoint": contact(d, uri),
            "dcat:distribution": distributions(d, baseURL: baseURL, version: nil, datasetURI: uri),
            "dcat:hasVersion": d.versions.map { version($0, of: d, baseURL: baseURL, catalogPublisher: catalogPublisher) },
        ]
        out.merge(classification(d, baseURL: baseURL, catalogPublisher: catalogPublisher)) { _, new in new }
        if let c = d.current.changes { out["adms:versionNotes"] = c.text }
        if let f = Frequency.uri(d.frequency) { out["dct:accrualPeriodicity"] = ref(f) }
        if d.temporalStart != nil || d.temporalEnd != nil {
            var period: [String: Any] = ["@type": "dct:PeriodOfTime"]
            if let s = d.temporalStart { period["dcat:startDate"] = ["@value": s, "@type": "xsd:date"] }
            if let e = d.temporalEnd { period["dcat:endDate"] = ["@value": e, "@type": "xsd:date"] }
            out["dct:temporal"] = period
        }
        var location: [String: Any] = ["@type": "dct:Location"]
        if let label = d.spatialLabel { location["skos:prefLabel"] = lang(label, "vi") }
        if let b = d.bbox {
            location["dcat:bbox"] = ["@value": "POLYGON((\(b.minX) \(b.minY), \(b.maxX) \(b.minY), \(b.maxX) \(b.maxY), \(b.minX) \(b.maxY), \(b.minX) \(b.minY)))",
                                     "@type": "gsp:wktLiteral"]
        }
        if location.count > 1 { out["dct:spatial"] = location }
        return out
    }

    static func contact(_ d: DatasetDescription, _ uri: String) -> [String: Any] {
        var c: [String: Any] = ["@id": "\(uri)#contact", "@type": "vcard:Organization", "vcard:fn": d.contact.name]
        if let e = d.contact.email { c["vcard:hasEmail"] = ref("mailto:\(e)") }
        return c
    }

    static func distributions(_ d: DatasetDescription, baseURL: String, version: Int?, datasetURI: String) -> [[String: Any]] {
        d.distributions(baseURL: baseURL, version: version).map { x in
            var out: [String: Any] = [
                "@id": "\(datasetURI)\(version.map { "/v\($0)" } ?? "")#\(x.key)",
                "@type": "dcat:Distribution",
                "dct:title": lang(x.title, "vi"),
                "dcat:accessURL": ref(x.url),
                "dcat:mediaType": ref("http://www.iana.org/assignments/media-types/\(x.mediaType)"),
                "dct:license": ref(d.licence.url ?? "\(datasetURI)#licence"),
                "dct:rights": ["@type": "dct:RightsStatement", "rdfs:label": d.attribution] as [String: Any],
            ]
            if let f = x.fileTypeURI { out["dct:format"] = ref(f) }
            switch x.kind {
            case .download:
                out["dcat:downloadURL"] = ref(x.url)
                out["dct:conformsTo"] = ref("\(datasetURI)#schema")
            case .service:
                out["dcat:accessService"] = ref("\(datasetURI)#service-\(x.key)")
                if let c = x.conformsTo { out["dct:conformsTo"] = ref(c) }
            }
            return out
        }
    }

    static func services(_ d: DatasetDescription, baseURL: String) -> [[String: Any]] {
        let uri = datasetURI(d, baseURL)
        return d.distributions(baseURL: baseURL).filter { $0.kind == .service }.map { x in
            var s: [String: Any] = [
                "@id": "\(uri)#service-\(x.key)",
                "@type": "dcat:DataService",
                "dct:title": lang(x.title, "vi"),
                "dcat:endpointURL": ref(x.url),
                "dcat:servesDataset": ref(uri),
                "dct:license": ref(d.licence.url ?? "\(uri)#licence"),
            ]
            if let c = x.conformsTo { s["dct:conformsTo"] = ref(c) }
            return s
        }
    }

    static func version(_ v: VersionDescription, of d: DatasetDescription, baseURL: String, catalogPublisher: [String: Any]) -> [String: Any] {
        let uri = "\(datasetURI(d, baseURL))/v\(v.number)"
        var out: [String: Any] = [
            "@id": uri,
            "@type": "dcat:Dataset",
            "dct:identifier": "\(d.slug)/v\(v.number)",
            "dct:title": lang("\(d.title), phiên bản \(v.number)", "vi"),
            "dct:description": lang(v.changes?.text ?? d.title, "vi"),
            "dcat:version": String(v.number),
            "dct:issued": dateTime(v.published),
            "spdx:checksum": ["@type": "spdx:Checksum", "spdx:algorithm": ref("http://spdx.org/rdf/terms#checksumAlgorithm_sha256"),
                              "spdx:checksumValue": ["@value": v.checksum, "@type": "xsd:hexBinary"]] as [String: Any],
            "dcat:distribution": distributions(d, baseURL: baseURL, version: v.number, datasetURI: datasetURI(d, baseURL)),
        ]
        if let c = v.changes { out["adms:versionNotes"] = lang(c.text, "en") }
        out.merge(classification(d, baseURL: baseURL, catalogPublisher: catalogPublisher)) { _, new in new }
        return out
    }
}
