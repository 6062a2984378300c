#!/usr/bin/python3
"""End-to-end: the batched Overlay forms give the one-feature form's answers.

Against the real redlined on the sample data, thousands of points — the known
points, points scattered over the province, points moved a little off the
known ones, and points on zone boundaries (vertices and edge midpoints of the
sample zones, read here with OGR) plus bad points — go through one Overlay
stream one feature per message (WKB points, the original form) and through
another as columnar point batches. Verdict, reason, every hit (zone,
relation, rules, the point's part in it), every nearby zone (distance to the
last bit, rules) and every error must be the same. Batches of features
(polygons, lines, points, a feature without geometry) must equal their
one-feature answers too.

Needs Debian's /usr/bin/python3 (python3-grpcio, python3-gdal).
"""

import os
import random
import struct
import sys
import unittest

import yaml
from osgeo import gdal, ogr, osr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

import grpc  # noqa: E402
from redline.v1 import redline_pb2 as pb, redline_pb2_grpc  # noqa: E402

gdal.UseExceptions()
SERVER = None
STUB = None
CHANNEL = None


def setUpModule():
    global SERVER, STUB, CHANNEL
    SERVER = e2e.Server().__enter__()
    CHANNEL = grpc.insecure_channel(SERVER.target, options=[
        ("grpc.max_receive_message_length", 64 << 20)])
    STUB = redline_pb2_grpc.RedlineStub(CHANNEL)


def tearDownModule():
    CHANNEL.close()
    SERVER.__exit__(None, None, None)


