#!/usr/bin/python3
"""End-to-end: bad input is refused cleanly and the server keeps serving.

One redlined serves the sample layers from a temporary copy of
data/sample/redline.yaml with small limits (max_vertices: 1000,
max_request_bytes: 100000). Every bad input goes through the `redline` CLI
(exit status 2, a message naming the problem on stderr) and through the
Python client (RedlineError with INVALID_ARGUMENT, or RESOURCE_EXHAUSTED for
size); after each one a good query still gets the right answer, and good
queries from other threads running during the bad ones all succeed.
"""

import os
import re
import sys
import threading
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient, RedlineError  # noqa: E402

MAX_VERTICES = 1000
MAX_REQUEST_BYTES = 100000

GOOD_LON, GOOD_LAT = "121.138323", "30.027120"  # 余姚华府新村: two zones

SERVER = None
TMP = None


def setUpModule():
    global SERVER, TMP
    TMP = e2e.tempdir()
    config = e2e.write_config(TMP.name, max_vertices=MAX_VERTICES,
                              max_request_bytes=MAX_REQUEST_BYTES)
    SERVER = e2e.Server(config).__enter__()


def tearDownModule():
    try:
        if SERVER.proc.poll() is None:
            assert_good_answer(unittest.TestCase())
    finally:
        SERVER.__exit__(None, None, None)
        TMP.cleanup()


def expected_good():
    return e2e.known_points()[(GOOD_LON, GOOD_LAT)]


def assert_good_answer(tc):
    tc.assertIsNone(SERVER.proc.poll(), f"redlined died:\n{SERVER.log()}")
    with RedlineClient(SERVER.target, timeout=30) as c:
        r = c.check_point(float(GOOD_LON), float(GOOD_LAT))
    tc.assertEqual({(h.layer, h.zone_id) for h in r.hits}, expected_good())


def cli(*args):
    return e2e.run_cli(SERVER.target, *args)


# Bad inputs shared by the CLI and Python tests:
#   name: (CLI args, Python call on a RedlineClient, stderr pattern)
BAD_WKT = "POLYGON((121 30, 121.01 30, 121.01"
EMPTY_WKT = "POLYGON EMPTY"
SWAPPED = (30.027120, 121.138323)  # latitude first: corrected, not refused
# Latitude first in one vertex only: which order is meant cannot be told, so refused.
PARTLY_SWAPPED_WKT = "POLYGON((121.13 30.02, 30.02 121.14, 121.14 30.03, 121.13 30.02))"
# A bow-tie: its ring crosses itself at (121.135, 30.025). Made valid by
# default (and said so); refused with strict_geometry / --strict.
BOWTIE_WKT = "POLYGON((121.13 30.02, 121.14 30.03, 121.14 30.02, 121.13 30.03, 121.13 30.02))"


