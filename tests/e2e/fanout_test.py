#!/usr/bin/python3
"""End-to-end: one dataset version across replicas (require_version, the
overlay's pin) and the overlay spread over several servers (issue #22, items
3 and 4).

Four real redlined on free ports: three load data/sample (the same data,
loaded at other moments: other dataset versions, one content hash), one loads
data/sample_adjusted (other data). Checked here:
- ListLayers names the content hash, equal on the three sample replicas and
  the end of each one's dataset_version; `redline layers` prints it.
- CheckPoint with require_version: the server's own version, another
  replica's version of the same data and the content hash are answered; the
  adjusted replica's version is refused FAILED_PRECONDITION naming both
  (gRPC through the CLI and the Python client; HTTP: 412 with the message).
- `redline overlay --server a,b,c` (GDAL path: points in columns and polygons
  as features) writes exactly the file a one-server run writes, rows in input
  order; the fast path with several servers runs on the first and says so.
- A replica with other data in the list stops the overlay (exit 1) with a
  message naming both versions, and no output file is left, whichever
  server comes first; --require-version of other data is refused before any
  output is made.
- The Python client's overlays over "a,b,c" give what one server gives, and
  stop with FAILED_PRECONDITION (no result of the other data yielded) when a
  replica holds other data.
Inputs are generated here (seeded); needs Debian's /usr/bin/python3
(python3-grpcio, python3-gdal).
"""

import json
import os
import random
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

from redline_client import RedlineClient, RedlineError, same_dataset  # noqa: E402
import grpc  # noqa: E402

ADJUSTED_CONFIG = os.path.join(e2e.SOURCE, "data", "sample_adjusted", "redline.yaml")
POINTS = 20000  # about five of the CLI's point messages (4096 each): every server gets some
SITES = 300     # about five feature messages (64 each)
SERVERS = []    # three on data/sample
OTHER = None    # one on data/sample_adjusted
TMP = None


def setUpModule():
    global OTHER, TMP
    TMP = e2e.tempdir()
    try:
        for _ in range(3):
            SERVERS.append(e2e.Server().__enter__())
            # Versions are stamped to the second: replicas of the same data
            # then differ in their versions, as they would in service.
            time.sleep(1.1)
        OTHER = e2e.Server(config=ADJUSTED_CONFIG).__enter__()
    except BaseException:
        tearDownModule()
        raise
    write_inputs()


def tearDownModule():
    for s in SERVERS + ([OTHER] if OTHER else []):
        s.__exit__(None, None, None)
    if TMP is not None:
        TMP.cleanup()


def path(name):
    return os.path.join(TMP.name, name)


