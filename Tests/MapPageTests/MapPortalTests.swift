import Testing
import Foundation
import TestSupport

/// `/map` as a citizen uses it, in headless Chromium over the real `bando serve` (which makes
/// the built-in basemap from `Fixtures/basemap/` when it has none): the basemap draws at the
/// opening zoom, the layer list names the dataset by its title, a search for "hue" moves the
/// map to Huế, the address carries the view and a reload restores it, a click shows the
/// fields' descriptions and a link to the dataset's page that works; in both languages, at
/// desktop and phone widths (screenshots in `.build/screenshots/map-*`), without console
/// errors or serious accessibility violations.
@Suite(.serialized, .printsChildLogsOnFailure) struct MapPortalTests {
    static let script = #"""
import sys, json, time, urllib.request
from selenium import webdriver
from bando_browser import chromium, check_step
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains
base, shots = sys.argv[1], sys.argv[2]
d = chromium(webgl=True)
out = {"errors": [], "violations": [], "shots": [], "overlaps": []}
def wait_idle():
    deadline = time.time() + 120
    while time.time() < deadline:
        s = d.execute_script("return [document.body.dataset.idle || '', document.body.dataset.error || '', window.bandoMap ? window.bandoMap.loaded() : false]")
        if s[1]: return s[1]
        if s[0] == "true" and s[2]: return ""
        time.sleep(0.25)
    return "timed out waiting for the map to be idle"
def wait_for(script, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if d.execute_script(script): return True
        time.sleep(0.25)
    return False
def severe(page):
    for l in d.get_log("browser"):
        if l["level"] == "SEVERE": out["errors"].append(page + ": " + l["message"])
view = "const m = window.bandoMap, c = m.getCenter(); return [m.getZoom(), c.lng, c.lat];"
basemap_features = """const m = window.bandoMap;
  const ids = (window.bandoBasemap || []).filter(id => m.getLayer(id));
  const fs = m.queryRenderedFeatures({ layers: ids });
  return { count: fs.length, layers: [...new Set(fs.map(f => f.sourceLayer))].sort(),
           names: [...new Set(fs.filter(f => f.sourceLayer === 'places').map(f => f.properties.name))] };"""
try:
    d.get(base + "/map?lang=vi")
    out["idle"] = wait_idle()
    out["opening_view"] = d.execute_script(view)
    out["basemap"] = d.execute_script(basemap_features)
    out["panel"] = d.find_element(By.ID, "layers").text
    # A click in the middle of the map (on the communes): the popup, its link.
    canvas = d.find_element(By.CSS_SELECTOR, "#map canvas")
    ActionChains(d).move_to_element(canvas).click().perform()
    wait_for("return document.querySelector('.maplibregl-popup-content') !== null", 10)
    popups = d.find_elements(By.CSS_SELECTOR, ".maplibregl-popup-content")
    out["popup"] = popups[0].text if popups else ""
    links = d.find_elements(By.CSS_SELECTOR, ".maplibregl-popup-content a")
    out["popup_link"] = links[0].get_attribute("href") if links else ""
    out["popup_link_status"] = urllib.request.urlopen(out["popup_link"]).status if links else 0
    for b in d.find_elements(By.CSS_SELECTOR, ".maplibregl-popup-close-button"): b.click()
    # Away to Hà Nội, then a search for "hue" brings the map to Huế.
    d.execute_script("window.bandoMap.jumpTo({ center: [105.85, 21.03], zoom: 9 })")
    box = d.find_element(By.ID, "place-q")
    box.send_keys("hue")
    box.send_keys(Keys.ENTER)
    out["moved"] = wait_for("const c = window.bandoMap.getCenter(); return !window.bandoMap.isMoving() && c.lng > 107.52 && c.lng < 107.64 && c.lat > 16.39 && c.lat < 16.51")
    out["results"] = d.find_element(By.ID, "place-results").text
    out["searched_view"] = d.execute_script(view)
    # The dataset's layer off: the address says so; a reload restores view and layers.
    d.find_element(By.CSS_SELECTOR, "#layers input[data-tileset]").click()
    time.sleep(0.3)
    out["hash"] = d.execute_script("return location.hash")
    out["switch_href"] = d.find_element(By.ID, "switch-language").get_attribute("href")
    d.refresh()
    out["idle_reload"] = wait_idle()
    out["reloaded_view"] = d.execute_script(view)
    out["reloaded_checked"] = d.execute_script("return [...document.querySelectorAll('#layers input[data-tileset]')].map(b => b.checked)")
    out["reloaded_visibility"] = d.execute_script("const m = window.bandoMap; return Object.values(window.bandoLayers).flat().map(id => m.getLayoutProperty(id, 'visibility'))")
    severe("path")
    # The dataset page's preview draws the same basemap under the dataset.
    d.get(base + "/datasets/xa-phuong-hue?lang=vi")
    wait_for("const e = document.getElementById('preview-map'); return e && (e.dataset.loaded === 'true' || e.dataset.error)", 120)
    out["preview"] = d.execute_script("""const m = window.bandoPreview;
      const ids = m.getStyle().layers.map(l => l.id).filter(id => id.startsWith('basemap/'));
      return { error: document.getElementById('preview-map').dataset.error || '',
               layers: [...new Set(m.queryRenderedFeatures({ layers: ids }).map(f => f.sourceLayer))].sort() };""")
    severe("preview")
    # Both languages, both widths: screenshots, axe, console.
    for lang in ["vi", "en"]:
        for width, height, label in [(1280, 900, "desktop"), (390, 844, "phone")]:
            d.set_window_size(width, height)
            d.get(base + "/map?lang=" + lang)
            err = wait_idle()
            if err: out["errors"].append(f"{lang} {label}: {err}")
            out["basemap_" + lang + "_" + label] = d.execute_script(basemap_features)["count"]
            out["panel_" + lang] = d.find_element(By.ID, "layers").text
            # The map's controls side by side, none drawn over another (on phones the attribution
            # once wrapped over the scale bar).
            out["overlaps"] += d.execute_script("""const boxes = [...document.querySelectorAll('#map .maplibregl-ctrl')]
                .map(e => ({ name: e.className, r: e.getBoundingClientRect() })).filter(b => b.r.width > 0 && b.r.height > 0);
              const hits = [];
              for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                const a = boxes[i].r, b = boxes[j].r;
                if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) hits.push(boxes[i].name + ' over ' + boxes[j].name + ' (' + arguments[0] + ')');
              }
              return hits;""", f"{lang} {label}")
            check_step(d, out, f"{lang} {label}", f"{shots}/map-{lang}-{label}.png")
finally:
    d.quit()
print(json.dumps(out))
"""#

    struct Report: Decodable {
        struct Features: Decodable { var count: Int; var layers: [String]; var names: [String] }
        var idle: String
        var opening_view: [Double]
        var basemap: Features
        var panel: String
        var popup: String
        var popup_link: String
        var popup_link_status: Int
        var moved: Bool
        var results: String
        var searched_view: [Double]
        var hash: String
        var switch_href: String
        var idle_reload: String
        var reloaded_view: [Double]
        var reloaded_checked: [Bool]
        var reloaded_visibility: [String]
        /// The dataset page preview's error (empty) and the basemap layers it drew.
        struct Preview: Decodable { var error: String; var layers: [String] }
        var preview: Preview
        var basemap_vi_desktop: Int, basemap_vi_phone: Int, basemap_en_desktop: Int, basemap_en_phone: Int
        var panel_vi: String, panel_en: String
        var overlaps: [String]
        var errors: [String]
        var violations: [String]
        var shots: [String]
    }

    @Test func theMapShowsWhereThingsAreFindsPlacesKeepsItsViewAndExplainsFeatures() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium is missing: run `make deps`")
        try #require(FileManager.default.fileExists(atPath: TestPaths.root.appendingPathComponent("Public/vendor/maplibre/maplibre-gl.js").path),
                     "MapLibre is not unpacked: run `make vendor`")
        let site = try MapPageTests.Site()
        let metadata = try Run.process(TestPaths.bandoBinary, ["metadata", "xa-phuong-hue", "--store", site.store,
                                                               "--title-en", "Communes and wards of Huế",
                                                               "--field-description", "commune_vn=Tên xã, phường",
                                                               "--field-description", "population=Dân số năm 2009"])
        try #require(metadata.succeeded, "metadata failed: \(metadata.stderr)")
        let (server, port) = try site.serve()
        defer { server.stop() }
        let shots = TestPaths.root.appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)

        let r = try BrowserScript.run(Self.script, ["http://127.0.0.1:\(port)", shots.path])
        try #require(r.succeeded, "browser failed: \(r.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        #expect(report.idle.isEmpty, "\(report.idle)")
        // The basemap draws under the communes at the opening zoom: outlines and place names.
        #expect(report.basemap.count > 0 && report.basemap.layers.contains("provinces") && report.basemap.layers.contains("places"),
                "basemap at zoom \(report.opening_view): \(report.basemap.layers)")
        #expect(report.basemap.names.contains("Thành phố Huế"), "\(report.basemap.names)")
        // The layer list: the dataset's title, never its slug; the basemap with its source.
        #expect(report.panel.contains("Xã, phường Huế") && !report.panel.contains("xa-phuong-hue"), "\(report.panel)")
        #expect(report.panel.contains("Bản đồ nền") && report.panel.contains("censusVN2009"), "\(report.panel)")
        #expect(report.panel_en.contains("Communes and wards of Huế") && report.panel_en.contains("Basemap"), "\(report.panel_en)")
        // The popup: the fields' descriptions, not raw bookkeeping columns, and the dataset's page.
        #expect(report.popup.contains("Tên xã, phường") && report.popup.contains("Dân số năm 2009"), "popup: \(report.popup)")
        #expect(!report.popup.contains("shape_leng") && !report.popup.contains("shape_area"), "popup: \(report.popup)")
        #expect(report.popup_link.hasSuffix("/datasets/xa-phuong-hue?lang=vi") && report.popup_link_status == 200, "\(report.popup_link)")
        // "hue" moved the map to Huế and listed it.
        #expect(report.moved, "the view after searching: \(report.searched_view)")
        #expect(report.results.contains("Thành phố Huế") && report.results.contains("Thừa Thiên Huế"), "\(report.results)")
        // The address carries the view and the layers; the other language keeps them; a reload restores them.
        #expect(report.hash.hasPrefix("#map=") && report.hash.contains("&layers="), "\(report.hash)")
        #expect(report.switch_href.contains("lang=en") && report.switch_href.contains(report.hash), "\(report.switch_href)")
        #expect(report.idle_reload.isEmpty, "\(report.idle_reload)")
        #expect(zip(report.searched_view, report.reloaded_view).allSatisfy { abs($0 - $1) < 0.01 },
                "before \(report.searched_view), after reload \(report.reloaded_view)")
        #expect(report.reloaded_checked == [false], "\(report.reloaded_checked)")
        #expect(!report.reloaded_visibility.isEmpty && report.reloaded_visibility.allSatisfy { $0 == "none" }, "\(report.reloaded_visibility)")
        // The dataset page's preview draws the basemap too.
        #expect(report.preview.error.isEmpty, "preview: \(report.preview.error)")
        #expect(report.preview.layers.contains("provinces") && report.preview.layers.contains("places"), "preview's basemap: \(report.preview.layers)")
        // Every language and width: the basemap drawn, no console error, no serious violation.
        for (label, n) in [("vi desktop", report.basemap_vi_desktop), ("vi phone", report.basemap_vi_phone),
                           ("en desktop", report.basemap_en_desktop), ("en phone", report.basemap_en_phone)] {
            #expect(n > 0, "no basemap feature drawn (\(label))")
        }
        #expect(report.overlaps.isEmpty, "map controls drawn over each other: \(report.overlaps)")
        #expect(report.errors.isEmpty, "console errors: \(report.errors)")
        #expect(report.violations.isEmpty, "axe: \(report.violations.joined(separator: "\n"))")
        #expect(report.shots.count == 4 && report.shots.allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }

    /// `--basemap` serves another archive under the maps (here the communes, as a province's own
    /// extract would be), and `--basemap-style` sends the maps to another server's style.
    @Test func serveFlagsChooseAnotherBasemap() throws {
        let site = try MapPageTests.Site()
        let archive = site.scratch.path("province-extract.pmtiles")
        let build = try Run.process(TestPaths.bandoBinary, ["tiles", "build", "xa-phuong-hue", "-o", archive, "--maxzoom", "8", "--store", site.store])
        try #require(build.succeeded, "build failed: \(build.stderr)")
        let (server, port) = try site.serve(["--basemap", archive])
        defer { server.stop() }
        let tilejson = try Run.process("curl", ["-sf", "http://127.0.0.1:\(port)/basemap/tiles.json"])
        try #require(tilejson.succeeded)
        #expect(tilejson.stdout.contains(#""id":"xa-phuong-hue""#) && !tilejson.stdout.contains(#""id":"provinces""#), "\(tilejson.stdout)")

        let (styled, stylePort) = try site.serve(["--basemap-style", "https://tiles.example.gov.vn/styles/osm.json"])
        defer { styled.stop() }
        let redirect = try Run.process("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "http://127.0.0.1:\(stylePort)/basemap/style.json"])
        #expect(redirect.stdout == "302 https://tiles.example.gov.vn/styles/osm.json", "\(redirect.stdout)")

        let both = try Run.process(TestPaths.bandoBinary, ["serve", "--store", site.store, "--basemap", archive,
                                                           "--basemap-style", "https://tiles.example.gov.vn/styles/osm.json"])
        #expect(both.status != 0 && both.stderr.contains("--basemap and --basemap-style"), "\(both.stderr)")
    }
}
