#!/usr/bin/python3
"""End-to-end: clients/python/redline_client.py against the real redlined.

Expected values come from data/sample/known_points.csv and data/README.md
(both from the data generator) and from OGR reading the sample files here.
"""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient, RedlineError, pb  # noqa: E402

SERVER = None
CLIENT = None


def setUpModule():
    global SERVER, CLIENT
    SERVER = e2e.Server().__enter__()
    CLIENT = RedlineClient(SERVER.target, timeout=30)


def tearDownModule():
    try:
        CLIENT.close()
    finally:
        SERVER.__exit__(None, None, None)


def hits(response):
    return {(h.layer, h.zone_id) for h in response.hits}


def ogr_invalid_ids():
    """{layer name: set of zone ids whose geometry OGR/GEOS finds invalid}."""
    from osgeo import gdal, ogr
    import yaml
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # IsValid() warns for each one
    with open(e2e.SAMPLE_CONFIG, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    out = {}
    for layer in cfg["layers"]:
        ds = ogr.Open(os.path.join(e2e.SAMPLE_DIR, layer["source"]))
        lyr = ds.GetLayerByName(layer["layer"]) if layer.get("layer") else ds.GetLayer(0)
        bad = set()
        for feature in lyr:
            g = feature.GetGeometryRef()
            if g is not None and not g.IsValid():
                bad.add(feature.GetField(layer["id_field"]))
        out[layer["name"]] = bad
    return out


class KnownPointsTest(unittest.TestCase):
    def test_known_points(self):
        for (lon, lat), expected in e2e.known_points().items():
            with self.subTest(lon=lon, lat=lat):
                r = CLIENT.check_point(float(lon), float(lat))
                self.assertEqual(hits(r), expected)
                for h in r.hits:
                    self.assertEqual(h.relation, pb.ZoneHit.INSIDE)
                self.assertTrue(r.dataset_version)
                # Without a purpose: a protected zone hit needs one; the open sea
                # is clear. (Verdicts proper are tested by verdict_*_test.py.)
                if any(layer != "control_units" for layer, _ in expected):
                    self.assertEqual(r.verdict, pb.NEEDS_PURPOSE)
                if (lon, lat) == ("123.500000", "27.500000"):
                    self.assertEqual(r.verdict, pb.CLEAR)

    def test_purpose_by_name_case_insensitive(self):
        for name in ("outfall", "Outfall", "OUTFALL"):
            r = CLIENT.check_point(121.069788, 29.970780, purpose=name)
            self.assertEqual(r.siting.purpose, pb.Siting.OUTFALL)
            self.assertNotEqual(r.verdict, pb.NEEDS_PURPOSE)
        r = CLIENT.check_point(121.069788, 29.970780, purpose="water-supply-facility")
        self.assertEqual(r.siting.purpose, pb.Siting.WATER_SUPPLY_FACILITY)

    def test_layers_filter(self):
        r = CLIENT.check_point(121.138323, 30.027120, layers=["zero_discharge"])
        self.assertEqual(hits(r), {("zero_discharge", "ZDZ-330281-0010")})

    def test_search_radius(self):
        # 金华 point: data/README.md gives 1169 m to the nearest zone boundary.
        r = CLIENT.check_point(119.673323, 29.082757)
        self.assertEqual(len(r.hits), 0)
        self.assertEqual(len(r.nearest), 0)  # default radius 1000 m
        r = CLIENT.check_point(119.673323, 29.082757, radius_m=5000)
        self.assertEqual(r.search_radius_m, 5000)
        self.assertGreater(len(r.nearest), 0)
        for n in r.nearest:
            self.assertGreaterEqual(n.distance_m, 1169 - 2)
            self.assertLessEqual(n.distance_m, 5000)

    def test_geometry_encodings(self):
        from osgeo import ogr
        lon, lat = "121.075185", "30.599582"
        expected = e2e.known_points()[(lon, lat)]
        wkt = e2e.box_wkt(lon, lat)
        wkb = ogr.CreateGeometryFromWkt(wkt).ExportToWkb()
        gj = e2e.box_geojson(lon, lat)
        for name, kwargs in (("wkt", {"wkt": wkt}), ("wkb", {"wkb": wkb}),
                             ("geojson dict", {"geojson": gj}),
                             ("geojson text", {"geojson": json.dumps(gj)})):
            with self.subTest(name):
                r = CLIENT.check_geometry(**kwargs)
                self.assertEqual(hits(r), expected)
                self.assertTrue(all(h.relation == pb.ZoneHit.WITHIN for h in r.hits))
                self.assertEqual(r.site.geometry_type, "Polygon")

    def test_check_geometry_needs_one_encoding(self):
        with self.assertRaises(ValueError):
            CLIENT.check_geometry()
        with self.assertRaises(ValueError):
            CLIENT.check_geometry(wkt="POINT(121 30)", geojson={"type": "Point"})

    def test_bad_input_raises_redline_error(self):
        import grpc
        # A wholly latitude-first point is corrected (not refused) since
        # coordinates are read as they arrive; one swapped vertex is refused.
        r = CLIENT.check_point(30.0, 121.0)
        self.assertAlmostEqual(r.site.lon, 121.0)
        with self.assertRaises(RedlineError) as cm:
            CLIENT.check_geometry(wkt="POLYGON((121 30, 30 121.01, 121.01 30.01, 121 30))")
        self.assertEqual(cm.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("swapped", cm.exception.message)
        self.assertIn("swapped", str(cm.exception))


class LayersTest(unittest.TestCase):
    def test_list_layers(self):
        r = CLIENT.list_layers()
        self.assertTrue(r.dataset_version)
        self.assertEqual(r.dataset_version, CLIENT.check_point(121.0, 30.0).dataset_version)
        self.assertEqual(r.working_crs, "EPSG:4549")
        layers = {l.name: l for l in r.layers}
        self.assertEqual(set(layers),
                         {"water_source", "zero_discharge", "red_lines", "control_units"})
        self.assertGreaterEqual(sum(l.report.repaired for l in r.layers), 1)
        red = layers["red_lines"]
        self.assertEqual(red.kind, pb.ECOLOGICAL_RED_LINE)
        self.assertEqual(red.report.skipped, 1)
        skipped = [i for i in red.report.issues if i.action == pb.LoadIssue.SKIPPED]
        self.assertEqual(len(skipped), 1)
        self.assertIn("HX-BROKEN-0001", skipped[0].feature)
        for name, layer in layers.items():
            self.assertEqual(layer.report.features_read,
                             layer.zone_count + layer.report.skipped, name)

    def test_repairs_match_ogr_validity(self):
        """Every feature OGR finds invalid is repaired or skipped, and no other."""
        invalid = ogr_invalid_ids()
        for layer in CLIENT.list_layers().layers:
            with self.subTest(layer=layer.name):
                touched = {i.feature for i in layer.report.issues
                           if i.action in (pb.LoadIssue.REPAIRED, pb.LoadIssue.SKIPPED)}
                self.assertEqual(len(touched), len(invalid[layer.name]), touched)
                for zone_id in invalid[layer.name]:
                    self.assertTrue(any(zone_id in t for t in touched),
                                    f"{zone_id} not in {touched}")
                self.assertEqual(layer.report.repaired + layer.report.skipped,
                                 len(invalid[layer.name]))


class HealthAndExampleTest(unittest.TestCase):
    def test_health(self):
        self.assertEqual(CLIENT.health(), "SERVING")
        self.assertEqual(CLIENT.health("redline.v1.Redline"), "SERVING")

    def test_example_runs(self):
        p = subprocess.run(
            ["/usr/bin/python3", os.path.join(e2e.PY_CLIENT_DIR, "example.py"),
             "--server", SERVER.target],
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, REDLINE_PY_STUBS=os.path.join(e2e.BUILD, "python")))
        self.assertEqual(p.returncode, 0, p.stderr)
        # The example takes the first known point with a hit.
        first = next((k, v) for k, v in e2e.known_points().items() if v)
        for _layer, zone_id in first[1]:
            self.assertIn(zone_id, p.stdout)
        self.assertIn(CLIENT.list_layers().dataset_version, p.stdout)
        self.assertIn("PROHIBITED", p.stdout)  # an outfall in a 一级 zone (law art. 64)

    def test_example_unreachable(self):
        p = subprocess.run(
            ["/usr/bin/python3", os.path.join(e2e.PY_CLIENT_DIR, "example.py"),
             "--server", f"127.0.0.1:{e2e.closed_port()}", "--timeout", "5"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertIn("UNAVAILABLE", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
