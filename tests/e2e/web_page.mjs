// Browser half of tests/e2e/web_page_test.py: drives the staff desk page in
// Debian's headless Chromium through playwright-core (clients/web/node_modules).
//
//   node tests/e2e/web_page.mjs CASE.json
//
// CASE.json (written by the Python half) holds:
//   url             the page, e.g. http://127.0.0.1:PORT/
//   nodeModules     clients/web/node_modules
//   chromium        /usr/bin/chromium
//   artifacts       folder for the screenshots
//   docScreenshot   optional: where to write the README's screenshot too
//   ws1             { table, crs, purpose, verdict, article, zoneId }  the 一级 query
//   dms             { line, lon, lat, zoneId }   a point inside the 一级 zone, as DMS and decimal
//   upload          { file, noPrjFile, purpose, zoneId }   the zipped GBK Shapefile, and one without .prj
// Prints one line per check and "N passed, 0 failed" at the end; exits 1 on
// the first failure (with a screenshot web_failure.png in artifacts).
import fs from 'node:fs';
import path from 'node:path';

const c = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { chromium } = await import(path.join(c.nodeModules, 'playwright-core', 'index.mjs'));

let passed = 0;
function check(cond, what, detail = '') {
  if (!cond) throw new Error(`FAILED: ${what}${detail ? `: ${detail}` : ''}`);
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}

fs.mkdirSync(c.artifacts, { recursive: true });
const shot = (name) => path.join(c.artifacts, name);
fs.rmSync(shot('web_failure.png'), { force: true });  // a stale one would mislead

