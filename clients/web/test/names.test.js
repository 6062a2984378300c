// The page's names of zone kinds and levels are the names table's
// (spatial/rules/names.h): i18n.js's label() against the table as
// redline_names_js prints it. Needs the build: ctest's web.unit sets
// REDLINE_WEB_DIR (build/web, where names.js is generated beside a copy of
// i18n.js) and REDLINE_NAMES_JS (the generator); without them the test looks
// in ./build and is skipped when nothing is built there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const webDir = process.env.REDLINE_WEB_DIR || join(root, 'build/web');
const generator = process.env.REDLINE_NAMES_JS || join(root, 'build/clients/redline_names_js');
const built = existsSync(join(webDir, 'names.js')) && existsSync(generator);

test('the page names kinds and levels as the names table does', { skip: !built && 'not built' }, async () => {
  const table = JSON.parse(execFileSync(generator, ['--json'], { encoding: 'utf8' }));
  // What i18n.js touches when the language changes.
  globalThis.document = { documentElement: {}, querySelectorAll: () => [], title: '' };
  const i18n = await import(pathToFileURL(join(webDir, 'i18n.js')).href);
  const names = await import(pathToFileURL(join(webDir, 'names.js')).href);
  assert.deepEqual(names.ZONE_KIND_NAMES, table.kinds);
  assert.deepEqual(names.LEVEL_NAMES, table.levels);
  assert.ok(Object.keys(table.kinds).length >= 5 && Object.keys(table.levels).length === 3);
  for (const lang of ['zh', 'en']) {
    i18n.setLang(lang);
    for (const [kind, name] of Object.entries(table.kinds)) {
      assert.equal(i18n.label('kind', kind), name[lang], `${lang} ${kind}`);
    }
    for (const [level, name] of Object.entries(table.levels)) {
      assert.equal(i18n.label('level', level), name[lang], `${lang} ${level}`);
    }
  }
});
