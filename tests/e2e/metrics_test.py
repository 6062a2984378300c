#!/usr/bin/python3
"""End-to-end: GET /metrics of a real redlined, as Prometheus scrapes it.

Every gRPC call a client makes is counted once, under its method and status
code (successes, bad input, a stream the client cancels, an admin reload);
each histogram is whole (cumulative buckets, +Inf equal to its count and to
the calls handled); nothing is left in flight once the calls are done; and
the data described (version, zones per layer, reloads) is the data served.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient, RedlineError, pb  # noqa: E402

UNARY = ("CheckPoint", "CheckGeometry", "ListLayers", "GetZones")
ALL_METHODS = UNARY + ("Overlay", "Reload", "CompareVersions")


def handled(samples, method, code):
    """grpc_server_handled_total of `method` with `code`; 0 when not yet given."""
    try:
        return e2e.metric(samples, "grpc_server_handled_total", grpc_method=method,
                          grpc_code=code)
    except KeyError:
        return 0


def handled_all_codes(samples, method):
    return sum(v for (n, ls), v in samples.items()
               if n == "grpc_server_handled_total" and ("grpc_method", method) in ls)


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = e2e.Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.kill()

    def wait_handled(self, method, at_least, timeout=30):
        """Scrapes until `method` has `at_least` calls handled (any code)."""
        deadline = time.monotonic() + timeout
        while True:
            samples = self.srv.metrics()
            if handled_all_codes(samples, method) >= at_least or time.monotonic() > deadline:
                return samples
            time.sleep(0.05)

    def test_every_call_counted_once_by_method_and_code(self):
        before = self.srv.metrics()
        with RedlineClient(self.srv.target, timeout=60) as c:
            for lon, lat in ((121.0, 30.0), (120.2, 30.3), (119.5, 29.1)):
                c.check_point(lon, lat)
            with self.assertRaises(RedlineError):
                c.check_point(500, 30)  # not a coordinate: INVALID_ARGUMENT
            c.check_geometry(wkt=e2e.box_wkt(120.2, 30.3))
            c.list_layers()
            results = list(c.overlay_points([(120 + i / 1000, 30.0) for i in range(1000)]))
            self.assertEqual(len(results), 1000)
            # A stream the client gives up on: read one answer, then close.
            endless = ((120 + (i % 1000) / 1000, 30.0) for i in range(10 ** 9))
            stream = c.overlay_points(endless, batch_size=1000)
            next(stream)
            stream.close()
        e2e.admin_reload(self.srv.target)
        # The cancelled stream ends on the server after the client has gone.
        after = self.wait_handled("Overlay", handled_all_codes(before, "Overlay") + 2)

        def delta(method, code):
            return handled(after, method, code) - handled(before, method, code)

        self.assertEqual(delta("CheckPoint", "OK"), 3)
        self.assertEqual(delta("CheckPoint", "INVALID_ARGUMENT"), 1)
        self.assertEqual(delta("CheckGeometry", "OK"), 1)
        self.assertEqual(delta("ListLayers", "OK"), 1)
        # The stream the client gave up on is CANCELLED when the server still
        # had answers to write; when it had written them all and was waiting
        # to read, the failed read looks like the end of the input, and it
        # finishes as OK.
        self.assertGreaterEqual(delta("Overlay", "OK"), 1)
        self.assertEqual(delta("Overlay", "OK") + delta("Overlay", "CANCELLED"), 2)
        self.assertEqual(delta("Reload", "OK"), 1)
        self.assertEqual(delta("GetZones", "OK"), 0)

        for method in ALL_METHODS:
            started = e2e.metric(after, "grpc_server_started_total", grpc_method=method)
            self.assertEqual(
                started - e2e.metric(before, "grpc_server_started_total", grpc_method=method),
                handled_all_codes(after, method) - handled_all_codes(before, method), method)
            self.assertEqual(
                e2e.metric(after, "redline_grpc_server_in_flight", grpc_method=method), 0,
                method)

    def test_histograms_are_whole(self):
        with RedlineClient(self.srv.target, timeout=60) as c:
            c.check_point(121.0, 30.0)
        samples = self.srv.metrics()
        for method in ALL_METHODS:
            buckets = sorted(
                ((float(dict(ls)["le"]), v) for (n, ls), v in samples.items()
                 if n == "grpc_server_handling_seconds_bucket"
                 and ("grpc_method", method) in ls),
                key=lambda b: b[0])
            self.assertEqual(len(buckets), 17, method)
            self.assertEqual(buckets[-1][0], float("inf"))
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), f"{method}: buckets not cumulative")
            count = e2e.metric(samples, "grpc_server_handling_seconds_count",
                               grpc_method=method)
            self.assertEqual(counts[-1], count, method)
            self.assertEqual(count, handled_all_codes(samples, method), method)
        self.assertGreater(e2e.metric(samples, "grpc_server_handling_seconds_sum",
                                      grpc_method="CheckPoint"), 0)

    def test_describes_the_data_served(self):
        with RedlineClient(self.srv.target, timeout=60) as c:
            layers = c.list_layers()
        samples = self.srv.metrics()
        self.assertEqual(
            e2e.metric(samples, "redline_dataset_info", version=layers.dataset_version), 1)
        for layer in layers.layers:
            if layer.kind == pb.CONTEXT_LAYER:  # drawn only: no zones, so no zone metrics
                with self.assertRaises(KeyError):
                    e2e.metric(samples, "redline_layer_zones", layer=layer.name)
                continue
            self.assertEqual(
                e2e.metric(samples, "redline_layer_zones", layer=layer.name), layer.zone_count)
            self.assertEqual(
                e2e.metric(samples, "redline_layer_vertices", layer=layer.name),
                layer.vertex_count)
        # ListLayers gives whole seconds; the metric, milliseconds.
        self.assertEqual(int(e2e.metric(samples, "redline_dataset_loaded_timestamp_seconds")),
                         layers.loaded_at.seconds)
        self.assertGreater(e2e.metric(samples, "redline_dataset_memory_bytes"), 1e6)

    def test_a_reload_shows(self):
        before = self.srv.metrics()
        reload = e2e.admin_reload(self.srv.target)
        self.assertTrue(reload.attempt.ok, reload.attempt.error)
        after = self.srv.metrics()
        self.assertEqual(e2e.metric(after, "redline_reloads_total", result="ok")
                         - e2e.metric(before, "redline_reloads_total", result="ok"), 1)
        self.assertEqual(e2e.metric(after, "redline_last_reload_ok"), 1)
        self.assertEqual(
            e2e.metric(after, "redline_dataset_info", version=reload.attempt.dataset_version), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
