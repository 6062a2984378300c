#!/usr/bin/env python3
"""End-to-end: a layer of `kind: context` (the sample's made-up county
boundaries, data/sample/counties.geojson) is loaded and served for drawing,
and never takes part in a check.

Every known point of the sample lies inside a county; its answer must hold
exactly the zones known_points.csv names, with no county among the hits or
the nearby zones even at a 50 km radius. ListLayers (gRPC and HTTP) lists
the counties as CONTEXT_LAYER; GET /v1/zones?context=true draws them with
their names, GET /v1/zones never does.
"""

import json
import os
import sys
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient, RedlineError, pb  # noqa: E402

SERVER = None
CLIENT = None
COUNTIES = 90  # data/generator/make_counties.py: a 10 x 9 grid
WHOLE_SAMPLE = "118,27,123,31.3"


def setUpModule():
    global SERVER, CLIENT
    SERVER = e2e.Server(e2e.SAMPLE_CONFIG, extra_args=["--http", "127.0.0.1:0"])
    SERVER.__enter__()
    CLIENT = RedlineClient(SERVER.target, timeout=60)


def tearDownModule():
    try:
        CLIENT.close()
    finally:
        SERVER.__exit__(None, None, None)


def get_json(path):
    with e2e._loopback_opener().open(SERVER.http_url + path, timeout=60) as r:
        return json.loads(r.read())


class ContextLayerTest(unittest.TestCase):
    def test_list_layers_shows_the_counties_as_context(self):
        layers = {l.name: l for l in CLIENT.list_layers().layers}
        self.assertEqual(layers["counties"].kind, pb.CONTEXT_LAYER)
        self.assertEqual(layers["counties"].zone_count, COUNTIES)
        others = [l.kind for n, l in layers.items() if n != "counties"]
        self.assertNotIn(pb.CONTEXT_LAYER, others)
        http = {l["name"]: l for l in get_json("v1/layers")["layers"]}
        self.assertEqual(http["counties"]["kind"], "CONTEXT_LAYER")

    def test_a_point_inside_a_county_never_hits_it(self):
        for (lon, lat), expected in e2e.known_points().items():
            with self.subTest(lon=lon, lat=lat):
                r = CLIENT.check_point(float(lon), float(lat), radius_m=50000)
                self.assertEqual({(h.layer, h.zone_id) for h in r.hits}, expected)
                layers = {h.layer for h in r.hits} | {n.layer for n in r.nearest}
                self.assertNotIn("counties", layers)
                for h in list(r.hits) + list(r.nearest):
                    self.assertNotEqual(h.kind, pb.CONTEXT_LAYER)
        # A check cannot select a context layer: it is no zone layer.
        with self.assertRaises(RedlineError) as caught:
            CLIENT.check_point(121.07, 29.97, layers=["counties"])
        self.assertEqual(caught.exception.code, grpc.StatusCode.INVALID_ARGUMENT)

    def test_the_page_gets_the_counties_with_their_names(self):
        fc = get_json(f"v1/zones?context=true&bbox={WHOLE_SAMPLE}&resolution_m=500")
        self.assertEqual(len(fc["features"]), COUNTIES)
        for f in fc["features"]:
            self.assertEqual(f["properties"]["kind"], "CONTEXT_LAYER")
            self.assertEqual(f["properties"]["layer"], "counties")
            self.assertTrue(f["properties"]["zoneName"].startswith("示例县"))
        zones = get_json(f"v1/zones?bbox={WHOLE_SAMPLE}&resolution_m=500")
        self.assertTrue(zones["features"])
        self.assertNotIn("counties", {f["properties"]["layer"] for f in zones["features"]})


if __name__ == "__main__":
    unittest.main()
