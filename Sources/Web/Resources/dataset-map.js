// The dataset page's map preview: the dataset's vector tiles from its TileJSON, drawn as
// polygons, lines and points over the server's basemap (`/basemap/style.json`, whose place
// names stay on top), fitted to its bounds. Hooks for tests: `window.bandoPreview`
// (the map) and `data-loaded="true"` on the map's element once it has drawn everything.
"use strict";
(function () {
  const element = document.getElementById("preview-map");
  if (!element || typeof maplibregl === "undefined") return;
  const tilejson = element.dataset.tilejson;
  const colour = "#1f78b4";
  const map = new maplibregl.Map({
    container: element, attributionControl: { compact: true }, fadeDuration: 0,
    style: "/basemap/style.json?lang=" + (document.documentElement.lang === "en" ? "en" : "vi"),
    center: [107.6, 16.4], zoom: 7,
    // MapLibre's own labels (controls, attribution) in the page's language, from the page catalogue.
    locale: { "Map.Title": element.dataset.uiMap, "NavigationControl.ZoomIn": element.dataset.uiZoomIn,
              "NavigationControl.ZoomOut": element.dataset.uiZoomOut, "NavigationControl.ResetBearing": element.dataset.uiResetBearing,
              "AttributionControl.ToggleAttribution": element.dataset.uiAttribution },
  });
  window.bandoPreview = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.on("load", async function () {
    const response = await fetch(tilejson);
    if (!response.ok) { element.dataset.error = "tilejson " + response.status; return; }
    const doc = await response.json();
    map.addSource("dataset", { type: "vector", url: tilejson });
    const firstLabel = map.getStyle().layers.find(function (l) { return l.type === "symbol"; });
    const beneath = firstLabel ? firstLabel.id : undefined;
    const layerIds = new Set((doc.vector_layers || []).map(function (vl) { return vl.id; }));
    for (const vl of doc.vector_layers || []) {
      // A companion layer of label points (`<id>_label`) is not drawn as data.
      if (vl.id.endsWith("_label") && layerIds.has(vl.id.slice(0, -6))) continue;
      const base = { source: "dataset", "source-layer": vl.id };
      map.addLayer({ ...base, id: vl.id + "/fill", type: "fill", filter: ["==", ["geometry-type"], "Polygon"],
                     paint: { "fill-color": colour, "fill-opacity": 0.35 } }, beneath);
      map.addLayer({ ...base, id: vl.id + "/line", type: "line", filter: ["in", ["geometry-type"], ["literal", ["Polygon", "LineString"]]],
                     paint: { "line-color": colour, "line-width": 1 } }, beneath);
      map.addLayer({ ...base, id: vl.id + "/point", type: "circle", filter: ["==", ["geometry-type"], "Point"],
                     paint: { "circle-color": colour, "circle-radius": 4, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } }, beneath);
    }
    if (doc.bounds) map.fitBounds([[doc.bounds[0], doc.bounds[1]], [doc.bounds[2], doc.bounds[3]]], { padding: 10, animate: false });
    map.once("idle", function () { element.dataset.loaded = String(map.loaded()); });
  });
  map.on("error", function (e) { element.dataset.error = (e.error && e.error.message) || "map error"; });
})();
