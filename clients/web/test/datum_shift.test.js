// Unit tests of datum_shift.js: `node --test clients/web/test/`.
// Reference points: the wgs -> gcj pairs of googollee/eviltransform's test
// suite (Shanghai, Shenzhen, Beijing) and hujiulong/gcoord's GCJ02 -> WGS84
// and GCJ02 -> BD09 cases. (eviltransform's bd -> wgs pairs are not used:
// its one-step inverses are tens of metres off.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  wgs84ToGcj02, gcj02ToWgs84, gcj02ToBd09, bd09ToGcj02, wgs84ToBd09, bd09ToWgs84,
  outOfChina, toTileFrame, fromTileFrame,
} from '../datum_shift.js';

// Ground metres between two [lon, lat] points (equirectangular: fine at < 1 km).
function metres(a, b) {
  const R = 6371008.8;
  const rad = Math.PI / 180;
  const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
  const y = (b[1] - a[1]) * rad;
  return R * Math.hypot(x, y);
}

// [wgs lon, wgs lat, gcj lon, gcj lat]
const WGS_GCJ = [
  [121.5272106, 31.1774276, 121.531541859215, 31.17530398364597],   // Shanghai
  [113.912316, 22.543847, 113.9171764808363, 22.540796131694766],   // Shenzhen
  [116.377817, 39.911954, 116.38404722455657, 39.91334545536069],   // Beijing
];
test('wgs84ToGcj02 matches the published reference points within 0.5 m', () => {
  for (const [lon, lat, glon, glat] of WGS_GCJ) {
    const g = wgs84ToGcj02([lon, lat]);
    assert.ok(metres(g, [glon, glat]) < 0.5, `${lon},${lat}: ${g} vs ${glon},${glat}`);
    // The shift itself is hundreds of metres: the test would notice a no-op.
    assert.ok(metres([lon, lat], g) > 100);
  }
});

test('gcj02ToWgs84 matches gcoord within 1 m', () => {
  const w = gcj02ToWgs84([123, 45]);
  assert.ok(metres(w, [122.99395597, 44.99804071]) < 1, `${w}`);
});

test('gcj02ToBd09 matches gcoord', () => {
  const b = gcj02ToBd09([123, 45]);
  assert.ok(Math.abs(b[0] - 123.00636499) < 1e-7);
  assert.ok(Math.abs(b[1] - 45.00636899) < 1e-7);
});

test('round trips over Zhejiang stay under 1 mm (the brief asks < 1 m)', () => {
  let worst = 0;
  for (let lon = 118.0; lon <= 123.0; lon += 0.25) {
    for (let lat = 27.0; lat <= 31.5; lat += 0.25) {
      const p = [lon, lat];
      worst = Math.max(worst,
        metres(p, gcj02ToWgs84(wgs84ToGcj02(p))),
        metres(p, wgs84ToGcj02(gcj02ToWgs84(p))),
        metres(p, bd09ToGcj02(gcj02ToBd09(p))),
        metres(p, bd09ToWgs84(wgs84ToBd09(p))));
    }
  }
  assert.ok(worst < 0.001, `worst round trip ${worst} m`);
});

test('outside China nothing moves; CGCS2000 and WGS84 frames are the identity', () => {
  assert.ok(outOfChina([2.35, 48.85]));
  assert.deepEqual(wgs84ToGcj02([2.35, 48.85]), [2.35, 48.85]);
  assert.deepEqual(gcj02ToWgs84([2.35, 48.85]), [2.35, 48.85]);
  assert.ok(!outOfChina([120.2, 30.3]));
  for (const frame of ['cgcs2000', 'wgs84']) {
    assert.deepEqual(toTileFrame(frame, [120.2, 30.3]), [120.2, 30.3]);
    assert.deepEqual(fromTileFrame(frame, [120.2, 30.3]), [120.2, 30.3]);
  }
  const g = toTileFrame('gcj02', [120.2, 30.3]);
  assert.ok(metres(fromTileFrame('gcj02', g), [120.2, 30.3]) < 0.001);
  const b = toTileFrame('bd09', [120.2, 30.3]);
  assert.ok(metres(fromTileFrame('bd09', b), [120.2, 30.3]) < 0.001);
});