class CliBadInputTest(unittest.TestCase):
    def assert_refused(self, args, pattern, code=2):
        p = cli(*args)
        self.assertEqual(p.returncode, code,
                         f"redline {args}: stdout={p.stdout!r} stderr={p.stderr!r}")
        self.assertRegex(p.stderr, pattern)
        self.assertEqual(p.stdout.strip(), "", "nothing on stdout for a refused input")
        assert_good_answer(self)

    def test_malformed_wkt(self):
        self.assert_refused(["check-site", "--wkt", BAD_WKT], r"WKT")

    def test_malformed_wkt_file(self):
        path = os.path.join(TMP.name, "bad.wkt")
        with open(path, "w") as f:
            f.write("POLYGON((banana))")
        self.assert_refused(["check-site", "--file", path], r"WKT")

    def test_malformed_geojson_file(self):
        path = os.path.join(TMP.name, "bad.geojson")
        with open(path, "w") as f:
            f.write('{"type": "Polygon", "coordinates": [[[121, 30], [121.01')
        self.assert_refused(["check-site", "--file", path], r"(?i)geojson")

    def test_swapped_lat_lon_is_corrected(self):
        # Since coordinates are read as they arrive, latitude-first input that
        # only fits one way round is read that way (and reported), not refused.
        p = cli("check-point", "--lon", str(SWAPPED[0]), "--lat", str(SWAPPED[1]))
        self.assertEqual(p.returncode, 0, f"stdout={p.stdout!r} stderr={p.stderr!r}")
        self.assertIn("121.138", p.stdout)

    def test_partly_swapped_polygon(self):
        self.assert_refused(["check-site", "--wkt", PARTLY_SWAPPED_WKT], r"swapped")

    def test_invalid_polygon_refused_with_strict(self):
        self.assert_refused(["check-site", "--wkt", BOWTIE_WKT, "--strict"],
                            r"Self-intersection at \(121\.135, 30\.025\)")

    def test_invalid_polygon_repaired_by_default(self):
        p = cli("check-site", "--wkt", BOWTIE_WKT)
        self.assertEqual(p.returncode, 0, f"stdout={p.stdout!r} stderr={p.stderr!r}")
        self.assertRegex(p.stdout, r"the polygon was invalid \(Self-intersection at "
                                   r"\(121\.135, 30\.025\)\) and was made valid")
        self.assertIn("MultiPolygon", p.stdout)

    def test_unknown_crs(self):
        self.assert_refused(["check-point", "--lon", GOOD_LON, "--lat", GOOD_LAT,
                             "--crs", "EPSG:99999"], r"EPSG:99999")

    def test_unknown_layer(self):
        self.assert_refused(["check-point", "--lon", GOOD_LON, "--lat", GOOD_LAT,
                             "--layer", "nope"], r"nope")

    def test_empty_geometry(self):
        self.assert_refused(["check-site", "--wkt", EMPTY_WKT], r"(?i)empty")

    def test_nan(self):
        self.assert_refused(["check-point", "--lon", "nan", "--lat", GOOD_LAT],
                            r"(?i)finite|nan")

    def test_infinite(self):
        self.assert_refused(["check-point", "--lon", GOOD_LON, "--lat", "inf"],
                            r"(?i)finite|inf")

    def test_unknown_purpose(self):
        self.assert_refused(["check-point", "--lon", GOOD_LON, "--lat", GOOD_LAT,
                             "--purpose", "casino"], r"purpose")

    def test_over_vertex_limit(self):
        wkt = e2e.circle_wkt(121.1, 30.0, MAX_VERTICES + 500)
        self.assertLess(len(wkt), MAX_REQUEST_BYTES)  # the vertex limit, not the size
        self.assert_refused(["check-site", "--wkt", wkt], rf"(?i)vertices.*\b{MAX_VERTICES}\b")

    def test_at_vertex_limit_is_accepted(self):
        # MAX_VERTICES - 1 distinct vertices + the closing one = MAX_VERTICES points.
        wkt = e2e.circle_wkt(121.1, 30.0, MAX_VERTICES - 1, r=0.001)
        p = cli("check-site", "--wkt", wkt)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_over_message_size(self):
        wkt = e2e.circle_wkt(121.1, 30.0, 8000)
        self.assertGreater(len(wkt), 2 * MAX_REQUEST_BYTES)
        path = os.path.join(TMP.name, "big.wkt")  # too long for one argv string
        with open(path, "w") as f:
            f.write(wkt)
        self.assert_refused(["check-site", "--file", path],
                            r"(?i)larger than|too large|exhausted|exceed")

    def test_unreachable_server(self):
        port = e2e.closed_port()
        p = e2e.run_cli(f"127.0.0.1:{port}", "--timeout", "5", "check-point",
                        "--lon", GOOD_LON, "--lat", GOOD_LAT)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(str(port), p.stderr)

    def test_missing_arguments(self):
        self.assert_refused(["check-point", "--lon", GOOD_LON], r"--lat")
        self.assert_refused(["check-site"], r"--wkt|--file")
        self.assert_refused(["check-point", "--lon", "abc", "--lat", GOOD_LAT], r"abc")


