#!/usr/bin/python3
"""End-to-end: geometry parsers are bounded, errors are short, and the wrong
answers of issue 18 (finding 9) are right (findings 1, 7 and 9).

One redlined serves the sample data. Each request below either killed the
server (a GEOMETRYCOLLECTION nested 20,000-40,000 deep overflowed the stack
of GEOS's recursive readers), came back with a status the client could not
read (a 100 kB message outgrew gRPC's metadata limit), or got a wrong
answer: INTERNAL for a valid polygon whose hole touches its shell, CLEAR for
GCJ-02/BD-09 points far outside China, the default radius for a NaN one, a
LineString for a coordinate-table ring of two points. After every request
the server must still answer a normal CheckPoint.

Needs Debian's /usr/bin/python3 (python3-grpcio, python3-yaml).
"""

import json
import math
import os
import struct
import sys
import time
import unittest
import urllib.error
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline.v1 import redline_pb2 as pb  # noqa: E402
from redline.v1 import redline_pb2_grpc as pb_grpc  # noqa: E402

GOOD_LON, GOOD_LAT = "121.138323", "30.027120"  # 余姚华府新村: two zones
DEPTH_LIMIT = 32
WKB_DEPTH = 20000
TEXT_DEPTH = 40000

SERVER = None
CHANNEL = None
STUB = None


def setUpModule():
    global SERVER, CHANNEL, STUB
    SERVER = e2e.Server().__enter__()
    CHANNEL = grpc.insecure_channel(SERVER.target)
    STUB = pb_grpc.RedlineStub(CHANNEL)


def tearDownModule():
    try:
        CHANNEL.close()
    finally:
        SERVER.__exit__(None, None, None)


# --- inputs -------------------------------------------------------------------

def nested_wkt(depth):
    return "GEOMETRYCOLLECTION (" * depth + "POINT (121 30)" + ")" * depth


def nested_geojson(depth):
    head = '{"type":"GeometryCollection","geometries":['
    return head * depth + '{"type":"Point","coordinates":[121,30]}' + "]}" * depth


def nested_wkb(depth):
    return struct.pack("<BII", 1, 7, 1) * depth + struct.pack("<BIdd", 1, 1, 121.0, 30.0)


def ring(points):
    return "(" + ", ".join(f"{x:.7f} {y:.7f}" for x, y in points) + ")"


# A square with a triangular hole whose first vertex lies on the square's
# lower edge: valid (a hole may touch its shell at one point). Reprojected,
# that vertex landed a hair outside the edge and GEOS relate threw: INTERNAL.
def hole_touching_shell(lon=121.2058386, lat=30.0384109, d=0.02):
    shell = [(lon - d, lat - d), (lon + d, lat - d), (lon + d, lat + d), (lon - d, lat + d),
             (lon - d, lat - d)]
    hole = [(lon, lat - d), (lon + d / 2, lat), (lon - d / 2, lat), (lon, lat - d)]
    return f"POLYGON ({ring(shell)}, {ring(hole)})"


# --- calls ----------------------------------------------------------------------

def check_geometry(**geometry):
    options = geometry.pop("options", {})
    return STUB.CheckGeometry(pb.CheckGeometryRequest(geometry=pb.Geometry(**geometry),
                                                      **options), timeout=60)


