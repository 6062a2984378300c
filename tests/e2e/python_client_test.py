#!/usr/bin/python3
"""End-to-end: clients/python/redline_client.py against the real redlined.

Expected values come from data/sample/known_points.csv and data/README.md
(both from the data generator) and from OGR reading the sample files here.
"""

import itertools
import json
import math
import os
import random
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
import grpc  # noqa: E402
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

    def test_zone_outlines_of_any_size(self):
        # Answers with zone outlines run to hundreds of kilobytes; the server
        # sends those differently from everyday answers (see TakeAnswer in
        # server/grpc/redline_service.cc), so ask for one of each, alternately.
        from osgeo import ogr
        largest = 0
        for (lon, lat), expected in e2e.known_points().items():
            site = e2e.circle_wkt(float(lon), float(lat), 64, r=0.03)
            big = CLIENT._call(CLIENT._stub.CheckGeometry, pb.CheckGeometryRequest(
                geometry=pb.Geometry(wkt=site),
                options=pb.CheckOptions(include_zone_geometry=True)))
            small = CLIENT.check_point(float(lon), float(lat))
            self.assertEqual(hits(small), expected)
            self.assertFalse(any(h.zone_geometry_wkb for h in small.hits))
            self.assertLessEqual(expected, hits(big))
            site_geometry = ogr.CreateGeometryFromWkt(site)
            for h in big.hits:
                zone = ogr.CreateGeometryFromWkb(h.zone_geometry_wkb)
                self.assertIsNotNone(zone, h.zone_id)
                self.assertTrue(zone.Buffer(1e-6).Intersects(site_geometry), h.zone_id)
            largest = max(largest, big.ByteSize())
        self.assertGreater(largest, 64 * 1024)

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
                         {"water_source", "zero_discharge", "red_lines", "control_units",
                          "counties"})
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


def known_lonlat():
    return [(float(lon), float(lat)) for lon, lat in e2e.known_points()]


def overlay_points_fixture():
    """The known points, points a little off them and points over the province."""
    rnd = random.Random(20261126)
    known = known_lonlat()
    pts = list(known)
    for lon, lat in known:
        pts += [(lon + rnd.uniform(-0.003, 0.003), lat + rnd.uniform(-0.003, 0.003))
                for _ in range(4)]
    pts += [(rnd.uniform(118.0, 123.0), rnd.uniform(27.0, 31.2)) for _ in range(30)]
    rnd.shuffle(pts)
    return pts


def rule_key(r):
    """A RuleApplication message or a redline_client.Rule, comparably."""
    b = getattr(r, "basis", None)
    basis = (b.law, b.article, b.text) if b is not None else (r.law, r.article, r.article_text)
    return (r.rule_id, r.verdict, r.message_zh, r.message_en, basis, r.setback_m, r.rule_file)


def answer_key(r):
    """What a CheckResponse or a PointResult says about a point, comparably."""
    return (r.verdict, r.verdict_reason,
            [(h.layer, h.kind, h.zone_id, h.zone_name, h.level, h.normalized_level, h.relation,
              dict(h.attributes), [rule_key(x) for x in h.rules]) for h in r.hits],
            [(n.layer, n.kind, n.zone_id, n.zone_name, n.level, n.normalized_level,
              n.distance_m, [rule_key(x) for x in n.rules]) for n in r.nearest])


class OverlayPointsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.points = overlay_points_fixture()
        cls.version = CLIENT.list_layers().dataset_version

    def test_agrees_with_check_point(self):
        for purpose in ("outfall", None):
            with self.subTest(purpose=purpose):
                results = list(CLIENT.overlay_points(
                    [x for x, _ in self.points], [y for _, y in self.points],
                    purpose=purpose, batch_size=7))
                self.assertEqual(len(results), len(self.points))
                for i, ((x, y), r) in enumerate(zip(self.points, results)):
                    self.assertEqual((r.index, r.x, r.y), (i, x, y))
                    self.assertTrue(r.ok, r.error)
                    self.assertEqual(r.dataset_version, self.version)
                    want = CLIENT.check_point(x, y, purpose=purpose)
                    self.assertEqual(answer_key(r), answer_key(want), f"point {i} {x} {y}")
                # The fixture has what is worth comparing: hits, rules on hits,
                # nearby zones with setback rules.
                self.assertGreater(sum(1 for r in results if r.hits), len(e2e.known_points()))
                self.assertTrue(any(r.nearest for r in results))
                if purpose:
                    self.assertTrue(any(n.rules for r in results for n in r.nearest))
                    self.assertTrue(any(h.rules for r in results for h in r.hits))
                    self.assertIn(pb.PROHIBITED, {r.verdict for r in results})

    def test_known_points_in_order_across_batches(self):
        # Each known point three times, in an order where hits and misses
        # alternate, read from a generator of pairs: a result paired with
        # the wrong point shows in its hits.
        known = e2e.known_points()
        keys = list(known) * 3
        random.Random(7).shuffle(keys)
        pairs = ((float(lon), float(lat)) for lon, lat in keys)
        results = list(CLIENT.overlay_points(pairs, batch_size=7))
        self.assertEqual([r.index for r in results], list(range(len(keys))))
        self.assertGreater(len(keys) / 7, 5)
        for key, r in zip(keys, results):
            self.assertEqual((r.x, r.y), tuple(map(float, key)))
            self.assertEqual({(h.layer, h.zone_id) for h in r.hits}, known[key], key)
            self.assertTrue(all(h.relation == pb.ZoneHit.INSIDE for h in r.hits))

    def test_hits_only(self):
        layer_order = [layer.name for layer in CLIENT.list_layers().layers]
        whole = list(CLIENT.overlay_points(self.points, purpose="outfall", batch_size=9))
        join = list(CLIENT.overlay_points(self.points, purpose="outfall", batch_size=9,
                                          hits_only=True))
        self.assertEqual(len(join), len(whole))
        self.assertTrue(any(r.nearest for r in whole))
        self.assertTrue(any(len(r.hits) > 1 for r in join))
        for w, j in zip(whole, join):
            self.assertEqual(j.verdict, pb.VERDICT_UNSPECIFIED)
            self.assertEqual(j.verdict_reason, "")
            self.assertEqual(j.nearest, ())
            self.assertTrue(all(h.rules == () for h in j.hits))
            # The same hits, in layer order and then by zone id.
            want = sorted([(h.layer, h.zone_id, h.relation) for h in w.hits],
                          key=lambda h: (layer_order.index(h[0]), h[1]))
            self.assertEqual([(h.layer, h.zone_id, h.relation) for h in j.hits], want)

    def test_bad_points_get_their_own_error(self):
        pts = known_lonlat()
        bad = {2: (float("nan"), 30.0), 9: (121.0, 200.0), 10: (121.0, math.inf)}
        for i, p in sorted(bad.items()):
            pts.insert(i, p)
        results = list(CLIENT.overlay_points(pts, batch_size=4))
        self.assertEqual(len(results), len(pts))
        known = e2e.known_points()
        for i, ((x, y), r) in enumerate(zip(pts, results)):
            if i in bad:
                with self.assertRaises(RedlineError) as cm:
                    CLIENT.check_point(x, y)
                self.assertFalse(r.ok)
                self.assertEqual((r.error_code, r.error), (cm.exception.code, cm.exception.message))
                self.assertEqual((r.verdict, r.hits, r.nearest), (pb.VERDICT_UNSPECIFIED, (), ()))
            else:
                self.assertTrue(r.ok, r.error)
                self.assertIsNone(r.error_code)
                self.assertEqual({(h.layer, h.zone_id) for h in r.hits},
                                 known[(f"{x:.6f}", f"{y:.6f}")])
        self.assertIn("not a finite number", results[2].error)
        self.assertIn("longitude", results[9].error)

    def test_options_apply_to_every_batch(self):
        # Options travel with every batch message; a purpose lost after the
        # first would turn later verdicts into NEEDS_PURPOSE.
        lon, lat = known_lonlat()[0]
        results = list(CLIENT.overlay_points([(lon, lat)] * 10, purpose="outfall", batch_size=3,
                                             layers=["water_source"]))
        self.assertEqual({r.verdict for r in results}, {pb.PROHIBITED})
        self.assertEqual({tuple(h.layer for h in r.hits) for r in results}, {("water_source",)})
        # 金华 point: data/README.md gives 1169 m to the nearest zone boundary.
        results = list(CLIENT.overlay_points([(119.673323, 29.082757)] * 10, radius_m=5000,
                                             batch_size=3))
        self.assertTrue(all(r.nearest and r.nearest[0].distance_m > 1169 - 2 for r in results))

    def test_unknown_layer_or_crs_fails_each_point(self):
        results = list(CLIENT.overlay_points([(121.0, 30.0), (120.0, 29.0)],
                                             layers=["no_such_layer"]))
        self.assertEqual([r.error_code for r in results], [grpc.StatusCode.INVALID_ARGUMENT] * 2)
        self.assertIn("no_such_layer", results[0].error)
        (r,) = CLIENT.overlay_points([(121.0, 30.0)], crs="EPSG:999999")
        self.assertIn("EPSG:999999", r.error)

    def test_projected_crs_and_intersection(self):
        from osgeo import osr
        lonlat, gk = osr.SpatialReference(), osr.SpatialReference()
        lonlat.ImportFromEPSG(4490)
        gk.ImportFromEPSG(4549)
        for s in (lonlat, gk):
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(lonlat, gk)
        pts = [p for p in known_lonlat() if 118.6 <= p[0] <= 121.4]
        xy = [ct.TransformPoint(lon, lat)[:2] for lon, lat in pts]
        results = list(CLIENT.overlay_points(xy, crs="EPSG:4549", include_intersection=True,
                                             batch_size=5))
        known = e2e.known_points()
        for (lon, lat), r in zip(pts, results):
            self.assertEqual({(h.layer, h.zone_id) for h in r.hits},
                             known[(f"{lon:.6f}", f"{lat:.6f}")])
            if r.hits:  # the point as the server placed it, back in lon/lat
                self.assertAlmostEqual(r.intersection[0], lon, places=6)
                self.assertAlmostEqual(r.intersection[1], lat, places=6)
            else:
                self.assertIsNone(r.intersection)
        self.assertTrue(any(r.hits for r in results))

    def test_argument_errors(self):
        with self.assertRaisesRegex(ValueError, "xs has 2 values and ys 1"):
            CLIENT.overlay_points([121.0, 121.1], [30.0])  # at once, before any iteration
        for size in (0, -1, 1.5, None):
            with self.assertRaisesRegex(ValueError, "batch_size"):
                CLIENT.overlay_points([(121.0, 30.0)], batch_size=size)
        with self.assertRaisesRegex(ValueError, "unknown purpose"):
            CLIENT.overlay_points([(121.0, 30.0)], purpose="factory")
        # Iterables that run out apart: the points before get their answers.
        got = []
        with self.assertRaisesRegex(ValueError, "xs and ys differ in length: xs has more than "
                                                "the 9 values of ys"):
            for r in CLIENT.overlay_points(iter([121.0] * 10), iter([30.0] * 9), batch_size=4):
                got.append(r.index)
        self.assertEqual(got, list(range(8)))
        with self.assertRaisesRegex(ValueError, "point 1 is 121.5"):
            list(CLIENT.overlay_points([(121.0, 30.0), 121.5]))

    def test_lazy_and_closed_early(self):
        # An endless generator: only what is asked for is checked, and
        # closing the results ends the stream.
        endless = ((121.0 + 1e-5 * i, 30.0) for i in itertools.count())
        results = CLIENT.overlay_points(endless, batch_size=100)
        first = list(itertools.islice(results, 1050))
        results.close()
        self.assertEqual([r.index for r in first], list(range(1050)))
        self.assertEqual(CLIENT.health(), "SERVING")

    def test_server_unreachable(self):
        with RedlineClient(f"127.0.0.1:{e2e.closed_port()}") as client:
            with self.assertRaises(RedlineError) as cm:
                list(client.overlay_points([(121.0, 30.0)]))
        self.assertEqual(cm.exception.code, grpc.StatusCode.UNAVAILABLE)


