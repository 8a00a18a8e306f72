import Testing
import Foundation
import TestSupport

/// Issue 22 with the clients analysts and other agencies use, against the real binary on a real
/// socket: a page on another origin in headless Chromium, GDAL 3.6 (`OAPIF:`, `OGCAPI:` with
/// `API=TILES`, `/vsicurl/`) and QGIS 3.22 (Debian `qgis` + `python3-qgis`, offscreen). Expected
/// features and values come from the fixture file as GDAL reads it, never from Bando.
@Suite(.serialized, .printsChildLogsOnFailure) struct RealClientTests {
    /// The Huế communes (`population`: a real field whose values are whole) ingested by the CLI.
    final class Site: @unchecked Sendable {
        let scratch = ScratchDirectory("real-clients")
        var store: String { scratch.path("s.sqlite") }
        var tilesFolder: String { scratch.path("tiles") }
        let source = TestPaths.fixture("features/hue_communes.geojson").path

        init() throws {
            try FileManager.default.createDirectory(atPath: tilesFolder, withIntermediateDirectories: true)
            let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", source, "--dataset", "xa-hue", "--store", store,
                                                                 "--title", "Xã, phường Huế", "--attribution", "censusVN2009 (Marc Choisy, MIT)"])
            try #require(ingest.succeeded, "ingest failed: \(ingest.stderr)")
        }

        func serve(_ extra: [String] = []) throws -> (BackgroundProcess, Int) {
            let port = freeLocalPort()
            let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port), "--tiles", tilesFolder] + extra,
                                               log: scratch.path("serve-\(port).log"), currentDirectory: TestPaths.root)
            try server.waitForHTTP(port: port)
            return (server, port)
        }

        /// A static file server on another loopback port: another origin for the browser.
        func otherOrigin(serving folder: String) throws -> (BackgroundProcess, Int) {
            let port = freeLocalPort()
            let p = try BackgroundProcess("/usr/bin/python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", folder],
                                          log: scratch.path("origin-\(port).log"))
            try p.waitForHTTP(port: port, path: "/")
            return (p, port)
        }

        /// A recording reverse proxy in front of the server: every request line that reached the
        /// server, in order, is in its log (the server is started with the proxy as its public URL,
        /// so the links a client follows lead through it too).
        func recordingProxy(to port: Int, listening proxyPort: Int) throws -> (BackgroundProcess, String) {
            let log = scratch.path("requests-\(proxyPort).log")
            let p = try BackgroundProcess("/usr/bin/python3", ["-c", Self.proxyScript, String(proxyPort), "http://127.0.0.1:\(port)", log],
                                          log: scratch.path("proxy-\(proxyPort).log"))
            try p.waitForHTTP(port: proxyPort)
            return (p, log)
        }

        static let proxyScript = #"""
import sys, http.server, urllib.request, urllib.error
port, target, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def forward(self):
        with open(log, "a") as f: f.write(self.command + " " + self.path + "\n")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
        req = urllib.request.Request(target + self.path, data=body, method=self.command, headers=headers)
        try: resp = urllib.request.urlopen(req, timeout=120)
        except urllib.error.HTTPError as e: resp = e
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"): self.send_header(k, v)
        self.send_header("Content-Length", resp.headers.get("Content-Length") if self.command == "HEAD" else str(len(data)))
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(data)
    do_GET = do_HEAD = do_POST = forward
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
"""#

        /// The source's features for a `-where`, as GDAL reads the fixture: commune_id → population.
        func sourcePopulations(where condition: String) throws -> [Int: Double] {
            let out = scratch.path("source-\(UUID().uuidString).csv")
            let r = try Run.process("ogr2ogr", ["-f", "CSV", out, source, "-where", condition, "-select", "commune_id,population"])
            try #require(r.succeeded, "\(r.stderr)")
            return try Self.populations(csv: out)
        }

        static func populations(csv path: String) throws -> [Int: Double] {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline)
            let header = lines[0].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            let id = try #require(header.firstIndex(of: "commune_id")), pop = try #require(header.firstIndex(of: "population"))
            var out: [Int: Double] = [:]
            for line in lines.dropFirst() {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                guard cells.count > max(id, pop), let key = Double(cells[id]) else {
                    Issue.record("unreadable line in \(path): \(line)")
                    continue
                }
                out[Int(key)] = Double(cells[pop])
            }
            return out
        }
    }

    // MARK: A page on another site

    static let page = #"""