const browser = await chromium.launch({
  executablePath: c.chromium,
  headless: true,
  // Root in CI needs --no-sandbox; the rest keeps Chromium off the (closed) network.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({
  viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
});
const page = await context.newPage();
const problems = [];
page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('requestfailed', (r) => {
  // The page aborts a zones request when the map moves again before it ends.
  if (r.failure() && /ERR_ABORTED/.test(r.failure().errorText) && r.url().includes('/v1/zones')) return;
  problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`);
});
page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });

async function nextAnswer(click) {
  const before = Number(await page.locator('#result-body').getAttribute('data-seq') || 0);
  await click();
  await page.waitForFunction((n) => Number(document.getElementById('result-body').dataset.seq || 0) > n
    || !document.getElementById('error').hidden, before, { timeout: 30000 });
  const err = await page.locator('#error').isVisible();
  if (err) throw new Error(`FAILED: the page shows an error: ${await page.locator('#error').innerText()}`);
}

try {
  // ---- the page and the zone layers
  await page.goto(c.url, { waitUntil: 'load' });
  check(await page.title() === '红线核查 · 工作台', 'the page opens in Chinese', await page.title());
  await page.waitForFunction(() => document.getElementById('map').dataset.zones !== undefined, null, { timeout: 30000 });
  // Zoom in on the 一级 zone's city so that zones are drawn at a useful scale.
  await page.evaluate(() => window.redline.map.setView([30.2, 120.12], 11));
  await page.waitForFunction(() => Number(document.getElementById('map').dataset.zones || 0) > 0
    && document.querySelectorAll('.leaflet-overlay-pane path').length > 0, null, { timeout: 30000 });
  const paths = await page.locator('.leaflet-overlay-pane path').count();
  check(paths > 0, 'the zones layer drew SVG paths', `${paths} paths`);
  const legend = await page.locator('#legend').innerText();
  check(legend.includes('饮用水水源一级保护区') && legend.includes('生态保护红线') && legend.includes('污水零直排区'),
    'the legend shows the zone kinds and levels', legend.replace(/\n/g, ' | '));
  check(await page.locator('.leaflet-control-scale').isVisible(), 'a scale bar is shown');
  await page.mouse.move(400, 300);
  check(/经度 1\d\d\.\d{6}，纬度 \d\d\.\d{6}/.test(await page.locator('#mouse-pos').innerText()),
    'the mouse position is shown in lon/lat', await page.locator('#mouse-pos').innerText());

  // Toggling a legend entry hides that category.
  const before = await page.locator('.leaflet-overlay-pane path').count();
  await page.locator('#legend input[data-cat="ws2"]').uncheck();
  const after = await page.locator('.leaflet-overlay-pane path').count();
  await page.locator('#legend input[data-cat="ws2"]').check();
  check(after < before, 'the legend toggles a zone category', `${before} -> ${after} paths`);

  // ---- keyboard: the tabs follow the arrow keys
  await page.locator('#tab-draw').focus();
  await page.keyboard.press('ArrowRight');
  check(await page.locator('#tab-paste').getAttribute('aria-selected') === 'true'
    && await page.evaluate(() => document.activeElement.id) === 'tab-paste', 'arrow keys move between the tabs');

  // ---- the 一级 query: a pasted Gauss-Kruger coordinate table
  await page.locator('#coord-table').fill(c.ws1.table);
  await page.locator('#crs').selectOption(c.ws1.crs);
  await page.locator('#purpose').selectOption(c.ws1.purpose);
  await nextAnswer(() => page.getByRole('button', { name: '检查' }).click());
  const verdict = await page.locator('#verdict').getAttribute('data-verdict');
  check(verdict === c.ws1.verdict, `the verdict is ${c.ws1.verdict}`, verdict);
  const vname = await page.locator('#verdict .verdict-name').innerText();
  check(vname.startsWith('禁止'), 'the verdict reads 禁止', vname);
  check(await page.locator(`#hits tr[data-zone="${c.ws1.zoneId}"]`).count() === 1,
    `the hits table lists ${c.ws1.zoneId}`);
  const hitRow = await page.locator(`#hits tr[data-zone="${c.ws1.zoneId}"]`).innerText();
  check(hitRow.includes('一级保护区') && /\d/.test(hitRow) && hitRow.includes('%'),
    'the 一级 row shows the level, overlap area and share', hitRow.replace(/\s+/g, ' '));
  const articles = await page.locator('.rule[data-verdict="PROHIBITED"] .article').allInnerTexts();
  check(articles.includes(c.ws1.article), `a PROHIBITED rule cites ${c.ws1.article}`, articles.join(', '));
  const quoted = await page.locator('.rule blockquote').count();
  check(quoted > 0, 'the rules quote the article text');
  check(await page.locator('#coord-interpretation').count() === 1, 'the coordinate interpretation is shown',
    await page.locator('#coord-interpretation').innerText().catch(() => ''));
  const meta = await page.locator('#meta').innerText();
  check(meta.includes('数据版本') && meta.includes('核查时间'), 'the dataset version and check time are shown',
    meta.replace(/\n/g, ' '));
  // The site and the zone it hits are drawn on the map.
  const mapResult = await page.locator('#map').getAttribute('data-result');
  check(mapResult === c.ws1.verdict, 'the answer is drawn on the map');
  await page.waitForTimeout(1000);  // the map's zoom animation, then the zones at the new scale
  await page.screenshot({ path: shot('web_1366x768_ws1.png') });
  if (c.docScreenshot) await page.screenshot({ path: c.docScreenshot });

  // ---- the printable record opens in a new tab
  const [popup] = await Promise.all([
    page.waitForEvent('popup', { timeout: 30000 }),
    page.getByRole('button', { name: '打印记录' }).click(),
  ]);
  await popup.waitForURL(/^blob:/, { timeout: 30000 });
  await popup.waitForLoadState('load');
  const recordText = await popup.locator('body').innerText();
  check(recordText.includes(c.ws1.article), `the printable record quotes ${c.ws1.article}`, `${recordText.length} characters`);
  await popup.close();

  // ---- English
  await page.locator('#lang-toggle').click();
  const vEn = await page.locator('#verdict .verdict-name').innerText();
  check(vEn.trim() === 'PROHIBITED', 'in English the verdict reads PROHIBITED', vEn);
  check(await page.locator('#result-heading').innerText() === 'Verdict'
    && await page.getByRole('button', { name: 'Check' }).isVisible(), 'the whole page switched to English');
  check((await page.locator('#legend').innerText()).includes('Water source, first-level zone'), 'the legend is in English');

  // ---- tablet portrait: the panel goes below the map
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.waitForTimeout(400);
  const mapBox = await page.locator('#map').boundingBox();
  const panelBox = await page.locator('.panel').boundingBox();
  check(panelBox.y >= mapBox.y + mapBox.height - 1 && mapBox.width > 700, 'at 768x1024 the panel is below the map',
    `map ${JSON.stringify(mapBox)} panel ${JSON.stringify(panelBox)}`);
  await page.screenshot({ path: shot('web_768x1024_en.png') });
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.locator('#lang-toggle').click();
  check(await page.locator('#result-heading').innerText() === '核查结论', 'back to Chinese');

  // ---- the drawing tool: a polygon of four clicks, finished by a double-click
  await page.getByRole('tab', { name: '地图绘制' }).click();
  await page.evaluate(([lat, lon]) => window.redline.map.setView([lat, lon], 15), [c.dms.lat, c.dms.lon]);
  await page.locator('[data-draw="Polygon"]').click();
  const box = await page.locator('#map').boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  for (const [dx, dy] of [[-40, -30], [40, -30], [40, 30]]) {
    await page.mouse.click(cx + dx, cy + dy);
    await page.waitForTimeout(350);  // slower than a double-click
  }
  await page.mouse.dblclick(cx - 40, cy + 30);
  const drawn = await page.locator('#draw-status').innerText();
  check(/已绘制面，4 个顶点/.test(drawn), 'a polygon is drawn with four vertices', drawn);
  await nextAnswer(() => page.getByRole('button', { name: '检查' }).click());
  check(await page.locator(`#hits tr[data-zone="${c.dms.zoneId}"]`).count() === 1,
    `the drawn polygon is checked and lies in ${c.dms.zoneId}`);

  // ---- a point in degrees, minutes and seconds (one line)
  await page.getByRole('tab', { name: '度分秒' }).click();
  await page.locator('#dms-line').fill(c.dms.line);
  await page.locator('#purpose').selectOption('OUTFALL');
  check(await page.locator('#outfall-type').isVisible(), 'an outfall asks for its type');
  await page.locator('#outfall-type').selectOption('RIVER');
  await nextAnswer(() => page.getByRole('button', { name: '检查' }).click());
  const v3 = await page.locator('#verdict').getAttribute('data-verdict');
  check(v3 === 'PROHIBITED' && await page.locator(`#hits tr[data-zone="${c.dms.zoneId}"]`).count() === 1,
    `an outfall at ${c.dms.line} is PROHIBITED in ${c.dms.zoneId}`, v3);
  const site3 = await page.locator('.kv').first().innerText();
  check(site3.includes('Point'), 'the DMS line was read as a point', site3.replace(/\n/g, ' '));

  // ---- upload a zipped Shapefile with GBK attributes
  await page.getByRole('tab', { name: '上传文件' }).click();
  await page.locator('#upload-file').setInputFiles(c.upload.file);
  await page.waitForFunction(() => /已读取/.test(document.getElementById('upload-info').innerText)
    || !document.getElementById('error').hidden, null, { timeout: 30000 });
  check(!(await page.locator('#error').isVisible()), 'the Shapefile uploaded',
    await page.locator('#error').innerText().catch(() => ''));
  const info = await page.locator('#upload-info').innerText();
  check(/已读取 1 个要素/.test(info), 'the upload reports one feature', info.replace(/\n/g, ' '));
  check(info.includes(c.upload.label), `the GBK attribute reads ${c.upload.label}`, info.replace(/\n/g, ' '));
  await page.locator('#purpose').selectOption(c.upload.purpose);
  await nextAnswer(() => page.getByRole('button', { name: '检查' }).click());
  const v2 = await page.locator('#verdict').getAttribute('data-verdict');
  check(['CLEAR', 'CONDITIONAL', 'RESTRICTED', 'PROHIBITED', 'NEEDS_PURPOSE'].includes(v2), 'the uploaded site was checked', v2);
  check(await page.locator(`#hits tr[data-zone="${c.upload.zoneId}"]`).count() === 1,
    `the uploaded site lies in ${c.upload.zoneId}`);
  const site = await page.locator('.kv').first().innerText();
  check(site.includes('Polygon'), 'the uploaded site is a polygon', site.replace(/\n/g, ' '));
  await page.waitForTimeout(1000);  // the map's zoom animation, then the zones at the new scale
  await page.screenshot({ path: shot('web_1366x768_upload.png') });

  // ---- a Shapefile without .prj: the page asks for the coordinate system
  await page.locator('#upload-file').setInputFiles(c.upload.noPrjFile);
  await page.waitForFunction(() => document.getElementById('upload-needs-crs')
    || !document.getElementById('error').hidden, null, { timeout: 30000 });
  check(await page.locator('#upload-needs-crs').isVisible() && await page.locator('#crs').isVisible(),
    'a file without a CRS makes the page ask for one', await page.locator('#upload-info').innerText());
  check(await page.locator('#crs').inputValue() === 'GK', 'the CRS chooser offers GK (zone detected)');
  await nextAnswer(() => page.getByRole('button', { name: '检查' }).click());
  check(await page.locator(`#hits tr[data-zone="${c.upload.zoneId}"]`).count() === 1,
    `the file without a CRS, read as GK, lies in ${c.upload.zoneId}`);
  const interp = await page.locator('#coord-interpretation').innerText();
  check(interp.includes('EPSG:4549'), 'the coordinate interpretation names the zone detected', interp.replace(/\n/g, ' '));

  check(problems.length === 0, 'no console errors, page errors or failed requests', problems.join('\n'));

  // ---- a bad table: the server's message verbatim, after a Chinese explanation
  // (last: the browser logs the HTTP 400 to the console, as it must)
  const bad = 'J1,1000.0,2000.0\nJ2,1100.0,2000.0\nJ3,1100.0,2100.0\nJ1,1000.0,2000.0\n';
  await page.getByRole('tab', { name: '坐标表' }).click();
  await page.locator('#coord-table').fill(bad);
  await page.locator('#crs').selectOption('EPSG:4549');
  await page.getByRole('button', { name: '检查' }).click();
  await page.locator('#error').waitFor({ state: 'visible', timeout: 30000 });
  const shown = await page.locator('#error').innerText();
  const server = await page.evaluate(async (table) => {
    const r = await fetch('v1/check-geometry', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ geometry: { coordinateTable: table, crs: 'EPSG:4549' } }) });
    return { status: r.status, body: await r.json() };
  }, bad);
  // In Chinese the server's (English) message is folded away under 服务器原文, verbatim.
  const folded = await page.locator('#error details.server-text pre').textContent();
  check(server.status === 400 && shown.startsWith('请求失败（HTTP 400 INVALID_ARGUMENT）：输入有误')
    && folded === server.body.message, 'a bad table keeps the server\'s message verbatim, folded', shown);
  console.log(`${passed} passed, 0 failed`);
} catch (e) {
  console.error(e.message);
  if (problems.length) console.error(`console and network problems:\n${problems.join('\n')}`);
  await page.screenshot({ path: shot('web_failure.png') }).catch(() => {});
  console.log(`${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