def http_post(path, obj):
    """(status, parsed JSON body) of a POST to the server's HTTP API."""
    req = urllib.request.Request(SERVER.http_url + path, data=json.dumps(obj).encode("utf-8"),
                                 method="POST", headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def overlay(requests):
    return list(STUB.Overlay(iter(requests), timeout=60))


class Base(unittest.TestCase):
    def assert_alive(self):
        self.assertIsNone(SERVER.proc.poll(), f"redlined died:\n{SERVER.log()[-3000:]}")
        r = STUB.CheckPoint(pb.CheckPointRequest(x=float(GOOD_LON), y=float(GOOD_LAT)),
                            timeout=30)
        self.assertEqual({(h.layer, h.zone_id) for h in r.hits},
                         e2e.known_points()[(GOOD_LON, GOOD_LAT)])

    def assert_refused(self, call, code=grpc.StatusCode.INVALID_ARGUMENT, pattern=None):
        with self.assertRaises(grpc.RpcError) as cm:
            call()
        e = cm.exception
        self.assertEqual(e.code(), code, e.details())
        self.assertLessEqual(len(e.details().encode("utf-8")), 1024)
        if pattern:
            self.assertRegex(e.details(), pattern)
        self.assert_alive()
        return e.details()


DEPTH_PATTERN = rf"deeper than {DEPTH_LIMIT} levels.*nesting limit is {DEPTH_LIMIT}"


class DeepNestingTest(Base):
    """Finding 1: one request used to kill the server with SIGSEGV."""

    def test_check_geometry_wkb(self):
        self.assert_refused(lambda: check_geometry(wkb=nested_wkb(WKB_DEPTH)),
                            pattern=DEPTH_PATTERN)

    def test_check_geometry_wkt(self):
        self.assert_refused(lambda: check_geometry(wkt=nested_wkt(TEXT_DEPTH)),
                            pattern=DEPTH_PATTERN)

    def test_check_geometry_geojson(self):
        self.assert_refused(lambda: check_geometry(geojson=nested_geojson(TEXT_DEPTH)),
                            pattern=DEPTH_PATTERN)

    def test_nested_json_arrays(self):
        text = '{"type":"Polygon","coordinates":' + "[" * TEXT_DEPTH + "]" * TEXT_DEPTH + "}"
        self.assert_refused(lambda: check_geometry(geojson=text), pattern=DEPTH_PATTERN)

    def test_overlay_features(self):
        geometries = [pb.Geometry(wkb=nested_wkb(WKB_DEPTH)),
                      pb.Geometry(wkt=nested_wkt(TEXT_DEPTH)),
                      pb.Geometry(geojson=nested_geojson(TEXT_DEPTH))]
        # The one-feature form...
        for g in geometries:
            (r,) = overlay([pb.OverlayRequest(id="deep", geometry=g)])
            self.assertEqual(r.error_code, grpc.StatusCode.INVALID_ARGUMENT.value[0], r.error)
            self.assertRegex(r.error, DEPTH_PATTERN)
            self.assert_alive()
        # ...and a batch, whose good feature is still answered.
        features = [pb.OverlayFeature(id=f"deep{i}", geometry=g) for i, g in enumerate(geometries)]
        features.append(pb.OverlayFeature(id="good", geometry=pb.Geometry(
            wkt=e2e.box_wkt(GOOD_LON, GOOD_LAT))))
        (r,) = overlay([pb.OverlayRequest(options=pb.CheckOptions(), features=features)])
        results = r.batch.results
        self.assertEqual(len(results), 4)
        for res in results[:3]:
            self.assertEqual(res.error_code, grpc.StatusCode.INVALID_ARGUMENT.value[0], res.error)
            self.assertRegex(res.error, DEPTH_PATTERN)
        self.assertEqual(results[3].error, "")
        self.assertTrue(results[3].response.hits)
        self.assert_alive()

    def test_http_check_geometry(self):
        import base64
        for geometry in ({"wkt": nested_wkt(TEXT_DEPTH)},
                         {"geojson": nested_geojson(TEXT_DEPTH)},
                         {"wkb": base64.b64encode(nested_wkb(WKB_DEPTH)).decode("ascii")}):
            status, body = http_post("/v1/check-geometry", {"geometry": geometry})
            self.assertEqual(status, 400, body)
            self.assertEqual(body["status"], "INVALID_ARGUMENT", body)
            self.assertRegex(body["message"], DEPTH_PATTERN)
            self.assert_alive()

    def test_limit_leaves_real_sites_alone(self):
        # A MultiPolygon nests 3 levels in WKT, 5 in GeoJSON, 2 in WKB.
        r = check_geometry(geojson=json.dumps(
            {"type": "MultiPolygon", "coordinates": [[[[float(GOOD_LON) - 0.0003, float(GOOD_LAT)],
                                                        [float(GOOD_LON) + 0.0003, float(GOOD_LAT)],
                                                        [float(GOOD_LON), float(GOOD_LAT) + 0.0003],
                                                        [float(GOOD_LON) - 0.0003, float(GOOD_LAT)]]]]}))
        self.assertTrue(r.hits)
        # A collection nested a few levels is read, then refused for its type
        # as before (a site is not a GeometryCollection).
        self.assert_refused(lambda: check_geometry(wkt=nested_wkt(5)),
                            pattern=r"GeometryCollection is not accepted")


class FuzzFindingsTest(Base):
    """Crashes the fuzzers found in GEOS's readers, refused before they reach them."""

    def test_empty_position_in_geojson(self):
        for text in ('{"type":"LineString","coordinates":[[121.07,29.97],[]]}',
                     '{"type":"LineString","coordinates":[[121.07,29.97],[121.08]]}'):
            self.assert_refused(lambda: check_geometry(geojson=text), pattern="position")

    def test_crs_names_and_files_never_reach_proj(self):
        # A free-text name made PROJ search its database for seconds (the config
        # fuzzer); init= or a path would read a file the config never named.
        for crs in ("+erc +lat_0=0 +lon_0=120 1+=k +x_0=500000 +el - {nam0",
                    "+init=/etc/passwd:x", "+proj=longlat +nadgrids=/etc/passwd +type=crs"):
            start = time.monotonic()
            self.assert_refused(lambda: STUB.CheckPoint(
                pb.CheckPointRequest(x=float(GOOD_LON), y=float(GOOD_LAT), crs=crs), timeout=30))
            self.assertLess(time.monotonic() - start, 5.0, crs)

    def test_empty_part_of_a_multi_geometry(self):
        self.assert_refused(
            lambda: check_geometry(wkt="MULTILINESTRING ((121.07 29.97, 121.08 29.98), EMPTY)"),
            pattern="empty")


class ShortErrorsTest(Base):
    """Finding 7: errors quoted 100 kB of input; the client saw RESOURCE_EXHAUSTED."""

    def test_100_kb_bad_wkt(self):
        details = self.assert_refused(
            lambda: check_geometry(wkt="POLYGON((" + "x" * 100000), pattern=r"malformed WKT")
        self.assertLess(len(details), 400, details)

    def test_100_kb_bad_geojson_number(self):
        text = '{"type":"Point","coordinates":[' + "1" * 100000 + "x]}"
        details = self.assert_refused(lambda: check_geometry(geojson=text),
                                      pattern=r"malformed GeoJSON")
        self.assertLess(len(details), 400, details)

    def test_100_kb_table_line(self):
        details = self.assert_refused(
            lambda: check_geometry(coordinate_table="J1 1 2 " + "a" * 100000),
            pattern=r"line 1")
        self.assertLess(len(details), 400, details)

    def test_100_kb_crs(self):
        self.assert_refused(lambda: check_geometry(wkt="POINT (121 30)", crs="EPSG:" + "9" * 100000),
                            pattern=r"CRS")

    def test_100_kb_layer_name(self):
        self.assert_refused(lambda: STUB.CheckPoint(pb.CheckPointRequest(
            x=float(GOOD_LON), y=float(GOOD_LAT),
            options=pb.CheckOptions(layers=["L" * 100000])), timeout=30),
            pattern=r"unknown layer")

    def test_100_kb_as_of(self):
        self.assert_refused(lambda: STUB.CheckPoint(pb.CheckPointRequest(
            x=float(GOOD_LON), y=float(GOOD_LAT),
            options=pb.CheckOptions(as_of="2" * 100000)), timeout=30),
            pattern=r"as_of")


class WrongAnswersTest(Base):
    """Finding 9."""

    def test_hole_touching_shell_is_checked(self):
        wkt = hole_touching_shell()
        r = check_geometry(wkt=wkt)
        self.assertEqual(r.site.geometry_type, "Polygon")
        self.assertTrue(r.hits, "the case lies across zones")
        for h in r.hits:
            self.assertGreater(h.overlap_ratio, 0)
            self.assertLessEqual(h.overlap_ratio, 1)
        status, body = http_post("/v1/check-geometry", {"geometry": {"wkt": wkt}})
        self.assertEqual(status, 200, body)
        self.assertEqual({h["zoneId"] for h in body["hits"]}, {h.zone_id for h in r.hits})
        self.assert_alive()

    def test_web_map_points_outside_china_are_refused(self):
        for crs in ("GCJ-02", "BD-09"):
            for x, y in ((0.0, 0.0), (-74.0, 40.7)):
                self.assert_refused(lambda: STUB.CheckPoint(
                    pb.CheckPointRequest(x=x, y=y, crs=crs), timeout=30),
                    pattern=rf"outside China.*{crs}.*cannot be known")

    def test_web_map_points_outside_china_in_an_overlay_batch(self):
        for crs in ("GCJ-02", "BD-09"):
            xs = [float(GOOD_LON), 0.0, -74.0]
            ys = [float(GOOD_LAT), 0.0, 40.7]
            (r,) = overlay([pb.OverlayRequest(options=pb.CheckOptions(),
                                              points=pb.PointColumns(crs=crs, x=xs, y=ys))])
            p = r.batch.points
            self.assertEqual(list(p.error_index), [1, 2], crs)
            for code, message in zip(p.error_code, p.error):
                self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
                self.assertIn("outside China", message)
            self.assertEqual(p.verdict[1], pb.VERDICT_UNSPECIFIED)
            self.assertEqual(p.verdict[2], pb.VERDICT_UNSPECIFIED)
        self.assert_alive()

    def test_nan_radius_is_refused(self):
        for radius in (math.nan, math.inf, -1.0):
            self.assert_refused(lambda: STUB.CheckPoint(pb.CheckPointRequest(
                x=float(GOOD_LON), y=float(GOOD_LAT),
                options=pb.CheckOptions(search_radius_m=radius)), timeout=30),
                pattern=r"search_radius_m")
        # Overlay batch options: every point and feature gets the error.
        (r,) = overlay([pb.OverlayRequest(
            options=pb.CheckOptions(search_radius_m=math.nan),
            features=[pb.OverlayFeature(id="f", geometry=pb.Geometry(
                wkt=e2e.box_wkt(GOOD_LON, GOOD_LAT)))],
            points=pb.PointColumns(x=[float(GOOD_LON)], y=[float(GOOD_LAT)]))])
        self.assertEqual(list(r.batch.points.error_index), [0])
        self.assertIn("search_radius_m", r.batch.points.error[0])
        self.assertEqual(r.batch.results[0].error_code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertIn("search_radius_m", r.batch.results[0].error)

    def test_table_ring_of_two_points_is_an_error(self):
        table = (f"J1 {GOOD_LON} {GOOD_LAT}\nJ2 {float(GOOD_LON) + 0.001:.6f} {GOOD_LAT}\n"
                 f"J1 {GOOD_LON} {GOOD_LAT}\n")
        self.assert_refused(lambda: check_geometry(coordinate_table=table),
                            pattern=r"ring of lines 1-3 .*at least 3")


if __name__ == "__main__":
    unittest.main(verbosity=2)
