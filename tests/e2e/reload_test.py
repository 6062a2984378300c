#!/usr/bin/python3
"""Live data: reload without downtime, a failed reload changes nothing,
SIGHUP and source watching (issue: live zone data).

A tiny layer (one water-source zone) is served; between versions the zone
moves, so every answer tells which version produced it, and an answer that
mixed two versions would show.
"""
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

import grpc  # noqa: E402
from redline.v1 import redline_pb2, redline_pb2_grpc  # noqa: E402

PROBE = (121.0, 30.0)  # inside version A's zone, outside version B's


def zone_geojson(centre_lon, zone_id="T1"):
    d = 0.01
    ring = [[centre_lon - d, 30 - d], [centre_lon + d, 30 - d], [centre_lon + d, 30 + d],
            [centre_lon - d, 30 + d], [centre_lon - d, 30 - d]]
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature",
                          "properties": {"id": zone_id, "name": "测试水源", "level": "一级"},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}}]}


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)
    os.replace(tmp, path)  # atomic: a watcher never sees half a file


def write_config(folder, watch=0):
    rules = os.path.join(e2e.SOURCE, "data", "rules")
    text = f"""working_crs: EPSG:4549
watch_interval_s: {watch}
rules: [{rules}]
layers:
  - name: test_zones
    kind: water_source_protection
    source: zones.geojson
    id_field: id
    name_field: name
    level_field: level
"""
    path = os.path.join(folder, "redline.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def check_probe(stub):
    return stub.CheckPoint(redline_pb2.CheckPointRequest(x=PROBE[0], y=PROBE[1]), timeout=10)


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.tmp = e2e.tempdir()
        self.dir = self.tmp.name
        self.zones = os.path.join(self.dir, "zones.geojson")
        write_json(self.zones, zone_geojson(121.0))

    def tearDown(self):
        self.tmp.cleanup()

    def test_reload_under_load_fails_nothing_and_never_mixes_versions(self):
        config = write_config(self.dir)
        with e2e.Server(config=config) as srv:
            channel = grpc.insecure_channel(srv.target)
            stub = redline_pb2_grpc.RedlineStub(channel)
            version_a = check_probe(stub).dataset_version
            answers, failures = [], []
            stop = threading.Event()

            def hammer():
                local = redline_pb2_grpc.RedlineStub(grpc.insecure_channel(srv.target))
                while not stop.is_set():
                    try:
                        r = check_probe(local)
                        answers.append((r.dataset_version, tuple(h.zone_id for h in r.hits)))
                    except grpc.RpcError as err:  # any failure counts
                        failures.append(str(err))

            threads = [threading.Thread(target=hammer) for _ in range(4)]
            def wait_for_answers(version, count=50, timeout=60):
                """Until `count` answers of `version` are in (not a fixed sleep:
                on a loaded machine the threads may take a while to start)."""
                deadline = time.monotonic() + timeout
                while (sum(v == version for v, _ in answers) < count
                       and time.monotonic() < deadline and not failures):
                    time.sleep(0.05)

            for t in threads:
                t.start()
            wait_for_answers(version_a)
            write_json(self.zones, zone_geojson(121.1))  # version B: moved away
            reply = e2e.admin_reload(srv.target)
            wait_for_answers(reply.attempt.dataset_version)
            stop.set()
            for t in threads:
                t.join()

            self.assertTrue(reply.attempt.ok, reply.attempt.error)
            version_b = reply.attempt.dataset_version
            self.assertNotEqual(version_a, version_b)
            self.assertEqual(reply.attempt.previous_version, version_a)
            self.assertEqual(failures, [], "requests failed during the reload")
            seen = {v for v, _ in answers}
            self.assertEqual(seen, {version_a, version_b}, "both versions should have answered")
            for version, hits in answers:
                expected = ("T1",) if version == version_a else ()
                self.assertEqual(hits, expected, f"answer mixes versions: {version} -> {hits}")
            # The content hash part of the version changed with the data.
            self.assertNotEqual(version_a.split("-")[-1], version_b.split("-")[-1])

    def test_failed_reloads_change_nothing(self):
        config = write_config(self.dir)
        with e2e.Server(config=config) as srv:
            stub = redline_pb2_grpc.RedlineStub(grpc.insecure_channel(srv.target))
            before = check_probe(stub)
            self.assertEqual([h.zone_id for h in before.hits], ["T1"])

            def mostly_broken():
                # One good zone and two that collapse to nothing: 67 % skipped,
                # above the default max_skipped_fraction of 10 %.
                good = zone_geojson(121.0)["features"][0]
                flat = {"type": "Feature", "properties": {"id": "FLAT", "name": "x", "level": "一级"},
                        # Collinear on the central meridian of EPSG:4549, so it
                        # stays collinear after projection: nothing to repair.
                        "geometry": {"type": "Polygon", "coordinates": [[[120, 30], [120, 30.01],
                                                                          [120, 30.02], [120, 30]]]}}
                write_json(self.zones, {"type": "FeatureCollection", "features": [good, flat, flat]})

            cases = {
                "empty layer": lambda: write_json(self.zones, {"type": "FeatureCollection", "features": []}),
                "too many unusable features": mostly_broken,
                "unreadable source": lambda: os.remove(self.zones),
                "broken config": lambda: open(config, "a").write("layers: [\n"),
            }
            for name, breakit in cases.items():
                with self.subTest(name):
                    write_json(self.zones, zone_geojson(121.0))
                    write_config(self.dir)
                    breakit()
                    reply = e2e.admin_reload(srv.target)
                    self.assertFalse(reply.attempt.ok)
                    self.assertTrue(reply.attempt.error)
                    if name == "broken config":
                        self.assertIn("redline.yaml:", reply.attempt.error)
                    else:
                        self.assertIn("test_zones", reply.attempt.error)
                    after = check_probe(stub)
                    self.assertEqual(after.dataset_version, before.dataset_version)
                    self.assertEqual([h.zone_id for h in after.hits], ["T1"])
                    layers = stub.ListLayers(redline_pb2.ListLayersRequest(), timeout=10)
                    self.assertFalse(layers.last_reload.ok)
                    self.assertEqual(layers.last_reload.error, reply.attempt.error)
                    self.assertEqual(layers.dataset_version, before.dataset_version)
            self.assertIn("reload failed", srv.log())

    def test_sighup_reloads(self):
        config = write_config(self.dir)
        with e2e.Server(config=config) as srv:
            stub = redline_pb2_grpc.RedlineStub(grpc.insecure_channel(srv.target))
            before = check_probe(stub)
            write_json(self.zones, zone_geojson(121.1))
            srv.send(signal.SIGHUP)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                after = check_probe(stub)
                if after.dataset_version != before.dataset_version:
                    break
                time.sleep(0.1)
            self.assertNotEqual(after.dataset_version, before.dataset_version)
            self.assertEqual(list(after.hits), [])

    def test_watch_reloads_when_a_source_changes(self):
        config = write_config(self.dir, watch=0.5)
        with e2e.Server(config=config) as srv:
            stub = redline_pb2_grpc.RedlineStub(grpc.insecure_channel(srv.target))
            before = check_probe(stub)
            time.sleep(1.1)  # file times may have 1 s resolution on some filesystems
            write_json(self.zones, zone_geojson(121.1))
            deadline = time.monotonic() + 30
            after = before
            while time.monotonic() < deadline and after.dataset_version == before.dataset_version:
                time.sleep(0.2)
                after = check_probe(stub)
            self.assertNotEqual(after.dataset_version, before.dataset_version)
            self.assertEqual(list(after.hits), [])
            self.assertIn("watch: the sources changed", srv.log())


class AsOfTest(unittest.TestCase):
    """Zones in force on a day: by effective dates, or by kept versions."""

    def setUp(self):
        self.tmp = e2e.tempdir()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_effective_dates_answer_any_day(self):
        old = zone_geojson(121.0, "OLD")["features"][0]
        old["properties"].update({"from": "2015-01-01", "to": "2022-12-31"})
        new = zone_geojson(121.0, "NEW")["features"][0]
        new["properties"].update({"from": "2023-01-01", "to": None})
        write_json(os.path.join(self.dir, "zones.geojson"),
                   {"type": "FeatureCollection", "features": [old, new]})
        config = write_config(self.dir)
        with open(config, "a", encoding="utf-8") as f:
            f.write("    effective_from_field: from\n    effective_to_field: to\n")
        with e2e.Server(config=config) as srv:
            stub = redline_pb2_grpc.RedlineStub(grpc.insecure_channel(srv.target))

            def ids(as_of):
                r = stub.CheckPoint(redline_pb2.CheckPointRequest(
                    x=PROBE[0], y=PROBE[1], options=redline_pb2.CheckOptions(as_of=as_of)),
                    timeout=10)
                return [h.zone_id for h in r.hits], r.as_of

            self.assertEqual(ids("2018-06-30"), (["OLD"], "2018-06-30"))
            self.assertEqual(ids("2022-12-31"), (["OLD"], "2022-12-31"))  # last day in force
            self.assertEqual(ids("2023-01-01"), (["NEW"], "2023-01-01"))
            self.assertEqual(ids("")[0], ["NEW"])  # today
            self.assertEqual(ids("2010-01-01")[0], [])
            with self.assertRaises(grpc.RpcError) as bad:
                ids("30/06/2018")
            self.assertEqual(bad.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn("YYYY-MM-DD", bad.exception.details())

    def test_without_dates_days_before_the_oldest_version_are_refused(self):
        write_json(os.path.join(self.dir, "zones.geojson"), zone_geojson(121.0))
        config = write_config(self.dir)
        with e2e.Server(config=config) as srv:
            stub = redline_pb2_grpc.RedlineStub(grpc.insecure_channel(srv.target))
            today = stub.CheckPoint(redline_pb2.CheckPointRequest(x=PROBE[0], y=PROBE[1]),
                                    timeout=10)
            same = stub.CheckPoint(redline_pb2.CheckPointRequest(
                x=PROBE[0], y=PROBE[1], options=redline_pb2.CheckOptions(as_of=today.as_of)),
                timeout=10)
            self.assertEqual(same.dataset_version, today.dataset_version)
            with self.assertRaises(grpc.RpcError) as old:
                stub.CheckPoint(redline_pb2.CheckPointRequest(
                    x=PROBE[0], y=PROBE[1],
                    options=redline_pb2.CheckOptions(as_of="2001-01-01")), timeout=10)
            self.assertEqual(old.exception.code(), grpc.StatusCode.OUT_OF_RANGE)
            self.assertIn("cannot answer as of 2001-01-01", old.exception.details())
            self.assertIn(today.as_of, old.exception.details())
            # Through the CLI: refused as invalid input, exit status 2.
            proc = e2e.run_cli(srv.target, "check-point", "--lon", str(PROBE[0]),
                               "--lat", str(PROBE[1]), "--as-of", "2001-01-01")
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("cannot answer as of", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
