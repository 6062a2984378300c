// Unit tests of wkb.js: `node --test clients/web/test/` (or `npm test` in clients/web).
// The hex strings were written by GDAL (OGRGeometry::exportToWkb, ISO and
// old-style variants, both byte orders); the EWKB ones by hand per PostGIS's layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wkbToGeoJSON, tryWkbToGeoJSON, base64ToBytes, WkbError } from '../wkb.js';

const hex = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
const b64 = (h) => Buffer.from(hex(h)).toString('base64');

const CASES = [
  ['Point', { type: 'Point', coordinates: [120.5, 30.25] },
    '01010000000000000000205e400000000000403e40',
    '0000000001405e200000000000403e400000000000'],
  ['LineString', { type: 'LineString', coordinates: [[120, 30], [121, 31], [122, 30.5]] },
    '0102000000030000000000000000005e400000000000003e400000000000405e400000000000003f400000000000805e400000000000803e40',
    '000000000200000003405e000000000000403e000000000000405e400000000000403f000000000000405e800000000000403e800000000000'],
  ['Polygon with a hole', { type: 'Polygon', coordinates: [
    [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[2, 2], [2, 3], [3, 3], [2, 2]]] },
    '0103000000020000000500000000000000000000000000000000000000000000000000244000000000000000000000000000002440000000000000244000000000000000000000000000002440000000000000000000000000000000000400000000000000000000400000000000000040000000000000004000000000000008400000000000000840000000000000084000000000000000400000000000000040',
    '0000000003000000020000000500000000000000000000000000000000402400000000000000000000000000004024000000000000402400000000000000000000000000004024000000000000000000000000000000000000000000000000000440000000000000004000000000000000400000000000000040080000000000004008000000000000400800000000000040000000000000004000000000000000'],
  ['MultiPoint', { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
    '0104000000020000000101000000000000000000f03f0000000000000040010100000000000000000008400000000000001040',
    '00000000040000000200000000013ff00000000000004000000000000000000000000140080000000000004010000000000000'],
  ['MultiLineString', { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] },
    '01050000000200000001020000000200000000000000000000000000000000000000000000000000f03f000000000000f03f0102000000020000000000000000000040000000000000004000000000000008400000000000000840',
    '000000000500000002000000000200000002000000000000000000000000000000003ff00000000000003ff00000000000000000000002000000024000000000000000400000000000000040080000000000004008000000000000'],
  ['MultiPolygon', { type: 'MultiPolygon', coordinates: [
    [[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]] },
    '0106000000020000000103000000010000000400000000000000000000000000000000000000000000000000f03f0000000000000000000000000000f03f000000000000f03f000000000000000000000000000000000103000000010000000400000000000000000014400000000000001440000000000000184000000000000014400000000000001840000000000000184000000000000014400000000000001440',
    '00000000060000000200000000030000000100000004000000000000000000000000000000003ff000000000000000000000000000003ff00000000000003ff0000000000000000000000000000000000000000000000000000003000000010000000440140000000000004014000000000000401800000000000040140000000000004018000000000000401800000000000040140000000000004014000000000000'],
  ['GeometryCollection', { type: 'GeometryCollection', geometries: [
    { type: 'Point', coordinates: [1, 2] }, { type: 'LineString', coordinates: [[0, 0], [1, 1]] }] },
    '0107000000020000000101000000000000000000f03f000000000000004001020000000200000000000000000000000000000000000000000000000000f03f000000000000f03f',
    '00000000070000000200000000013ff00000000000004000000000000000000000000200000002000000000000000000000000000000003ff00000000000003ff0000000000000'],
];

for (const [name, want, le, be] of CASES) {
  test(`${name}: little endian, from bytes and from base64`, () => {
    assert.deepEqual(wkbToGeoJSON(hex(le)), want);
    assert.deepEqual(wkbToGeoJSON(b64(le)), want);
  });
  test(`${name}: big endian`, () => {
    assert.deepEqual(wkbToGeoJSON(hex(be)), want);
  });
}

test('ISO Z point (type 1001), both byte orders', () => {
  const want = { type: 'Point', coordinates: [1, 2, 3] };
  assert.deepEqual(wkbToGeoJSON(hex('01e9030000000000000000f03f00000000000000400000000000000840')), want);
  assert.deepEqual(wkbToGeoJSON(hex('00000003e93ff000000000000040000000000000004008000000000000')), want);
});

test('ISO Z polygon (type 1003)', () => {
  assert.deepEqual(wkbToGeoJSON(hex('01eb030000010000000400000000000000000000000000000000000000000000000000f03f000000000000f03f00000000000000000000000000000040000000000000f03f000000000000f03f000000000000084000000000000000000000000000000000000000000000f03f')),
    { type: 'Polygon', coordinates: [[[0, 0, 1], [1, 0, 2], [1, 1, 3], [0, 0, 1]]] });
});

test('ISO M (2001) and ZM (3001): M is dropped', () => {
  assert.deepEqual(wkbToGeoJSON(hex('01d1070000000000000000f03f00000000000000400000000000002240')),
    { type: 'Point', coordinates: [1, 2] });
  assert.deepEqual(wkbToGeoJSON(hex('0000000bb93ff0000000000000400000000000000040080000000000004022000000000000')),
    { type: 'Point', coordinates: [1, 2, 3] });
});

test('EWKB Z flag (0x80000000), as GDAL writes old-style 2.5D', () => {
  assert.deepEqual(wkbToGeoJSON(hex('0101000080000000000000f03f00000000000000400000000000000840')),
    { type: 'Point', coordinates: [1, 2, 3] });
});

test('EWKB with SRID 4490 and Z, little and big endian', () => {
  // 0xA0000001 = Z | SRID | Point; 4490 = 0x0000118A.
  const le = '01010000a08a110000000000000000f03f00000000000000400000000000000840';
  const be = '00a0000001' + '0000118a' + '3ff0000000000000' + '4000000000000000' + '4008000000000000';
  assert.deepEqual(wkbToGeoJSON(hex(le)), { type: 'Point', coordinates: [1, 2, 3] });
  assert.deepEqual(wkbToGeoJSON(hex(be)), { type: 'Point', coordinates: [1, 2, 3] });
});

test('EWKB M flag (0x40000000) and SRID without Z', () => {
  // 0x60000001 = M | SRID | Point
  const le = '0101000060' + '8a110000' + '000000000000f03f' + '0000000000000040' + '0000000000002240';
  assert.deepEqual(wkbToGeoJSON(hex(le)), { type: 'Point', coordinates: [1, 2] });
});

test('empty point (NaN coordinates) and empty collections', () => {
  assert.deepEqual(wkbToGeoJSON(hex('0101000000000000000000f87f000000000000f87f')),
    { type: 'Point', coordinates: [] });
  assert.deepEqual(wkbToGeoJSON(hex('010300000000000000')), { type: 'Polygon', coordinates: [] });
  assert.deepEqual(wkbToGeoJSON(hex('010700000000000000')), { type: 'GeometryCollection', geometries: [] });
});

test('mixed byte orders inside a multi geometry', () => {
  // MultiPoint little endian holding one big-endian and one little-endian point.
  const h = '010400000002000000' + '00000000013ff00000000000004000000000000000'
    + '010100000000000000000008400000000000001040';
  assert.deepEqual(wkbToGeoJSON(hex(h)), { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] });
});

