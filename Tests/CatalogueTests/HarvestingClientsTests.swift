import Foundation
import Testing
import TestSupport
import Catalogue

/// The catalogue as harvesters read it, over the real `bando serve`: rdflib reads the DCAT-AP
/// JSON-LD as RDF; ckanapi talks to the CKAN Action API as it would to CKAN.
@Suite(.serialized, .printsChildLogsOnFailure) struct HarvestingClientsTests {
    static let formats = ["geojson", "csv", "shp.zip", "gpkg", "kml"]

    @Test func dcatParsesAsRDFWithEveryDistribution() throws {
        let f = try CatalogueFixture()
        let server = try RunningServer(storePath: f.storePath)
        let r = try pythonJSON(#"""
import sys, json, rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF
g = rdflib.Graph()
g.parse(sys.argv[1], format="json-ld")
q = """
SELECT ?id ?dist ?download ?access ?licence ?media WHERE {
  ?cat a dcat:Catalog ; dcat:dataset ?ds .
  ?ds a dcat:Dataset ; dct:identifier ?id ; dcat:distribution ?dist .
  ?dist dcat:accessURL ?access ; dct:license ?licence ; dcat:mediaType ?media .
  OPTIONAL { ?dist dcat:downloadURL ?download }
}"""
out = {}
for row in g.query(q, initNs={"dcat": DCAT, "dct": DCTERMS}):
    d = out.setdefault(str(row.id), {"downloads": [], "access": [], "licences": [], "media": []})
    if row.download is not None: d["downloads"].append(str(row.download))
    d["access"].append(str(row.access)); d["licences"].append(str(row.licence)); d["media"].append(str(row.media))
for ds in g.subjects(RDF.type, DCAT.Dataset):
    ident = g.value(ds, DCTERMS.identifier)
    if str(ident) in out:
        out[str(ident)]["titles"] = sorted(f"{t}@{t.language}" for t in g.objects(ds, DCTERMS.title))
        out[str(ident)]["keywords"] = sorted(str(k) for k in g.objects(ds, DCAT.keyword))
        out[str(ident)]["versions"] = sorted(str(g.value(v, DCAT.version)) for v in g.objects(ds, DCAT.hasVersion))
        out[str(ident)]["publisher"] = str(g.value(g.value(ds, DCTERMS.publisher), rdflib.URIRef("http://xmlns.com/foaf/0.1/name")))
        out[str(ident)]["periodicity"] = str(g.value(ds, DCTERMS.accrualPeriodicity))
        out[str(ident)]["services"] = len(list(g.subjects(DCAT.servesDataset, ds)))
print(json.dumps({"datasets": out, "triples": len(g)}))
"""#, [server.base + "/catalog.jsonld"])
        let datasets = try #require(r["datasets"] as? [String: [String: Any]])
        #expect(datasets.keys.sorted() == ["huyen-hue", "xa-hue"])
        for (slug, d) in datasets {
            let downloads = Set(d["downloads"] as? [String] ?? [])
            #expect(downloads == Set(Self.formats.map { "\(server.base)/downloads/\(slug)/latest.\($0)" }), "\(slug): \(downloads)")
            let access = Set(d["access"] as? [String] ?? [])
            #expect(access.contains("\(server.base)/ogc/collections/\(slug)"))
            #expect(access.contains("\(server.base)/tiles/\(slug).json"))
            #expect(access.count == 7)
            #expect(d["services"] as? Int == 2)
        }
        let xa = try #require(datasets["xa-hue"])
        #expect(Set(xa["licences"] as? [String] ?? []) == ["https://creativecommons.org/licenses/by/4.0/"])
        #expect(xa["titles"] as? [String] == ["Communes and wards of Huế@en", "Xã, phường Huế@vi"])
        #expect(xa["keywords"] as? [String] == ["hành chính", "ranh giới", "xã"])
        #expect(xa["versions"] as? [String] == ["1", "2"])
        #expect(xa["publisher"] as? String == "Sở Tài nguyên và Môi trường")
        #expect(xa["periodicity"] as? String == "http://publications.europa.eu/resource/authority/frequency/QUARTERLY")
        #expect((xa["media"] as? [String] ?? []).contains("http://www.iana.org/assignments/media-types/application/geo+json"))
        let huyen = try #require(datasets["huyen-hue"])
        #expect(Set(huyen["licences"] as? [String] ?? []) == ["https://creativecommons.org/publicdomain/zero/1.0/"])
        #expect(huyen["periodicity"] as? String == "http://publications.europa.eu/resource/authority/frequency/ANNUAL")
    }

    @Test func ckanapiHarvestsLikeFromCKAN() throws {
        let f = try CatalogueFixture()
        let server = try RunningServer(storePath: f.storePath)
        let r = try pythonJSON(#"""
import sys, json, ckanapi
out = {}
for mode, ck in (("post", ckanapi.RemoteCKAN(sys.argv[1])), ("get", ckanapi.RemoteCKAN(sys.argv[1], get_only=True))):
    a = ck.action
    o = out[mode] = {}
    o["list"] = a.package_list()
    p = a.package_show(id="xa-hue")
    o["show"] = {"name": p["name"], "org": p["organization"]["name"], "licence": p["license_id"], "version": p["version"],
                 "formats": [x["format"] for x in p["resources"]], "urls": [x["url"] for x in p["resources"]],
                 "tags": sorted(t["name"] for t in p["tags"]), "extras": {e["key"]: e["value"] for e in p["extras"]}}
    o["same_by_id"] = a.package_show(id=p["id"])["name"]
    o["by_org"] = [x["name"] for x in a.package_search(fq="organization:so-xd")["results"]]
    o["by_tag"] = [x["name"] for x in a.package_search(fq='tags:"hành chính"')["results"]]
    o["by_format"] = a.package_search(fq="res_format:GPKG", rows=1, start=1, sort="name asc")
    o["by_format"] = {"count": o["by_format"]["count"], "names": [x["name"] for x in o["by_format"]["results"]]}
    o["not_org"] = [x["name"] for x in a.package_search(fq="-organization:so-xd")["results"]]
    o["either"] = a.package_search(fq="organization:(so-xd OR so-tnmt)")["count"]
    o["harvester"] = a.package_search(q="*:*", fq="+dataset_type:dataset capacity:public", rows=100, start=0)["count"]
    o["modified"] = a.package_search(fq="metadata_modified:[2000-01-01T00:00:00Z TO NOW]")["count"]
    o["future"] = a.package_search(fq="metadata_modified:[2999-01-01T00:00:00Z TO *]")["count"]
    o["q"] = [x["name"] for x in a.package_search(q="huyen")["results"]]
    o["q_vi"] = [x["name"] for x in a.package_search(q="phường")["results"]]
    o["orgs"] = a.organization_list()
    o["orgs_full"] = [(x["name"], x["package_count"]) for x in a.organization_list(all_fields=True)]
    org = a.organization_show(id="so-tnmt", include_datasets=True)
    o["org"] = {"title": org["title"], "count": org["package_count"], "packages": [x["name"] for x in org["packages"]]}
    errors = o["errors"] = {}
    for name, call in (("package", lambda: a.package_show(id="khong-co")),
                       ("organization", lambda: a.organization_show(id="khong-co"))):
        try: call(); errors[name] = "no error"
        except ckanapi.NotFound as e: errors[name] = "NotFound: " + str(e)
    for name, kw in (("rows", {"rows": "abc"}), ("start", {"start": -1}), ("sort", {"sort": "colour asc"})):
        try: a.package_search(**kw); errors[name] = "no error"
        except ckanapi.ValidationError as e: errors[name] = e.error_dict
    try: a.package_search(fq="colour:blue"); errors["fq"] = "no error"
    except ckanapi.SearchQueryError as e: errors["fq"] = "SearchQueryError: " + str(e)
print(json.dumps(out))
"""#, [server.base])
        for mode in ["post", "get"] {
            let o = try #require(r[mode] as? [String: Any], "\(mode)")
            #expect(o["list"] as? [String] == ["huyen-hue", "xa-hue"])
            let show = try #require(o["show"] as? [String: Any])
            #expect(show["name"] as? String == "xa-hue")
            #expect(show["org"] as? String == "so-tnmt")
            #expect(show["licence"] as? String == "cc-by")
            #expect(show["version"] as? String == "2")
            #expect(show["formats"] as? [String] == ["GeoJSON", "CSV", "SHP", "GPKG", "KML", "OGC API Features", "MVT"])
            #expect((show["urls"] as? [String])?.first == "\(server.base)/downloads/xa-hue/latest.geojson")
            #expect(show["tags"] as? [String] == ["hành chính", "ranh giới", "xã"])
            let extras = try #require(show["extras"] as? [String: String])
            #expect(extras["frequency"] == "quarterly")
            #expect(extras["theme"] == "Ranh giới hành chính")
            #expect(extras["version_notes"]?.hasPrefix("2 added, 3 removed, 4 changed, 143 unchanged (since v1") == true)
            #expect(extras["schema"]?.contains("Dân số (Tổng điều tra 2009)") == true)
            #expect(extras["citation"]?.contains("censusVN2009 (Marc Choisy, MIT)") == true)
            #expect(o["same_by_id"] as? String == "xa-hue")
            #expect(o["by_org"] as? [String] == ["huyen-hue"])
            #expect(o["by_tag"] as? [String] == ["xa-hue"])
            let byFormat = try #require(o["by_format"] as? [String: Any])
            #expect(byFormat["count"] as? Int == 2)
            #expect(byFormat["names"] as? [String] == ["xa-hue"], "rows=1 start=1 sorted by name")
            #expect(o["not_org"] as? [String] == ["xa-hue"])
            #expect(o["either"] as? Int == 2)
            #expect(o["harvester"] as? Int == 2)
            #expect(o["modified"] as? Int == 2)
            #expect(o["future"] as? Int == 0)
            #expect(o["q"] as? [String] == ["huyen-hue"])
            #expect(o["q_vi"] as? [String] == ["xa-hue"])
            #expect(o["orgs"] as? [String] == ["so-tnmt", "so-xd"])
            #expect((o["orgs_full"] as? [[Any]])?.map { "\($0[0]):\($0[1])" } == ["so-tnmt:1", "so-xd:1"])
            let org = try #require(o["org"] as? [String: Any])
            #expect(org["title"] as? String == "Sở Tài nguyên và Môi trường")
            #expect(org["packages"] as? [String] == ["xa-hue"])
            let errors = try #require(o["errors"] as? [String: Any])
            #expect((errors["package"] as? String)?.hasPrefix("NotFound") == true, "\(errors)")
            #expect((errors["organization"] as? String)?.hasPrefix("NotFound") == true, "\(errors)")
            #expect((errors["rows"] as? [String: Any])?["rows"] != nil, "\(errors)")
            #expect((errors["start"] as? [String: Any])?["start"] != nil, "\(errors)")
            #expect((errors["sort"] as? [String: Any])?["sort"] != nil, "\(errors)")
            #expect((errors["fq"] as? String)?.contains("colour") == true, "\(errors)")
        }
    }

    /// The actions a harvester walks the catalogue with (ckanext-harvest's CKAN harvester, the
    /// national portal's), through ckanapi by POST and by GET: groups (one per theme), tags,
    /// one resource, every package with its resources page by page, and package_search's facets.
    @Test func ckanapiRunsTheHarvestingActions() throws {
        let f = try CatalogueFixture()
        let server = try RunningServer(storePath: f.storePath)
        let r = try pythonJSON(#"""
import sys, json, ckanapi
out = {}
for mode, ck in (("post", ckanapi.RemoteCKAN(sys.argv[1])), ("get", ckanapi.RemoteCKAN(sys.argv[1], get_only=True))):
    a = ck.action
    o = out[mode] = {}
    o["groups"] = a.group_list()
    o["groups_full"] = [(g["name"], g["title"], g["package_count"], g["is_organization"]) for g in a.group_list(all_fields=True)]
    g = a.group_show(id=o["groups"][0], include_datasets=True)
    o["group"] = {"title": g["title"], "packages": sorted(p["name"] for p in g["packages"])}
    o["package_groups"] = [x["name"] for x in a.package_show(id="xa-hue")["groups"]]
    o["tags"] = a.tag_list()
    o["tags_query"] = a.tag_list(query="ranh")
    o["tags_full"] = sorted(t["name"] for t in a.tag_list(all_fields=True))
    p = a.package_show(id="huyen-hue")
    res = p["resources"][3]
    shown = a.resource_show(id=res["id"])
    o["resource"] = {"same": shown == res, "package": shown["package_id"] == p["id"], "format": shown["format"], "url": shown["url"]}
    pages = [a.current_package_list_with_resources(limit=1, offset=i) for i in range(3)]
    o["pages"] = [[(x["name"], len(x["resources"])) for x in page] for page in pages]
    o["all"] = [x["name"] for x in a.current_package_list_with_resources()]
    o["page2"] = [x["name"] for x in a.current_package_list_with_resources(limit=1, page=2)]
    o["far_page"] = a.current_package_list_with_resources(limit=2, page=9223372036854775807)
    s = a.package_search(**{"facet.field": ["organization", "groups", "tags", "res_format", "license_id"], "rows": 0})
    o["search_facets"] = s["search_facets"]
    o["facets"] = s["facets"]
    o["facets_filtered"] = a.package_search(**{"fq": "organization:so-xd", "facet.field": ["tags"]})["facets"]
    o["facets_limit"] = a.package_search(**{"facet.field": ["tags"], "facet.limit": 1})["search_facets"]["tags"]["items"]
    errors = o["errors"] = {}
    for name, call in (("resource", lambda: a.resource_show(id="khong-co")), ("group", lambda: a.group_show(id="khong-co"))):
        try: call(); errors[name] = "no error"
        except ckanapi.NotFound as e: errors[name] = "NotFound: " + str(e)
    try: a.package_search(**{"facet.field": ["colour"]}); errors["facet"] = "no error"
    except ckanapi.ValidationError as e: errors["facet"] = e.error_dict
print(json.dumps(out))
"""#, [server.base])
        for mode in ["post", "get"] {
            let o = try #require(r[mode] as? [String: Any], "\(mode)")
            #expect(o["groups"] as? [String] == ["ranh-gioi-hanh-chinh"], "\(mode)")
            #expect((o["groups_full"] as? [[Any]])?.map { "\($0[0])|\($0[1])|\($0[2])|\($0[3])" }
                    == ["ranh-gioi-hanh-chinh|Ranh giới hành chính|2|0"], "\(String(describing: o["groups_full"]))")
            let group = try #require(o["group"] as? [String: Any])
            #expect(group["packages"] as? [String] == ["huyen-hue", "xa-hue"])
            #expect(o["package_groups"] as? [String] == ["ranh-gioi-hanh-chinh"], "group_list names the groups package_show gives")
            #expect(o["tags"] as? [String] == ["huyện", "hành chính", "ranh giới", "xã"].sorted())
            #expect(o["tags_query"] as? [String] == ["ranh giới"])
            #expect(o["tags_full"] as? [String] == ["huyện", "hành chính", "ranh giới", "xã"].sorted())
            let resource = try #require(o["resource"] as? [String: Any])
            #expect(resource["same"] as? Bool == true && resource["package"] as? Bool == true, "\(resource)")
            #expect(resource["format"] as? String == "GPKG")
            #expect(resource["url"] as? String == "\(server.base)/downloads/huyen-hue/latest.gpkg")
            // Newest first: huyen-hue was published after xa-hue's v2.
            let pages = try #require(o["pages"] as? [[[Any]]])
            #expect(pages.map { $0.map { "\($0[0]):\($0[1])" } } == [["huyen-hue:7"], ["xa-hue:7"], []], "\(pages)")
            #expect(o["all"] as? [String] == pages.compactMap { $0.first?.first as? String })
            #expect(o["page2"] as? [String] == ["xa-hue"], "the deprecated page, counted from 1")
            #expect((o["far_page"] as? [Any])?.isEmpty == true, "a page past the end is empty, not a crash")
            let facets = try #require(o["facets"] as? [String: [String: Int]])
            #expect(facets["organization"] == ["so-tnmt": 1, "so-xd": 1])
            #expect(facets["groups"] == ["ranh-gioi-hanh-chinh": 2])
            #expect(facets["tags"] == ["ranh giới": 2, "hành chính": 1, "xã": 1, "huyện": 1])
            #expect(facets["res_format"]?["GPKG"] == 2 && facets["res_format"]?["CSV"] == 2)
            #expect(facets["license_id"] == ["cc-by": 1, "cc-zero": 1])
            let search = try #require(o["search_facets"] as? [String: [String: Any]])
            let orgItems = try #require(search["organization"]?["items"] as? [[String: Any]])
            #expect(search["organization"]?["title"] as? String == "organization")
            #expect(Set(orgItems.compactMap { $0["display_name"] as? String }) == ["Sở Tài nguyên và Môi trường", "Sở Xây dựng"])
            let tagItems = try #require(search["tags"]?["items"] as? [[String: Any]])
            #expect(tagItems.first?["name"] as? String == "ranh giới" && tagItems.first?["count"] as? Int == 2, "most frequent first")
            let licenceItems = try #require(search["license_id"]?["items"] as? [[String: Any]])
            #expect(licenceItems.contains { $0["name"] as? String == "cc-zero" && $0["display_name"] as? String == "Creative Commons CCZero" })
            #expect(o["facets_filtered"] as? [String: [String: Int]] == ["tags": ["huyện": 1, "ranh giới": 1]])
            #expect((o["facets_limit"] as? [[String: Any]])?.map { $0["name"] as? String } == ["ranh giới"])
            let errors = try #require(o["errors"] as? [String: Any])
            #expect((errors["resource"] as? String)?.hasPrefix("NotFound") == true, "\(errors)")
            #expect((errors["group"] as? String)?.hasPrefix("NotFound") == true, "\(errors)")
            #expect((errors["facet"] as? [String: Any])?["facet.field"] != nil, "\(errors)")
        }
    }

    /// The statuses CKAN gives, seen without a client library; the catalogue JSON as a script reads it.
    @Test func statusesAndCatalogJSON() throws {
        let f = try CatalogueFixture()
        let server = try RunningServer(storePath: f.storePath)
        let (s404, b404) = try server.get("/api/3/action/package_show?id=khong-co")
        #expect(s404 == 404)
        let e404 = try JSONSerialization.jsonObject(with: Data(b404.utf8)) as? [String: Any]
        #expect(e404?["success"] as? Bool == false)
        #expect((e404?["error"] as? [String: Any])?["__type"] as? String == "Not Found Error")
        let (s409, b409) = try server.get("/api/3/action/package_search?rows=-5")
        #expect(s409 == 409)
        #expect(b409.contains("\"rows\"") && b409.contains("Validation Error"), "\(b409)")
        #expect(try server.get("/api/3/action/package_show").0 == 409)
        #expect(try server.get("/api/3/action/package_delete?id=xa-hue").0 == 400)
        #expect(try server.get("/api/catalog/khong-co").0 == 404)

        let (status, body) = try server.get("/api/catalog")
        #expect(status == 200)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let xa = try #require((doc["datasets"] as? [[String: Any]])?.first { $0["id"] as? String == "xa-hue" })
        #expect((xa["title"] as? [String: String]) == ["vi": "Xã, phường Huế", "en": "Communes and wards of Huế"])
        #expect((xa["agency"] as? [String: Any])?["id"] as? String == "so-tnmt")
        #expect((xa["licence"] as? [String: Any])?["id"] as? String == "CC-BY-4.0")
        #expect((xa["contactPoint"] as? [String: Any])?["email"] as? String == "bando@example.gov.vn")
        #expect((xa["temporalCoverage"] as? [String: Any])?["start"] as? String == "2009-04-01")
        let schema = try #require(xa["schema"] as? [String: Any])
        let fields = try #require(schema["fields"] as? [[String: String]])
        #expect(fields.count == 13)
        #expect(fields.first { $0["name"] == "population" }?["description"] == "Dân số (Tổng điều tra 2009)")
        #expect(fields.first { $0["name"] == "commune_vn" }?["type"] == "text")
        let versions = try #require(xa["versions"] as? [[String: Any]])
        #expect(versions.map { $0["featureCount"] as? Int } == [150, 149])
        #expect(versions.allSatisfy { ($0["checksum"] as? String)?.count == 71 })
        let changes = try #require(versions[1]["changes"] as? [String: Any])
        #expect(changes["added"] as? Int == 2 && changes["removed"] as? Int == 3 && changes["changed"] as? Int == 4)
        #expect(changes["identity"] as? String == "field:commune_id")
        #expect((versions[0]["downloads"] as? [String: String])?["gpkg"] == "\(server.base)/downloads/xa-hue/v1.gpkg")
        #expect((xa["citation"] as? String)?.contains("Xã, phường Huế, phiên bản 2") == true)
    }
}
