"use strict";
// The map page: every published tileset over the basemap (the page's `data-style`), a layer
// list naming each by its dataset's title, popups with the fields' descriptions and a link to
// the dataset's page, a search by place name, a scale bar, and the view in the address
// (`#map=ZOOM/LAT/LON&layers=a,b&basemap=0`) so it can be shared and a reload restores it.
// Hooks for tests and scripts: `window.bandoMap`, `window.bandoLayers` (tileset → layer ids),
// `window.bandoBasemap` (the basemap's layer ids), `data-idle` and `data-error` on <body>.
const palette = ["#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#fb9a99"];
const body = document.body;
// The page's words come from the page (its language), never from this script.
const words = body.dataset;
const datasets = JSON.parse(words.datasets || "{}");
// Columns a source file carries for its own bookkeeping, meaningless to a reader (unless the
// dataset's metadata describes them).
const internal = /^(fid|ogc_fid|gid|objectid(_\d+)?|globalid|shape_(leng|length|len|area|le_\d+)|shape_?(length|area)|st_(area|length).*)$/i;
function fail(text) {
  body.dataset.error = text;
  document.getElementById("message").textContent = text;
  console.error(text);
}
function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}
// The layers of one vector layer: polygons filled and outlined, lines, points as circles, labels
// (from `labelLayer`, the tileset's companion layer of one point per place, when it has one, so
// a place cut by tile edges is named once, not once per tile).
function layersFor(tileset, vl, colour, labelLayer) {
  const label = labelField(vl);
  const base = { source: tileset, "source-layer": vl.id, minzoom: vl.minzoom || 0 };
  return [
    { ...base, id: `${tileset}/${vl.id}/fill`, type: "fill", filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": colour, "fill-opacity": 0.35 } },
    { ...base, id: `${tileset}/${vl.id}/line`, type: "line",
      filter: ["in", ["geometry-type"], ["literal", ["Polygon", "LineString"]]],
      paint: { "line-color": colour, "line-width": ["interpolate", ["linear"], ["zoom"], 6, 0.6, 14, 2] } },
    { ...base, id: `${tileset}/${vl.id}/point`, type: "circle", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-color": colour, "circle-radius": 4, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
  ].concat(label ? [
    { ...base, "source-layer": labelLayer || vl.id, id: `${tileset}/${vl.id}/label`, type: "symbol", minzoom: Math.max(base.minzoom, 9),
      layout: { "text-field": ["to-string", ["get", label]], "text-font": ["DejaVu Sans Book"], "text-size": 12 },
      paint: { "text-color": "#333", "text-halo-color": "#fff", "text-halo-width": 1.2 } },
  ] : []);
}
// Whether a vector layer is another's companion of label points (`<id>_label`).
function isLabelLayer(id, layerIds) {
  return id.endsWith("_label") && layerIds.has(id.slice(0, -"_label".length));
}
// The field to label features with: a Vietnamese name (…_vn, ten…) or a name, when there is one.
function labelField(vl) {
  const names = Object.keys(vl.fields || {}).filter(k => vl.fields[k] === "String");
  return names.find(k => /_vn$/i.test(k)) || names.find(k => /^(ten|name)/i.test(k)) || null;
}
// The dataset a layer of a tileset shows: the tileset's own (one per published dataset), or
// the one its layer is named after (archives and tileset files built from datasets).
function datasetOf(tileset, layer) {
  return datasets[tileset] ? { slug: tileset, ...datasets[tileset] } : datasets[layer] ? { slug: layer, ...datasets[layer] } : null;
}
// The view and the layers switched on, from and to the address's fragment.
function readState() {
  const params = new URLSearchParams(location.hash.slice(1));
  const view = (params.get("map") || "").split("/").map(Number);
  return {
    view: view.length === 3 && view.every(Number.isFinite) ? { zoom: view[0], center: [view[2], view[1]] } : null,
    layers: params.has("layers") ? new Set(params.get("layers").split(",").filter(Boolean)) : null,
    basemap: params.get("basemap") !== "0",
  };
}
function writeState(map) {
  const c = map.getCenter(), z = map.getZoom();
  const on = [...document.querySelectorAll("#layers input[data-tileset]")].filter(b => b.checked).map(b => b.dataset.tileset);
  const basemap = document.querySelector("#layers input[data-basemap]");
  let hash = `#map=${z.toFixed(2)}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}&layers=${on.join(",")}`;
  if (basemap && !basemap.checked) hash += "&basemap=0";
  history.replaceState(null, "", hash);
  // The other language keeps the view too.
  const other = document.getElementById("switch-language");
  other.href = other.href.split("#")[0] + hash;
}
function layerRow(title, note, colour, checked, attribute) {
  const row = document.createElement("div");
  row.className = "layer";
  row.innerHTML = `<label><input type="checkbox" ${checked ? "checked" : ""} ${attribute}> ` +
    (colour ? `<span class="swatch" style="background:${colour}"></span>` : "") + `${escapeHTML(title)}</label>` +
    `<div class="attribution">${escapeHTML(note || "")}</div>`;
  document.getElementById("layers").appendChild(row);
  return row.querySelector("input");
}
function setVisible(map, ids, on) {
  for (const id of ids) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
}
function popupHTML(f) {
  const d = datasetOf(f.layer.source, f.sourceLayer);
  const described = d ? d.fields || {} : {};
  const rows = Object.entries(f.properties)
    .filter(([k]) => described[k] || !internal.test(k))
    .map(([k, v]) => `<tr><th scope="row">${escapeHTML(described[k] || k)}</th><td>${escapeHTML(v)}</td></tr>`).join("");
  const title = d ? d.title : f.layer.source;
  const link = d ? `<p><a href="${escapeHTML(d.url)}">${escapeHTML(words.msgLink)}</a></p>` : "";
  return `<strong>${escapeHTML(title)}</strong><table>${rows}</table>${link}`;
}
function placeSearch(map) {
  const form = document.getElementById("place-search"), input = document.getElementById("place-q");
  const list = document.getElementById("place-results");
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function go(p) {
    map.fitBounds([[p.bbox[0], p.bbox[1]], [p.bbox[2], p.bbox[3]]],
                  { padding: 30, maxZoom: p.kind === "dataset" ? 14 : 12, duration: still ? 0 : 500 });
  }
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    const answer = await fetch(`/api/places?q=${encodeURIComponent(q)}&lang=${words.lang}`);
    if (!answer.ok) { fail(words.msgError + " " + answer.status); return; }
    const places = (await answer.json()).places;
    list.innerHTML = "";
    if (!places.length) {
      const none = document.createElement("li");
      none.textContent = words.msgNone;
      list.appendChild(none);
      return;
    }
    for (const p of places) {
      const item = document.createElement("li"), button = document.createElement("button");
      button.type = "button";
      button.innerHTML = `${escapeHTML(p.name)} <span class="kind">${escapeHTML([p.kind_label, p.detail].filter(Boolean).join(" · "))}</span>`;
      button.addEventListener("click", () => go(p));
      item.appendChild(button);
      list.appendChild(item);
    }
    go(places[0]);
  });
}
async function start() {
  if (typeof maplibregl === "undefined") {
    fail(words.msgMissing);
    return;
  }
  const state = readState();
  const map = new maplibregl.Map({
    container: "map", attributionControl: { compact: false }, style: words.style,
    // MapLibre's own control labels, in the page's language.
    locale: { "Map.Title": words.uiMap, "NavigationControl.ZoomIn": words.uiZoomIn, "NavigationControl.ZoomOut": words.uiZoomOut,
              "NavigationControl.ResetBearing": words.uiResetBearing, "Popup.Close": words.uiPopupClose,
              "AttributionControl.ToggleAttribution": words.uiAttribution },
    center: [106.5, 16.0], zoom: 5, fadeDuration: 0,
  });
  window.bandoMap = map;
  window.bandoLayers = {};
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  // Top left: along the bottom the attribution spans the map's width on a phone, over the scale.
  map.addControl(new maplibregl.ScaleControl({ unit: "metric", maxWidth: 120 }), "top-left");
  map.on("error", e => fail(words.msgError + " " + (e.error && e.error.message || e)));
  await new Promise(resolve => map.on("load", resolve));

  // The basemap: every layer of the style the page starts from, but its background.
  const basemapIds = map.getStyle().layers.filter(l => l.type !== "background").map(l => l.id);
  window.bandoBasemap = basemapIds;
  // Datasets go under the basemap's names, so places stay readable over them.
  const firstLabel = map.getStyle().layers.find(l => l.type === "symbol");
  const beneath = firstLabel ? firstLabel.id : undefined;
  if (basemapIds.length) {
    const note = Object.values(map.getStyle().sources).map(s => s.attribution).filter(Boolean).join("; ");
    const box = layerRow(words.msgBasemap, note, null, state.basemap, "data-basemap");
    setVisible(map, basemapIds, state.basemap);
    box.addEventListener("change", e => { setVisible(map, basemapIds, e.target.checked); writeState(map); });
  }

  const list = await (await fetch("/tiles")).json();
  const docs = await Promise.all(list.tilesets.map(t => fetch(t.tilejson).then(r => r.ok ? r.json() : null)));
  const bounds = new maplibregl.LngLatBounds();
  docs.forEach((doc, i) => {
    if (!doc) return;
    const name = list.tilesets[i].name, colour = palette[i % palette.length];
    map.addSource(name, { type: "vector", url: list.tilesets[i].tilejson });
    const ids = [];
    const layerIds = new Set((doc.vector_layers || []).map(vl => vl.id));
    for (const vl of doc.vector_layers || []) {
      if (isLabelLayer(vl.id, layerIds)) continue;
      const labels = layerIds.has(vl.id + "_label") ? vl.id + "_label" : null;
      for (const layer of layersFor(name, vl, colour, labels)) { map.addLayer(layer, beneath); ids.push(layer.id); }
    }
    window.bandoLayers[name] = ids;
    if (doc.bounds) bounds.extend([[doc.bounds[0], doc.bounds[1]], [doc.bounds[2], doc.bounds[3]]]);
    const shown = (doc.vector_layers || []).map(vl => datasetOf(name, vl.id)).filter(Boolean);
    const title = shown.length ? [...new Set(shown.map(d => d.title))].join(", ") : doc.name || doc.description || name;
    const on = !state.layers || state.layers.has(name);
    setVisible(map, ids, on);
    const box = layerRow(title, doc.attribution, colour, on, `data-tileset="${escapeHTML(name)}"`);
    box.addEventListener("change", e => { setVisible(map, ids, e.target.checked); writeState(map); });
  });
  if (state.view) map.jumpTo(state.view);
  else if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 20, animate: false });
  map.on("moveend", () => writeState(map));
  writeState(map);

  const clickable = () => Object.values(window.bandoLayers).flat().filter(id => map.getLayoutProperty(id, "visibility") !== "none");
  map.on("click", e => {
    const hits = map.queryRenderedFeatures(e.point, { layers: clickable() });
    if (!hits.length) return;
    new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(e.lngLat).setHTML(popupHTML(hits[0])).addTo(map);
  });
  placeSearch(map);
  // Idle: every tileset added and every visible tile drawn.
  map.on("idle", () => { body.dataset.idle = "true"; });
  map.on("dataloading", () => { body.dataset.idle = "false"; });
  map.triggerRepaint();
}
start().catch(e => fail(words.msgStart + " " + e.message));
