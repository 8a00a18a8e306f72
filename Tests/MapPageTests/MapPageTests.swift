import Testing
import Foundation
import TestSupport

/// The real `bando` binary on a real socket, driven by real clients: a headless Chromium
/// (Debian `chromium` + `chromium-driver`, Selenium from the test venv) draws `/map` with
/// MapLibre in software WebGL; the CLI builds archives and is interrupted.
@Suite(.serialized, .printsChildLogsOnFailure) struct MapPageTests {
    /// A store with the Huế communes ingested by the real CLI, and an archive of it.
    final class Site: @unchecked Sendable {
        let scratch = ScratchDirectory("map-page")
        var store: String { scratch.path("s.sqlite") }
        var tilesFolder: String { scratch.path("tiles") }

        init() throws {
            try FileManager.default.createDirectory(atPath: tilesFolder, withIntermediateDirectories: true)
            let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", TestPaths.fixture("hue/communes-utm48n.shp").path,
                                                                 "--dataset", "xa-phuong-hue", "--store", store,
                                                                 "--title", "Xã, phường Huế", "--attribution", "censusVN2009 (Marc Choisy, MIT)"])
            try #require(ingest.succeeded, "ingest failed: \(ingest.stderr)")
        }

        /// Starts `bando serve` from the repository root and returns once `/healthz` answers
        /// (an event, not a sleep); its log is in the scratch folder, printed if it dies.
        func serve(_ extra: [String] = []) throws -> (BackgroundProcess, Int) {
            let port = freeLocalPort()
            let server = try BackgroundProcess(TestPaths.bandoBinary, ["serve", "--store", store, "--port", String(port), "--tiles", tilesFolder] + extra,
                                               log: scratch.path("serve-\(port).log"), currentDirectory: TestPaths.root)
            try server.waitForHTTP(port: port)
            return (server, port)
        }
    }

    static let browserScript = #"""
import sys, json, time, io
from selenium import webdriver
from bando_browser import chromium, check_step
from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains
from PIL import Image
url, shot = sys.argv[1], sys.argv[2]
d = chromium(size=(1100, 800), webgl=True)
out = {}
def wait_idle():
    deadline = time.time() + 120
    while time.time() < deadline:
        state = d.execute_script("return [document.body.dataset.idle || '', document.body.dataset.error || '', window.bandoMap ? window.bandoMap.loaded() : false]")
        if state[1]: return state[1]
        if state[0] == "true" and state[2]: return ""
        time.sleep(0.25)
    return "timed out waiting for the map to be idle"
def drawn(name):
    png = d.get_screenshot_as_png()
    open(f"{shot}-{name}.png", "wb").write(png)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = img.size
    # The middle of the map (right of the 280-px panel, away from the controls).
    box = (280 + 60, 60, w - 60, h - 60)
    bg = (0xf2, 0xef, 0xe9)
    px = img.crop(box).getdata()
    return sum(1 for p in px if abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]) > 40), len(px)
try:
    d.get(url + "/map")
    out["idle_error"] = wait_idle()
    out["layers"] = d.execute_script("return window.bandoLayers || {}")
    out["panel"] = d.find_element(By.ID, "layers").text
    out["drawn_on"], out["pixels"] = drawn("on")
    # A click in the middle of the map shows the feature's attributes.
    canvas = d.find_element(By.CSS_SELECTOR, "#map canvas")
    ActionChains(d).move_to_element(canvas).click().perform()
    time.sleep(1)
    popups = d.find_elements(By.CSS_SELECTOR, ".maplibregl-popup-content")
    out["popup"] = popups[0].text if popups else ""
    for p in d.find_elements(By.CSS_SELECTOR, ".maplibregl-popup-close-button"): p.click()
    for box in d.find_elements(By.CSS_SELECTOR, "#layers input[type=checkbox]"): box.click()
    time.sleep(0.5)
    out["idle_error_off"] = wait_idle()
    out["drawn_off"], _ = drawn("off")
    out["errors"] = [l["message"] for l in d.get_log("browser") if l["level"] == "SEVERE"]
finally:
    d.quit()
