"use strict";
const palette = ["#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#fb9a99"];
const body = document.body;
// The page's words come from the page (its language), never from this script.
const words = body.dataset;
function fail(text) {
  body.dataset.error = text;
  document.getElementById("message").textContent = text;
  console.error(text);
}
function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}
// The layers of one vector layer: polygons filled and outlined, lines, points as circles, labels.
function layersFor(tileset, vl, colour) {
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
    { ...base, id: `${tileset}/${vl.id}/label`, type: "symbol", minzoom: Math.max(base.minzoom, 9),
      layout: { "text-field": ["to-string", ["get", label]], "text-font": ["DejaVu Sans Book"], "text-size": 12 },
      paint: { "text-color": "#333", "text-halo-color": "#fff", "text-halo-width": 1.2 } },
  ] : []);
}
// The field to label features with: a Vietnamese name (…_vn, ten…) or a name, when there is one.
function labelField(vl) {
  const names = Object.keys(vl.fields || {}).filter(k => vl.fields[k] === "String");
  return names.find(k => /_vn$/i.test(k)) || names.find(k => /^(ten|name)/i.test(k)) || null;
}
async function start() {
  if (typeof maplibregl === "undefined") {
    fail(words.msgMissing);
    return;
  }
  const map = new maplibregl.Map({
    container: "map", attributionControl: { compact: false },
    style: { version: 8, glyphs: location.origin + "/fonts/{fontstack}/{range}.pbf", sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#f2efe9" } }] },
    center: [107.6, 16.4], zoom: 8, fadeDuration: 0,
  });
  window.bandoMap = map;
  window.bandoLayers = {};
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.on("error", e => fail(words.msgError + " " + (e.error && e.error.message || e)));
  await new Promise(resolve => map.on("load", resolve));
  const list = await (await fetch("/tiles")).json();
  const docs = await Promise.all(list.tilesets.map(t => fetch(t.tilejson).then(r => r.ok ? r.json() : null)));
  const bounds = new maplibregl.LngLatBounds();
  const panel = document.getElementById("layers");
  docs.forEach((doc, i) => {
    if (!doc) return;
    const name = list.tilesets[i].name, colour = palette[i % palette.length];
    map.addSource(name, { type: "vector", url: list.tilesets[i].tilejson });
    const ids = [];
    for (const vl of doc.vector_layers || []) {
      for (const layer of layersFor(name, vl, colour)) { map.addLayer(layer); ids.push(layer.id); }
    }
    window.bandoLayers[name] = ids;
    if (doc.bounds) bounds.extend([[doc.bounds[0], doc.bounds[1]], [doc.bounds[2], doc.bounds[3]]]);
    const row = document.createElement("div");
    row.className = "layer";
    row.innerHTML = `<label><input type="checkbox" checked data-tileset="${escapeHTML(name)}"> <span class="swatch" style="background:${colour}"></span>${escapeHTML(doc.name || name)}</label>` +
      `<div class="attribution">${escapeHTML(doc.attribution || "")}</div>`;
    row.querySelector("input").addEventListener("change", e => {
      for (const id of ids) map.setLayoutProperty(id, "visibility", e.target.checked ? "visible" : "none");
    });
    panel.appendChild(row);
  });
  if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 20, animate: false });
  const clickable = () => Object.values(window.bandoLayers).flat().filter(id => map.getLayoutProperty(id, "visibility") !== "none");
  map.on("click", e => {
    const hits = map.queryRenderedFeatures(e.point, { layers: clickable() });
    if (!hits.length) return;
    const f = hits[0];
    const rows = Object.entries(f.properties).map(([k, v]) => `<tr><td>${escapeHTML(k)}</td><td>${escapeHTML(v)}</td></tr>`).join("");
    new maplibregl.Popup().setLngLat(e.lngLat)
      .setHTML(`<strong>${escapeHTML(f.layer.source)} / ${escapeHTML(f.sourceLayer)}</strong><table>${rows}</table>`).addTo(map);
  });
  // Idle: every tileset added and every visible tile drawn.
  map.on("idle", () => { body.dataset.idle = "true"; });
  map.on("dataloading", () => { body.dataset.idle = "false"; });
  map.triggerRepaint();
}
start().catch(e => fail(words.msgStart + " " + e.message));
