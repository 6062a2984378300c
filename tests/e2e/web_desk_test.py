#!/usr/bin/python3
"""End-to-end: the staff desk's base maps, context layers and stumbles, in
headless Chromium (tests/e2e/web_desk.mjs, playwright-core).

A local tile server (http.server on a free port) serves generated PNG tiles
that draw one known feature: the outline of the 一级 zone WS-330106-001-1,
in magenta, in the tiles' own frame: at its true CGCS2000 position for the
"cgcs2000" base map, at its GCJ-02-shifted position (the public formula,
written again here independently of clients/web/datum_shift.js) for the
"gcj02" one, as Amap's tiles would draw it. The tiles need the token the
server fills in from ${REDLINE_TEST_TILE_TOKEN}. For each frame the page
shows the zone; the browser half measures where Leaflet drew the zone's
SVG outline, takes a screenshot with the zones hidden, and this half
finds the tiles' magenta outline in it: the two must land within 1.5 px.
(Unshifted, the GCJ-02 tiles would be off by hundreds of pixels at that zoom;
the test checks that too, so it cannot pass by accident.)

Also: the start view holds the whole sample, the made-up counties (kind:
context) are drawn with their names, a failed check clears the previous
verdict and disables the record, a point site shows overlap "—", the
English page at 1366×768 shows the whole zones table, and a server without
base maps gives a working page with no tiles.
"""

import http.server
import io
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
import web_page_test as web  # noqa: E402

from osgeo import ogr  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

ogr.UseExceptions()

SCRIPT = os.path.join(e2e.HERE, "web_desk.mjs")
TOKEN_ENV = "REDLINE_TEST_TILE_TOKEN"
TOKEN = "t0ken-for-the-test-tiles"
MAGENTA = (255, 0, 255)
ALIGN_PX = 1.5


# --- GCJ-02, the public formula (Krasovsky ellipsoid), as Amap's tiles use it
def _gcj_delta(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3)
    a, ee = 6378245.0, 0.00669342162296594323
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    dlat = dlat * 180.0 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = dlon * 180.0 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return dlon, dlat


def to_frame(frame, lon, lat):
    if frame == "gcj02":
        dlon, dlat = _gcj_delta(lon, lat)
        return lon + dlon, lat + dlat
    return lon, lat


def world_px(lon, lat, z):
    """Web Mercator pixel of (lon, lat) at zoom z (256-px tiles)."""
    n = 256 * 2 ** z
    s = math.sin(math.radians(lat))
    return (lon + 180.0) / 360.0 * n, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n


def zone_rings(zone_id):
    """The zone's rings as [[(lon, lat), ...], ...], EPSG:4490 from the sample."""
    ds = ogr.Open(os.path.join(e2e.SAMPLE_DIR, "water_source.gpkg"))
    layer = ds.GetLayer("water_source")
    layer.SetAttributeFilter(f"zone_code = '{zone_id}'")
    feature = layer.GetNextFeature()  # owns the geometry: keep it alive
    g = feature.GetGeometryRef()
    polys = [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())] \
        if g.GetGeometryType() in (ogr.wkbMultiPolygon, ogr.wkbMultiPolygon25D) else [g]
    rings = []
    for p in polys:
        for i in range(p.GetGeometryCount()):
            r = p.GetGeometryRef(i)
            rings.append([(r.GetX(k), r.GetY(k)) for k in range(r.GetPointCount())])
    return rings


class TileServer:
    """PNG tiles of one feature (rings in lon/lat), drawn in a frame per URL prefix."""

    def __init__(self, rings):
        self.rings = rings
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                outer.requests.append(url.path)
                if urllib.parse.parse_qs(url.query).get("tk") != [TOKEN]:
                    self.send_error(403, "token")
                    return
                parts = url.path.strip("/").split("/")
                try:
                    frame, z, x, y = parts[0], int(parts[1]), int(parts[2]), int(parts[3][:-4])
                except (IndexError, ValueError):
                    self.send_error(404)
                    return
                body = outer.tile(frame, z, x, y)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def tile(self, frame, z, x, y):
        img = Image.new("RGB", (256, 256), (250, 250, 245))
        d = ImageDraw.Draw(img)
        for ring in self.rings:
            pts = []
            for lon, lat in ring:
                fx, fy = to_frame(frame, lon, lat)
                px, py = world_px(fx, fy, z)
                pts.append((px - 256 * x, py - 256 * y))
            d.line(pts, fill=MAGENTA, width=3)
        out = io.BytesIO()
        img.save(out, "PNG")
        return out.getvalue()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def magenta_centroid(path, clip):
    """Mean page position of the magenta-ish pixels of a screenshot of `clip`."""
    img = Image.open(path).convert("RGB")
    sx = sy = n = 0
    w, h = img.size
    px = img.load()
    for j in range(h):
        for i in range(w):
            r, g, b = px[i, j]
            if r > 180 and b > 180 and g < 120:
                sx += i
                sy += j
                n += 1
    # Pixel i covers [i, i + 1) (in the screenshot as in Pillow's drawing
    # coordinates, whose pixel (0, 0) is centred on (0.5, 0.5)): its centre.
    return (clip["x"] + sx / n + 0.5, clip["y"] + sy / n + 0.5, n) if n else (None, None, 0)


