// Redline staff desk: the page served by `redlined --http`.
// Plain ES module on Leaflet (a global from vendor/leaflet/leaflet.js); no
// framework, no build step. Talks to the HTTP/JSON API under v1/ (relative
// URLs, so the page also works behind a path prefix).
import {
  t, label, setLang, getLang, onLangChange, initialLang, msgText, msgTexts,
  PURPOSES, OUTFALL_TYPES, ACTIONS, CRS_CHOICES,
} from './i18n.js';
import { tryWkbToGeoJSON } from './wkb.js';
import { basemapLayer } from './basemap.js';

const L = window.L;
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ helpers
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => (
  { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function fmtNum(v, digits = 1) {
  const n = Number(v);
  if (!Number.isFinite(n)) return '—';
  return n.toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-US',
    { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
const fmtPct = (ratio) => (Number.isFinite(Number(ratio)) ? `${(Number(ratio) * 100).toFixed(1)}%` : '—');

class ApiError extends Error {
  constructor(httpStatus, status, message) {
    super(message);
    this.httpStatus = httpStatus;
    this.status = status;
  }
}

// ------------------------------------------------------------------ sign-in
// A server started with --tokens answers 401 without one: the page then asks
// for the token, keeps it for this browser tab only (sessionStorage), sends
// it as "Authorization: Bearer" and shows the name the server gives for it.
const TOKEN_KEY = 'redline.token';
const storedToken = () => sessionStorage.getItem(TOKEN_KEY) || '';

function withToken(options = {}) {
  const token = storedToken();
  if (!token) return options;
  return { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` } };
}

/** What an answer says of the caller: the name shown, or the sign-in asked for. */
function noteCaller(resp) {
  const name = resp.headers.get('X-Redline-Caller');
  if (name) {
    const badge = $('signed-in');
    badge.hidden = false;
    badge.dataset.name = decodeURIComponent(name);
    badge.textContent = `${t('auth.signedIn')} ${badge.dataset.name}`;
    $('sign-out').hidden = false;
  }
  if (resp.status === 401) {
    if (storedToken()) sessionStorage.removeItem(TOKEN_KEY);  // not (or no longer) valid
    $('signin').hidden = false;
    $('signin-token').focus();
  }
}

/** fetch + JSON, with the API's error body turned into an ApiError. */
async function api(path, options = {}) {
  let resp;
  try {
    resp = await fetch(path, withToken(options));
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'UNAVAILABLE', e.message);
  }
  noteCaller(resp);
  const text = await resp.text();
  if (!resp.ok) {
    let body = null;
    try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
    throw new ApiError(resp.status, (body && body.status) || resp.statusText,
      (body && body.message) || text.slice(0, 500));
  }
  return text ? JSON.parse(text) : {};
}

// ------------------------------------------------------------------ errors
let lastError = null;  // { err } or { key }: re-rendered when the language changes

function showError(e) {
  lastError = e;
  const box = $('error');
  if (!e) { box.hidden = true; box.textContent = ''; return; }
  box.hidden = false;
  if (e.key) { box.textContent = t(e.key); return; }
  const err = e.err;
  if (err instanceof ApiError) {
    const why = err.httpStatus === 0 ? t('error.network')
      : t(`error.${err.httpStatus}`) !== `error.${err.httpStatus}` ? t(`error.${err.httpStatus}`) : t('error.other');
    const head = err.httpStatus ? `${t('error.prefix')}（HTTP ${err.httpStatus} ${err.status}）：${why}`
      : `${t('error.prefix')}：${why}`;
    // The server's detail is English (errors carry no message code yet): in
    // the Chinese page it is kept out of sight, one click away.
    if (getLang() === 'zh' && err.message) {
      box.textContent = head;
      const more = document.createElement('details');
      more.className = 'server-text';
      const summary = document.createElement('summary');
      summary.textContent = t('error.serverText');
      const text = document.createElement('pre');
      text.textContent = err.message;
      more.append(summary, text);
      box.append(more);
    } else {
      box.textContent = `${head}\n${err.message}`;
    }
  } else {
    box.textContent = `${t('error.prefix')}：${err && err.message ? err.message : String(err)}`;
  }
}

// ------------------------------------------------------------------ map
const map = L.map('map', {
  center: [29.6, 120.4], zoom: 8, minZoom: 5, maxZoom: 19,
  zoomControl: true, attributionControl: true, keyboard: true,
});
map.attributionControl.setPrefix('Leaflet');
const OFFLINE_ATTRIBUTION = `<span data-i18n="map.noTiles">${esc(t('map.noTiles'))}</span>`;
map.attributionControl.addAttribution(OFFLINE_ATTRIBUTION);
// Context layers (county boundaries ...) are drawn under the zones, above the tiles.
map.createPane('context');
map.getPane('context').style.zIndex = 350;
// Their names too: under the zones and the site, never over them.
map.createPane('contextLabels');
map.getPane('contextLabels').style.zIndex = 360;
map.getPane('contextLabels').style.pointerEvents = 'none';
L.control.scale({ imperial: false, metric: true, position: 'bottomleft', maxWidth: 160 }).addTo(map);

const MousePos = L.Control.extend({
  options: { position: 'bottomleft' },
  onAdd() {
    this._div = L.DomUtil.create('div', 'mouse-pos');
    this._div.setAttribute('aria-live', 'off');
    this._div.id = 'mouse-pos';
    this.update(map.getCenter());
    return this._div;
  },
  update(ll) {
    this._last = ll;
    this._div.textContent = t('map.coords', { lon: ll.lng.toFixed(6), lat: ll.lat.toFixed(6) });
  },
});
const mousePos = new MousePos().addTo(map);
map.on('mousemove', (e) => mousePos.update(e.latlng));
map.on('moveend', () => { if (!mousePos._last) mousePos.update(map.getCenter()); });

// Zone categories, drawn bottom to top.
const CATEGORIES = ['other', 'wsq', 'redline', 'ws2', 'zd', 'ws1'];
const LEGEND_ORDER = ['redline', 'ws1', 'ws2', 'wsq', 'zd', 'other'];
const CATEGORY_LEGEND = {
  redline: 'legend.redLine', ws1: 'legend.ws1', ws2: 'legend.ws2', wsq: 'legend.wsq', zd: 'legend.zd', other: 'legend.other',
};
const STYLES = {
  redline: { color: '#c81e1e', weight: 1.5, fillColor: '#c81e1e', fillOpacity: 0.22 },
  ws1: { color: '#1e3a8a', weight: 1.5, fillColor: '#1e3a8a', fillOpacity: 0.5 },
  ws2: { color: '#2563eb', weight: 1.2, fillColor: '#2563eb', fillOpacity: 0.28 },
  wsq: { color: '#60a5fa', weight: 1.2, fillColor: '#93c5fd', fillOpacity: 0.22, dashArray: '5 4' },
  zd: { color: '#0e7490', weight: 1.5, fillColor: 'url(#hatch-zd)', fillOpacity: 1 },
  other: { color: '#6b7280', weight: 1, fillColor: '#6b7280', fillOpacity: 0.03, dashArray: '2 4' },
};

function zoneCategory(p) {
  switch (p.kind) {
    case 'ECOLOGICAL_RED_LINE': return 'redline';
    case 'ZERO_DISCHARGE_ZONE': return 'zd';
    case 'WATER_SOURCE_PROTECTION':
      if (p.normalizedLevel === '二级') return 'ws2';
      if (p.normalizedLevel === '准保护区') return 'wsq';
      return 'ws1';  // 一级, and a level nobody could read (the rules treat it as 一级)
    default: return 'other';
  }
}

const visible = Object.fromEntries(CATEGORIES.map((c) => [c, true]));
// Zones of the last answer, by zoneKey(): drawn with a dark outline (touched) or dashed (nearby).
const highlight = { hits: new Set(), near: new Set() };
const zoneKey = (p) => `${p.layer}/${p.zoneId}`;
const HIT_OUTLINE = { color: '#111827', weight: 3.5, dashArray: null };
const NEAR_OUTLINE = { color: '#374151', weight: 2.5, dashArray: '6 5' };

function zoneStyle(p) {
  const base = STYLES[zoneCategory(p)];
  if (highlight.hits.has(zoneKey(p))) return { ...base, ...HIT_OUTLINE };
  if (highlight.near.has(zoneKey(p))) return { ...base, ...NEAR_OUTLINE };
  return base;
}
const zoneRank = (p) => CATEGORIES.indexOf(zoneCategory(p))
  + (highlight.near.has(zoneKey(p)) ? 10 : 0) + (highlight.hits.has(zoneKey(p)) ? 20 : 0);
let zonesData = null;
let contextData = null;  // the context layers' features (kind CONTEXT_LAYER)
const zonesLayer = L.geoJSON(null, {
  style: (f) => zoneStyle(f.properties || {}),
  filter: (f) => visible[zoneCategory(f.properties || {})],
  onEachFeature: (f, layer) => {
    const p = f.properties || {};
    layer.bindTooltip(() => `${esc(p.zoneName || p.zoneId)}<br>${esc(label('kind', p.kind))}`
      + `${p.normalizedLevel ? ` · ${esc(label('level', p.normalizedLevel))}` : ''}`, { sticky: true });
  },
}).addTo(map);

function drawZones() {
  zonesLayer.clearLayers();
  if (!zonesData) return;
  const feats = (zonesData.features || []).slice().sort((a, b) => (
    zoneRank(a.properties || {}) - zoneRank(b.properties || {})));
  zonesLayer.addData({ type: 'FeatureCollection', features: feats });
  if (resultLayer) resultLayer.bringToFront();
  if (drawLayer) drawLayer.eachLayer((l) => l.bringToFront && l.bringToFront());
}

function metresPerPixel() {
  const lat = map.getCenter().lat;
  return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / 2 ** (map.getZoom() + 8);
}

let zonesAbort = null;
let zonesTimer = null;
let mapNotice = null;  // a key of the notice shown over the map

function setMapNotice(key) {
  mapNotice = key;
  const el = $('map-notice');
  el.hidden = !key;
  el.textContent = key ? t(key) : '';
}

async function loadZones() {
  if (zonesAbort) zonesAbort.abort();
  const ctrl = new AbortController();
  zonesAbort = ctrl;
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -85, 85),
    clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -85, 85)].map((v) => v.toFixed(6)).join(',');
  const res = metresPerPixel().toFixed(2);
  const asOf = $('as-of').value;
  try {
    const query = `bbox=${bbox}&resolution_m=${res}${asOf ? `&as_of=${asOf}` : ''}`;
    const [fc, ctx] = await Promise.all([
      api(`v1/zones?${query}`, { signal: ctrl.signal }),
      api(`v1/zones?context=true&${query}`, { signal: ctrl.signal }).catch((e) => {
        if (e.name === 'AbortError') throw e;
        return null;  // an older server: no context layers
      }),
    ]);
    if (ctrl !== zonesAbort) return;
    contextData = ctx;
    drawContext();
    zonesData = fc;
    drawZones();
    setMapNotice(fc.truncated ? 'map.zoomIn' : null);
    if (fc.datasetVersion) setDataset(fc.datasetVersion);
    $('map').dataset.zones = String((fc.features || []).length);
  } catch (e) {
    if (e.name === 'AbortError') return;
    setMapNotice('map.loadFailed');
  }
}
map.on('moveend', () => {
  clearTimeout(zonesTimer);
  zonesTimer = setTimeout(loadZones, 150);
});

// Legend with the layer toggles.
const Legend = L.Control.extend({
  options: { position: 'topright' },
  onAdd() {
    const div = L.DomUtil.create('div', 'legend');
    div.id = 'legend';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    this._div = div;
    this.render();
    return div;
  },
  render() {
    const rows = LEGEND_ORDER.map((c) => `<label><input type="checkbox" data-cat="${c}" ${visible[c] ? 'checked' : ''}>`
      + `<span class="sw sw-${c}" aria-hidden="true"></span>${esc(t(CATEGORY_LEGEND[c]))}</label>`).join('');
    // Folded by default on narrow screens, where it would cover the map.
    if (this._open === undefined) this._open = window.innerWidth >= 1000;
    const d = this._div.querySelector('details');
    if (d) this._open = d.open;
    this._div.innerHTML = `<details ${this._open ? 'open' : ''}><summary>${esc(t('legend.title'))}</summary>${rows}`
      + `<div class="static"><span class="sw sw-site" aria-hidden="true"></span>${esc(t('legend.site'))}</div>`
      + `<div class="static"><span class="sw sw-hit" aria-hidden="true"></span>${esc(t('legend.hit'))}</div></details>`;
    if (contextData && (contextData.features || []).length) {
      this._div.querySelector('details').insertAdjacentHTML('beforeend',
        `<label><input type="checkbox" data-cat="context" ${visible.context ? 'checked' : ''}>`
        + `<span class="sw sw-context" aria-hidden="true"></span>${esc(t('legend.context'))}</label>`);
    }
    this._div.querySelectorAll('input[data-cat]').forEach((box) => {
      box.addEventListener('change', () => {
        visible[box.dataset.cat] = box.checked;
        if (box.dataset.cat === 'context') drawContext(); else drawZones();
      });
    });
  },
});
const legend = new Legend().addTo(map);

// ------------------------------------------------------------------ base maps
// From the config (web.basemaps, GET v1/web-config); none configured: no
// tiles at all (offline), and the page works the same.
const noBasemap = L.layerGroup();
let basemaps = [];  // [{ cfg, layer }]
let basemapControl = null;
let basemapOn = null;

const basemapName = (cfg) => `${cfg.name} · ${t(`basemap.${cfg.kind}`)}`;
function renderBasemapControl() {
  if (basemapControl) basemapControl.remove();
  basemapControl = null;
  if (!basemaps.length) return;
  const base = { [t('basemap.none')]: noBasemap };
  for (const b of basemaps) base[basemapName(b.cfg)] = b.layer;
  basemapControl = L.control.layers(base, null, { position: 'topleft', collapsed: true }).addTo(map);
  basemapControl.getContainer().id = 'basemaps';
  basemapControl.getContainer().setAttribute('aria-label', t('basemap.title'));
}
function useBasemap(layer) {
  if (basemapOn !== layer) {
    if (basemapOn) map.removeLayer(basemapOn);
    layer.addTo(map);
  }
  basemapOn = layer;
  const entry = basemaps.find((b) => b.layer === layer);
  $('map').dataset.basemap = entry ? entry.cfg.name : '';
  if (entry) map.attributionControl.removeAttribution(OFFLINE_ATTRIBUTION);
  else map.attributionControl.addAttribution(OFFLINE_ATTRIBUTION);
}
map.on('baselayerchange', (e) => useBasemap(e.layer));
function loadWebConfig() {
  return api('v1/web-config').then((cfg) => {
    basemaps = (cfg.basemaps || []).map((c) => ({ cfg: c, layer: basemapLayer(c) }));
    renderBasemapControl();
    // A configured base map is on at once: vector first, as bureaus read them.
    const first = basemaps.find((b) => b.cfg.kind === 'vector') || basemaps[0];
    useBasemap(first ? first.layer : noBasemap);
  }).catch(() => { useBasemap(noBasemap); });
}

// ------------------------------------------------------------------ context layers
// Layers of kind `context` (v1/zones?context=true): outlines with their
// names, under the zones; never part of a check.
visible.context = true;
const CONTEXT_STYLE = { color: '#57534e', weight: 1.3, fill: false, dashArray: '8 3 2 3', opacity: 0.9 };
const contextLayer = L.geoJSON(null, {
  pane: 'context',
  interactive: false,
  style: () => CONTEXT_STYLE,
  onEachFeature: (f, layer) => {
    const p = f.properties || {};
    if (p.zoneName) {
      layer.bindTooltip(esc(p.zoneName), {
        permanent: true, direction: 'center', className: 'context-label', interactive: false, pane: 'contextLabels',
      });
    }
  },
}).addTo(map);
function drawContext() {
  contextLayer.clearLayers();
  const feats = (contextData && contextData.features) || [];
  if (visible.context && feats.length) contextLayer.addData({ type: 'FeatureCollection', features: feats });
  $('map').dataset.context = String(feats.length);
  legend.render();
}
// Labels of small-scale views would pile up: shown from zoom 8.
const contextLabelsOn = () => map.getContainer().classList.toggle('context-labels-off', map.getZoom() < 8);
map.on('zoomend', contextLabelsOn);
contextLabelsOn();

// ------------------------------------------------------------------ dataset badge
function setDataset(version) {
  const el = $('dataset-badge');
  el.hidden = false;
  el.dataset.version = version;
  el.textContent = `${t('meta.dataset')} ${version}`;
}
// The start view: every layer's extent (the whole of the data), once, and
// only while nobody has drawn or checked anything yet.
let startViewFitted = false;
function fitDataExtent(layers) {
  if (startViewFitted || lastResponse || draw.active || draw.done) return;
  let b = null;
  for (const l of layers || []) {
    const e = l.extentLonlat;
    if (!e || !Number.isFinite(e.minX)) continue;
    const lb = L.latLngBounds([e.minY, e.minX], [e.maxY, e.maxX]);
    b = b ? b.extend(lb) : lb;
  }
  if (!b || !b.isValid()) return;
  startViewFitted = true;
  map.fitBounds(b, { padding: [6, 6], animate: false });
  $('map').dataset.startView = b.toBBoxString();
}
function loadLayers() {
  return api('v1/layers').then((r) => {
    if (r.datasetVersion) setDataset(r.datasetVersion);
    fitDataExtent(r.layers);
  }).catch(() => { /* the zones call reports the failure on the map */ });
}

// ------------------------------------------------------------------ drawing tool
const draw = { type: null, pts: [], active: false, done: false };
const drawLayer = L.featureGroup().addTo(map);
const SITE_STYLE = { color: '#d97706', weight: 3, fillColor: '#f59e0b', fillOpacity: 0.3 };

function drawnGeometry() {
  if (!draw.done) return null;
  if (draw.type === 'Point') return { type: 'Point', coordinates: draw.pts[0] };
  if (draw.type === 'LineString') return { type: 'LineString', coordinates: draw.pts };
  return { type: 'Polygon', coordinates: [[...draw.pts, draw.pts[0]]] };
}

function renderDraw() {
  drawLayer.clearLayers();
  const ll = draw.pts.map(([x, y]) => [y, x]);
  if (draw.type === 'Polygon' && ll.length >= 3 && draw.done) L.polygon(ll, SITE_STYLE).addTo(drawLayer);
  else if (draw.type === 'Polygon' && ll.length >= 2) {
    L.polyline(ll, { ...SITE_STYLE, interactive: false }).addTo(drawLayer);
    L.polyline([ll[ll.length - 1], ll[0]], { ...SITE_STYLE, dashArray: '4 4', weight: 2, interactive: false }).addTo(drawLayer);
  } else if (draw.type === 'LineString' && ll.length >= 2) L.polyline(ll, { ...SITE_STYLE, interactive: false }).addTo(drawLayer);
  for (const p of ll) {
    L.circleMarker(p, { radius: draw.type === 'Point' ? 7 : 4, color: '#92400e', weight: 2, fillColor: '#fbbf24', fillOpacity: 1, interactive: false })
      .addTo(drawLayer);
  }
  const st = $('draw-status');
  const typeName = draw.type ? t(`draw.type.${draw.type}`) : '';
  if (draw.active) st.textContent = t('draw.status.drawing', { type: typeName, n: draw.pts.length });
  else if (draw.done) st.textContent = t('draw.status.done', { type: typeName, n: draw.pts.length });
  else st.textContent = t('draw.status.none');
  document.querySelectorAll('[data-draw]').forEach((b) => {
    b.setAttribute('aria-pressed', String(draw.active && b.dataset.draw === draw.type));
  });
  $('draw-finish').disabled = !draw.active;
  $('draw-undo').disabled = !draw.active || draw.pts.length === 0;
  $('draw-clear').disabled = !draw.active && !draw.done;
}

function startDraw(type) {
  clearResultLayer();
  draw.type = type; draw.pts = []; draw.active = true; draw.done = false;
  map.doubleClickZoom.disable();
  map.getContainer().classList.add('drawing');
  renderDraw();
}

function endDrawMode() {
  draw.active = false;
  map.getContainer().classList.remove('drawing');
  setTimeout(() => map.doubleClickZoom.enable(), 0);
}

function finishDraw() {
  if (!draw.active) return;
  // A double-click also sent two clicks: drop vertices repeated on the same pixel.
  const px = draw.pts.map(([x, y]) => map.latLngToContainerPoint([y, x]));
  draw.pts = draw.pts.filter((p, i) => i === 0 || px[i].distanceTo(px[i - 1]) > 3);
  const need = { Point: 1, LineString: 2, Polygon: 3 }[draw.type];
  if (draw.pts.length < need) { renderDraw(); return; }
  endDrawMode();
  draw.done = true;
  renderDraw();
}

function clearDraw() {
  endDrawMode();
  draw.type = null; draw.pts = []; draw.done = false;
  renderDraw();
}

map.on('click', (e) => {
  if (!draw.active) return;
  // The second click of a double-click ends the drawing. (Chromium sends no
  // dblclick when the element under the pointer changed between the clicks.)
  if (e.originalEvent && e.originalEvent.detail >= 2 && draw.type !== 'Point') { finishDraw(); return; }
  draw.pts.push([Number(e.latlng.lng.toFixed(8)), Number(e.latlng.lat.toFixed(8))]);
  if (draw.type === 'Point') finishDraw();
  else renderDraw();
});
map.on('dblclick', (e) => {
  if (!draw.active) return;
  L.DomEvent.stop(e);
  finishDraw();
});
document.addEventListener('keydown', (e) => {
  if (!draw.active) return;
  if (e.key === 'Enter') { e.preventDefault(); finishDraw(); }
  if (e.key === 'Escape') { e.preventDefault(); clearDraw(); }
});
document.querySelectorAll('[data-draw]').forEach((b) => b.addEventListener('click', () => startDraw(b.dataset.draw)));
$('draw-finish').addEventListener('click', finishDraw);
$('draw-undo').addEventListener('click', () => { draw.pts.pop(); renderDraw(); });
$('draw-clear').addEventListener('click', clearDraw);

// ------------------------------------------------------------------ tabs
let tab = 'draw';
const TABS = ['draw', 'paste', 'upload', 'dms'];

function selectTab(name, focus = false) {
  tab = name;
  for (const n of TABS) {
    const b = $(`tab-${n}`);
    const on = n === name;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
    $(`pane-${n}`).hidden = !on;
    if (on && focus) b.focus();
  }
  updateCrsRow();
}
document.querySelectorAll('[role="tab"]').forEach((b) => {
  b.addEventListener('click', () => selectTab(b.dataset.tab));
  b.addEventListener('keydown', (e) => {
    const i = TABS.indexOf(b.dataset.tab);
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    if (e.key === 'ArrowLeft') j = (i + TABS.length - 1) % TABS.length;
    if (e.key === 'Home') j = 0;
    if (e.key === 'End') j = TABS.length - 1;
    if (j !== null) { e.preventDefault(); selectTab(TABS[j], true); }
  });
});

// ------------------------------------------------------------------ choosers
function fillSelect(sel, values, text, withNone) {
  const keep = sel.value;
  sel.innerHTML = (withNone ? `<option value="">${esc(t(withNone))}</option>` : '')
    + values.map((v) => `<option value="${esc(v)}">${esc(text(v))}</option>`).join('');
  if (keep !== '' || withNone) sel.value = keep;
  if (sel.selectedIndex < 0) sel.selectedIndex = 0;
}
function fillChoosers() {
  fillSelect($('crs'), CRS_CHOICES, (v) => t(`crs.${v}`));
  fillSelect($('purpose'), PURPOSES, (v) => label("purpose", v), 'purpose.none');
  fillSelect($('outfall-type'), OUTFALL_TYPES, (v) => label('outfallType', v));
  fillSelect($('action'), ACTIONS, (v) => label('action', v));
}
$('as-of').addEventListener('change', loadZones);
$('purpose').addEventListener('change', () => { $('outfall-row').hidden = $('purpose').value !== 'OUTFALL'; });

let upload = null;  // the last /v1/upload answer

function uploadNeedsCrs() { return upload && !(upload.geometry && upload.geometry.crs); }
function updateCrsRow() {
  const show = tab === 'paste' || (tab === 'upload' && uploadNeedsCrs());
  $('crs-row').hidden = !show;
}

// ------------------------------------------------------------------ upload
function renderUploadInfo() {
  const box = $('upload-info');
  if (!upload) { box.innerHTML = ''; return; }
  const g = upload.geometry || {};
  let html = `<p>${esc(t('upload.result', {
    n: upload.featureCount ?? '?', layer: upload.layer || '—', crs: upload.sourceCrs || '—', driver: upload.driver || '—',
  }))}</p>`;
  if (upload.featureLabels && upload.featureLabels.length) {
    html += `<p id="upload-labels">${esc(t('upload.labels'))}：${upload.featureLabels.map(esc).join('；')}</p>`;
  }
  const notes = msgTexts(upload.noteMessages, upload.notes);
  if (notes.length) html += `<ul class="notes" id="upload-notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
  if (!g.crs) html += `<p class="hint warn" id="upload-needs-crs">${esc(t('upload.noCrs'))}</p>`;
  box.innerHTML = html;
}

async function doUpload() {
  const f = $('upload-file').files[0];
  showError(null);
  if (!f) { showError({ key: 'upload.none' }); return; }
  const fd = new FormData();
  fd.append('file', f, f.name);
  $('upload-info').textContent = t('upload.uploading');
  $('upload-button').disabled = true;
  try {
    upload = await api('v1/upload', { method: 'POST', body: fd });
    if (uploadNeedsCrs()) $('crs').value = 'GK';
    renderUploadInfo();
    updateCrsRow();
    clearResultLayer();
    // A declared CRS comes back as lon/lat GeoJSON: show the site at once.
    const g = upload.geometry || {};
    if (g.geojson && /^EPSG:(4490|4326)$/.test(g.crs || '')) {
      const lay = L.geoJSON(JSON.parse(g.geojson), { style: SITE_STYLE, pointToLayer: sitePoint });
      resultLayer = L.featureGroup([lay]).addTo(map);
      fitTo(resultLayer);
    }
  } catch (e) {
    upload = null;
    renderUploadInfo();
    updateCrsRow();
    showError({ err: e });
  } finally {
    $('upload-button').disabled = false;
  }
}
$('upload-file').addEventListener('change', doUpload);
$('upload-button').addEventListener('click', doUpload);

// ------------------------------------------------------------------ the request
class InputError extends Error {
  constructor(key) { super(key); this.key = key; }
}

function currentGeometry() {
  switch (tab) {
    case 'draw': {
      const g = drawnGeometry();
      if (!g) throw new InputError('error.noSite');
      return { geojson: JSON.stringify(g), crs: 'EPSG:4490' };
    }
    case 'paste': {
      const text = $('coord-table').value;
      if (!text.trim()) throw new InputError('error.noSite');
      return { coordinateTable: text, crs: $('crs').value };
    }
    case 'upload': {
      if (!upload || !upload.geometry) throw new InputError('upload.none');
      const g = { ...upload.geometry };
      if (!g.crs) {
        if (!$('crs').value) throw new InputError('error.needCrs');
        g.crs = $('crs').value;
      }
      return g;
    }
    default: {
      const line = $('dms-line').value.trim()
        || [$('dms-lon').value.trim(), $('dms-lat').value.trim()].filter(Boolean).join(' ');
      if (!line) throw new InputError('error.noSite');
      return { coordinateTable: line, crs: 'EPSG:4490' };
    }
  }
}

function buildRequest() {
  const siting = { action: $('action').value || 'NEW' };
  const purpose = $('purpose').value;
  if (purpose) siting.purpose = purpose;
  if (purpose === 'OUTFALL') siting.outfallType = $('outfall-type').value;
  const options = { siting, includeZoneGeometry: true, includeIntersection: true };
  if ($('as-of').value) options.asOf = $('as-of').value;
  return { geometry: currentGeometry(), options };
}

let lastRequest = null;
let lastResponse = null;
let resultSeq = 0;  // counts answers, so a test can wait for the next one

async function runCheck() {
  showError(null);
  let req;
  try {
    req = buildRequest();
  } catch (e) {
    clearAnswer();
    showError(e.key ? { key: e.key } : { err: e });
    return;
  }
  const btn = $('check-button');
  btn.disabled = true;
  btn.textContent = t('check.running');
  $('result').setAttribute('aria-busy', 'true');
  try {
    const resp = await api('v1/check-geometry', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(req),
    });
    lastRequest = req;
    lastResponse = resp;
    resultSeq += 1;
    $('result-body').dataset.seq = String(resultSeq);
    renderResult();
    showResultOnMap(resp);
    $('verdict').scrollIntoView({ block: 'start' });
    $('record-button').disabled = false;
  } catch (e) {
    clearAnswer();
    showError({ err: e });
  } finally {
    btn.disabled = false;
    btn.textContent = t('check.button');
    $('result').removeAttribute('aria-busy');
  }
}
$('check-button').addEventListener('click', runCheck);

// A failed check leaves no earlier answer on screen to be read as its own:
// the verdict, the map's highlights and the record go.
function clearAnswer() {
  lastRequest = null;
  lastResponse = null;
  renderResult();
  clearResultLayer();
  $('record-button').disabled = true;
  $('map').dataset.result = '';
}
// Ctrl+Enter in the coordinate boxes checks at once.
for (const id of ['coord-table', 'dms-line', 'dms-lon', 'dms-lat']) {
  $(id).addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || id !== 'coord-table')) { e.preventDefault(); runCheck(); }
  });
}

