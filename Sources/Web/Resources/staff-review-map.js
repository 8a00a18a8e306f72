// The review page's maps: the published version (its vector tiles, as the public preview
// draws them) beside the version under review (its features as GeoJSON from a staff-only
// route, since a draft has no public tiles), over the server's basemap, both fitted to the
// draft. Hooks for tests: `data-loaded="true"` on each map's element once it has drawn.
"use strict";
(function () {
  if (typeof maplibregl === "undefined") return;
  const colours = { current: "#6a6a6a", draft: "#c2410c" };
  function layers(map, source, sourceLayer, colour) {
    const base = sourceLayer ? { source: source, "source-layer": sourceLayer } : { source: source };
    const id = source + "/" + (sourceLayer || "features");
    const firstLabel = map.getStyle().layers.find(function (l) { return l.type === "symbol"; });
    const beneath = firstLabel ? firstLabel.id : undefined;
    map.addLayer({ ...base, id: id + "/fill", type: "fill", filter: ["==", ["geometry-type"], "Polygon"],
                   paint: { "fill-color": colour, "fill-opacity": 0.3 } }, beneath);
    map.addLayer({ ...base, id: id + "/line", type: "line", filter: ["in", ["geometry-type"], ["literal", ["Polygon", "LineString"]]],
                   paint: { "line-color": colour, "line-width": 1 } }, beneath);
    map.addLayer({ ...base, id: id + "/point", type: "circle", filter: ["==", ["geometry-type"], "Point"],
                   paint: { "circle-color": colour, "circle-radius": 4, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } }, beneath);
  }
  function open(element) {
    const map = new maplibregl.Map({
      container: element, attributionControl: { compact: true }, fadeDuration: 0,
      style: "/basemap/style.json?lang=" + (document.documentElement.lang === "en" ? "en" : "vi"),
      center: [107.6, 16.4], zoom: 7,
      locale: { "Map.Title": element.dataset.uiMap, "NavigationControl.ZoomIn": element.dataset.uiZoomIn,
                "NavigationControl.ZoomOut": element.dataset.uiZoomOut, "NavigationControl.ResetBearing": element.dataset.uiResetBearing,
                "AttributionControl.ToggleAttribution": element.dataset.uiAttribution },
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.on("error", function (e) { element.dataset.error = (e.error && e.error.message) || "map error"; });
    return map;
  }
  function drawn(element, map) { map.once("idle", function () { element.dataset.loaded = String(map.loaded()); }); }
  let bounds = null;
  const fitters = [];
  function fit(map) { if (bounds) map.fitBounds(bounds, { padding: 10, animate: false }); else fitters.push(map); }

  const draftElement = document.getElementById("review-draft");
  if (draftElement) {
    const map = open(draftElement);
    map.on("load", async function () {
      const response = await fetch(draftElement.dataset.geojson, { credentials: "same-origin" });
      if (!response.ok) { draftElement.dataset.error = "features " + response.status; return; }
      const doc = await response.json();
      map.addSource("draft", { type: "geojson", data: doc });
      layers(map, "draft", null, colours.draft);
      if (doc.bbox) {
        bounds = [[doc.bbox[0], doc.bbox[1]], [doc.bbox[2], doc.bbox[3]]];
        fitters.splice(0).forEach(fit);
        fit(map);
      }
      drawn(draftElement, map);
    });
  }
  const currentElement = document.getElementById("review-current");
  if (currentElement) {
    const map = open(currentElement);
    map.on("load", async function () {
      const response = await fetch(currentElement.dataset.tilejson);
      if (!response.ok) { currentElement.dataset.error = "tilejson " + response.status; return; }
      const doc = await response.json();
      map.addSource("current", { type: "vector", url: currentElement.dataset.tilejson });
      for (const vl of doc.vector_layers || []) layers(map, "current", vl.id, colours.current);
      fit(map);
      drawn(currentElement, map);
    });
  }
})();
