#!/usr/bin/python3
"""End-to-end: an overlay of real-looking boundary data that is invalid as
published (issue 20, item 2).

89 "county" polygons over Zhejiang (tests/e2e/county_fixture.py), each with
a figure-8 loop on its ring ("Ring Self-intersection"), are overlaid in
process (`redline overlay --local`) against the sample zones. By default
every county is made valid as the loader makes zones valid, checked, and its
rows say so (geometry_repaired = "yes"); with --strict every county is an
error row naming the fault, and the exit status is 3.

Needs Debian's /usr/bin/python3 (python3-gdal).
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import county_fixture  # noqa: E402
import redline_e2e as e2e  # noqa: E402

TMP = None
COUNTIES = None
INPUT = None


def setUpModule():
    global TMP, COUNTIES, INPUT
    TMP = e2e.tempdir()
    INPUT = os.path.join(TMP.name, "counties.gpkg")
    COUNTIES = county_fixture.write_counties(INPUT)


def tearDownModule():
    TMP.cleanup()


def overlay(out, *extra):
    # --local: no server; the target is never dialled.
    return e2e.run_cli(f"127.0.0.1:{e2e.closed_port()}", "overlay", "--local", "--config",
                       e2e.SAMPLE_CONFIG, "--input", INPUT, "--output", out,
                       "--id-field", "code", "--purpose", "discharging_project", "--quiet",
                       *extra, timeout=600)


def rows_of(path):
    """[{field: value}] of every layer of an overlay output."""
    from osgeo import gdal
    gdal.UseExceptions()
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    rows = []
    for i in range(ds.GetLayerCount()):
        layer = ds.GetLayer(i)
        defn = layer.GetLayerDefn()
        names = [defn.GetFieldDefn(j).GetName() for j in range(defn.GetFieldCount())]
        for f in layer:
            rows.append({n: ("" if f.GetField(n) is None else f.GetField(n)) for n in names})
    return rows


class CountyFixtureTest(unittest.TestCase):
    def test_every_county_is_invalid_as_published(self):
        from osgeo import gdal, ogr
        ogr.UseExceptions()
        gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS's warning per invalid ring
        self.addCleanup(gdal.PopErrorHandler)
        self.assertEqual(len(COUNTIES), 89)
        ds = ogr.Open(INPUT)
        layer = ds.GetLayer(0)
        self.assertEqual(layer.GetFeatureCount(), 89)
        for f in layer:
            g = f.GetGeometryRef()
            self.assertFalse(g.IsValid(), f.GetField("code"))
            fixed = g.MakeValid(["METHOD=STRUCTURE"])
            self.assertTrue(fixed.IsValid())
            self.assertGreater(fixed.GetArea(), g.GetArea() * 0.99)


class OverlayRepairTest(unittest.TestCase):
    def test_counties_are_repaired_and_checked(self):
        out = os.path.join(TMP.name, "out.gpkg")
        p = overlay(out)
        self.assertEqual(p.returncode, 0, f"stdout={p.stdout!r} stderr={p.stderr!r}")
        self.assertRegex(p.stdout, r"\b89 features read\b")
        rows = rows_of(out)
        self.assertEqual({r["input_id"] for r in rows}, {c[0] for c in COUNTIES})
        for r in rows:
            self.assertEqual(r["error"], "", r)
            self.assertEqual(r["geometry_repaired"], "yes", r)
        # Some counties lie over sample zones, and their hits are reported.
        self.assertTrue(any(r.get("zone_id") for r in rows))

    def test_strict_refuses_every_county(self):
        out = os.path.join(TMP.name, "strict.gpkg")
        p = overlay(out, "--strict")
        self.assertEqual(p.returncode, 3, f"stdout={p.stdout!r} stderr={p.stderr!r}")
        self.assertRegex(p.stdout, r"\b89 errors\b")
        rows = rows_of(out)
        self.assertEqual(len(rows), 89)
        self.assertEqual({r["input_id"] for r in rows}, {c[0] for c in COUNTIES})
        for r in rows:
            self.assertRegex(r["error"], r"Ring Self-intersection at \(")
            self.assertEqual(r["geometry_repaired"], "", r)
            self.assertEqual(r.get("zone_id", ""), "", r)


if __name__ == "__main__":
    unittest.main()