// ------------------------------------------------------------------ the record
async function openRecord() {
  if (!lastRequest) return;
  showError(null);
  const w = window.open('', '_blank');  // opened now, inside the click, so no pop-up blocker
  try {
    // The record in the page's language, throughout.
    const resp = await fetch(`v1/record?lang=${getLang()}`, withToken({
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(lastRequest),
    }));
    noteCaller(resp);
    if (!resp.ok) {
      const text = await resp.text();
      let body = null;
      try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
      throw new ApiError(resp.status, (body && body.status) || resp.statusText, (body && body.message) || text.slice(0, 500));
    }
    const blob = new Blob([await resp.text()], { type: 'text/html;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    if (w) w.location.href = url;
    else showError({ key: 'record.blocked' });
    setTimeout(() => URL.revokeObjectURL(url), 120000);
  } catch (e) {
    if (w) w.close();
    showError({ err: e });
  }
}
$('record-button').addEventListener('click', openRecord);

// ------------------------------------------------------------------ the answer
function rulesHtml(rules) {
  if (!rules || !rules.length) return `<p class="hint">${esc(t('result.noRules'))}</p>`;
  const zh = getLang() === 'zh';
  return `<ul class="rules">${rules.map((r) => {
    const v = r.verdict || 'VERDICT_UNSPECIFIED';
    const msg = zh ? (r.messageZh || r.messageEn) : (r.messageEn || r.messageZh);
    const b = r.basis || {};
    const setback = Number(r.setbackM) > 0
      ? ` <span class="hint">(${esc(t('rule.setback', { s: fmtNum(r.setbackM, 0), d: '{d}' }))})</span>` : '';
    return `<li class="rule" data-rule="${esc(r.ruleId)}" data-verdict="${esc(v)}">`
      + `<span class="chip v-${esc(v)}">${esc(label('verdict', v))}</span> ${esc(msg)}${setback}`
      + `<div class="basis">${esc(t('rule.basis'))}：${esc(b.law)} <strong class="article">${esc(b.article)}</strong></div>`
      + (b.text ? `<blockquote>${esc(b.text)}</blockquote>` : '')
      + '</li>';
  }).join('')}</ul>`;
}

function renderResult() {
  const r = lastResponse;
  const body = $('result-body');
  if (!r) { body.innerHTML = `<p class="hint">${esc(t('result.empty'))}</p>`; return; }
  const zh = getLang() === 'zh';
  const v = r.verdict || 'VERDICT_UNSPECIFIED';
  let h = `<div class="verdict v-${esc(v)}" id="verdict" data-verdict="${esc(v)}">`
    + `<div class="verdict-name">${esc(label('verdict', v))}${zh ? `<span class="verdict-sub">${esc(v)}</span>` : ''}</div>`
    + (r.verdictReason || r.verdictMessage ? `<div class="verdict-reason">${esc(msgText(r.verdictMessage, r.verdictReason))}</div>` : '')
    + '</div>';

  // The site, and how its coordinates were read.
  const s = r.site || {};
  const siting = r.siting || {};
  h += `<h3>${esc(t('result.site'))}</h3><dl class="kv">`
    + `<dt>${esc(t('purpose.label'))}</dt><dd>${esc(label('purpose', siting.purpose || 'PURPOSE_UNSPECIFIED'))}`
    + `${siting.purpose === 'OUTFALL' ? ` · ${esc(label('outfallType', siting.outfallType))}` : ''}`
    + ` · ${esc(label('action', siting.action || 'ACTION_UNSPECIFIED'))}</dd>`
    + `<dt>${esc(t('result.site'))}</dt><dd>${esc(t('result.siteLine', { type: s.geometryType || '—', n: s.vertices ?? '—' }))}</dd>`;
  if (Number(s.areaM2) > 0) h += `<dt>${esc(t('result.area'))}</dt><dd>${fmtNum(s.areaM2)} ${esc(t('unit.m2'))}</dd>`;
  if (Number(s.lengthM) > 0) h += `<dt>${esc(t('result.length'))}</dt><dd>${fmtNum(s.lengthM)} ${esc(t('unit.m'))}</dd>`;
  if (s.lon !== undefined) h += `<dt>${esc(t('result.point'))}</dt><dd>${Number(s.lon).toFixed(6)}, ${Number(s.lat).toFixed(6)}</dd>`;
  h += '</dl>';
  const c = s.coordinates;
  if (c) {
    h += `<h3>${esc(t('result.coords'))}</h3><dl class="kv" id="coord-interpretation">`
      + `<dt>${esc(t('result.coords.requested'))}</dt><dd>${esc(c.requestedCrs || '—')}</dd>`
      + `<dt>${esc(t('result.coords.used'))}</dt><dd>${esc(c.crs || '—')}</dd>`;
    const flags = [];
    if (c.zoneDetected) flags.push(t('result.coords.zone'));
    if (c.axesSwapped) flags.push(t('result.coords.swapped'));
    if (c.convertedFrom) flags.push(t('result.coords.converted', { from: c.convertedFrom }));
    if (s.geometryRepaired) flags.push(t('result.coords.repaired'));
    if (flags.length) h += `<dt></dt><dd>${flags.map(esc).join('；')}</dd>`;
    h += '</dl>';
    const notes = msgTexts(c.noteMessages, c.notes);
    if (notes.length) h += `<ul class="notes" id="coord-notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
  }

  // Zones touched.
  const hits = r.hits || [];
  h += `<h3>${esc(t('result.hits'))}</h3>`;
  if (!hits.length) h += `<p class="hint">${esc(t('result.noHits'))}</p>`;
  else {
    const line = hits.some((x) => Number(x.overlapLengthM) > 0) && !hits.some((x) => Number(x.overlapAreaM2) > 0);
    // A point has no overlap to measure: "—", never "0" / "0.0%".
    const point = /point/i.test(s.geometryType || '');
    h += `<table id="hits"><thead><tr><th>${esc(t('col.zone'))}</th><th>${esc(t('col.level'))}</th><th>${esc(t('col.relation'))}</th>`
      + `<th class="num">${esc(t(line ? 'col.overlapLength' : 'col.overlapArea'))}</th><th class="num">${esc(t('col.overlapShare'))}</th></tr></thead><tbody>`;
    for (const x of hits) {
      h += `<tr data-zone="${esc(x.zoneId)}"><td>${esc(x.zoneName || x.zoneId)}<div class="zone-id">${esc(label('kind', x.kind))} · ${esc(x.layer)} · ${esc(x.zoneId)}</div></td>`
        + `<td class="nowrap">${esc(x.normalizedLevel ? label('level', x.normalizedLevel) : (x.level || '—'))}</td>`
        + `<td class="nowrap">${esc(label('relation', x.relation))}</td>`
        + `<td class="num">${point ? '—' : fmtNum(line ? x.overlapLengthM : x.overlapAreaM2)}</td>`
        + `<td class="num">${point ? '—' : fmtPct(x.overlapRatio)}</td></tr>`;
    }
    h += '</tbody></table>';
    for (const x of hits.filter((z) => z.rules && z.rules.length)) {
      h += `<h3>${esc(t('result.rules'))} · ${esc(x.zoneName || x.zoneId)}${x.normalizedLevel ? ` · ${esc(label('level', x.normalizedLevel))}` : ''}</h3>`
        + rulesHtml(x.rules);
    }
  }

  // Nearby zones.
  const near = r.nearest || [];
  h += `<h3>${esc(t('result.nearest', { r: fmtNum(r.searchRadiusM, 0) }))}</h3>`;
  if (!near.length) h += `<p class="hint">${esc(t('result.noNearest'))}</p>`;
  else {
    h += `<table id="nearest"><thead><tr><th>${esc(t('col.zone'))}</th><th>${esc(t('col.level'))}</th><th class="num">${esc(t('col.distance'))}</th></tr></thead><tbody>`;
    for (const n of near) {
      h += `<tr data-zone="${esc(n.zoneId)}"><td>${esc(n.zoneName || n.zoneId)}<div class="zone-id">${esc(label('kind', n.kind))} · ${esc(n.layer)} · ${esc(n.zoneId)}</div></td>`
        + `<td>${esc(n.normalizedLevel ? label('level', n.normalizedLevel) : (n.level || '—'))}</td>`
        + `<td class="num">${fmtNum(n.distanceM)}</td></tr>`;
      if (n.rules && n.rules.length) {
        h += `<tr><td colspan="3">${rulesHtml(n.rules).replace(/\{d\}/g, fmtNum(n.distanceM))}</td></tr>`;
      }
    }
    h += '</tbody></table>';
  }

  // Where the answer came from.
  let checked = r.checkedAt || '';
  const d = checked ? new Date(checked) : null;
  if (d && !Number.isNaN(d.getTime())) {
    checked = `${d.toLocaleString(zh ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', hour12: false })} (UTC+8)`;
  }
  h += `<dl class="kv meta" id="meta"><dt>${esc(t('meta.dataset'))}</dt><dd>${esc(r.datasetVersion)}</dd>`
    + `<dt>${esc(t('meta.checkedAt'))}</dt><dd>${esc(checked)}</dd>`
    + (r.asOf ? `<dt>${esc(t('meta.asOf'))}</dt><dd>${esc(r.asOf)}</dd>` : '')
    + '</dl>';
  body.innerHTML = h.replace(/\{d\}/g, '—');
}

// ------------------------------------------------------------------ the answer on the map
let resultLayer = null;

const INTERSECTION = { color: '#7f1d1d', weight: 1, fillColor: '#dc2626', fillOpacity: 0.55 };

const sitePoint = (f, ll) => L.circleMarker(ll, { radius: 8, color: '#92400e', weight: 3, fillColor: '#fbbf24', fillOpacity: 1 });

function clearResultLayer() {
  if (resultLayer) { map.removeLayer(resultLayer); resultLayer = null; }
  if (highlight.hits.size || highlight.near.size) {
    highlight.hits = new Set();
    highlight.near = new Set();
    drawZones();
  }
}

function fitTo(layer) {
  const b = layer.getBounds();
  if (!b.isValid()) return;
  if (b.getNorthEast().equals(b.getSouthWest())) map.setView(b.getCenter(), Math.max(map.getZoom(), 15));
  else map.fitBounds(b, { padding: [30, 30], maxZoom: 17 });
}

function showResultOnMap(r) {
  clearResultLayer();
  const group = L.featureGroup();
  const add = (wkb, style, fallback) => {
    const g = tryWkbToGeoJSON(wkb) || fallback;
    if (!g) return null;
    const lay = L.geoJSON(g, { style, pointToLayer: sitePoint, interactive: false });
    lay.addTo(group);
    return lay;
  };
  // The zones touched and nearby are highlighted in the zone layer itself:
  // their outlines in the answer are clipped to the search area, and drawn
  // on their own the clip's straight edges would look like zone boundaries.
  // Those clipped outlines only frame the map around the site.
  highlight.hits = new Set((r.hits || []).map(zoneKey));
  highlight.near = new Set((r.nearest || []).map(zoneKey));
  drawZones();
  const hitLayers = [];
  for (const x of r.hits || []) {
    const g = x.kind !== 'OTHER_ZONE' && tryWkbToGeoJSON(x.zoneGeometryWkb);
    if (g) hitLayers.push(L.geoJSON(g));
  }
  for (const x of r.hits || []) add(x.intersectionWkb, INTERSECTION);
  // The site as the server read it; a drawn site can fall back on the drawing.
  let fallback = null;
  if (tab === 'draw') fallback = drawnGeometry();
  const site = add(r.site && r.site.geometryWkb, SITE_STYLE, fallback);
  group.addTo(map);
  resultLayer = group;
  if (tab === 'draw') drawLayer.clearLayers();
  const fit = L.featureGroup([...(site ? [site] : []), ...hitLayers]);
  if (fit.getLayers().length) fitTo(fit);
  $('map').dataset.result = r.verdict || '';
}

// ------------------------------------------------------------------ language
function applyLang() {
  fillChoosers();
  legend.render();
  renderBasemapControl();
  mousePos.update(mousePos._last || map.getCenter());
  const badge = $('dataset-badge');
  if (badge.dataset.version) badge.textContent = `${t('meta.dataset')} ${badge.dataset.version}`;
  const who = $('signed-in');
  if (who.dataset.name) who.textContent = `${t('auth.signedIn')} ${who.dataset.name}`;
  if (mapNotice) setMapNotice(mapNotice);
  renderDraw();
  renderUploadInfo();
  renderResult();
  if (lastError) showError(lastError);
  $('lang-toggle').setAttribute('aria-pressed', String(getLang() === 'en'));
}
$('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('signin-token').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('signin-token').value = '';
  $('signin').hidden = true;
  showError(null);
  loadWebConfig();
  loadLayers().finally(loadZones);
});
$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  window.location.reload();
});

onLangChange(applyLang);
$('lang-toggle').addEventListener('click', () => setLang(getLang() === 'zh' ? 'en' : 'zh'));

// ------------------------------------------------------------------ start
setLang(initialLang());
$('crs').value = 'GK';
selectTab('draw');
loadWebConfig();
// The zones load for the start view, which the layers' extent sets.
loadLayers().finally(loadZones);
window.redline = {
  map, zones: zonesLayer, context: contextLayer, get lastResponse() { return lastResponse; },
};  // for tests and the console
