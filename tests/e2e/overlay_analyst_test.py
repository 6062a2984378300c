#!/usr/bin/python3
"""End-to-end: `redline overlay` as an analyst meets it, every stumble of issue #20 item 3 and 4.

Options are checked before the first row (a CRS nobody knows, a misspelt zone
layer, an unreachable server: exit status 2 or 1, one message, no output file);
an existing output needs --overwrite; the layers are typed after the input
(Point, MultiPolygon); GeoJSON is RFC 7946; FlatGeobuf is written; rows carry
the normalised level and the nearest zone of each kind with its distance and
setback rule, the distance checked against GEOS here in a local equal-area
projection.

Inputs are generated here with OGR in a temp folder; the zones are read from
data/sample with OGR.
"""

import json
import os
import re
import subprocess
import sys
import unittest

from osgeo import gdal, ogr, osr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

gdal.UseExceptions()

WATER_SOURCE = os.path.join(e2e.SAMPLE_DIR, "water_source.gpkg")
SETBACK_RULE = "wppl-outfall-setback-review"  # data/rules/water_pollution_law.yaml, 500 m
SETBACK_M = 500.0
NORMALISED_LEVELS = {"一级", "二级", "准保护区"}

TMP = None  # the module's temp folder (a TemporaryDirectory)