class PythonBadInputTest(unittest.TestCase):
    def setUp(self):
        self.client = RedlineClient(SERVER.target, timeout=30)

    def tearDown(self):
        self.client.close()

    def assert_code(self, code, fn, *args, pattern=None, **kwargs):
        with self.assertRaises(RedlineError) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.code, code, cm.exception.message)
        if pattern:
            self.assertRegex(cm.exception.message, pattern)
        assert_good_answer(self)

    def bad_calls(self):
        """(name, code, callable, pattern) for every bad input."""
        c = self.client
        g_lon, g_lat = float(GOOD_LON), float(GOOD_LAT)
        inv, big = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED
        return [
            ("malformed wkt", inv, lambda: c.check_geometry(wkt=BAD_WKT), r"WKT"),
            ("malformed geojson", inv, lambda: c.check_geometry(geojson='{"type": "Pol'),
             r"(?i)geojson"),
            ("malformed wkb", inv, lambda: c.check_geometry(wkb=b"\x01\x03\x00\x00"), r"(?i)wkb"),
            ("partly swapped", inv, lambda: c.check_geometry(wkt=PARTLY_SWAPPED_WKT),
             r"swapped"),
            ("invalid polygon, strict", inv,
             lambda: c.check_geometry(wkt=BOWTIE_WKT, strict_geometry=True),
             r"the polygon is invalid: Self-intersection at \(121\.135, 30\.025\)"),
            ("unknown crs", inv, lambda: c.check_point(g_lon, g_lat, crs="EPSG:99999"),
             r"EPSG:99999"),
            ("unknown layer", inv, lambda: c.check_point(g_lon, g_lat, layers=["nope"]), r"nope"),
            ("empty", inv, lambda: c.check_geometry(wkt=EMPTY_WKT), r"(?i)empty"),
            ("nan", inv, lambda: c.check_point(float("nan"), g_lat), r"(?i)finite|nan"),
            ("vertices", big,
             lambda: c.check_geometry(wkt=e2e.circle_wkt(121.1, 30.0, MAX_VERTICES + 500)),
             rf"\b{MAX_VERTICES}\b"),
            ("size", big, lambda: c.check_geometry(wkt=e2e.circle_wkt(121.1, 30.0, 8000)), None),
            ("no geometry", inv,
             lambda: c._call(c._stub.CheckGeometry, __import__("redline_client").pb
                             .CheckGeometryRequest()), r"(?i)geometry"),
        ]

    def test_each_bad_input(self):
        for name, code, fn, pattern in self.bad_calls():
            with self.subTest(name):
                self.assert_code(code, fn, pattern=pattern)

    def test_invalid_polygon_is_repaired_and_said_so(self):
        r = self.client.check_geometry(wkt=BOWTIE_WKT)
        self.assertTrue(r.site.geometry_repaired)
        self.assertEqual(r.site.geometry_type, "MultiPolygon")
        self.assertTrue(any(re.search(r"Self-intersection at \(121\.135, 30\.025\).*"
                                      r"structure method", n)
                            for n in r.site.coordinates.notes), r.site.coordinates.notes)
        valid = self.client.check_geometry(wkt=e2e.box_wkt(121.135, 30.025))
        self.assertFalse(valid.site.geometry_repaired)

    def test_bytes_that_are_not_a_request(self):
        # What a client with a stale or foreign .proto, or a broken proxy,
        # might send: refused as the client's error, naming the message.
        cases = [
            ("CheckPoint", b"\xff\xff\xff", "redline.v1.CheckPointRequest"),
            ("CheckGeometry", b"\x0a\x05abc", "redline.v1.CheckGeometryRequest"),
            # crs (field 3) with bytes that are not UTF-8, as a proto3 string must be
            ("CheckPoint", b"\x1a\x02\xc9\xfa", "redline.v1.CheckPointRequest"),
        ]
        with grpc.insecure_channel(SERVER.target) as channel:
            for method, payload, message in cases:
                with self.subTest(method=method, payload=payload):
                    call = channel.unary_unary(f"/redline.v1.Redline/{method}")
                    with self.assertRaises(grpc.RpcError) as cm:
                        call(payload, timeout=30)
                    self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
                    self.assertIn(f"not a valid {message}", cm.exception.details())
                    assert_good_answer(self)

    def test_unknown_purpose_is_refused_locally(self):
        with self.assertRaises(ValueError):
            self.client.check_point(float(GOOD_LON), float(GOOD_LAT), purpose="casino")

    def test_unreachable(self):
        with RedlineClient(f"127.0.0.1:{e2e.closed_port()}", timeout=5) as c:
            with self.assertRaises(RedlineError) as cm:
                c.check_point(float(GOOD_LON), float(GOOD_LAT))
        self.assertEqual(cm.exception.code, grpc.StatusCode.UNAVAILABLE)

    def test_concurrent_good_requests_during_bad_ones(self):
        points = [(k, v) for k, v in e2e.known_points().items()]
        stop = threading.Event()
        failures, counts = [], []
        lock = threading.Lock()

        def worker(offset):
            n = 0
            with RedlineClient(SERVER.target, timeout=30) as c:
                i = offset
                while not stop.is_set() or n < len(points):
                    (lon, lat), expected = points[i % len(points)]
                    i += 1
                    try:
                        r = c.check_point(float(lon), float(lat))
                        got = {(h.layer, h.zone_id) for h in r.hits}
                        if got != expected:
                            with lock:
                                failures.append(f"{lon},{lat}: {got} != {expected}")
                    except Exception as e:  # noqa: BLE001 - every error is a failure
                        with lock:
                            failures.append(f"{lon},{lat}: {e!r}")
                    n += 1
            with lock:
                counts.append(n)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        try:
            for _ in range(3):
                for name, code, fn, _pattern in self.bad_calls():
                    with self.assertRaises(RedlineError, msg=name) as cm:
                        fn()
                    self.assertEqual(cm.exception.code, code, name)
                for args in (["check-site", "--wkt", BAD_WKT],
                             ["check-site", "--wkt", PARTLY_SWAPPED_WKT]):
                    self.assertEqual(cli(*args).returncode, 2, args)
        finally:
            stop.set()
            for t in threads:
                t.join(120)
        self.assertEqual(failures, [])
        self.assertEqual(len(counts), len(threads))
        self.assertGreaterEqual(min(counts), len(points))
        assert_good_answer(self)


if __name__ == "__main__":
    unittest.main(verbosity=2)