test('base64: URL-safe alphabet and missing padding', () => {
  const bytes = hex('0101000000000000000000f03f0000000000000040');
  const std = Buffer.from(bytes).toString('base64');
  const url = std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  assert.deepEqual(base64ToBytes(url), bytes);
  assert.deepEqual(wkbToGeoJSON(url), { type: 'Point', coordinates: [1, 2] });
});

test('errors: truncated, bad byte order, unknown type, trailing bytes', () => {
  assert.throws(() => wkbToGeoJSON(hex('0101000000000000000000f03f')), WkbError);
  assert.throws(() => wkbToGeoJSON(hex('0201000000000000000000f03f0000000000000040')), WkbError);
  assert.throws(() => wkbToGeoJSON(hex('0109000000')), WkbError);
  assert.throws(() => wkbToGeoJSON(hex('0101000000000000000000f03f000000000000004000')), WkbError);
  assert.throws(() => wkbToGeoJSON(hex('0104000000010000000102000000000000000')), WkbError);
});

test('tryWkbToGeoJSON: null for absent or broken values', () => {
  assert.equal(tryWkbToGeoJSON(undefined), null);
  assert.equal(tryWkbToGeoJSON(''), null);
  assert.equal(tryWkbToGeoJSON('AQE='), null);
  assert.deepEqual(tryWkbToGeoJSON(b64('01010000000000000000205e400000000000403e40')),
    { type: 'Point', coordinates: [120.5, 30.25] });
});
