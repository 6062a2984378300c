#!/usr/bin/python3
"""ctest bench.overlay_smoke: bench/overlay_bench.py on 5,000 points, without PostGIS.

Keeps the benchmark from rotting. It asserts nothing about speed, only that
every row ran (a format the CLI refuses may say "n/a") and that every output,
read back with GDAL, has the rows it must: a copy one per point; a Redline
output every input id, the known zones of each point drawn near a known point
(data/sample/known_points.csv; such a point stays 50 m inside or outside
every zone), and the same (id, zone) rows as every other Redline output.

Environment (set by ctest): REDLINE_BUILD, the build folder.
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import overlay_bench  # noqa: E402
from osgeo import gdal  # noqa: E402

gdal.UseExceptions()
POINTS = 5000


def known_zones():
    """{(lon, lat): {zone id}} of the known points."""
    import csv
    out = collections.defaultdict(set)
    with open(overlay_bench.KNOWN_POINTS, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (float(row["lon"]), float(row["lat"]))
            out[key]  # a point in no zone has an empty set
            if row["expect_zone_id"]:
                out[key].add(row["expect_zone_id"])
    return out


def text(feature, name):
    """A text field, None when null or empty."""
    return (feature.GetField(name) or None) if feature.IsFieldSetAndNotNull(name) else None


def read_rows(path):
    """[(input id, zone id or None)] of every layer of a Redline output."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    rows = []
    for i in range(ds.GetLayerCount()):
        lyr = ds.GetLayer(i)
        defn = lyr.GetLayerDefn()
        has_zone = defn.GetFieldIndex("zone_id") >= 0
        for f in lyr:
            # CSV has no null: an empty cell is one.
            assert not text(f, "error"), (path, text(f, "error"))
            rows.append((int(f.GetField("input_id")), text(f, "zone_id") if has_zone else None))
    return rows


class OverlaySmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="redline-overlay-smoke-")
        out = os.path.join(cls.tmp.name, "rows.json")
        cmd = [sys.executable, os.path.join(HERE, "overlay_bench.py"), "--points", str(POINTS),
               "--no-postgis", "--keep", cls.tmp.name, "--json", out]
        build = os.environ.get("REDLINE_BUILD")
        if build:
            cmd += ["--build", build]
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600)
        if p.returncode != 0:
            raise AssertionError(f"overlay_bench failed ({p.returncode}):\n{p.stdout}{p.stderr}")
        cls.stdout = p.stdout
        with open(out, encoding="utf-8") as f:
            cls.result = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def rows_of(self, group):
        return [r for r in self.result["rows"] if r["group"] == group]

    def test_every_row_ran(self):
        names = [r["name"] for r in self.result["rows"]]
        self.assertEqual(len(self.rows_of("copy")), 5)
        self.assertEqual(len(self.rows_of("postgis")), 0)  # --no-postgis
        self.assertEqual(len(self.rows_of("redline")), 9, names)
        for r in self.result["rows"]:
            with self.subTest(row=r["name"]):
                self.assertIn(r["name"], self.stdout)  # in the printed table
                if r["status"] == "n/a":  # only a format the CLI refuses
                    self.assertEqual(r["group"], "redline")
                    self.assertTrue(r["note"].startswith("n/a ("), r["note"])
                    continue
                self.assertEqual(r["status"], "ok")
                self.assertGreater(r["seconds"], 0)
                self.assertTrue(os.path.exists(r["output"]), r["output"])
        # CSV in and out runs everywhere, today.
        ran = {r["name"] for r in self.result["rows"] if r["status"] == "ok"}
        self.assertIn("redline --local CSV->CSV, 1 core", ran)
        self.assertIn("redline via redlined CSV->CSV", ran)
        self.assertIn("redline via redlined GPKG->GPKG", ran)

    def test_copies_have_every_point(self):
        for r in self.rows_of("copy"):
            with self.subTest(row=r["name"]):
                ds = gdal.OpenEx(r["output"], gdal.OF_VECTOR)
                self.assertEqual(ds.GetLayer(0).GetFeatureCount(), POINTS)

    def test_redline_outputs(self):
        points = overlay_bench.make_points(POINTS, self.result["seed"])
        zones = known_zones()
        first = None
        for r in self.rows_of("redline"):
            if r["status"] != "ok" or r["format"] == "load":
                continue
            with self.subTest(row=r["name"]):
                rows = read_rows(r["output"])
                self.assertEqual(len(rows), r["rows"])
                by_id = collections.defaultdict(set)
                for fid, zone in rows:
                    by_id[fid].add(zone)
                self.assertEqual(set(by_id), set(range(1, POINTS + 1)))
                for i, (_, _, known) in enumerate(points):
                    if known is not None:
                        got = by_id[i + 1] - {None}
                        self.assertEqual(got, zones[known], (i + 1, known))
                if first is None:
                    first = sorted(rows, key=lambda t: (t[0], t[1] or ""))
                else:
                    self.assertEqual(sorted(rows, key=lambda t: (t[0], t[1] or "")), first)
        self.assertIsNotNone(first)


if __name__ == "__main__":
    unittest.main(verbosity=2)