class OverlayLocalConfigTest(unittest.TestCase):
    """A server with a local rule file and a small max_request_bytes."""

    MAX_REQUEST_BYTES = 64 << 10

    RULES = """\
law: 测试规则
rules:
  - id: test-unit-outfall-setback
    kinds: [other]
    purposes: [OUTFALL]
    setback_m: 500
    verdict: CONDITIONAL
    text: （测试）
    message_zh: 测试：管控单元内及其500米内设置排污口须附条件。
"""

    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e.tempdir()
        rules = os.path.join(cls.tmp.name, "local.yaml")
        with open(rules, "w", encoding="utf-8") as f:
            f.write(cls.RULES)
        config = e2e.write_config(cls.tmp.name, rules=[
            os.path.join(e2e.SOURCE, "data", "rules"), rules],
            max_request_bytes=cls.MAX_REQUEST_BYTES)
        cls.server = e2e.Server(config=config).__enter__()
        cls.client = RedlineClient(cls.server.target, timeout=30)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.client.close()
            cls.server.__exit__(None, None, None)
        finally:
            cls.tmp.cleanup()

    def test_setback_only_on_nearby_zones(self):
        # The rule applies both inside a zone and within its setback: the
        # batch's rule table carries its setback_m once, and the answers put
        # it only on nearby zones, as a CheckResponse does.
        pts = overlay_points_fixture()
        results = list(self.client.overlay_points(pts, purpose="outfall", batch_size=7))
        for (x, y), r in zip(pts, results):
            self.assertEqual(answer_key(r), answer_key(self.client.check_point(
                x, y, purpose="outfall")), (x, y))

        def applied(zones):
            return [rule for z in zones for rule in z.rules
                    if rule.rule_id == "test-unit-outfall-setback"]
        self.assertTrue(applied(h for r in results for h in r.hits))
        self.assertEqual({rule.setback_m for rule in applied(h for r in results for h in r.hits)},
                         {0.0})
        self.assertEqual({rule.setback_m for rule in applied(n for r in results
                                                             for n in r.nearest)}, {500.0})


    def test_batch_over_max_request_bytes(self):
        pts = [(121.0 + 1e-6 * i, 30.0) for i in range(6000)]
        fits = self.MAX_REQUEST_BYTES // 16 // 2
        self.assertEqual(sum(1 for r in self.client.overlay_points(pts, batch_size=fits)
                             if r.ok), len(pts))
        with self.assertRaises(RedlineError) as cm:
            list(self.client.overlay_points(pts, batch_size=len(pts)))
        self.assertEqual(cm.exception.code, grpc.StatusCode.RESOURCE_EXHAUSTED)