<!doctype html><meta charset="utf-8"><title>Another agency's map</title><body>
<script>
const api = new URLSearchParams(location.search).get("api");
async function sha256(buffer) {
  const d = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(d)).map(b => b.toString(16).padStart(2, "0")).join("");
}
async function run() {
  const out = {};
  const items = await fetch(api + "/ogc/collections/xa-hue/items?limit=7&filter=population%20%3E%2010000");
  const doc = await items.json();
  out.items = doc.features.map(f => f.properties.commune_id);
  out.contentCrs = items.headers.get("Content-Crs");
  const download = await fetch(api + "/downloads/xa-hue/latest.geojson");
  out.downloadSHA256 = await sha256(await download.arrayBuffer());
  const analysis = await fetch(api + "/api/analysis/point-in-area?dataset=xa-hue", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({points: [[107.5811046, 16.4832321]]})});
  out.analysis = await analysis.json();
  const missing = await fetch(api + "/ogc/collections/khong-co/items");
  out.errorStatus = missing.status;
  out.errorCode = (await missing.json()).code;
  out.errorRequestId = missing.headers.get("X-Request-Id");
  try { await fetch(api + "/api/portal/me"); out.portal = "readable"; } catch (e) { out.portal = "blocked"; }
  document.body.dataset.result = JSON.stringify(out);
}
run().catch(e => { document.body.dataset.error = String(e); });
</script>
"""#

    static let browserScript = #"""
import sys, json, time
from selenium import webdriver
from bando_browser import chromium, check_step
page, = sys.argv[1:]
d = chromium(size=None)
try:
    d.get(page)
    deadline, out = time.time() + 60, None
    while time.time() < deadline:
        state = d.execute_script("return [document.body.dataset.result || '', document.body.dataset.error || '']")
        if state[0]: out = {"result": json.loads(state[0])}; break
        if state[1]: out = {"error": state[1]}; break
        time.sleep(0.2)
    out = out or {"error": "timed out"}
    out["console"] = [l["message"] for l in d.get_log("browser") if l["level"] == "SEVERE"]
finally:
    d.quit()