def write_inputs():
    rnd = random.Random(20261208)
    known = sorted(e2e.known_points())
    with open(path("points.csv"), "w", encoding="utf-8") as f:
        f.write("id,lon,lat\n")
        for i in range(POINTS):
            if i % 5 == 0:  # in and near the sample zones
                lon, lat = known[(i // 5) % len(known)]
                lon, lat = float(lon) + rnd.uniform(-0.01, 0.01), float(lat) + rnd.uniform(
                    -0.01, 0.01)
            else:
                lon, lat = rnd.uniform(118.0, 122.9), rnd.uniform(27.1, 31.2)
            f.write(f"P{i},{lon:.6f},{lat:.6f}\n")
    features = []
    for i in range(SITES):
        lon, lat = known[i % len(known)]
        wkt = e2e.box_wkt(float(lon) + rnd.uniform(-0.002, 0.002),
                          float(lat) + rnd.uniform(-0.002, 0.002), d=0.001 + 0.002 * rnd.random())
        features.append({"type": "Feature", "id": i, "properties": {"code": f"S{i}"},
                         "geometry": wkt_box_geojson(wkt)})
    with open(path("sites.geojson"), "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f)


def wkt_box_geojson(wkt):
    """POLYGON((x y, ...)) -> a GeoJSON Polygon."""
    inner = wkt[wkt.index("((") + 2:wkt.rindex("))")]
    ring = [[float(v) for v in pair.split()] for pair in inner.split(",")]
    return {"type": "Polygon", "coordinates": [ring]}


def targets(servers):
    return ",".join(s.target for s in servers)


def overlay(servers, src, out, *args, gdal_only=True):
    env = dict(os.environ, NO_COLOR="1")
    env.pop("REDLINE_OVERLAY_GDAL_ONLY", None)
    if gdal_only:
        env["REDLINE_OVERLAY_GDAL_ONLY"] = "1"
    cmd = [e2e.REDLINE, "--server", targets(servers), "overlay", "--input", src, "--output",
           out, "--quiet", *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", env=env,
                          stdin=subprocess.DEVNULL, timeout=300)


def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()


def layers(server):
    with RedlineClient(server.target) as c:
        return c.list_layers()


class VersionTest(unittest.TestCase):
    """require_version on the checks."""

    @classmethod
    def setUpClass(cls):
        cls.info = [layers(s) for s in SERVERS]
        cls.other = layers(OTHER)

    def test_content_hash_is_listed_and_shared(self):
        self.assertEqual(len({i.dataset_version for i in self.info}), 3)
        hashes = {i.content_hash for i in self.info}
        self.assertEqual(len(hashes), 1, hashes)
        h = hashes.pop()
        self.assertRegex(h, r"^[0-9a-f]{16}$")
        for i in self.info:
            self.assertTrue(i.dataset_version.endswith("-" + h[:12]), i.dataset_version)
        self.assertNotEqual(self.other.content_hash, h)
        p = e2e.run_cli(SERVERS[0].target, "layers")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"content  {h}", p.stdout)

    def check(self, server, required):
        return e2e.run_cli(server.target, "check-point", "--lon", "121.075185", "--lat",
                           "30.599582", "--require-version", required)

    def test_cli_check_point(self):
        mine, sibling = self.info[0].dataset_version, self.info[1].dataset_version
        for required in (mine, sibling, self.info[0].content_hash,
                         self.info[0].content_hash[:12]):
            p = self.check(SERVERS[0], required)
            self.assertEqual(p.returncode, 0, (required, p.stderr))
            self.assertIn(mine, p.stdout)
        p = self.check(SERVERS[0], self.other.dataset_version)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(f"dataset version {self.other.dataset_version} required; this server "
                      f"holds {mine} (content {self.info[0].content_hash})", p.stderr)
        p = self.check(OTHER, mine)
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"holds {self.other.dataset_version}", p.stderr)

    def test_grpc_check_point_and_geometry(self):
        with RedlineClient(SERVERS[1].target) as c:
            r = c.check_point(121.075185, 30.599582, require_version=self.info[2].dataset_version)
            self.assertEqual(r.dataset_version, self.info[1].dataset_version)
            self.assertTrue(r.hits)
            with self.assertRaises(RedlineError) as e:
                c.check_point(121.075185, 30.599582, require_version=self.other.content_hash)
            self.assertEqual(e.exception.code, grpc.StatusCode.FAILED_PRECONDITION)
            self.assertIn(f"dataset version {self.other.content_hash} required", str(e.exception))
            with self.assertRaises(RedlineError) as e:
                c.check_geometry(wkt=e2e.box_wkt(121.075185, 30.599582),
                                 require_version=self.other.dataset_version)
            self.assertEqual(e.exception.code, grpc.StatusCode.FAILED_PRECONDITION)
            with self.assertRaises(RedlineError) as e:  # too short to name data
                c.check_point(121.075185, 30.599582, require_version="abc")
            self.assertEqual(e.exception.code, grpc.StatusCode.FAILED_PRECONDITION)

    def post(self, server, route, body):
        server.wait_http()
        req = urllib.request.Request(f"{server.http_url}/{route}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_http_check_point_and_geometry(self):
        point = {"x": 121.075185, "y": 30.599582}
        status, body = self.post(SERVERS[0], "v1/check-point",
                                 {**point, "options": {"requireVersion": self.info[1].content_hash}})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["datasetVersion"], self.info[0].dataset_version)
        status, body = self.post(
            SERVERS[0], "v1/check-point",
            {**point, "options": {"require_version": self.other.dataset_version}})
        self.assertEqual(status, 412, body)
        self.assertEqual(body["status"], "FAILED_PRECONDITION")
        self.assertIn(f"this server holds {self.info[0].dataset_version}", body["message"])
        status, body = self.post(
            OTHER, "v1/check-geometry",
            {"geometry": {"wkt": e2e.box_wkt(121.075185, 30.599582)},
             "options": {"requireVersion": self.info[0].dataset_version}})
        self.assertEqual(status, 412, body)
        self.assertIn(self.other.dataset_version, body["message"])


class CliFanOutTest(unittest.TestCase):
    """`redline overlay --server a,b,c`."""

    def same_as_one_server(self, src, name, *args, gdal_only=True):
        one, three = path(f"one_{name}"), path(f"three_{name}")
        p1 = overlay(SERVERS[:1], src, one, *args, gdal_only=gdal_only)
        self.assertEqual(p1.returncode, 0, p1.stderr)
        p3 = overlay(SERVERS, src, three, *args, gdal_only=gdal_only)
        self.assertEqual(p3.returncode, 0, p3.stderr)
        self.assertEqual(read(one), read(three))  # rows, order, version: all the same
        return p1, p3

    def test_points_spread_over_three(self):
        p1, p3 = self.same_as_one_server(path("points.csv"), "points.csv", "--purpose", "outfall")
        self.assertIn(f"{POINTS} features read", p3.stdout)
        self.assertIn("spread over 3 servers", p3.stdout)
        self.assertNotIn("spread over", p1.stdout)
        version = layers(SERVERS[0]).dataset_version
        self.assertIn(f"dataset {version}", p3.stdout)

    def test_sites_spread_over_three(self):
        self.same_as_one_server(path("sites.geojson"), "sites.csv", "--id-field", "code",
                                "--purpose", "discharging_project")

    def test_hits_only_points_spread_over_two(self):
        one, two = path("one_hits.csv"), path("two_hits.csv")
        p = overlay(SERVERS[:1], path("points.csv"), one, "--hits-only")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = overlay(SERVERS[1:], path("points.csv"), two, "--hits-only")
        self.assertEqual(p.returncode, 0, p.stderr)
        # The pin is the second server's version here: only that column differs.
        v1, v2 = (layers(s).dataset_version for s in SERVERS[:2])
        self.assertEqual(read(one).replace(v1, v2), read(two))

    def test_fast_path_keeps_to_the_first_server(self):
        p1, p3 = self.same_as_one_server(path("points.csv"), "fast.csv", gdal_only=False)
        self.assertIn("(fast path: csv→csv)", p3.stdout)
        self.assertIn(f"on the first server only, {SERVERS[0].target}", p3.stdout)

    def test_other_data_stops_the_overlay(self):
        mine = layers(SERVERS[0]).dataset_version
        other = layers(OTHER).dataset_version
        for order, pinned, refusing in (([SERVERS[0], OTHER], mine, other),
                                        ([OTHER, SERVERS[0]], other, mine),
                                        ([SERVERS[0], SERVERS[1], OTHER], mine, other)):
            for src, name in ((path("points.csv"), "mixed.csv"),
                              (path("sites.geojson"), "mixed.gpkg")):
                out = path(name)
                p = overlay(order, src, out)
                self.assertEqual(p.returncode, 1, (p.stdout, p.stderr))
                self.assertIn(f"dataset version {pinned} required", p.stderr)
                self.assertIn(f"this server holds {refusing}", p.stderr)
                self.assertIn("not written", p.stderr)
                self.assertFalse(os.path.exists(out), "a partial output was left")

    def test_require_version_of_other_data_refused_before_output(self):
        other = layers(OTHER).dataset_version
        out = path("refused.csv")
        p = overlay(SERVERS, path("points.csv"), out, "--require-version", other)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(f"dataset version {other} required", p.stderr)
        self.assertFalse(os.path.exists(out))
        # The same with the right one: the content hash names every replica.
        h = layers(SERVERS[2]).content_hash
        p = overlay(SERVERS, path("sites.geojson"), out, "--require-version", h)
        self.assertEqual(p.returncode, 0, p.stderr)


def summary(results):
    return [(r.index, r.verdict, r.error, r.dataset_version,
             tuple((h.layer, h.zone_id, h.relation) for h in r.hits),
             tuple((n.zone_id, round(n.distance_m, 6)) for n in getattr(r, "nearest", ())))
            for r in results]


class PythonFanOutTest(unittest.TestCase):
    """RedlineClient("a,b,c") overlays."""

    def points(self):
        rnd = random.Random(7)
        known = [(float(x), float(y)) for x, y in sorted(e2e.known_points())]
        pts = [known[i % len(known)] if i % 3 == 0 else
               (rnd.uniform(118.0, 122.9), rnd.uniform(27.1, 31.2)) for i in range(30000)]
        return [p[0] for p in pts], [p[1] for p in pts]

    def test_points_same_as_one_server(self):
        xs, ys = self.points()
        with RedlineClient(SERVERS[0].target) as one, RedlineClient(targets(SERVERS)) as three:
            a = summary(one.overlay_points(xs, ys, purpose="outfall"))
            b = summary(three.overlay_points(xs, ys, purpose="outfall"))
        self.assertEqual(len(a), len(xs))
        self.assertEqual(a, b)

    def test_features_same_as_one_server(self):
        with open(path("sites.geojson"), encoding="utf-8") as f:
            features = json.load(f)["features"]
        def answers(client):
            out = []
            for r in client.overlay_features(features, batch_size=16):
                response = b""
                if r.response is not None:
                    r.response.ClearField("checked_at")  # differs call to call
                    r.response.ClearField("dataset_version")  # each replica's own
                    response = r.response.SerializeToString(deterministic=True)
                out.append((r.index, r.id, r.error, r.dataset_version, response))
            return out

        with RedlineClient(SERVERS[0].target) as one, RedlineClient(targets(SERVERS)) as three:
            a, b = answers(one), answers(three)
        self.assertEqual(len(a), SITES)
        self.assertTrue(any(response for *_, response in a))
        self.assertEqual(a, b)

    def test_other_data_stops_the_overlay(self):
        xs, ys = self.points()
        mine = layers(SERVERS[0]).dataset_version
        seen = []
        with RedlineClient(targets([SERVERS[0], OTHER])) as c:
            with self.assertRaises(RedlineError) as e:
                for r in c.overlay_points(xs, ys, batch_size=4096):
                    seen.append(r.dataset_version)
        self.assertEqual(e.exception.code, grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn(f"dataset version {mine} required", str(e.exception))
        self.assertIn(layers(OTHER).dataset_version, str(e.exception))
        self.assertLess(len(seen), len(xs))
        self.assertTrue(all(same_dataset(v, mine) for v in seen))

    def test_require_version_on_one_stream(self):
        xs, ys = self.points()
        with RedlineClient(SERVERS[0].target) as c:
            with self.assertRaises(RedlineError) as e:
                list(c.overlay_points(xs[:10], ys[:10],
                                      require_version=layers(OTHER).content_hash))
            self.assertEqual(e.exception.code, grpc.StatusCode.FAILED_PRECONDITION)
            ok = list(c.overlay_points(xs[:10], ys[:10],
                                       require_version=layers(SERVERS[1]).dataset_version))
            self.assertEqual(len(ok), 10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