class OverlayFeaturesTest(unittest.TestCase):
    def test_agrees_with_check_geometry(self):
        from osgeo import ogr
        known = known_lonlat()
        gj = e2e.box_geojson(*known[4], d=0.02)
        features = [
            ("small", e2e.box_wkt(*known[0])),
            ("large", e2e.box_wkt(*known[5], d=0.02)),
            ("geojson", gj),
            {"type": "Feature", "id": "feature", "geometry": gj, "properties": {}},
            ("wkb", bytes(ogr.CreateGeometryFromWkt(e2e.box_wkt(*known[7])).ExportToWkb())),
            ("line", f"LINESTRING ({known[1][0] - 0.01} {known[1][1]}, "
                     f"{known[1][0] + 0.01} {known[1][1] + 0.003})"),
            ("bowtie", "POLYGON ((121.07 29.97, 121.08 29.98, 121.08 29.97, 121.07 29.98, "
                       "121.07 29.97))"),
            ("broken", "POLYGON ((121 30, 121.1 30"),
            ("sea", e2e.box_wkt(123.5, 27.5)),
        ]
        results = list(CLIENT.overlay_features(features, purpose="discharging_project",
                                               batch_size=2))
        self.assertEqual([r.index for r in results], list(range(len(features))))
        self.assertEqual([r.id for r in results],
                         [f["id"] if isinstance(f, dict) else f[0] for f in features])
        for f, r in zip(features, results):
            with self.subTest(id=r.id):
                geometry = f["geometry"] if isinstance(f, dict) else f[1]
                kind = {str: "wkt", dict: "geojson", bytes: "wkb"}[type(geometry)]
                try:
                    want = CLIENT.check_geometry(purpose="discharging_project",
                                                 **{kind: geometry})
                except RedlineError as e:
                    self.assertEqual((r.error_code, r.error), (e.code, e.message))
                    self.assertIsNone(r.response)
                    continue
                self.assertTrue(r.ok, r.error)
                want.ClearField("checked_at")
                r.response.ClearField("checked_at")
                self.assertEqual(r.response, want)
        # "broken" is refused; "bowtie" is repaired, as CheckGeometry repairs it.
        self.assertEqual(sum(not r.ok for r in results), 1)
        self.assertEqual([r.id for r in results if r.ok and r.response.site.geometry_repaired],
                         ["bowtie"])
        self.assertTrue(any(r.response.hits for r in results if r.ok))
        self.assertTrue(any(h.overlap_area_m2 > 0 for r in results if r.ok
                            for h in r.response.hits))

    def test_hits_only_and_crs(self):
        lon, lat = known_lonlat()[0]
        wkt = e2e.box_wkt(lon, lat, d=0.01)
        (whole,) = CLIENT.overlay_features([("a", wkt)], purpose="outfall")
        (join,) = CLIENT.overlay_features([("a", wkt)], purpose="outfall", hits_only=True)
        self.assertTrue(whole.response.nearest)
        self.assertEqual(join.response.verdict, pb.VERDICT_UNSPECIFIED)
        self.assertEqual(len(join.response.nearest), 0)
        self.assertEqual({(h.zone_id, h.relation, h.overlap_area_m2) for h in join.response.hits},
                         {(h.zone_id, h.relation, h.overlap_area_m2)
                          for h in whole.response.hits})
        # crs applies to geometries that name none; a pb.Geometry keeps its own.
        (r,) = CLIENT.overlay_features([("x", wkt)], crs="EPSG:4549")
        self.assertFalse(r.ok)
        (r,) = CLIENT.overlay_features([("x", pb.Geometry(wkt=wkt, crs="EPSG:4490"))],
                                       crs="EPSG:4549")
        self.assertEqual(r.response.site.input_crs, "EPSG:4490")

    def test_argument_errors(self):
        with self.assertRaisesRegex(ValueError, "batch_size"):
            CLIENT.overlay_features([], batch_size=0)
        with self.assertRaisesRegex(ValueError, "feature 1 is 'POINT"):
            list(CLIENT.overlay_features([("a", "POINT (121 30)"), "POINT (121 30)"]))
        with self.assertRaisesRegex(TypeError, "not int"):
            list(CLIENT.overlay_features([("a", 5)]))
        self.assertEqual(list(CLIENT.overlay_features([])), [])


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
        # Then every known point in one overlay stream, a line each, in file order.
        known = e2e.known_points()
        self.assertIn(f"== overlay: {len(known)} points as river outfalls", p.stdout)
        lines = p.stdout.split(f"== overlay: {len(known)} points")[1].splitlines()[1:]
        self.assertEqual(len(lines), len(known))
        for i, ((lon, lat), zones) in enumerate(known.items()):
            index, x, y, verdict, *ids = lines[i].split()
            self.assertEqual((int(index), x, y), (i, lon, lat))
            self.assertEqual(set(ids), {z for _, z in zones} or {"-"})
            self.assertIn(verdict, ("PROHIBITED", "CLEAR"))

    def test_example_unreachable(self):
        p = subprocess.run(
            ["/usr/bin/python3", os.path.join(e2e.PY_CLIENT_DIR, "example.py"),
             "--server", f"127.0.0.1:{e2e.closed_port()}", "--timeout", "5"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertIn("UNAVAILABLE", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
