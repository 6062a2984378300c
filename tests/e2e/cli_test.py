#!/usr/bin/python3
"""End-to-end: the `redline` CLI against the real redlined serving data/sample.

Expected values come from data/sample/known_points.csv (computed by the data
generator with OGR, independently of the server) and from OGR reading the
sample files here.
"""

import json
import math
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

LAYER_KINDS = {  # from data/sample/redline.yaml
    "water_source": "WATER_SOURCE_PROTECTION",
    "zero_discharge": "ZERO_DISCHARGE_ZONE",
    "red_lines": "ECOLOGICAL_RED_LINE",
    "control_units": "OTHER_ZONE",
    "counties": "CONTEXT_LAYER",  # kind: context, never checked
}

SERVER = None


def setUpModule():
    global SERVER
    SERVER = e2e.Server().__enter__()


def tearDownModule():
    SERVER.__exit__(None, None, None)


def cli(*args, json_out=False):
    return e2e.run_cli(SERVER.target, *args, json_out=json_out)


def cli_json(testcase, *args):
    p = cli(*args, json_out=True)
    testcase.assertEqual(p.returncode, 0, f"redline {' '.join(args)}:\n{p.stderr}")
    return json.loads(p.stdout)


def hit_set(response):
    return {(h["layer"], h["zone_id"]) for h in response.get("hits", [])}


