// Datum shifts of Chinese web-map tiles: WGS84 (≈ CGCS2000) <-> GCJ-02
// (Amap, Tencent) <-> BD-09 (Baidu). The page holds the zones in CGCS2000
// longitude/latitude and never shifts them; a GCJ-02 or BD-09 base map is
// drawn by shifting each tile's frame instead (basemap.js).
//
// CGCS2000 is used as WGS84 here: the two frames differ by centimetres in
// China (CGCS2000 is aligned to ITRF97 at epoch 2000.0, WGS84 (G1150+) to
// ITRF2000-class frames), far below a screen pixel and the ~1 m GCJ-02
// noise that real map providers add anyway.
//
// The GCJ-02 forward formula is the well-known public one (the leaked
// "offset" polynomial on the Krasovsky 1940 ellipsoid, a = 6378245 m,
// e² = 0.00669342162296594323), as published in e.g. googollee/eviltransform
// (BSD-2-Clause, https://github.com/googollee/eviltransform) and
// wandergis/coordtransform (MIT); BD-09 is GCJ-02 with Baidu's further
// rotation/scale (x_pi = π·3000/180), same sources. GCJ-02 has no closed
// inverse: gcj02ToWgs84 and bd09ToGcj02 iterate the forward formula to
// below 1e-9 degrees (about 0.1 mm).
//
// Points are [lon, lat] arrays in degrees. Pure functions, no DOM.

const A = 6378245.0;
const EE = 0.00669342162296594323;
const X_PI = (Math.PI * 3000.0) / 180.0;

/** Outside China's rough box GCJ-02 leaves coordinates as they are. */
export function outOfChina([lon, lat]) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function offsetLat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function offsetLon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

export function wgs84ToGcj02([lon, lat]) {
  if (outOfChina([lon, lat])) return [lon, lat];
  let dLat = offsetLat(lon - 105.0, lat - 35.0);
  let dLon = offsetLon(lon - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  dLon = (dLon * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lon + dLon, lat + dLat];
}

export function gcj02ToBd09([lon, lat]) {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

/** The inverse of `forward` at `p` by fixed-point iteration (the shifts are smooth and small). */
function invert(forward, p) {
  let q = [p[0], p[1]];
  for (let i = 0; i < 30; i += 1) {
    const f = forward(q);
    const dx = f[0] - p[0];
    const dy = f[1] - p[1];
    q = [q[0] - dx, q[1] - dy];
    if (Math.abs(dx) < 1e-10 && Math.abs(dy) < 1e-10) break;
  }
  return q;
}

export const gcj02ToWgs84 = (p) => (outOfChina(p) ? [p[0], p[1]] : invert(wgs84ToGcj02, p));
export const bd09ToGcj02 = (p) => invert(gcj02ToBd09, p);
export const wgs84ToBd09 = (p) => gcj02ToBd09(wgs84ToGcj02(p));
export const bd09ToWgs84 = (p) => gcj02ToWgs84(bd09ToGcj02(p));

/** The tile frames a base map may declare (config `crs`). */
export const TILE_FRAMES = ['cgcs2000', 'wgs84', 'gcj02', 'bd09'];

/** A CGCS2000/WGS84 point in the tiles' frame: where the tiles draw it. */
export function toTileFrame(frame, p) {
  if (frame === 'gcj02') return wgs84ToGcj02(p);
  if (frame === 'bd09') return wgs84ToBd09(p);
  return [p[0], p[1]];
}

/** A point of the tiles' frame back in CGCS2000/WGS84. */
export function fromTileFrame(frame, p) {
  if (frame === 'gcj02') return gcj02ToWgs84(p);
  if (frame === 'bd09') return bd09ToWgs84(p);
  return [p[0], p[1]];
}