print(json.dumps(out))
"""#

    @Test func aPageOnAnotherOriginReadsItemsADownloadAndAnAnalysis() throws {
        let site = try Site()
        let (server, port) = try site.serve()
        defer { server.stop() }
        let folder = site.scratch.path("other-site")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Self.page.write(toFile: folder + "/index.html", atomically: true, encoding: .utf8)
        let (origin, originPort) = try site.otherOrigin(serving: folder)
        defer { origin.stop() }
        // localhost and 127.0.0.1 are different origins: the page is on another port and host name.
        let r = try BrowserScript.run(Self.browserScript, ["http://localhost:\(originPort)/index.html?api=http://127.0.0.1:\(port)"])
        try #require(r.succeeded, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let result = try #require(report["result"] as? [String: Any], "the page failed: \(report["error"] ?? "?"); console: \(report["console"] ?? "")")

        let expected = try site.sourcePopulations(where: "population > 10000")
        let ids = try #require(result["items"] as? [Double]).map { Int($0) }
        #expect(ids.count == min(7, expected.count))
        #expect(ids.allSatisfy { expected[$0] != nil }, "\(ids)")
        #expect(result["contentCrs"] as? String == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")

        let checksum = try Run.process("curl", ["-sf", "http://127.0.0.1:\(port)/downloads/xa-hue/latest.geojson.sha256"])
        #expect(checksum.stdout.split(separator: " ").first.map(String.init) == result["downloadSHA256"] as? String)

        let analysis = try #require(result["analysis"] as? [String: Any])
        let areas = try #require(((analysis["results"] as? [[String: Any]])?.first?["areas"] as? [[String: Any]]))
        #expect(areas.compactMap { (($0["properties"] as? [String: Any])?["commune_vn"] as? String) } == ["Phường Phú Bình"])

        #expect(result["errorStatus"] as? Int == 404)
        #expect(result["errorCode"] as? String == "NotFound")
        #expect((result["errorRequestId"] as? String)?.isEmpty == false)
        #expect(result["portal"] as? String == "blocked", "the portal's routes must not be readable from another site")
    }

    // MARK: GDAL

    @Test func gdalSendsANumericFilterAndGetsExactlyTheRightFeatures() throws {
        let site = try Site()
        let proxyPort = freeLocalPort()
        let (server, port) = try site.serve(["--public-url", "http://127.0.0.1:\(proxyPort)"])
        defer { server.stop() }
        let (proxy, requests) = try site.recordingProxy(to: port, listening: proxyPort)
        defer { proxy.stop() }

        let condition = "population > 12000"
        let out = site.scratch.path("filtered.gpkg")
        let copy = try Run.process("ogr2ogr", ["-f", "GPKG", out, "OAPIF:http://127.0.0.1:\(proxyPort)/ogc", "xa-hue",
                                               "-where", condition, "-oo", "PAGE_SIZE=25", "-nln", "xa"])
        try #require(copy.succeeded, "\(copy.stderr)")
        let csv = site.scratch.path("filtered.csv")
        _ = try Run.process("ogr2ogr", ["-f", "CSV", csv, out, "-select", "commune_id,population"])
        let got = try Site.populations(csv: csv)
        let expected = try site.sourcePopulations(where: condition)
        #expect(!expected.isEmpty)
        #expect(got == expected)

        // The field is typed as the source types it (Real), not guessed from whole values.
        let info = try Run.process("ogrinfo", ["-ro", "-so", out, "xa"])
        #expect(info.stdout.contains("population: Real"), "\(info.stdout)")

        // The filter went to the server, in the language GDAL 3.6 speaks.
        let log = try String(contentsOfFile: requests, encoding: .utf8)
        let items = log.split(separator: "\n").filter { $0.contains("/collections/xa-hue/items") && $0.contains("filter=") }
        #expect(!items.isEmpty, "no filtered items request reached the server:\n\(log)")
        #expect(items.allSatisfy { $0.contains("filter-lang=cql-text") && $0.contains("population") }, "\(items)")
    }

    /// Debian's GDAL 3.6.2 builds its `OGCAPI:` driver without the vector-tiles branch (it sits
    /// under `#ifdef OGR_ENABLE_DRIVER_GML`, which that build does not define for the driver; the
    /// `vectorType` key the branch reads is not even in `libgdal.so.32`), so with `API=TILES` it
    /// can follow the links but never returns vector layers, from any server. What is checked
    /// here is every step up to that point, with GDAL's own code: it finds the collection's
    /// tilesets, the tileset and the tile matrix set without an error; its tile-matrix-set parser
    /// accepts ours; a tile named by the tileset's `item` template decodes with its MVT driver.
    @Test func gdalFollowsTheTilesLinksAndReadsTileJSONOverVSICurl() throws {
        let site = try Site()
        let (server, port) = try site.serve()
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"

        let open = try Run.process("ogrinfo", ["-ro", "-so", "-oo", "API=TILES", "OGCAPI:\(base)/ogc/collections/xa-hue"],
                                   environment: ["CPL_DEBUG": "ON"])
        for path in ["/collections/xa-hue/tiles", "/collections/xa-hue/tiles/WebMercatorQuad", "/tileMatrixSets/WebMercatorQuad"] {
            #expect(open.stderr.contains("Fetch(\(base)\(path))"), "GDAL did not reach \(path):\n\(open.stderr)")
        }
        #expect(!open.stderr.contains("ERROR"), "\(open.stderr)")

        // GDAL's tile matrix set parser (through the COG driver's TILING_SCHEME) reads ours.
        let tms = site.scratch.path("tms.json"), small = site.scratch.path("small.tif"), cog = site.scratch.path("cog.tif")
        _ = try Run.process("curl", ["-sf", "-o", tms, "\(base)/tileMatrixSets/WebMercatorQuad"])
        let create = try Run.process("gdal_create", ["-of", "GTiff", "-outsize", "8", "8", "-bands", "1", "-a_srs", "EPSG:4326",
                                                     "-a_ullr", "107.5", "16.5", "107.6", "16.4", small])
        try #require(create.succeeded, "\(create.stderr)")
        let translate = try Run.process("gdal_translate", ["-q", "-of", "COG", "-co", "TILING_SCHEME=\(tms)", small, cog])
        #expect(translate.succeeded && !translate.stderr.contains("ERROR"), "GDAL refused the tile matrix set: \(translate.stderr)")

        // The tileset's item template, filled for a tile over Huế, is a tile GDAL's MVT driver decodes.
        let tileset = try JSONSerialization.jsonObject(with: Data(try Run.process("curl", ["-sf", "\(base)/collections/xa-hue/tiles/WebMercatorQuad"]).stdout.utf8)) as? [String: Any]
        let template = try #require((tileset?["links"] as? [[String: Any]])?.first { $0["rel"] as? String == "item" }?["href"] as? String)
        let tileURL = template.replacingOccurrences(of: "{tileMatrix}", with: "12").replacingOccurrences(of: "{tileRow}", with: "1857")
            .replacingOccurrences(of: "{tileCol}", with: "3272")
        let tile = site.scratch.path("tile.mvt")
        _ = try Run.process("curl", ["-sf", "-o", tile, tileURL])
        let count = try Run.process("ogrinfo", ["-ro", "-q", "-oo", "X=3272", "-oo", "Y=1857", "-oo", "Z=12", tile, "-sql", "SELECT count(*) FROM \"xa-hue\""])
        #expect(count.stdout.contains("COUNT_* (Integer) = ") && !count.stdout.contains("COUNT_* (Integer) = 0"), "\(count.stdout)\(count.stderr)")
        // And over /vsicurl/ (a HEAD first, then ranges), from the XYZ route.
        let remote = try Run.process("ogrinfo", ["-ro", "-q", "/vsicurl/\(base)/tiles/xa-hue/12/3272/1857.mvt", "-sql", "SELECT count(*) FROM \"xa-hue\""])
        #expect(remote.stdout.split(separator: "\n").last { $0.contains("COUNT_*") } == count.stdout.split(separator: "\n").last { $0.contains("COUNT_*") },
                "\(remote.stdout)\(remote.stderr)")

        // /vsicurl/ stats the file with HEAD: its size must be the TileJSON's.
        let script = """
        import sys, json
        from osgeo import gdal
        url = sys.argv[1]
        st = gdal.VSIStatL("/vsicurl/" + url)
        f = gdal.VSIFOpenL("/vsicurl/" + url, "rb")
        data = gdal.VSIFReadL(1, 10_000_000, f) if f else b""
        if f: gdal.VSIFCloseL(f)
        print(json.dumps({"size": st.size if st else -1, "read": len(data), "tiles": json.loads(data or b"{}").get("tiles", [])}))
        """
        let r = try Run.process("/usr/bin/python3", ["-c", script, "\(base)/tiles/xa-hue.json"])
        try #require(r.succeeded, "\(r.stderr)")
        let got = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let direct = try Run.process("curl", ["-sf", "\(base)/tiles/xa-hue.json"])
        #expect(got["size"] as? Int == direct.stdout.utf8.count)
        #expect(got["read"] as? Int == direct.stdout.utf8.count)
        #expect((got["tiles"] as? [String])?.first?.hasPrefix(base + "/tiles/xa-hue/") == true)
    }

    // MARK: QGIS

    static let qgisScript = #"""
