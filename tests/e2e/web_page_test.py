#!/usr/bin/python3
"""End-to-end: the staff desk page (clients/web) in headless Chromium.

Starts the real redlined on the sample data with --http (serving build/web,
which the build copies from clients/web), then runs tests/e2e/web_page.mjs:
playwright-core (clients/web/node_modules) drives Debian's /usr/bin/chromium
through the page: the zone layers and the legend, a pasted Gauss-Kruger
coordinate table of a site crossing the boundary of a 一级 water-source zone
(verdict and article as the server itself answers them over gRPC), the
printable record, English, the tablet layout, a polygon drawn with the mouse,
an outfall point typed in degrees-minutes-seconds, and the upload of a zipped
Shapefile with GBK attributes (tests/data/web/site_gbk_shp.zip) and of one
without .prj (the page asks for the CRS); no console errors. Screenshots go to
$REDLINE_BUILD/artifacts/web_*.png.

The test site is computed, not guessed: a 200 m square centred where the line
east from the centroid of zone WS-330106-001-1 (level "1", read as 一级)
crosses its boundary, in EPSG:4549 (the working CRS).

REDLINE_DOC_SCREENSHOT=path also writes the screenshot of the 一级 answer
there (docs/screenshot-staff-desk.png is made that way).

Needs Debian's /usr/bin/python3 (python3-gdal, python3-grpcio), node, and
what scripts/deps.sh installs (chromium, npm ci in clients/web).
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient, pb  # noqa: E402

from osgeo import ogr, osr  # noqa: E402

ogr.UseExceptions()

WS1_ZONE = "WS-330106-001-1"
UPLOAD_ZONE = "ZDZ-330482-0001"
UPLOAD_FIXTURE = os.path.join(e2e.SOURCE, "tests", "data", "web", "site_gbk_shp.zip")
UPLOAD_NO_PRJ = os.path.join(e2e.SOURCE, "tests", "data", "web", "site_noprj_shp.zip")
NODE_MODULES = os.path.join(e2e.SOURCE, "clients", "web", "node_modules")
SCRIPT = os.path.join(e2e.HERE, "web_page.mjs")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(e2e.BUILD, "artifacts")
HALF_SIDE_M = 100.0


def ws1_site():
    """(coordinate table text, WKT) of a square crossing the boundary of WS1_ZONE, EPSG:4549."""
    ds = ogr.Open(os.path.join(e2e.SAMPLE_DIR, "water_source.gpkg"))
    layer = ds.GetLayer("water_source")
    layer.SetAttributeFilter(f"zone_code = '{WS1_ZONE}'")
    feature = layer.GetNextFeature()
    assert feature is not None, f"{WS1_ZONE} is not in the sample data"
    gk = osr.SpatialReference()
    gk.ImportFromEPSG(4549)
    gk.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    zone = feature.GetGeometryRef().Clone()
    zone.TransformTo(gk)
    c = zone.Centroid()
    east = zone.GetEnvelope()[1] + 1000
    ray = ogr.CreateGeometryFromWkt(f"LINESTRING({c.GetX()} {c.GetY()}, {east} {c.GetY()})")
    crossing = ray.Intersection(zone.Boundary())
    if crossing.GetGeometryType() != ogr.wkbPoint:
        crossing = crossing.GetGeometryRef(0)
    x, y = round(crossing.GetX(), 1), round(crossing.GetY(), 1)
    d = HALF_SIDE_M
    corners = [(x - d, y - d), (x + d, y - d), (x + d, y + d), (x - d, y + d)]
    ring = corners + [corners[0]]
    wkt = "POLYGON((" + ", ".join(f"{px:.1f} {py:.1f}" for px, py in ring) + "))"
    site = ogr.CreateGeometryFromWkt(wkt)
    assert site.Intersects(zone) and not site.Within(zone), "the square must cross the zone boundary"
    # A survey's boundary point table: number, X (easting), Y (northing); the first point again closes it.
    lines = [f"J{i + 1},{px:.1f},{py:.1f}" for i, (px, py) in enumerate(corners)]
    lines.append(f"J1,{corners[0][0]:.1f},{corners[0][1]:.1f}")
    return "\n".join(lines) + "\n", wkt


def dms(value, pos, neg):
    """120.1194 -> 120°07′09.84″E (seconds to 0.01″, about 0.3 m)."""
    hemi = pos if value >= 0 else neg
    cs = round(abs(value) * 360000)  # hundredths of a second
    d, rest = divmod(cs, 360000)
    m, s = divmod(rest, 6000)
    return f"{d}°{m:02d}′{s // 100:02d}.{s % 100:02d}″{hemi}"


def ws1_inner_point():
    """(lon, lat) of a point well inside WS1_ZONE (its point on surface), EPSG:4490."""
    ds = ogr.Open(os.path.join(e2e.SAMPLE_DIR, "water_source.gpkg"))
    layer = ds.GetLayer("water_source")
    layer.SetAttributeFilter(f"zone_code = '{WS1_ZONE}'")
    feature = layer.GetNextFeature()
    p = feature.GetGeometryRef().Clone().PointOnSurface()
    # The GeoPackage is EPSG:4490, which OGR reads longitude first (x) here.
    lon, lat = p.GetX(), p.GetY()
    assert 119 < lon < 123 and 27 < lat < 32, (lon, lat)
    return lon, lat


class WebPageTest(unittest.TestCase):
    def test_staff_desk_page(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: run scripts/deps.sh")
        self.assertTrue(os.path.isdir(os.path.join(NODE_MODULES, "playwright-core")),
                        f"{NODE_MODULES} is missing: run scripts/deps.sh (npm ci)")
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing: run scripts/deps.sh")
        self.assertTrue(os.path.isfile(os.path.join(e2e.BUILD, "web", "index.html")),
                        "build/web/index.html is missing: build the redline_web target")

        table, wkt = ws1_site()
        lon, lat = ws1_inner_point()
        with e2e.Server() as srv, e2e.tempdir() as tmp:
            srv.wait_http()
            # What the server answers for this site over gRPC: the page must show the same.
            with RedlineClient(srv.target, timeout=30) as client:
                resp = client.check_geometry(wkt=wkt, crs="EPSG:4549", purpose="discharging_project")
            self.assertEqual(pb.Verdict.Name(resp.verdict), "PROHIBITED", resp)
            ws1_hits = [h for h in resp.hits if h.zone_id == WS1_ZONE]
            self.assertEqual(len(ws1_hits), 1, resp)
            self.assertEqual(ws1_hits[0].normalized_level, "一级")
            articles = [r.basis.article for r in ws1_hits[0].rules if r.verdict == pb.PROHIBITED]
            self.assertTrue(articles, f"no PROHIBITED rule on the 一级 hit: {ws1_hits[0]}")

            case = {
                "url": srv.http_url + "/",
                "nodeModules": NODE_MODULES,
                "chromium": CHROMIUM,
                "artifacts": ARTIFACTS,
                "docScreenshot": os.environ.get("REDLINE_DOC_SCREENSHOT") or None,
                "ws1": {"table": table, "crs": "GK", "purpose": "DISCHARGING_PROJECT",
                        "verdict": "PROHIBITED", "article": articles[0], "zoneId": WS1_ZONE},
                "dms": {"line": f"{dms(lon, 'E', 'W')} {dms(lat, 'N', 'S')}", "lon": lon, "lat": lat,
                        "zoneId": WS1_ZONE},
                "upload": {"file": UPLOAD_FIXTURE, "noPrjFile": UPLOAD_NO_PRJ,
                           "label": "嘉兴港区拟建污水预处理站用地", "purpose": "DISCHARGING_PROJECT", "zoneId": UPLOAD_ZONE},
            }
            case_path = os.path.join(tmp, "case.json")
            with open(case_path, "w", encoding="utf-8") as f:
                json.dump(case, f, ensure_ascii=False, indent=1)
            proc = subprocess.run([node, SCRIPT, case_path], capture_output=True, text=True,
                                  encoding="utf-8", errors="replace", timeout=300)
            sys.stdout.write(proc.stdout)
            sys.stderr.write(proc.stderr)
            self.assertEqual(proc.returncode, 0,
                             f"the browser script failed (screenshots in {ARTIFACTS}):\n{proc.stdout}\n"
                             f"{proc.stderr}\nserver log:\n{srv.log()[-4000:]}")
        for name in ("web_1366x768_ws1.png", "web_768x1024_en.png", "web_1366x768_upload.png"):
            self.assertTrue(os.path.getsize(os.path.join(ARTIFACTS, name)) > 10000, name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
