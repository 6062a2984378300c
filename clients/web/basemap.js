// Base maps for the staff page, from the server's config (GET v1/web-config):
// tile layers drawn under the zones, in the tiles' own frame.
//
// CGCS2000 and WGS84 tiles (天地图, an internal tile server) are drawn as
// they are: the frames differ by centimetres. GCJ-02 (Amap, Tencent) and
// BD-09 (Baidu's datum, on the standard XYZ grid) tiles would sit 500 m to
// 1 km off the zones; the zones' data is never moved, each tile's frame is:
// ShiftedTiles draws the map tile (x, y, z) from the source tiles that cover
// the same ground in the shifted frame, offset by the shift at the tile's
// centre (datum_shift.js). Across one 256-px tile the shift changes by far
// less than a pixel at every zoom (it varies over tens of kilometres), so
// placing instead of warping is exact to the pixel.
import { toTileFrame } from './datum_shift.js';

const L = window.L;

function subdomainFor(subdomains, x, y) {
  if (!subdomains || !subdomains.length) return '';
  return subdomains[Math.abs(x + y) % subdomains.length];
}

function tileUrl(template, subdomains, x, y, z) {
  return L.Util.template(template, { s: subdomainFor(subdomains, x, y), x, y, z });
}

const ShiftedTiles = L.GridLayer.extend({
  initialize(url, options) {
    this._url = url;
    L.GridLayer.prototype.initialize.call(this, options);
  },

  createTile(coords, done) {
    const size = this.getTileSize();
    const tile = L.DomUtil.create('div', 'shifted-tile');
    tile.style.overflow = 'hidden';
    tile.style.width = `${size.x}px`;
    tile.style.height = `${size.y}px`;
    const z = coords.z;
    const map = this._map;
    const nw = coords.scaleBy(size);
    const centrePx = nw.add(size.divideBy(2));
    const centre = map.unproject(centrePx, z);
    const [lon, lat] = toTileFrame(this.options.frame, [centre.lng, centre.lat]);
    // Where the tiles draw the ground at this tile's centre, in pixels.
    const d = map.project(L.latLng(lat, lon), z).subtract(centrePx);
    const origin = nw.add(d);  // the source frame's pixel at this tile's top left
    const n = 2 ** z;
    const x0 = Math.floor(origin.x / size.x);
    const y0 = Math.floor(origin.y / size.y);
    let pending = 0;
    const finished = () => { pending -= 1; if (pending === 0) done(null, tile); };
    for (let sx = x0; sx <= x0 + 1; sx += 1) {
      for (let sy = y0; sy <= y0 + 1; sy += 1) {
        if (sy < 0 || sy >= n) continue;
        const img = document.createElement('img');
        img.alt = '';
        img.draggable = false;
        img.style.position = 'absolute';
        img.style.width = `${size.x}px`;
        img.style.height = `${size.y}px`;
        img.style.left = `${sx * size.x - origin.x}px`;
        img.style.top = `${sy * size.y - origin.y}px`;
        pending += 1;
        img.onload = finished;
        img.onerror = finished;
        img.src = tileUrl(this._url, this.options.subdomains, ((sx % n) + n) % n, sy, z);
        tile.appendChild(img);
      }
    }
    if (pending === 0) setTimeout(() => done(null, tile), 0);
    return tile;
  },
});

/** A Leaflet layer for one `web.basemaps` entry of the config. */
export function basemapLayer(cfg) {
  const options = {
    attribution: cfg.attribution || '',
    maxNativeZoom: cfg.maxZoom || 18,
    maxZoom: 19,
    subdomains: cfg.subdomains && cfg.subdomains.length ? cfg.subdomains : [''],
    frame: cfg.crs || 'cgcs2000',
    className: `basemap basemap-${cfg.crs || 'cgcs2000'}`,
  };
  if (options.frame === 'gcj02' || options.frame === 'bd09') return new ShiftedTiles(cfg.url, options);
  return L.tileLayer(cfg.url, options);
}
