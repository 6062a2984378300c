// Browser half of tests/e2e/web_desk_test.py: base maps in their frames,
// context layers, and the page's stumbles, in Debian's headless Chromium
// through playwright-core.
//
//   node tests/e2e/web_desk.mjs CASE.json
//
// For each base-map frame it writes (into CASE.out, JSON) where Leaflet drew
// the zone's SVG outline (the mean of points every 0.5 px along the path, in
// page pixels) and a screenshot of the map with the zones hidden, for the
// Python half to find the tiles' outline in.
import fs from 'node:fs';
import path from 'node:path';

const c = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { chromium } = await import(path.join(c.nodeModules, 'playwright-core', 'index.mjs'));

let passed = 0;
function check(cond, what, detail = '') {
  if (!cond) throw new Error(`FAILED: ${what}${detail ? `: ${detail}` : ''}`);
  passed += 1;
  console.log(`ok ${passed} - ${what}${detail ? ` (${detail})` : ''}`);
}
fs.mkdirSync(c.artifacts, { recursive: true });
const shot = (name) => path.join(c.artifacts, name);

const browser = await chromium.launch({
  executablePath: c.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({
  viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1,
});
const page = await context.newPage();
const problems = [];
let badRequestExpected = false;
page.on('console', (m) => { if (m.type() === 'error' && !badRequestExpected) problems.push(`console: ${m.text()}`); });
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('requestfailed', (r) => {
  if (r.failure() && /ERR_ABORTED/.test(r.failure().errorText)) return;  // superseded map loads
  problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`);
});
page.on('response', (r) => {
  if (r.status() >= 400 && !(badRequestExpected && r.status() === 400)) problems.push(`HTTP ${r.status()} for ${r.url()}`);
});

const mapData = (key) => page.evaluate((k) => document.getElementById('map').dataset[k], key);

async function nextAnswerOrError(click) {
  const before = Number(await page.locator('#result-body').getAttribute('data-seq') || 0);
  await page.evaluate(() => { document.getElementById('error').hidden = true; });
  await click();
  await page.waitForFunction((n) => Number(document.getElementById('result-body').dataset.seq || 0) > n
    || !document.getElementById('error').hidden, before, { timeout: 30000 });
}

async function tilesLoaded() {
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('.basemap img')];
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, null, { timeout: 30000 });
}

// Where Leaflet drew the zone's outline: the mean page position of points
// every 0.5 px along its SVG path.
async function svgOutlineMean(zoneId) {
  return page.evaluate((id) => {
    let el = null;
    window.redline.zones.eachLayer((l) => { if (l.feature.properties.zoneId === id) el = l._path; });
    if (!el) return null;
    const m = el.getScreenCTM();
    const total = el.getTotalLength();
    let sx = 0; let sy = 0; let n = 0;
    for (let s = 0; s < total; s += 0.5) {
      const p = el.getPointAtLength(s).matrixTransform(m);
      sx += p.x; sy += p.y; n += 1;
    }
    return [sx / n, sy / n];
  }, zoneId);
}

const out = {};
try {
  // ---- the page with base maps
  await page.goto(c.url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.getElementById('map').dataset.zones !== undefined
    && document.getElementById('map').dataset.basemap !== undefined, null, { timeout: 30000 });
  check(await mapData('basemap') === c.names.gcj02, 'a configured vector base map is on at the start',
    await mapData('basemap'));
  const b = await page.evaluate(() => window.redline.map.getBounds().toBBoxString());
  const [w, s, e, n] = b.split(',').map(Number);
  check(w <= 118.2 && s <= 27.3 && e >= 122.8 && n >= 31.1, 'the start view holds the whole sample', b);
  const switcher = await page.locator('#basemaps').innerText().catch(() => '');
  await page.locator('#basemaps').hover();
  const labels = await page.locator('#basemaps label').allInnerTexts();
  check(labels.length === 3 && labels.some((l) => l.includes('无底图')) && labels.some((l) => l.includes('矢量'))
    && labels.some((l) => l.includes('影像')), 'the switcher offers vector, imagery and none', labels.join(' | ') || switcher);

  // ---- context layers: the made-up counties with their names
  await page.evaluate(() => window.redline.map.setView([29.3, 120.3], 8, { animate: false }));
  await page.waitForFunction(() => Number(document.getElementById('map').dataset.context || 0) > 0
    && document.querySelectorAll('.leaflet-tooltip.context-label').length > 0, null, { timeout: 30000 });
  const ctxLabels = await page.locator('.leaflet-tooltip.context-label').allInnerTexts();
  check(ctxLabels.some((t) => t.startsWith('示例县')), 'the counties are drawn with their names', `${ctxLabels.length} labels`);
  check(await page.locator('.leaflet-context-pane path').count() > 0
    && await page.locator('.leaflet-contextLabels-pane .context-label').count() > 0,
  'the county outlines and names are drawn in their panes, under the zones');
  const legend = await page.locator('#legend').innerText();
  check(legend.includes('参考图层'), 'the legend lists the context layer', legend.replace(/\n/g, ' | '));
  await page.screenshot({ path: shot('web_desk_context.png') });

  // ---- the zone edge and the tiles' feature land on the same pixel
  for (const frame of c.frames) {
    const name = c.names[frame];
    if (await mapData('basemap') !== name) {
      await page.locator('#basemaps').hover();
      await page.locator('#basemaps label', { hasText: name }).locator('input').check();
    }
    check(await mapData('basemap') === name, `the ${frame} base map is chosen`);
    const [s0, w0, n0, e0] = c.zoneBounds;
    await page.evaluate(([bb]) => {
      window.redline.map.fitBounds([[bb[0], bb[1]], [bb[2], bb[3]]], { maxZoom: 15, animate: false, padding: [40, 40] });
    }, [c.zoneBounds]);
    await page.waitForTimeout(400);
    await page.waitForFunction((id) => {
      let found = false;
      window.redline.zones.eachLayer((l) => { if (l.feature.properties.zoneId === id) found = true; });
      return found;
    }, c.zoneId, { timeout: 30000 });
    await tilesLoaded();
    await page.waitForTimeout(300);
    const svg = await svgOutlineMean(c.zoneId);
    check(svg !== null, `the zone ${c.zoneId} is drawn`, `${s0},${w0},${n0},${e0}`);
    const zoom = await page.evaluate(() => window.redline.map.getZoom());
    const box = await page.locator('#map').boundingBox();
    const clip = { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) };
    await page.addStyleTag({ content: '.leaflet-overlay-pane, .leaflet-context-pane, .leaflet-contextLabels-pane, .leaflet-tooltip-pane, .leaflet-marker-pane, .leaflet-control-container, .map-notice { visibility: hidden !important; }' });
    const file = shot(`web_desk_tiles_${frame}.png`);
    await page.screenshot({ path: file, clip });
    await page.evaluate(() => { document.querySelectorAll('style').forEach((st) => { if (st.textContent.includes('.leaflet-overlay-pane, .leaflet-context-pane')) st.remove(); }); });
    await page.screenshot({ path: shot(`web_desk_zone_${frame}.png`), clip });
    out[frame] = { svg, shot: file, clip, zoom };
    check(true, `measured the ${frame} frame at zoom ${zoom}`, `outline mean ${svg.map((v) => v.toFixed(2)).join(', ')}`);
  }

  // ---- a point site: overlap "—", never "0" or "0.0%"
  await page.locator('#tab-dms').click();
  await page.locator('#dms-line').fill(c.point);
  await nextAnswerOrError(() => page.locator('#check-button').click());
  check(!(await page.locator('#error').isVisible()), 'the point is checked');
  const row = await page.locator(`#hits tr[data-zone="${c.zoneId}"]`).innerText();
  const cells = await page.locator(`#hits tr[data-zone="${c.zoneId}"] td.num`).allInnerTexts();
  check(cells.length === 2 && cells.every((x) => x.trim() === '—') && !row.includes('%'),
    'a point site shows overlap "—"', row.replace(/\s+/g, ' '));
  check(await page.locator('#record-button').isEnabled(), 'the record can be printed for an answer');

  // ---- a failed check clears the previous verdict and the record
  await page.locator('#tab-paste').click();
  await page.locator('#coord-table').fill('这不是坐标 not a coordinate');
  badRequestExpected = true;
  await nextAnswerOrError(() => page.locator('#check-button').click());
  check(await page.locator('#error').isVisible(), 'the bad input is refused with an error');
  check(await page.locator('#verdict').count() === 0, 'the previous verdict is gone after a failed check');
  check(await page.locator('#record-button').isDisabled(), '"打印记录" is disabled after a failed check');
  check(await mapData('result') === '', 'the map no longer shows the previous answer');
  badRequestExpected = false;

  // ---- English at 1366×768: the whole zones table is visible
  await page.locator('#coord-table').fill(c.ws1Table);
  await page.locator('#crs').selectOption('GK');
  await page.locator('#purpose').selectOption('DISCHARGING_PROJECT');
  await nextAnswerOrError(() => page.locator('#check-button').click());
  check(await page.locator('#hits').count() === 1, 'the site crossing the 一级 zone has a zones table');
  await page.locator('#lang-toggle').click();
  await page.locator('#hits').scrollIntoViewIfNeeded();
  const fit = await page.evaluate(() => {
    const panel = document.querySelector('.panel').getBoundingClientRect();
    const tables = [...document.querySelectorAll('#result table')].map((t) => t.getBoundingClientRect());
    const p = document.querySelector('.panel');
    return { panelRight: panel.right, right: Math.max(...tables.map((t) => t.right)),
      scroll: p.scrollWidth, client: p.clientWidth };
  });
  await page.screenshot({ path: shot('web_desk_en_1366x768.png') });
  check(fit.right <= fit.panelRight + 0.5 && fit.scroll <= fit.client,
    'in English at 1366×768 the zones table fits the panel', JSON.stringify(fit));

  // ---- a server without base maps: no tiles, the page works
  const offline = await context.newPage();
  offline.on('pageerror', (e) => problems.push(`offline page error: ${e.message}`));
  await offline.goto(c.urlOffline, { waitUntil: 'load' });
  await offline.waitForFunction(() => document.getElementById('map').dataset.zones !== undefined
    && document.getElementById('map').dataset.basemap !== undefined, null, { timeout: 30000 });
  check(await offline.locator('#basemaps').count() === 0 && await offline.locator('.basemap img').count() === 0,
    'without base maps there is no switcher and no tile');
  const attribution = await offline.locator('.leaflet-control-attribution').innerText();
  check(attribution.includes('无底图'), 'the map says it has no base map', attribution);
  await offline.locator('#tab-dms').click();
  await offline.locator('#dms-line').fill(c.point);
  await offline.locator('#check-button').click();
  await offline.waitForSelector('#verdict', { timeout: 30000 });
  check(await offline.locator(`#hits tr[data-zone="${c.zoneId}"]`).count() === 1, 'the offline page checks a site');
  await offline.close();

  check(problems.length === 0, 'no console errors or failed requests', problems.join('; '));
  fs.writeFileSync(c.out, JSON.stringify(out));
  console.log(`${passed} passed, 0 failed`);
} catch (err) {
  console.log(err.message);
  if (problems.length) console.log(`problems: ${problems.join('; ')}`);
  await page.screenshot({ path: shot('web_desk_failure.png') }).catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();