def ogr_feature_counts():
    """{layer name: feature count} read with OGR from the sample files."""
    from osgeo import ogr
    import yaml
    with open(e2e.SAMPLE_CONFIG, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    counts = {}
    for layer in cfg["layers"]:
        ds = ogr.Open(os.path.join(e2e.SAMPLE_DIR, layer["source"]))
        lyr = ds.GetLayerByName(layer["layer"]) if layer.get("layer") else ds.GetLayer(0)
        counts[layer["name"]] = lyr.GetFeatureCount()
    return counts


def box_area_m2(lon, lat, d):
    """Approximate area of a ±d° box (spherical-ish; good to well under 1 %)."""
    m_per_deg_lat = 111132.954 - 559.822 * math.cos(2 * math.radians(lat))
    m_per_deg_lon = 111412.84 * math.cos(math.radians(lat))
    return (2 * d * m_per_deg_lon) * (2 * d * m_per_deg_lat)


def wgs84_to_gcj02(lon, lat):
    """The published GCJ-02 offset (Krasovsky ellipsoid), as the eviltransform
    project gives it; independent of the server's C++ version."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3)
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sq) * math.pi)
    dlon = (dlon * 180.0) / (a / sq * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


class CheckPointTest(unittest.TestCase):
    def test_known_points_json(self):
        versions = set()
        for (lon, lat), expected in e2e.known_points().items():
            with self.subTest(lon=lon, lat=lat):
                r = cli_json(self, "check-point", "--lon", lon, "--lat", lat)
                self.assertEqual(hit_set(r), expected)
                for h in r.get("hits", []):
                    self.assertEqual(h["kind"], LAYER_KINDS[h["layer"]], h)
                    # Every known point is >= 50 m from any boundary.
                    self.assertEqual(h["relation"], "INSIDE", h)
                self.assertAlmostEqual(r["site"]["lon"], float(lon), places=6)
                self.assertAlmostEqual(r["site"]["lat"], float(lat), places=6)
                self.assertTrue(r["dataset_version"])
                versions.add(r["dataset_version"])
        self.assertEqual(len(versions), 1, versions)

    def test_sea_point_has_no_hits(self):
        r = cli_json(self, "check-point", "--lon", "123.5", "--lat", "27.5")
        self.assertEqual(r.get("hits", []), [])
        self.assertEqual(r["verdict"], "CLEAR")

    def test_readable_output_names_zones(self):
        for (lon, lat), expected in e2e.known_points().items():
            with self.subTest(lon=lon, lat=lat):
                p = cli("check-point", "--lon", lon, "--lat", lat)
                self.assertEqual(p.returncode, 0, p.stderr)
                for layer, zone_id in expected:
                    self.assertIn(zone_id, p.stdout)
                    self.assertIn(layer, p.stdout)
                if not expected:
                    self.assertIn("No zone is touched", p.stdout)
                self.assertNotIn("\033[", p.stdout, "colour codes in piped output")

    def test_purpose_case_insensitive(self):
        lon, lat = "121.069788", "29.970780"
        a = cli_json(self, "check-point", "--lon", lon, "--lat", lat, "--purpose", "outfall")
        b = cli_json(self, "check-point", "--lon", lon, "--lat", lat, "--purpose", "OUTFALL")
        self.assertEqual(a["siting"]["purpose"], "OUTFALL")
        self.assertEqual(b["siting"]["purpose"], "OUTFALL")
        self.assertEqual(a["verdict"], b["verdict"])

    def test_projected_crs_gives_same_hits(self):
        # The 千岛湖 point in EPSG:4549 (CM 120E), projected here with OGR.
        from osgeo import osr
        src, dst = osr.SpatialReference(), osr.SpatialReference()
        src.ImportFromEPSG(4490)
        dst.ImportFromEPSG(4549)
        for s in (src, dst):
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        x, y, _ = osr.CoordinateTransformation(src, dst).TransformPoint(119.048924, 29.624276)
        r = cli_json(self, "check-point", "--lon", f"{x:.3f}", "--lat", f"{y:.3f}",
                     "--crs", "EPSG:4549")
        self.assertEqual(hit_set(r), e2e.known_points()[("119.048924", "29.624276")])

    def test_coordinates_as_they_arrive_give_same_hits(self):
        # The 千岛湖 point as a survey table row would give it (EPSG:4528: zone
        # 40 prefixed to the easting, northing first, crs "GK"), and as Amap
        # shows it (GCJ-02, offset here with the published formulas).
        from osgeo import osr
        lon, lat = 119.048924, 29.624276
        expected = e2e.known_points()[("119.048924", "29.624276")]
        src, dst = osr.SpatialReference(), osr.SpatialReference()
        src.ImportFromEPSG(4490)
        dst.ImportFromEPSG(4528)
        for s in (src, dst):
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        e, n, _ = osr.CoordinateTransformation(src, dst).TransformPoint(lon, lat)
        r = cli_json(self, "check-point", "--lon", f"{n:.3f}", "--lat", f"{e:.3f}",
                     "--crs", "GK")
        self.assertEqual(hit_set(r), expected)
        self.assertEqual(r["site"]["input_crs"], "EPSG:4528")
        self.assertAlmostEqual(r["site"]["lon"], lon, places=6)

        glon, glat = wgs84_to_gcj02(lon, lat)
        r = cli_json(self, "check-point", "--lon", f"{glon:.8f}", "--lat", f"{glat:.8f}",
                     "--crs", "GCJ-02")
        self.assertEqual(hit_set(r), expected)
        self.assertAlmostEqual(r["site"]["lon"], lon, places=6)
        self.assertAlmostEqual(r["site"]["lat"], lat, places=6)

    def test_layer_filter(self):
        r = cli_json(self, "check-point", "--lon", "121.069788", "--lat", "29.970780",
                     "--layer", "water_source")
        self.assertEqual(hit_set(r), {("water_source", "WS-330281-001-1W")})


class LayersTest(unittest.TestCase):
    def test_layers_json(self):
        r = cli_json(self, "layers")
        self.assertTrue(r["dataset_version"])
        layers = {l["name"]: l for l in r["layers"]}
        self.assertEqual(set(layers), set(LAYER_KINDS))
        counts = ogr_feature_counts()
        for name, layer in layers.items():
            with self.subTest(layer=name):
                self.assertEqual(layer["kind"], LAYER_KINDS[name])
                self.assertGreater(int(layer["zone_count"]), 0)
                self.assertGreater(int(layer["vertex_count"]), 0)
                report = layer["report"]
                self.assertEqual(int(report["features_read"]), counts[name])
                self.assertEqual(int(layer["zone_count"]),
                                 counts[name] - int(report["skipped"]))
        # The same dataset answers the checks.
        c = cli_json(self, "check-point", "--lon", "121.050069", "--lat", "29.785853")
        self.assertEqual(c["dataset_version"], r["dataset_version"])

    def test_layers_readable(self):
        p = cli("layers")
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in LAYER_KINDS:
            self.assertIn(name, p.stdout)
        self.assertIn("HX-BROKEN-0001", p.stdout)
        version = cli_json(self, "layers")["dataset_version"]
        self.assertIn(version, p.stdout)


class CheckSiteTest(unittest.TestCase):
    D = 0.0003

    def assert_within(self, r, expected, lon, lat):
        self.assertEqual(hit_set(r), expected)
        area = box_area_m2(float(lon), float(lat), self.D)
        for h in r.get("hits", []):
            self.assertEqual(h["relation"], "WITHIN", h)
            self.assertAlmostEqual(h["overlap_ratio"], 1.0, places=3)
            self.assertLess(abs(h["overlap_area_m2"] - area) / area, 0.01,
                            (h["overlap_area_m2"], area))
        self.assertEqual(r["site"]["geometry_type"], "Polygon")

    def test_wkt_box_around_every_known_point(self):
        for (lon, lat), expected in e2e.known_points().items():
            with self.subTest(lon=lon, lat=lat):
                r = cli_json(self, "check-site", "--wkt", e2e.box_wkt(lon, lat, self.D))
                self.assert_within(r, expected, lon, lat)

    def test_wkt_readable(self):
        p = cli("check-site", "--wkt", e2e.box_wkt("121.075185", "30.599582", self.D))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ZDZ-330482-0001", p.stdout)
        self.assertIn("WITHIN", p.stdout)

    def test_geojson_file(self):
        lon, lat = "121.138323", "30.027120"
        with e2e.tempdir() as d:
            path = os.path.join(d, "site.geojson")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(e2e.box_geojson(lon, lat, self.D), f)
            r = cli_json(self, "check-site", "--file", path)
        self.assert_within(r, e2e.known_points()[(lon, lat)], lon, lat)

    def test_wkt_and_wkb_files(self):
        lon, lat = "121.050069", "29.785853"
        expected = e2e.known_points()[(lon, lat)]
        x, y, d = float(lon), float(lat), self.D
        ring = [(x - d, y - d), (x + d, y - d), (x + d, y + d), (x - d, y + d), (x - d, y - d)]
        # ISO WKB, little endian, Polygon (type 3), one ring: written by hand.
        wkb = struct.pack("<BIII", 1, 3, 1, len(ring)) + b"".join(
            struct.pack("<dd", px, py) for px, py in ring)
        with e2e.tempdir() as tmp:
            wkt_path = os.path.join(tmp, "site.wkt")
            with open(wkt_path, "w") as f:
                f.write(e2e.box_wkt(lon, lat, d) + "\n")
            wkb_path = os.path.join(tmp, "site.wkb")
            with open(wkb_path, "wb") as f:
                f.write(wkb)
            for path in (wkt_path, wkb_path):
                with self.subTest(file=os.path.basename(path)):
                    self.assert_within(cli_json(self, "check-site", "--file", path),
                                       expected, lon, lat)

    def test_site_straddling_a_boundary_intersects(self):
        # From the 一级水域 point (488 m clearance) to the 准 ring point 2.9 km south:
        # a line across several zones; the 1W zone is hit but does not contain it.
        r = cli_json(self, "check-site", "--wkt",
                     "LINESTRING(121.069788 29.970780, 121.075847 29.944205)")
        hits = {h["zone_id"]: h for h in r["hits"]}
        self.assertIn("WS-330281-001-1W", hits)
        self.assertIn("WS-330281-001-Z", hits)
        self.assertEqual(hits["WS-330281-001-1W"]["relation"], "INTERSECTS")
        self.assertGreater(hits["WS-330281-001-1W"]["overlap_length_m"], 400)
        self.assertLess(hits["WS-330281-001-1W"]["overlap_ratio"], 1.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
