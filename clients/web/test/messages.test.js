// The page shows a text the server sent for people in its own language: the
// Message's textZh or textEn (spatial/base/messages.h), and the older English
// field only in English or when an older server sent no Message. Needs the
// build's copy of i18n.js beside names.js (REDLINE_WEB_DIR, set by ctest's
// web.unit); skipped when nothing is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const webDir = process.env.REDLINE_WEB_DIR || join(root, 'build/web');
const built = existsSync(join(webDir, 'names.js')) && existsSync(join(webDir, 'i18n.js'));

test('server texts in the page\'s language', { skip: !built && 'not built' }, async () => {
  globalThis.document = { documentElement: {}, querySelectorAll: () => [], title: '' };
  const i18n = await import(pathToFileURL(join(webDir, 'i18n.js')).href);
  const reason = { code: 'verdict.clear_no_hit', params: {}, textZh: '选址未触及任何保护区', textEn: 'the site touches no zone' };
  i18n.setLang('zh');
  assert.equal(i18n.msgText(reason, 'the site touches no zone'), '选址未触及任何保护区');
  assert.deepEqual(i18n.msgTexts([reason], ['the site touches no zone']), ['选址未触及任何保护区']);
  assert.equal(i18n.msgText(undefined, 'old server'), 'old server');
  assert.deepEqual(i18n.msgTexts(undefined, undefined), []);
  i18n.setLang('en');
  assert.equal(i18n.msgText(reason, 'x'), 'the site touches no zone');
  assert.deepEqual(i18n.msgTexts([], ['a', 'b']), ['a', 'b']);
});
