// Browser half of security_test.py's WebSignInTest: the staff desk page
// against a server started with --tokens, in Debian's headless Chromium
// through playwright-core (clients/web/node_modules).
//
//   node tests/e2e/web_signin.mjs CASE.json
//
// CASE.json: { url, nodeModules, chromium, artifacts, token, name }.
// Prints one line per check; exits 1 on the first failure (screenshot
// web_signin_failure.png in artifacts).
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
const browser = await chromium.launch({
  executablePath: c.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const sentTokens = [];
  page.on('request', (r) => {
    const auth = r.headers().authorization;
    if (auth) sentTokens.push(auth);
  });

  await page.goto(c.url);
  await page.locator('#signin').waitFor({ state: 'visible', timeout: 30000 });
  check(true, 'without a token the page asks for one');
  check(await page.locator('#signed-in').isHidden(), 'nobody is shown signed in');

  await page.fill('#signin-token', 'not-the-token');
  await page.click('#signin button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('signin').hidden
    && document.activeElement === document.getElementById('signin-token'), null, { timeout: 30000 });
  check(await page.evaluate(() => sessionStorage.getItem('redline.token')) === null,
    'a refused token is not kept');

  await page.fill('#signin-token', c.token);
  await page.click('#signin button[type=submit]');
  await page.locator('#signed-in').waitFor({ state: 'visible', timeout: 30000 });
  const shown = await page.locator('#signed-in').textContent();
  check(shown.includes(c.name), 'the name the server gives is shown', shown);
  check(await page.locator('#signin').isHidden(), 'the sign-in form is gone');
  await page.locator('#dataset-badge').waitFor({ state: 'visible', timeout: 30000 });
  check(true, 'the layers answer once signed in');
  check(sentTokens.includes(`Bearer ${c.token}`), 'the token goes as Authorization: Bearer');
  await page.screenshot({ path: path.join(c.artifacts, 'web_signed_in.png') });

  await page.reload();
  await page.locator('#signed-in').waitFor({ state: 'visible', timeout: 30000 });
  check(await page.locator('#signin').isHidden(), 'a reload in the same tab stays signed in');

  const other = await (await browser.newContext()).newPage();
  await other.goto(c.url);
  await other.locator('#signin').waitFor({ state: 'visible', timeout: 30000 });
  check(true, 'another browser session asks again (the token is kept per session)');

  await page.click('#sign-out');
  await page.locator('#signin').waitFor({ state: 'visible', timeout: 30000 });
  check(await page.evaluate(() => sessionStorage.getItem('redline.token')) === null,
    'signing out forgets the token');
  check(errors.length === 0, 'no page errors', errors.join('; '));
  console.log(`${passed} passed, 0 failed`);
} catch (e) {
  console.log(e.message);
  if (page) await page.screenshot({ path: path.join(c.artifacts, 'web_signin_failure.png') }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