import sys, json
from qgis.core import QgsApplication, QgsVectorLayer, QgsFeatureRequest
app = QgsApplication([], False)
app.initQgis()
url, condition = sys.argv[1], sys.argv[2]
layer = QgsVectorLayer(f"url='{url}' typename='xa-hue'", "xa", "OAPIF")
# (layer.error() crashes QGIS 3.22 from a script: the server's log says why a layer failed.)
out = {"valid": layer.isValid()}
if layer.isValid():
    out["types"] = {f.name(): f.typeName() for f in layer.fields()}
    features = {}
    for ft in layer.getFeatures(QgsFeatureRequest().setFilterExpression(condition)):
        features[str(int(ft["commune_id"]))] = ft["population"]
    out["features"] = features
    out["count"] = layer.featureCount()
print(json.dumps(out), flush=True)
del layer  # before exitQgis: a layer still alive then crashes QGIS 3.22 on the way out
app.exitQgis()
"""#

    @Test func qgisLoadsTheLayerWithTheSourcesValuesAndCount() throws {
        let site = try Site()
        let (server, port) = try site.serve()
        defer { server.stop() }
        let condition = "population > 12000"
        let r = try Run.process("/usr/bin/python3", ["-c", Self.qgisScript, "http://127.0.0.1:\(port)/ogc", condition],
                                environment: ["QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": site.scratch.path("xdg"),
                                              "HOME": site.scratch.path("home")])
        try #require(r.succeeded, "QGIS failed: \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").last(where: { $0.hasPrefix("{") }), "\(r.stdout)\n\(r.stderr)")
        let got = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        try #require(got["valid"] as? Bool == true, "QGIS could not load the layer")
        let types = try #require(got["types"] as? [String: String])
        #expect(types["population"]?.lowercased().contains("real") == true || types["population"]?.lowercased().contains("double") == true,
                "population typed \(types["population"] ?? "?") by QGIS")
        let expected = try site.sourcePopulations(where: condition)
        let features = try #require(got["features"] as? [String: Double])
        #expect(!expected.isEmpty)
        #expect(Dictionary(uniqueKeysWithValues: features.map { (Int($0.key)!, $0.value) }) == expected)
        let all = try site.sourcePopulations(where: "1 = 1")
        #expect(got["count"] as? Int == all.count)
    }

    /// QGIS draws the communes from Bando's vector tiles (an XYZ vector tile layer over
    /// `/tiles/xa-hue/{z}/{x}/{y}.mvt`, rendered offscreen over Huế): a good share of the image is
    /// painted, and the picture is saved beside the browser screenshots.
    static let qgisTilesScript = #"""
