// WKB -> GeoJSON geometry, for the base64 WKB fields of Redline's JSON answers
// (site.geometryWkb, hits[].zoneGeometryWkb, hits[].intersectionWkb, ...).
//
// Reads Point, LineString, Polygon, MultiPoint, MultiLineString,
// MultiPolygon and GeometryCollection, in either byte order, in 2D, and with
// Z and/or M given the ISO way (type + 1000 / 2000 / 3000) or the EWKB way
// (high bits 0x80000000 Z, 0x40000000 M, 0x20000000 SRID follows). Z is kept
// as a third coordinate, M is dropped (GeoJSON has no place for it). An empty
// point (NaN coordinates) becomes a Point with no coordinates.
//
// Plain ES module without dependencies: the page imports it, and so does
// `node --test` (test/wkb.test.js).

const TYPES = {
  1: 'Point',
  2: 'LineString',
  3: 'Polygon',
  4: 'MultiPoint',
  5: 'MultiLineString',
  6: 'MultiPolygon',
  7: 'GeometryCollection',
};

const EWKB_Z = 0x80000000;
const EWKB_M = 0x40000000;
const EWKB_SRID = 0x20000000;

export class WkbError extends Error {}

/** Bytes of a base64 string (standard or URL-safe alphabet, padding optional). */
export function base64ToBytes(text) {
  let s = String(text).replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  while (s.length % 4) s += '=';
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBytes(input) {
  if (typeof input === 'string') return base64ToBytes(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new WkbError('WKB must be a base64 string, a Uint8Array or an ArrayBuffer');
}

class Reader {
  constructor(bytes) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }
  need(n) {
    if (this.pos + n > this.view.byteLength) {
      throw new WkbError(`WKB ends early: ${n} bytes wanted at offset ${this.pos} of ${this.view.byteLength}`);
    }
  }
  byte() { this.need(1); return this.view.getUint8(this.pos++); }
  uint32(le) { this.need(4); const v = this.view.getUint32(this.pos, le); this.pos += 4; return v; }
  float64(le) { this.need(8); const v = this.view.getFloat64(this.pos, le); this.pos += 8; return v; }
}

function readGeometry(r) {
  const order = r.byte();
  if (order !== 0 && order !== 1) throw new WkbError(`bad byte-order mark ${order} at offset ${r.pos - 1}`);
  const le = order === 1;
  const raw = r.uint32(le);
  let hasZ = (raw & EWKB_Z) !== 0;
  let hasM = (raw & EWKB_M) !== 0;
  if (raw & EWKB_SRID) r.uint32(le);  // the SRID: WKB here is always EPSG:4490
  let code = raw & 0x0fffffff;
  const dims = Math.floor(code / 1000);
  code %= 1000;
  if (dims === 1 || dims === 3) hasZ = true;
  if (dims === 2 || dims === 3) hasM = true;
  if (dims > 3) throw new WkbError(`unknown WKB type ${raw}`);
  const type = TYPES[code];
  if (!type) throw new WkbError(`unsupported WKB geometry type ${raw}`);

  const point = () => {
    const x = r.float64(le);
    const y = r.float64(le);
    const z = hasZ ? r.float64(le) : undefined;
    if (hasM) r.float64(le);
    return hasZ ? [x, y, z] : [x, y];
  };
  const points = () => {
    const n = r.uint32(le);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = point();
    return out;
  };
  const rings = () => {
    const n = r.uint32(le);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = points();
    return out;
  };
  const children = (want) => {
    const n = r.uint32(le);
    const out = [];
    for (let i = 0; i < n; i++) {
      const g = readGeometry(r);
      if (want && g.type !== want) throw new WkbError(`a ${type} holds a ${g.type}`);
      out.push(g);
    }
    return out;
  };

  switch (type) {
    case 'Point': {
      const c = point();
      return { type, coordinates: Number.isNaN(c[0]) && Number.isNaN(c[1]) ? [] : c };
    }
    case 'LineString': return { type, coordinates: points() };
    case 'Polygon': return { type, coordinates: rings() };
    case 'MultiPoint':
      return { type, coordinates: children('Point').map((g) => g.coordinates).filter((c) => c.length) };
    case 'MultiLineString': return { type, coordinates: children('LineString').map((g) => g.coordinates) };
    case 'MultiPolygon': return { type, coordinates: children('Polygon').map((g) => g.coordinates) };
    default: return { type, geometries: children(null) };
  }
}

/** The GeoJSON geometry of a WKB (base64 string, Uint8Array or ArrayBuffer). */
export function wkbToGeoJSON(input) {
  const bytes = toBytes(input);
  if (bytes.length === 0) return null;
  const r = new Reader(bytes);
  const g = readGeometry(r);
  if (r.pos !== bytes.length) {
    throw new WkbError(`${bytes.length - r.pos} bytes left over after the geometry`);
  }
  return g;
}

/** wkbToGeoJSON, but null instead of an exception (for optional answer fields). */
export function tryWkbToGeoJSON(input) {
  if (input === undefined || input === null || input === '') return null;
  try {
    return wkbToGeoJSON(input);
  } catch (e) {
    return null;
  }
}