def lonlat_srs():
    s = osr.SpatialReference()
    s.ImportFromEPSG(4490)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def boundary_points(limit_per_layer=400):
    """Vertices and edge midpoints of the sample zones, in EPSG:4490."""
    with open(e2e.SAMPLE_CONFIG, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    out = []
    rnd = random.Random(5)
    for spec in cfg["layers"]:
        if spec["kind"] == "context":  # drawn only, never checked: no zones
            continue
        ds = gdal.OpenEx(os.path.join(e2e.SAMPLE_DIR, spec["source"]), gdal.OF_VECTOR)
        lyr = ds.GetLayerByName(spec["layer"]) if spec.get("layer") else ds.GetLayer(0)
        srs = lyr.GetSpatialRef().Clone()
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(srs, lonlat_srs())
        pts = []
        for feat in lyr:
            g = feat.GetGeometryRef()
            rings = []
            for i in range(g.GetGeometryCount()):
                part = g.GetGeometryRef(i)
                if part.GetGeometryName() == "LINEARRING":
                    rings.append(part)
                else:
                    rings.extend(part.GetGeometryRef(k) for k in range(part.GetGeometryCount()))
            for ring in rings:
                n = ring.GetPointCount()
                for k in rnd.sample(range(n - 1), min(3, n - 1)):
                    x0, y0 = ring.GetX(k), ring.GetY(k)
                    x1, y1 = ring.GetX(k + 1), ring.GetY(k + 1)
                    pts.append((x0, y0))
                    pts.append(((x0 + x1) / 2, (y0 + y1) / 2))
        rnd.shuffle(pts)
        for x, y in pts[:limit_per_layer]:
            lon, lat, _ = ct.TransformPoint(x, y)
            out.append((lon, lat))
    return out


def make_points():
    rnd = random.Random(20261126)
    known = [(float(lon), float(lat)) for lon, lat in e2e.known_points()]
    pts = list(known)
    pts += [(rnd.uniform(118.0, 123.0), rnd.uniform(27.0, 31.2)) for _ in range(2000)]
    for _ in range(600):
        lon, lat = rnd.choice(known)
        pts.append((lon + rnd.uniform(-0.002, 0.002), lat + rnd.uniform(-0.002, 0.002)))
    pts += boundary_points()
    # Bad ones in the middle of the stream: swapped axes, outside China,
    # longitude out of range.
    # (The swapped one is read the other way round, as CheckPoint does; the
    # last is no longitude/latitude in either order.)
    bad = [(29.970780, 121.069788), (2.35, 48.85), (200.0, 30.0), (-121.0, 30.0),
           (95.0, 200.0)]
    mid = len(pts) // 2
    pts[mid:mid] = bad
    return pts


def point_wkb(x, y):
    return struct.pack("<BIdd", 1, 1, x, y)


def one_feature_answers(requests):
    """Answers of the original form: one OverlayRequest per feature."""
    return list(STUB.Overlay(iter(requests), timeout=300))


def hit_key(h):
    return (h.layer, h.kind, h.zone_id, h.zone_name, h.level, h.normalized_level, h.relation,
            tuple(r.rule_id for r in h.rules), tuple(r.verdict for r in h.rules))


def near_key(n):
    return (n.layer, n.kind, n.zone_id, n.zone_name, n.level, n.normalized_level, n.distance_m,
            tuple(r.rule_id for r in n.rules), tuple(r.setback_m for r in n.rules))


def legacy_key(result):
    if result.error:
        return ("error", result.error, result.error_code)
    r = result.response
    inter = None
    for h in r.hits:
        if h.intersection_wkb:
            g = ogr.CreateGeometryFromWkb(h.intersection_wkb)
            inter = (g.GetX(), g.GetY())
    return (r.verdict, r.verdict_reason, r.search_radius_m, r.as_of,
            tuple(hit_key(h) for h in r.hits), tuple(near_key(n) for n in r.nearest), inter)


class Tables:
    def __init__(self):
        self.zones = {}
        self.rules = {}

    def add(self, batch):
        for z in batch.zones:
            self.assert_new(self.zones, z.index)
            self.zones[z.index] = z
        for r in batch.rules:
            self.assert_new(self.rules, r.index)
            self.rules[r.index] = r.rule

    @staticmethod
    def assert_new(table, index):
        assert index not in table, f"index {index} described twice in one stream"


def batch_keys(results, n_expected):
    """Per point keys from columnar answers, as legacy_key makes them."""
    tables = Tables()
    keys = []
    versions = set()
    for res in results:
        versions.add(res.dataset_version)
        b = res.batch
        tables.add(b)
        p = b.points
        errors = {i: (e, c) for i, e, c in zip(p.error_index, p.error, p.error_code)}
        hi = ni = hri = nri = ii = 0
        for i in range(len(p.verdict)):
            if i in errors:
                e, c = errors[i]
                keys.append(("error", e, c))
                assert p.hit_count[i] == 0 and p.near_count[i] == 0
                assert p.verdict[i] == pb.VERDICT_UNSPECIFIED and p.reasons[p.reason[i]] == ""
                continue
            hits = []
            inter = None
            if p.hit_count[i] and p.intersection_lon:
                inter = (p.intersection_lon[ii], p.intersection_lat[ii])
                ii += 1
            for _ in range(p.hit_count[i]):
                z = tables.zones[p.hit_zone[hi]]
                rules = [tables.rules[p.hit_rule[hri + k]] for k in range(p.hit_rule_count[hi])]
                hri += p.hit_rule_count[hi]
                hits.append((z.layer, z.kind, z.zone_id, z.zone_name, z.level, z.normalized_level,
                             p.hit_relation[hi], tuple(r.rule_id for r in rules),
                             tuple(r.verdict for r in rules)))
                hi += 1
            nears = []
            for _ in range(p.near_count[i]):
                z = tables.zones[p.near_zone[ni]]
                rules = [tables.rules[p.near_rule[nri + k]]
                         for k in range(p.near_rule_count[ni])]
                nri += p.near_rule_count[ni]
                nears.append((z.layer, z.kind, z.zone_id, z.zone_name, z.level,
                              z.normalized_level, p.near_distance_m[ni],
                              tuple(r.rule_id for r in rules), tuple(r.setback_m for r in rules)))
                ni += 1
            keys.append((p.verdict[i], p.reasons[p.reason[i]], p.search_radius_m, p.as_of,
                         tuple(hits), tuple(nears), inter))
        assert hi == len(p.hit_zone) and ni == len(p.near_zone)
    assert len(keys) == n_expected, (len(keys), n_expected)
    assert len(versions) == 1, versions
    return keys


class BatchEqualsOneFeatureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.points = make_points()
        assert len(cls.points) > 3000, len(cls.points)

    def compare_points(self, points, crs, siting, batch_size, layers=()):
        legacy = one_feature_answers(
            pb.OverlayRequest(id=str(i), geometry=pb.Geometry(wkb=point_wkb(x, y), crs=crs),
                              options=pb.CheckOptions(siting=siting, layers=layers,
                                                      include_intersection=True))
            for i, (x, y) in enumerate(points))
        self.assertEqual([r.id for r in legacy], [str(i) for i in range(len(points))])
        want = [legacy_key(r) for r in legacy]
        opts = pb.CheckOptions(siting=siting, layers=layers, include_intersection=True)
        requests = []
        for k in range(0, len(points), batch_size):
            chunk = points[k:k + batch_size]
            requests.append(pb.OverlayRequest(options=opts, points=pb.PointColumns(
                crs=crs, x=[x for x, _ in chunk], y=[y for _, y in chunk])))
        results = list(STUB.Overlay(iter(requests), timeout=300))
        self.assertEqual(len(results), len(requests))
        got = batch_keys(results, len(points))
        self.assertEqual(results[0].dataset_version, legacy[0].dataset_version)
        mismatches = [(i, points[i], w, g) for i, (w, g) in enumerate(zip(want, got)) if w != g]
        self.assertEqual(mismatches[:3], [], f"{len(mismatches)} of {len(points)} points differ")
        return want

    def test_points_outfall(self):
        want = self.compare_points(self.points, "", pb.Siting(purpose=pb.Siting.OUTFALL), 1000)
        # The fixture covers what it means to: hits, boundary hits, nearby
        # zones with setback rules, errors.
        relations = {h[6] for w in want if w[0] != "error" for h in w[4]}
        self.assertIn(pb.ZoneHit.BOUNDARY, relations)
        self.assertIn(pb.ZoneHit.INSIDE, relations)
        self.assertTrue(any(w[0] != "error" and any(n[7] for n in w[5]) for w in want))
        self.assertGreaterEqual(sum(w[0] == "error" for w in want), 4)

    def test_points_without_purpose_small_batches(self):
        self.compare_points(self.points[:1500], "EPSG:4490", pb.Siting(), 7)

    def test_points_in_gauss_kruger_one_layer(self):
        gk = osr.SpatialReference()
        gk.ImportFromEPSG(4549)
        gk.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(lonlat_srs(), gk)
        pts = [ct.TransformPoint(lon, lat)[:2] for lon, lat in self.points[::3]
               if 118.6 <= lon <= 121.4]
        self.compare_points(pts, "EPSG:4549",
                            pb.Siting(purpose=pb.Siting.DISCHARGING_PROJECT), 256,
                            layers=("water_source", "red_lines"))

    def test_bad_options_give_every_point_the_error(self):
        opts = pb.CheckOptions(layers=["no_such_layer"])
        req = pb.OverlayRequest(options=opts, points=pb.PointColumns(x=[121.0, 120.0],
                                                                     y=[30.0, 29.0]))
        (res,) = list(STUB.Overlay(iter([req]), timeout=60))
        self.assertEqual(list(res.batch.points.error_index), [0, 1])
        self.assertIn("no_such_layer", res.batch.points.error[0])
        self.assertEqual(res.batch.points.error_code[0], grpc.StatusCode.INVALID_ARGUMENT.value[0])
        # Refused whole: read in no CRS, answered for no day.
        self.assertEqual(res.batch.points.as_of, "")
        self.assertEqual(res.batch.points.input_crs, "")

    def test_points_refuse_zone_geometry(self):
        # Columns carry no outlines: the option is refused for every point,
        # naming it; a feature of the same message is answered with outlines.
        lon, lat = (float(v) for v in next(k for k, hits in e2e.known_points().items() if hits))
        opts = pb.CheckOptions(include_zone_geometry=True)
        req = pb.OverlayRequest(options=opts, points=pb.PointColumns(x=[lon], y=[lat]),
                                features=[pb.OverlayFeature(id="f", geometry=pb.Geometry(
                                    wkt=e2e.box_wkt(lon, lat, 0.002)))])
        (res,) = list(STUB.Overlay(iter([req]), timeout=60))
        self.assertEqual(list(res.batch.points.error_index), [0])
        self.assertEqual(res.batch.points.error_code[0], grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertIn("include_zone_geometry", res.batch.points.error[0])
        self.assertIn("OverlayRequest.points", res.batch.points.error[0])
        feature = res.batch.results[0]
        self.assertFalse(feature.error, feature.error)
        self.assertTrue(feature.response.hits)
        self.assertTrue(all(h.zone_geometry_wkb for h in feature.response.hits))

    def test_feature_batches(self):
        known = [(float(lon), float(lat)) for lon, lat in e2e.known_points()]
        geoms = []
        for lon, lat in known:
            geoms.append(e2e.box_wkt(lon, lat, 0.0003))
            geoms.append(e2e.box_wkt(lon, lat, 0.02))
            geoms.append(f"LINESTRING ({lon - 0.01} {lat}, {lon + 0.01} {lat + 0.003})")
            geoms.append(f"POINT ({lon} {lat})")
        geoms.insert(5, None)  # no geometry
        geoms.insert(9, "POLYGON ((121.07 29.97, 121.08 29.98, 121.08 29.97, 121.07 29.98, "
                        "121.07 29.97))")  # self-intersecting: repaired alike
        siting = pb.Siting(purpose=pb.Siting.DISCHARGING_PROJECT)

        def geometry(wkt):
            return pb.Geometry(crs="EPSG:4490") if wkt is None else pb.Geometry(wkt=wkt)

        legacy = one_feature_answers(
            pb.OverlayRequest(id=f"f{i}", geometry=geometry(w),
                              options=pb.CheckOptions(siting=siting, include_intersection=True))
            for i, w in enumerate(geoms))
        opts = pb.CheckOptions(siting=siting, include_intersection=True)
        requests = [pb.OverlayRequest(options=opts, features=[
            pb.OverlayFeature(id=f"f{i}", geometry=geometry(w))
            for i, w in enumerate(geoms[k:k + 10], k)]) for k in range(0, len(geoms), 10)]
        results = list(STUB.Overlay(iter(requests), timeout=300))
        got = [r for res in results for r in res.batch.results]
        self.assertEqual(len(got), len(legacy))
        for a, b in zip(legacy, got):
            with self.subTest(id=a.id):
                self.assertEqual(a.id, b.id)
                a.dataset_version = ""
                a.response.ClearField("checked_at")
                b.response.ClearField("checked_at")
                self.assertEqual(a, b)
        self.assertTrue(any(r.error for r in got))
        self.assertTrue(any(r.response.hits for r in got))

    def test_points_hits_only(self):
        # hits_only: the same hits and relations as the whole check (in layer
        # order, then by zone id), the same errors and intersections, and no
        # verdict, reason, rule or nearby-zone columns.
        siting = pb.Siting(purpose=pb.Siting.OUTFALL)
        pts = self.points
        layer_order = [l.name for l in STUB.ListLayers(pb.ListLayersRequest()).layers]

        def run(hits_only):
            opts = pb.CheckOptions(siting=siting, include_intersection=True,
                                     hits_only=hits_only)
            reqs = [pb.OverlayRequest(options=opts, points=pb.PointColumns(
                x=[x for x, _ in pts[k:k + 500]], y=[y for _, y in pts[k:k + 500]]))
                for k in range(0, len(pts), 500)]
            results = list(STUB.Overlay(iter(reqs), timeout=300))
            self.assertEqual(len(results), len(reqs))
            zones, per_point, errors, inter, rest = {}, [], [], [], []
            for res in results:
                for z in res.batch.zones:
                    zones[z.index] = (z.layer, z.zone_id)
                p = res.batch.points
                hi = 0
                for c in p.hit_count:
                    per_point.append([(zones[p.hit_zone[hi + k]], p.hit_relation[hi + k])
                                      for k in range(c)])
                    hi += c
                self.assertEqual(hi, len(p.hit_zone))
                errors += [(len(per_point) - len(p.hit_count) + i, e)
                           for i, e in zip(p.error_index, p.error)]
                inter += list(zip(p.intersection_lon, p.intersection_lat))
                rest.append((len(p.verdict), len(p.reason), len(p.reasons), len(p.hit_rule_count),
                             len(p.hit_rule), len(p.near_count), len(p.near_zone),
                             len(res.batch.rules)))
            self.assertEqual(len(per_point), len(pts))
            return per_point, errors, inter, rest

        full, full_errors, full_inter, _ = run(False)
        join, join_errors, join_inter, rest = run(True)
        self.assertEqual(join_errors, full_errors)
        self.assertGreaterEqual(len(join_errors), 4)
        self.assertEqual(join_inter, full_inter)
        self.assertEqual(set(rest), {(0, 0, 0, 0, 0, 0, 0, 0)})
        for i, (f, j) in enumerate(zip(full, join)):
            want = sorted(f, key=lambda h: (layer_order.index(h[0][0]), h[0][1]))
            self.assertEqual(j, want, f"point {i}")
        self.assertGreater(sum(1 for j in join if j), 500)

    def test_features_hits_only(self):
        known = [(float(lon), float(lat)) for lon, lat in e2e.known_points()]
        geoms = [e2e.box_wkt(lon, lat, 0.01) for lon, lat in known]
        siting = pb.Siting(purpose=pb.Siting.DISCHARGING_PROJECT)

        def run(hits_only):
            opts = pb.CheckOptions(siting=siting, hits_only=hits_only)
            req = pb.OverlayRequest(options=opts, features=[
                pb.OverlayFeature(id=f"f{i}", geometry=pb.Geometry(wkt=w))
                for i, w in enumerate(geoms)])
            (res,) = list(STUB.Overlay(iter([req]), timeout=300))
            return res.batch.results

        full, join = run(False), run(True)
        self.assertEqual(len(full), len(join))
        self.assertTrue(any(r.response.nearest for r in full))
        # A join's hits come in layer order, then by zone id, as the points'.
        layers = STUB.ListLayers(pb.ListLayersRequest(), timeout=30).layers
        layer_order = {layer.name: i for i, layer in enumerate(layers)}
        for a, b in zip(full, join):
            with self.subTest(id=a.id):
                self.assertEqual(b.response.verdict, pb.VERDICT_UNSPECIFIED)
                self.assertEqual(b.response.verdict_reason, "")
                self.assertEqual(len(b.response.nearest), 0)
                self.assertTrue(all(len(h.rules) == 0 for h in b.response.hits))
                want = sorted(a.response.hits,
                              key=lambda h: (layer_order[h.layer], h.zone_id))
                self.assertEqual([(h.zone_id, h.relation, h.overlap_area_m2)
                                  for h in b.response.hits],
                                 [(h.zone_id, h.relation, h.overlap_area_m2) for h in want])
        self.assertTrue(any(r.response.hits for r in join))

    def test_mixed_messages_in_one_stream(self):
        # One-feature messages and batches may alternate; answers stay in order.
        opts = pb.CheckOptions(siting=pb.Siting(purpose=pb.Siting.OUTFALL))
        pts = self.points[:50]
        reqs = []
        for k in range(0, 50, 10):
            reqs.append(pb.OverlayRequest(id=f"one{k}", geometry=pb.Geometry(
                wkb=point_wkb(*pts[k]))))
            reqs.append(pb.OverlayRequest(options=opts, points=pb.PointColumns(
                x=[x for x, _ in pts[k:k + 10]], y=[y for _, y in pts[k:k + 10]])))
        results = list(STUB.Overlay(iter(reqs), timeout=60))
        self.assertEqual(len(results), len(reqs))
        for k, res in zip(range(0, 50, 10), results[0::2]):
            self.assertEqual(res.id, f"one{k}")
        for res in results[1::2]:
            self.assertEqual(len(res.batch.points.verdict), 10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