print(json.dumps(out))
"""#

    struct BrowserReport: Decodable {
        var idle_error: String
        var idle_error_off: String
        var layers: [String: [String]]
        var panel: String
        var drawn_on: Int
        var drawn_off: Int
        var pixels: Int
        var popup: String
        var errors: [String]
    }

    @Test func theMapDrawsEveryTilesetAndTogglesThem() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium is missing: run `make deps`")
        try #require(FileManager.default.fileExists(atPath: TestPaths.root.appendingPathComponent("Public/vendor/maplibre/maplibre-gl.js").path),
                     "MapLibre is not unpacked: run `make vendor`")
        try #require(FileManager.default.fileExists(atPath: TestPaths.root.appendingPathComponent("Public/fonts/DejaVu Sans Book/0-255.pbf").path),
                     "label glyphs are missing: run `make vendor`")
        let site = try Site()
        // The same communes from an archive too: both tilesets on the map.
        let archive = site.scratch.path("communes-archive.pmtiles")
        let build = try Run.process(TestPaths.bandoBinary, ["tiles", "build", "xa-phuong-hue", "-o", archive, "--maxzoom", "10", "--store", site.store])
        try #require(build.succeeded, "build failed: \(build.stderr)")
        let (server, port) = try site.serve(["--archive", archive])
        defer { server.stop() }

        // Screenshots kept for people to look at, beside the portal's.
        let shots = TestPaths.root.appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let r = try BrowserScript.run(Self.browserScript, ["http://127.0.0.1:\(port)", shots.appendingPathComponent("map").path])
        try #require(r.succeeded, "browser failed: \(r.stderr)")
        let report = try JSONDecoder().decode(BrowserReport.self, from: Data(r.stdout.utf8))
        #expect(report.idle_error.isEmpty, "\(report.idle_error)")
        #expect(report.errors.isEmpty, "console errors: \(report.errors)")
        #expect(Set(report.layers.keys) == ["xa-phuong-hue", "communes-archive"])
        #expect(report.panel.contains("censusVN2009"))
        #expect(report.panel.contains("Xã, phường Huế"))
        // Features drawn: the communes cover much of the view; with every layer off, nothing is.
        #expect(report.drawn_on > report.pixels / 10, "only \(report.drawn_on) of \(report.pixels) pixels drawn")
        #expect(report.drawn_off < report.pixels / 200, "\(report.drawn_off) pixels still drawn with every layer off")
        #expect(report.popup.contains("commune_vn"), "popup: \(report.popup)")
    }

    @Test func styleAndTileJSONCarryTheServersOwnAddress() throws {
        let site = try Site()
        let (server, port) = try site.serve()
        defer { server.stop() }
        let style = try Run.process("curl", ["-sf", "http://127.0.0.1:\(port)/styles/default.json"])
        try #require(style.succeeded)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(style.stdout.utf8)) as? [String: Any])
        let sources = try #require(doc["sources"] as? [String: [String: Any]])
        #expect(sources["xa-phuong-hue"]?["url"] as? String == "http://127.0.0.1:\(port)/tiles/xa-phuong-hue.json")
        #expect(!style.stdout.contains("{base_url}"))
        // Labels' glyphs come from this server too (Vietnamese letters are in 7680–7935).
        #expect(doc["glyphs"] as? String == "http://127.0.0.1:\(port)/fonts/{fontstack}/{range}.pbf")
        let glyphs = try Run.process("curl", ["-sf", "-o", site.scratch.path("g.pbf"), "-w", "%{size_download}",
                                              "http://127.0.0.1:\(port)/fonts/DejaVu%20Sans%20Book/7680-7935.pbf"])
        #expect(glyphs.succeeded && (Int(glyphs.stdout) ?? 0) > 10_000, "glyphs: \(glyphs.stdout) \(glyphs.stderr)")
        let missing = try Run.process("curl", ["-s", "-w", "%{http_code}", "http://127.0.0.1:\(port)/styles/nope.json"])
        #expect(missing.stdout.hasSuffix("404") && missing.stdout.contains("nope"))
    }

    @Test func servingARealArchiveGivesTheSameTilesAsOnDemand() throws {
        let site = try Site()
        let archive = site.scratch.path("tiles/xa-archive.mbtiles")
        let build = try Run.process(TestPaths.bandoBinary, ["tiles", "build", "xa-phuong-hue", "-o", archive, "--maxzoom", "9", "--store", site.store])
        try #require(build.succeeded, "build failed: \(build.stderr)")
        #expect(build.stdout.contains("Wrote \(archive)"))
        // Found in the tiles folder at start-up, no flag needed.
        let (server, port) = try site.serve()
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"
        let tj = try Run.process("curl", ["-sf", "\(base)/tiles/xa-archive.json"])
        try #require(tj.succeeded)
        #expect(tj.stdout.contains("\"tiles\":[\"\(base)/tiles/xa-archive/{z}/{x}/{y}.mvt\"]"))
        #expect(tj.stdout.contains("\"maxzoom\":9"))
        for (z, x, y) in [(9, 409, 232), (8, 204, 116), (7, 102, 58)] {
            let a = try Run.process("curl", ["-s", "-D", "-", "-o", site.scratch.path("a.mvt"), "--compressed", "\(base)/tiles/xa-archive/\(z)/\(x)/\(y).mvt"])
            let b = try Run.process("curl", ["-s", "-o", site.scratch.path("b.mvt"), "--compressed", "\(base)/tiles/xa-phuong-hue/\(z)/\(x)/\(y).mvt"])
            #expect(a.succeeded && b.succeeded)
            #expect(a.stdout.lowercased().contains("cache-control: public, max-age="))
            #expect(a.stdout.lowercased().contains("etag:"))
            let da = FileManager.default.contents(atPath: site.scratch.path("a.mvt")), db = FileManager.default.contents(atPath: site.scratch.path("b.mvt"))
            #expect(da == db && (da?.count ?? 0) > 0, "tile \(z)/\(x)/\(y) differs")
        }
    }

    @Test func aCorruptArchiveStopsServeWithItsNameAndProblem() throws {
        let site = try Site()
        let bad = site.scratch.path("broken.pmtiles")
        try Data("PMTiles".utf8 + [3] + [UInt8](repeating: 0xFF, count: 200)).write(to: URL(fileURLWithPath: bad))
        let r = try Run.process(TestPaths.bandoBinary, ["serve", "--store", site.store, "--port", String(freeLocalPort()),
                                                        "--tiles", site.tilesFolder, "--archive", bad])
        #expect(r.status == 1, "exit \(r.status): \(r.stderr)")
        #expect(r.stderr.contains(bad) && r.stderr.contains("truncated or corrupt"), "\(r.stderr)")
    }

    @Test func buildRefusesBadInputAndCtrlCLeavesNoHalfArchive() throws {
        let site = try Site()
        let unknown = try Run.process(TestPaths.bandoBinary, ["tiles", "build", "nothing-here", "-o", site.scratch.path("x.pmtiles"), "--store", site.store])
        #expect(unknown.status == 1 && unknown.stderr.contains("No tileset named \"nothing-here\""), "\(unknown.stderr)")
        let noFolder = try Run.process(TestPaths.bandoBinary, ["tiles", "build", "xa-phuong-hue", "-o", site.scratch.path("no/such/x.pmtiles"), "--store", site.store])
        #expect(noFolder.status == 1 && noFolder.stderr.contains("does not exist"), "\(noFolder.stderr)")

        // A build long enough to be interrupted mid-way: the communes 120 times over (the Huế
        // communes alone build in well under a second, 30 copies in a second or two, which a
        // loaded machine's scheduling of this test could span).
        let large = site.scratch.path("large.geojson")
        try LargeFixtures.repeatedCommunes(120, to: large)
        let ingest = try Run.process(TestPaths.bandoBinary, ["ingest", large, "--dataset", "xa-lon", "--store", site.store])
        try #require(ingest.succeeded, "\(ingest.stderr)")
        let output = site.scratch.path("all.pmtiles")
        let build = try BackgroundProcess(TestPaths.bandoBinary, ["tiles", "build", "xa-lon", "-o", output, "--maxzoom", "14", "--store", site.store],
                                          log: site.scratch.path("build.log"))
        // Interrupt on an event, not after a pause: the partial file appears once the Ctrl-C
        // handler is in place and tiles are being built.
        try build.wait(for: "creating \(output).part") { FileManager.default.fileExists(atPath: output + ".part") }
        build.signalAndWait(SIGINT)
        // It died of the interrupt while running: the exit status the handler gives (130),
        // not 0 from a build that had finished.
        #expect(build.process.terminationReason == .exit && build.process.terminationStatus == 130, "\(build.logTail())")
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(!FileManager.default.fileExists(atPath: output + ".part"))
        #expect(build.logText.contains("Interrupted"), "\(build.logTail())")
    }
}
