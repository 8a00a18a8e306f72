import Foundation
import Testing
import TestSupport
import GeoStore
import GRDB

/// `/catalog.jsonld` as a DCAT-AP validator sees it: pyshacl checks it against the mandatory
/// properties of DCAT-AP 2 (`Tests/DCAT/dcat-ap-2-shapes.ttl`), and SPARQL over the same graph
/// checks what harvesters show: the catalogue's publisher is the province's Department (from
/// `bando serve`'s flags), every dataset has keywords and an EU data theme, and every
/// distribution, services included, has a format IRI.
@Suite(.serialized, .printsChildLogsOnFailure) struct DCATValidationTests {
    static let check = #"""
import sys, json, rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF, FOAF
from pyshacl import validate
g = rdflib.Graph()
g.parse(sys.argv[1], format="json-ld")
shapes = rdflib.Graph().parse(sys.argv[2], format="turtle")
conforms, _, text = validate(g, shacl_graph=shapes, inference="none", allow_warnings=False)
catalog = next(g.subjects(RDF.type, DCAT.Catalog))
publisher = g.value(catalog, DCTERMS.publisher)
datasets = {}
for ds in g.objects(catalog, DCAT.dataset):
    datasets[str(g.value(ds, DCTERMS.identifier))] = {
        "keywords": sorted(str(k) for k in g.objects(ds, DCAT.keyword)),
        "themes": sorted(str(t) for t in g.objects(ds, DCAT.theme)),
        "publisher": str(g.value(ds, DCTERMS.publisher)),
        "versions_with_theme": sorted(str(g.value(v, DCAT.version)) for v in g.objects(ds, DCAT.hasVersion) if g.value(v, DCAT.theme) is not None),
    }
formats = {}
for dist in g.subjects(RDF.type, DCAT.Distribution):
    formats[str(dist)] = [str(f) for f in g.objects(dist, DCTERMS.format)] + [type(f).__name__ for f in g.objects(dist, DCTERMS.format)]
print(json.dumps({
    "conforms": conforms, "report": text,
    "publisher": str(publisher), "publisher_names": sorted(f"{n}@{n.language}" for n in g.objects(publisher, FOAF.name)),
    "publisher_type": str(g.value(publisher, DCTERMS.type)), "homepage": str(g.value(publisher, FOAF.homepage)),
    "datasets": datasets, "formats": formats,
}))
"""#

    static func validate(_ server: RunningServer) throws -> [String: Any] {
        try pythonJSON(check, [server.base + "/catalog.jsonld", TestPaths.root.appendingPathComponent("Tests/DCAT/dcat-ap-2-shapes.ttl").path])
    }

    @Test func catalogueConformsWithTheDepartmentAsPublisher() throws {
        let f = try CatalogueFixture()
        let server = try RunningServer(storePath: f.storePath)
        let r = try Self.validate(server)
        #expect(r["conforms"] as? Bool == true, "\(r["report"] ?? "")")
        // The default: the province's Department, not the software.
        #expect(r["publisher_names"] as? [String] == ["Department of Information and Communications@en", "Sở Thông tin và Truyền thông@vi"])
        #expect(r["publisher_type"] as? String == "http://purl.org/adms/publishertype/RegionalAuthority")
        let datasets = try #require(r["datasets"] as? [String: [String: Any]])
        #expect(datasets.keys.sorted() == ["huyen-hue", "xa-hue"])
        let xa = try #require(datasets["xa-hue"])
        #expect(xa["keywords"] as? [String] == ["hành chính", "ranh giới", "xã"])
        // "Ranh giới hành chính" (administrative boundaries) is the EU theme Regions and cities.
        #expect((xa["themes"] as? [String])?.contains("http://publications.europa.eu/resource/authority/data-theme/REGI") == true, "\(xa)")
        #expect(xa["publisher"] as? String == "\(server.base)/api/3/action/organization_show?id=so-tnmt")
        #expect(xa["versions_with_theme"] as? [String] == ["1", "2"])
        let formats = try #require(r["formats"] as? [String: [String]])
        let services = formats.filter { $0.key.hasSuffix("#ogcapi-features") || $0.key.hasSuffix("#tiles") }
        #expect(services.count == 4, "\(formats.keys.sorted())")
        #expect(services["\(server.base)/api/catalog/xa-hue#ogcapi-features"]
                == ["http://publications.europa.eu/resource/authority/file-type/GEOJSON", "URIRef"])
        #expect(services["\(server.base)/api/catalog/xa-hue#tiles"]
                == ["http://www.iana.org/assignments/media-types/application/vnd.mapbox-vector-tile", "URIRef"])
        #expect(formats["\(server.base)/api/catalog/xa-hue/v1#gpkg"]
                == ["http://publications.europa.eu/resource/authority/file-type/GPKG", "URIRef"])
    }

    /// A dataset without keywords or theme still gets both (the EU theme's name as keyword).
    @Test func datasetWithoutMetadataStillHasKeywordsAndTheme() throws {
        let f = try CatalogueFixture()
        try f.store.pool.write { db in
            try db.execute(sql: "UPDATE dataset_metadata SET keywords_json = '[]'")
            try db.execute(sql: "UPDATE catalogue_entries SET theme = ''")
        }
        let server = try RunningServer(storePath: f.storePath)
        let r = try Self.validate(server)
        #expect(r["conforms"] as? Bool == true, "\(r["report"] ?? "")")
        let datasets = try #require(r["datasets"] as? [String: [String: Any]])
        for (slug, d) in datasets {
            #expect(d["keywords"] as? [String] == ["Vùng và đô thị"], "\(slug): \(d)")
            #expect(d["themes"] as? [String] == ["http://publications.europa.eu/resource/authority/data-theme/REGI"], "\(slug): \(d)")
        }
    }

    /// `--publisher-agency` names a registered agency: the catalogue and that agency's datasets
    /// name the same node. `--publisher-name` and the others describe an unregistered one.
    @Test func publisherComesFromServeFlags() throws {
        let f = try CatalogueFixture()
        do {
            let server = try RunningServer(storePath: f.storePath, arguments: ["--publisher-agency", "so-tnmt"])
            let r = try Self.validate(server)
            #expect(r["conforms"] as? Bool == true, "\(r["report"] ?? "")")
            #expect(r["publisher"] as? String == "\(server.base)/api/3/action/organization_show?id=so-tnmt")
            #expect(r["publisher_names"] as? [String] == ["Sở Tài nguyên và Môi trường@vi"])
        }
        let typo = try Run.process(TestPaths.bandoBinary, ["serve", "--store", f.storePath, "--port", String(freeLocalPort()),
                                                           "--publisher-agency", "so-tnnt"])
        #expect(!typo.succeeded && typo.stderr.contains("so-tnnt") && typo.stderr.contains("so-tnmt, so-xd"), "\(typo.stderr)")
        let server = try RunningServer(storePath: f.storePath, arguments: [
            "--publisher-name", "Sở Nông nghiệp và Môi trường thành phố Huế", "--publisher-name-en", "Huế Department of Agriculture and Environment",
            "--publisher-url", "https://snnmt.hue.gov.vn/"])
        let r = try Self.validate(server)
        #expect(r["conforms"] as? Bool == true, "\(r["report"] ?? "")")
        #expect(r["publisher_names"] as? [String] == ["Huế Department of Agriculture and Environment@en", "Sở Nông nghiệp và Môi trường thành phố Huế@vi"])
        #expect(r["homepage"] as? String == "https://snnmt.hue.gov.vn/")
    }
}