def lonlat_srs():
    s = osr.SpatialReference()
    s.ImportFromEPSG(4490)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def laea(lon, lat):
    s = osr.SpatialReference()
    s.ImportFromProj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=m")
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def run(*args, timeout=180):
    return subprocess.run([e2e.REDLINE, "overlay", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def local(*args):
    return run("--local", "--config", e2e.SAMPLE_CONFIG, *args)


def write_points(path, points, fmt="CSV"):
    """points: [(id, lon, lat)]; CSV with lon/lat columns, or a GeoPackage."""
    if fmt == "CSV":
        with open(path, "w", encoding="utf-8") as f:
            f.write("site_id,lon,lat\n")
            for pid, lon, lat in points:
                f.write(f"{pid},{lon!r},{lat!r}\n")
        return
    ds = ogr.GetDriverByName(fmt).CreateDataSource(path)
    lyr = ds.CreateLayer("sites", lonlat_srs(), ogr.wkbPoint)
    lyr.CreateField(ogr.FieldDefn("site_id", ogr.OFTString))
    for pid, lon, lat in points:
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("site_id", pid)
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({lon!r} {lat!r})"))
        lyr.CreateFeature(f)
    ds = None


def water_zones():
    """[(zone_code, level, geometry in EPSG:4490, valid)] of the sample's water sources."""
    ds = ogr.Open(WATER_SOURCE)
    lyr = ds.GetLayer(0)
    out = []
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        g.AssignSpatialReference(lonlat_srs())
        gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS names each fault
        valid = g.IsValid()
        gdal.PopErrorHandler()
        if not valid:
            g = g.MakeValid()
        out.append((f.GetField("zone_code"), f.GetField("level"), g))
    return out


def near_point(zones):
    """A point about 200 m outside one water-source zone and in none: (lon, lat, zone, metres).

    Found and measured here, in a Lambert equal-area projection centred on the
    zone: the easternmost point of the zone's 200 m buffer.
    """
    for code, _, g in zones:
        c = g.Centroid()
        proj = laea(c.GetX(), c.GetY())
        to_m = osr.CoordinateTransformation(lonlat_srs(), proj)
        to_ll = osr.CoordinateTransformation(proj, lonlat_srs())
        gm = g.Clone()
        gm.Transform(to_m)
        ring = gm.Buffer(200, 16).GetBoundary()
        pts = [ring.GetPoint_2D(i) for i in range(ring.GetPointCount())] if \
            ring.GetGeometryType() == ogr.wkbLineString else []
        if not pts:
            continue
        x, y = max(pts, key=lambda p: p[0])
        p = ogr.Geometry(ogr.wkbPoint)
        p.AddPoint_2D(x, y)
        metres = gm.Distance(p)
        p.Transform(to_ll)
        p.AssignSpatialReference(lonlat_srs())
        if any(other.Intersects(p) for _, _, other in zones):
            continue
        # The zone must be the nearest water source to it.
        nearest = True
        for other_code, _, other in zones:
            if other_code == code:
                continue
            om = other.Clone()
            om.Transform(to_m)
            pm = p.Clone()
            pm.Transform(to_m)
            if om.Distance(pm) <= metres + 50:
                nearest = False
                break
        if nearest:
            return p.GetX(), p.GetY(), code, metres
    raise AssertionError("no water-source zone with a free 200 m ring in the sample")


def read_rows(path):
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    rows = []
    for i in range(ds.GetLayerCount()):
        lyr = ds.GetLayer(i)
        for f in lyr:
            r = {k: f.GetField(k) for k in f.keys()}
            r["_layer"] = lyr.GetName()
            rows.append(r)
    return rows


def setUpModule():
    global TMP
    TMP = e2e.tempdir()


def tearDownModule():
    TMP.cleanup()


def out(name):
    return os.path.join(TMP.name, name)


class ChecksBeforeTheFirstRow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.points = out("many.csv")
        write_points(cls.points, [(f"P{i}", 120.0 + i * 1e-4, 30.0) for i in range(5000)])

    def refused(self, p, rc, pattern, output):
        self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
        self.assertRegex(p.stderr, re.compile(pattern))
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertNotIn("features read", p.stdout)
        self.assertFalse(os.path.exists(output), f"{output} was made")

    def test_unknown_crs(self):
        o = out("crs.csv")
        p = local("--input", self.points, "--output", o, "--crs", "EPSG:999999", "--quiet")
        self.refused(p, 2, r"EPSG:999999", o)

    def test_misspelt_zone_layer(self):
        o = out("layer.csv")
        p = local("--input", self.points, "--output", o, "--zone-layer", "water_sorce",
                  "--quiet")
        self.refused(p, 2, r"water_sorce.*water_source", o)

    def test_bad_purpose(self):
        o = out("purpose.csv")
        p = local("--input", self.points, "--output", o, "--purpose", "factory-ish")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertFalse(os.path.exists(o))

    def test_bad_radius(self):
        o = out("asof.csv")
        p = local("--input", self.points, "--output", o, "--quiet", "--crs", "EPSG:4490",
                  "--zone-layer", "water_source", "--purpose", "outfall", "--radius", "-5")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertFalse(os.path.exists(o))

    def test_no_server(self):
        o = out("noserver.csv")
        p = run("--server", f"127.0.0.1:{e2e.closed_port()}", "--input", self.points,
                "--output", o, "--quiet")
        self.refused(p, 1, r"cannot reach the server", o)

    def test_missing_input_names_the_file_not_gdal(self):
        o = out("missing.csv")
        p = local("--input", out("nosuch.csv"), "--output", o, "--quiet")
        self.refused(p, 2, r"cannot open .*nosuch\.csv: no such file$", o)
        self.assertNotIn("ERROR 4", p.stderr)

    def test_existing_output_needs_overwrite(self):
        o = out("exists.csv")
        with open(o, "w") as f:
            f.write("keep me\n")
        p = local("--input", self.points, "--output", o, "--quiet")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--overwrite", p.stderr)
        with open(o) as f:
            self.assertEqual(f.read(), "keep me\n")
        p = local("--input", self.points, "--output", o, "--quiet", "--overwrite")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len([r for r in read_rows(o)]), 5000)


class Outputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.zones = water_zones()
        cls.lon, cls.lat, cls.zone, cls.metres = near_point(cls.zones)
        inside = []
        for code, _, g in cls.zones[:20]:
            p = g.PointOnSurface()
            inside.append((f"IN-{code}", p.GetX(), p.GetY()))
        cls.inside = {pid: code for (pid, _, _), (code, _, _) in zip(inside, cls.zones[:20])}
        cls.points = inside + [("NEAR", cls.lon, cls.lat)]
        cls.gpkg = out("pts.gpkg")
        write_points(cls.gpkg, cls.points, "GPKG")

    def test_near_zone_distance_and_setback(self):
        o = out("near.gpkg")
        p = local("--input", self.gpkg, "--output", o, "--id-field", "site_id", "--purpose",
                  "outfall", "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        row = [r for r in read_rows(o) if r["site_id"] == "NEAR"]
        self.assertEqual(len(row), 1, row)
        r = row[0]
        self.assertEqual(r["_layer"], "no_hits")
        self.assertEqual(r["near_water_source_id"], self.zone)
        self.assertAlmostEqual(r["near_water_source_m"], self.metres, delta=self.metres * 0.01)
        self.assertIn(r["near_water_source_level"], NORMALISED_LEVELS)
        self.assertIn(SETBACK_RULE, r["near_water_source_rules"].split(","))
        self.assertEqual(r["near_water_source_setback_m"], SETBACK_M)
        self.assertEqual(r["verdict"], "RESTRICTED")

    def test_normalised_level_beside_the_raw_one(self):
        o = out("levels.csv")
        p = local("--input", self.gpkg, "--output", o, "--id-field", "site_id", "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [r for r in read_rows(o) if r["site_id"] in self.inside
                and r["zone_layer"] == "water_source"]
        self.assertTrue(rows)
        raw = set()
        for r in rows:
            self.assertIn(r["zone_level_normalized"], NORMALISED_LEVELS, r)
            raw.add(r["zone_level"])
            # A point has no overlap: empty, not 0.
            self.assertIn(r["overlap_area_m2"], ("", None), r)
            self.assertIn(r["overlap_ratio"], ("", None), r)
        self.assertTrue(raw - NORMALISED_LEVELS, f"the sample's raw levels {raw} are all normal")

    def test_typed_layers(self):
        o = out("typed.gpkg")
        p = local("--input", self.gpkg, "--output", o, "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        ds = gdal.OpenEx(o, gdal.OF_VECTOR)
        for name in ("overlay", "no_hits"):
            self.assertEqual(ds.GetLayerByName(name).GetGeomType(), ogr.wkbPoint, name)
        ds = None
        polys = out("polys.gpkg")
        src = ogr.GetDriverByName("GPKG").CreateDataSource(polys)
        lyr = src.CreateLayer("sites", lonlat_srs(), ogr.wkbPolygon)
        for i, (_, lon, lat) in enumerate(self.points):
            f = ogr.Feature(lyr.GetLayerDefn())
            f.SetGeometry(ogr.CreateGeometryFromWkt(e2e.box_wkt(lon, lat, 0.002)))
            lyr.CreateFeature(f)
        src = None
        o = out("typed_polys.gpkg")
        p = local("--input", polys, "--output", o, "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        ds = gdal.OpenEx(o, gdal.OF_VECTOR)
        for name in ("overlay", "no_hits"):
            lyr = ds.GetLayerByName(name)
            self.assertEqual(lyr.GetGeomType(), ogr.wkbMultiPolygon, name)
            for f in lyr:
                g = f.GetGeometryRef()
                if g is not None:
                    self.assertEqual(g.GetGeometryType(), ogr.wkbMultiPolygon)

    def test_geojson_is_rfc7946(self):
        o = out("rfc.geojson")
        p = local("--input", self.gpkg, "--output", o, "--id-field", "site_id", "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(o, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertNotIn("crs", doc)
        self.assertEqual(doc["type"], "FeatureCollection")
        near = [f for f in doc["features"] if f["properties"]["site_id"] == "NEAR"]
        lon, lat = near[0]["geometry"]["coordinates"][:2]
        # WGS 84 and CGCS2000 agree to centimetres: 1e-6 degrees is about 0.1 m.
        self.assertAlmostEqual(lon, self.lon, delta=1e-6)
        self.assertAlmostEqual(lat, self.lat, delta=1e-6)

    def test_flatgeobuf(self):
        o = out("out.fgb")
        p = local("--input", self.gpkg, "--output", o, "--id-field", "site_id", "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        ds = gdal.OpenEx(o, gdal.OF_VECTOR)
        self.assertEqual(ds.GetDriver().ShortName, "FlatGeobuf")
        lyr = ds.GetLayer(0)
        self.assertEqual(lyr.GetGeomType(), ogr.wkbPoint)
        ids = {f.GetField("site_id") for f in lyr}
        self.assertEqual(ids, {pid for pid, _, _ in self.points})

    def test_progress_line_is_truthful(self):
        o = out("progress.csv")
        p = local("--input", self.gpkg, "--output", o)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [ln for ln in p.stderr.splitlines() if "/s" in ln]
        self.assertTrue(lines, p.stderr)
        for ln in lines:
            m = re.search(r"ETA (\d+)s", ln)
            self.assertTrue(m is None or int(m.group(1)) < 60, ln)
        n = len(self.points)
        self.assertRegex(lines[-1], rf"{n}/{n} 100\.0% .* in \d+\.\ds")


if __name__ == "__main__":
    unittest.main(verbosity=2)
