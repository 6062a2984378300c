// Browser half of tests/e2e/one_language_test.py: the Chinese staff page and
// the printed record in headless Chromium (playwright-core).
//
//   node tests/e2e/one_language.mjs CASE.json
//
// CASE.json: url, nodeModules, chromium, artifacts; ws1 {table, crs, purpose}
// (a PROHIBITED site as a Gauss-Kruger table); upload {noPrjFile} (a file
// whose reading is noted); records [{name, lang, path}] (record pages saved
// by the Python half); datasetVersion; minLabels (zones the busiest site
// touches); englishRun (the regular expression of an English sentence).
// Prints one line per check; exits 1 on the first failure.
import fs from 'node:fs';
import path from 'node:path';

const c = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { chromium } = await import(path.join(c.nodeModules, 'playwright-core', 'index.mjs'));
const englishRun = new RegExp(c.englishRun);

let passed = 0;
function check(cond, what, detail = '') {
  if (!cond) throw new Error(`FAILED: ${what}${detail ? `: ${detail}` : ''}`);
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}

/** The English sentences in the visible text, one per line they occur in. */
async function englishIn(page) {
  const text = await page.evaluate(() => document.body.innerText);
  return text.split('\n').filter((line) => englishRun.test(line));
}

fs.mkdirSync(c.artifacts, { recursive: true });
const browser = await chromium.launch({
  executablePath: c.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({
  viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
});
const page = await context.newPage();

async function nextAnswer(click) {
  const before = Number(await page.locator('#result-body').getAttribute('data-seq') || 0);
  await click();
  await page.waitForFunction((n) => Number(document.getElementById('result-body').dataset.seq || 0) > n
    || !document.getElementById('error').hidden, before, { timeout: 30000 });
}

// The record's map: labels, legend, scale, north arrow, the stamp on every page.
async function checkRecord(r) {
  await page.goto(`file://${r.path}`, { waitUntil: 'load' });
  const what = `record (${r.name}, ${r.lang})`;
  const m = await page.evaluate(() => {
    const svg = document.querySelector('svg.site-map');
    const boxes = [...svg.querySelectorAll('.zone-label')].map((g) => {
      const b = g.getBBox();
      return { n: g.dataset.number, x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height };
    });
    const box = (e) => { const b = e.getBBox(); return { x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height }; };
    const marker = svg.querySelector('g.site');  // a point site's marker
    const markerBox = marker ? box(marker) : null;
    const drawn = [...new Set([...svg.querySelectorAll('path.zone')].map((p) => p.dataset.style))];
    const legend = [...document.querySelectorAll('#legend li')].map((li) => li.dataset.style);
    const keyRows = [...document.querySelectorAll('#map-key tbody tr')].map((tr) => tr.dataset.number);
    const stamp = document.querySelector('table.frame > thead #stamp');
    return {
      boxes, drawn, legend, keyRows, markerBox,
      hits: svg.querySelectorAll('path.zone.hit').length,
      near: svg.querySelectorAll('path.zone.near').length,
      scale: !!svg.querySelector('.scale-bar'),
      north: !!svg.querySelector('.north-arrow'),
      site: svg.querySelectorAll('.site').length,
      stamp: stamp ? stamp.innerText : null,
      lang: document.documentElement.lang,
      verdict: document.querySelector('#verdict .badge').innerText,
    };
  });
  check(m.boxes.length >= c.minLabels, `${what}: every zone touched is numbered on the map`,
    `${m.boxes.length} labels`);
  const overlaps = [];
  for (let i = 0; i < m.boxes.length; i += 1) {
    for (let j = i + 1; j < m.boxes.length; j += 1) {
      const a = m.boxes[i], b = m.boxes[j];
      if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) overlaps.push(`${a.n}/${b.n}`);
    }
  }
  check(overlaps.length === 0, `${what}: no two label boxes overlap`, overlaps.join(' '));
  if (m.markerBox) {
    const s = m.markerBox;
    const over = m.boxes.filter((a) => a.x0 < s.x1 && s.x0 < a.x1 && a.y0 < s.y1 && s.y0 < a.y1);
    check(over.length === 0, `${what}: no label covers the site's marker`, over.map((a) => a.n).join(' '));
  }
  check(JSON.stringify(m.keyRows) === JSON.stringify(m.boxes.map((b) => b.n)),
    `${what}: each number on the map has its row in the key`, `${m.keyRows} vs ${m.boxes.map((b) => b.n)}`);
  const missing = m.drawn.filter((s) => !m.legend.includes(s));
  check(m.drawn.length > 0 && missing.length === 0, `${what}: the legend lists each kind/level drawn`,
    `drawn ${m.drawn}, legend ${m.legend}`);
  check(m.legend.includes('site') && (!m.hits || m.legend.includes('hit')) && (!m.near || m.legend.includes('near')),
    `${what}: the legend names the site and the touched/nearby outlines`, `${m.legend}`);
  check(m.scale && m.north && m.site > 0, `${what}: scale bar, north arrow and site are drawn`);
  check(m.stamp && m.stamp.includes(c.datasetVersion), `${what}: the record id and data version head each page`,
    m.stamp);
  if (r.lang === 'zh') {
    check(m.lang === 'zh-CN' && m.verdict.trim() === '禁止', `${what}: the record is Chinese`, m.verdict);
    const en = await englishIn(page);
    check(en.length === 0, `${what}: no English sentence`, en.join(' | '));
  } else {
    check(m.lang === 'en' && /^prohibited$/i.test(m.verdict.trim()),
      `${what}: the record is English`, m.verdict);
  }
  // Printed, the stamp is a repeated table header (Chromium repeats thead on each page).
  await page.emulateMedia({ media: 'print' });
  const display = await page.evaluate(() => getComputedStyle(document.querySelector('table.frame > thead')).display);
  check(display === 'table-header-group', `${what}: the stamp repeats on every printed page`, display);
  await page.emulateMedia({ media: 'screen' });
  await page.screenshot({ path: path.join(c.artifacts, `record_${r.name}_${r.lang}.png`), fullPage: true });
}

try {
  // ---- the Chinese page after a PROHIBITED check with a coordinate note
  await page.goto(c.url, { waitUntil: 'load' });
  check(await page.title() === '红线核查 · 工作台', 'the page opens in Chinese');
  await page.getByRole('tab', { name: '坐标表' }).click();
  await page.locator('#coord-table').fill(c.ws1.table);
  await page.locator('#crs').selectOption(c.ws1.crs);
  await page.locator('#purpose').selectOption(c.ws1.purpose);
  await nextAnswer(() => page.getByRole('button', { name: '检查' }).click());
  check(await page.locator('#verdict').getAttribute('data-verdict') === 'PROHIBITED', 'a PROHIBITED answer');
  const reason = await page.locator('#verdict .verdict-reason').innerText();
  check(/禁止/.test(reason) && !englishRun.test(reason), 'the verdict reason is Chinese', reason);
  const notes = await page.locator('#coord-notes li').allInnerTexts();
  check(notes.length > 0 && notes.every((n) => !englishRun.test(n)), 'the coordinate notes are Chinese',
    notes.join(' | '));
  let en = await englishIn(page);
  check(en.length === 0, 'no English sentence on the page after the check', en.join(' | '));

  // ---- an upload whose reading is noted (no coordinate system declared)
  await page.getByRole('tab', { name: '上传文件' }).click();
  await page.locator('#upload-file').setInputFiles(c.upload.noPrjFile);
  await page.waitForFunction(() => document.getElementById('upload-notes')
    || !document.getElementById('error').hidden, null, { timeout: 30000 });
  const unotes = await page.locator('#upload-notes li').allInnerTexts();
  check(unotes.length > 0 && unotes.every((n) => !englishRun.test(n)), 'the upload notes are Chinese',
    unotes.join(' | '));
  en = await englishIn(page);
  check(en.length === 0, 'no English sentence on the page after the upload', en.join(' | '));

  // ---- an error from the server: its English detail stays folded away
  await page.getByRole('tab', { name: '坐标表' }).click();
  await page.locator('#coord-table').fill('J1,10,10\nJ2,11,10\nJ3,11,11\nJ1,10,10\n');
  await page.locator('#crs').selectOption('EPSG:4549');
  await nextAnswer(() => page.getByRole('button', { name: '检查' }).click());
  check(await page.locator('#error').isVisible(), 'the server refused a site outside its CRS');
  en = await englishIn(page);
  check(en.length === 0, 'no English sentence on the page with the error', en.join(' | '));
  await page.screenshot({ path: path.join(c.artifacts, 'one_language_zh.png') });

  for (const r of c.records) await checkRecord(r);
  console.log(`${passed} passed, 0 failed`);
} catch (e) {
  console.log(e.message);
  await page.screenshot({ path: path.join(c.artifacts, 'one_language_failure.png') }).catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();