import sys, json
from qgis.core import (QgsApplication, QgsVectorTileLayer, QgsVectorTileBasicRenderer, QgsMapSettings, QgsMapRendererSequentialJob,
                       QgsRectangle, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
app = QgsApplication([], False)
app.initQgis()
base, picture = sys.argv[1], sys.argv[2]
layer = QgsVectorTileLayer(f"type=xyz&url={base}/tiles/xa-hue/{{z}}/{{x}}/{{y}}.mvt&zmin=0&zmax=14", "xa")
out = {"valid": layer.isValid()}
if layer.isValid():
    renderer = QgsVectorTileBasicRenderer()
    renderer.setStyles(QgsVectorTileBasicRenderer.simpleStyleWithRandomColors())
    layer.setRenderer(renderer)
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    wgs84_to_mercator = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance())
    settings.setExtent(wgs84_to_mercator.transformBoundingBox(QgsRectangle(107.0, 16.0, 108.2, 16.8)))
    settings.setOutputSize(QSize(400, 300))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    out["painted"] = sum(1 for x in range(0, 400, 4) for y in range(0, 300, 4) if image.pixelColor(x, y) != QColor(255, 255, 255))
    out["sampled"] = (400 // 4) * (300 // 4)
    image.save(picture)
print(json.dumps(out), flush=True)
del layer
app.exitQgis()
"""#

    @Test func qgisDrawsTheVectorTiles() throws {
        let site = try Site()
        let (server, port) = try site.serve()
        defer { server.stop() }
        let shots = TestPaths.root.appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let picture = shots.appendingPathComponent("qgis-vector-tiles.png").path
        try? FileManager.default.removeItem(atPath: picture)
        let xdg = site.scratch.path("xdg-tiles")
        try FileManager.default.createDirectory(atPath: xdg, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let r = try Run.process("/usr/bin/python3", ["-c", Self.qgisTilesScript, "http://127.0.0.1:\(port)", picture],
                                environment: ["QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": xdg, "HOME": site.scratch.path("home")])
        try #require(r.succeeded, "QGIS failed: \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").last(where: { $0.hasPrefix("{") }), "\(r.stdout)\n\(r.stderr)")
        let got = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        try #require(got["valid"] as? Bool == true, "QGIS could not open the vector tiles")
        let painted = try #require(got["painted"] as? Int), sampled = try #require(got["sampled"] as? Int)
        // Thừa Thiên Huế covers about two fifths of this frame; empty or broken tiles paint nothing.
        #expect(painted > sampled / 5, "QGIS painted \(painted) of \(sampled) sampled pixels")
        #expect(FileManager.default.fileExists(atPath: picture))
    }
}