class WebDeskTest(unittest.TestCase):
    def test_base_maps_context_and_stumbles(self):
        self.assertTrue(os.access(web.CHROMIUM, os.X_OK), f"{web.CHROMIUM} is missing")
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing")
        rings = zone_rings(web.WS1_ZONE)
        tiles = TileServer(rings)
        base = f"http://127.0.0.1:{tiles.port}"
        table, _ = web.ws1_site()
        lon, lat = web.ws1_inner_point()
        lons = [p[0] for r in rings for p in r]
        lats = [p[1] for r in rings for p in r]
        os.environ[TOKEN_ENV] = TOKEN
        with e2e.tempdir() as tmp:
            basemaps = [
                {"name": "gcj-test", "kind": "vector", "crs": "gcj02",
                 "url": base + "/gcj02/{z}/{x}/{y}.png?tk={token}",
                 "token": "${" + TOKEN_ENV + "}", "attribution": "test tiles (GCJ-02)"},
                {"name": "cgcs-test", "kind": "imagery", "crs": "cgcs2000",
                 "url": base + "/cgcs2000/{z}/{x}/{y}.png?tk={token}",
                 "token": "${" + TOKEN_ENV + "}", "attribution": "test tiles (CGCS2000)"},
            ]
            cfg = e2e.write_config(tmp, web={"basemaps": basemaps})
            with open(cfg, encoding="utf-8") as f:
                self.assertNotIn(TOKEN, f.read())  # the config names the variable only
            with e2e.Server(cfg) as srv, e2e.Server() as offline:
                srv.wait_http()
                offline.wait_http()
                # The route gives the page its base maps, the token filled in;
                # the page's Content-Security-Policy lets it load their tiles.
                opener = e2e._loopback_opener()
                with opener.open(srv.http_url + "/v1/web-config", timeout=30) as r:
                    served = json.loads(r.read())["basemaps"]
                    self.assertEqual(r.headers.get("Cache-Control"), "no-store")
                self.assertEqual([m["crs"] for m in served], ["gcj02", "cgcs2000"])
                self.assertTrue(served[0]["url"].endswith("?tk=" + TOKEN), served[0]["url"])
                with opener.open(srv.http_url + "/", timeout=30) as r:
                    csp = r.headers.get("Content-Security-Policy")
                self.assertIn(f"img-src 'self' data: blob: {base};", csp)
                with opener.open(offline.http_url + "/v1/web-config", timeout=30) as r:
                    self.assertEqual(json.loads(r.read()), {"basemaps": []})
                case = {
                    "url": srv.http_url + "/", "urlOffline": offline.http_url + "/",
                    "nodeModules": web.NODE_MODULES, "chromium": web.CHROMIUM,
                    "artifacts": web.ARTIFACTS, "out": os.path.join(tmp, "out.json"),
                    "zoneId": web.WS1_ZONE,
                    "zoneBounds": [min(lats), min(lons), max(lats), max(lons)],
                    "point": f"{lon:.7f} {lat:.7f}",
                    "ws1Table": table,
                    "frames": ["gcj02", "cgcs2000"],
                    "names": {"gcj02": "gcj-test", "cgcs2000": "cgcs-test"},
                }
                case_path = os.path.join(tmp, "case.json")
                with open(case_path, "w", encoding="utf-8") as f:
                    json.dump(case, f, ensure_ascii=False)
                proc = subprocess.run([node, SCRIPT, case_path], capture_output=True, text=True,
                                      encoding="utf-8", errors="replace", timeout=300)
                sys.stdout.write(proc.stdout)
                sys.stderr.write(proc.stderr)
                self.assertEqual(proc.returncode, 0,
                                 f"the browser script failed:\n{proc.stdout}\n{proc.stderr}\n"
                                 f"server log:\n{srv.log()[-3000:]}")
                with open(case["out"], encoding="utf-8") as f:
                    out = json.load(f)
        tiles.close()
        self.assertTrue(any(p.startswith("/gcj02/") for p in tiles.requests))
        self.assertTrue(any(p.startswith("/cgcs2000/") for p in tiles.requests))
        for frame in case["frames"]:
            with self.subTest(frame=frame):
                m = out[frame]
                tx, ty, n = magenta_centroid(m["shot"], m["clip"])
                self.assertGreater(n, 100, f"no tile outline in {m['shot']}")
                sx, sy = m["svg"]
                err = math.hypot(tx - sx, ty - sy)
                print(f"{frame}: zone outline at ({sx:.2f}, {sy:.2f}), tiles' at ({tx:.2f}, {ty:.2f}):"
                      f" {err:.2f} px apart at zoom {m['zoom']}")
                self.assertLess(err, ALIGN_PX)
        # Drawn unshifted, the GCJ-02 tiles would be far off at that zoom.
        z = out["gcj02"]["zoom"]
        cx, cy = sum(lons) / len(lons), sum(lats) / len(lats)
        gx, gy = to_frame("gcj02", cx, cy)
        shift_px = math.dist(world_px(cx, cy, z), world_px(gx, gy, z))
        self.assertGreater(shift_px, 50, f"the GCJ-02 shift is only {shift_px:.1f} px")


if __name__ == "__main__":
    unittest.main(verbosity=2)
