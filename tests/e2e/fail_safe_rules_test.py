#!/usr/bin/python3
"""Fail-safe verdicts and no server paths in answers (issue 18, findings 10 and 7).

- A config without `rules:` gets the bundled default rule set, compiled into
  redlined: an outfall in the 一级 zone the README uses is PROHIBITED (it was
  CLEAR before), and ListLayers / /v1/layers name the rule source.
- `rules: []` gives VERDICT_UNSPECIFIED "no rules in force" for every check,
  never CLEAR, with the hits still reported, and a WARN at start-up.
- ListLayers, HTTP /v1/layers and a failed Reload's error show no path of
  the server's folders (the repository's or the config's absolute path).

Needs Debian's /usr/bin/python3 (python3-grpcio, python3-yaml).
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

import grpc  # noqa: E402
import yaml  # noqa: E402
from redline.v1 import redline_pb2, redline_pb2_grpc  # noqa: E402

# The README's outfall in 余姚四明湖水库's 一级 water-source zone.
OUTFALL_LON, OUTFALL_LAT = 121.069788, 29.970780
OPEN_SEA = (122.9, 28.1)  # far from every zone


def write_config(folder, rules):
    """The sample's water-source layer only (fast to load), absolute source;
    `rules` None leaves the key out."""
    with open(e2e.SAMPLE_CONFIG, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    cfg.pop("rules", None)
    layer = next(l for l in cfg["layers"] if l["name"] == "water_source")
    layer["source"] = os.path.join(e2e.SAMPLE_DIR, layer["source"])
    cfg["layers"] = [layer]
    if rules is not None:
        cfg["rules"] = rules
    path = os.path.join(folder, "redline.yaml")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)
    return path


def check_point(stub, lon, lat, purpose=redline_pb2.Siting.OUTFALL):
    return stub.CheckPoint(redline_pb2.CheckPointRequest(
        x=lon, y=lat, crs="EPSG:4490",
        options=redline_pb2.CheckOptions(siting=redline_pb2.Siting(purpose=purpose))), timeout=30)


def http_get(url):
    with e2e._loopback_opener().open(url, timeout=30) as r:
        return r.read().decode("utf-8")


class DefaultRulesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e.tempdir()
        cls.config = write_config(cls.tmp.name, rules=None)
        cls.server = e2e.Server(cls.config).start()
        cls.channel = grpc.insecure_channel(cls.server.target)
        cls.stub = redline_pb2_grpc.RedlineStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.stop()
        cls.tmp.cleanup()

    def test_outfall_in_a_first_level_zone_is_prohibited(self):
        r = check_point(self.stub, OUTFALL_LON, OUTFALL_LAT)
        self.assertEqual(r.verdict, redline_pb2.PROHIBITED, r.verdict_reason)
        self.assertIn("wppl-64-outfall", r.verdict_reason)

    def test_list_layers_names_the_rule_source(self):
        layers = self.stub.ListLayers(redline_pb2.ListLayersRequest(), timeout=30)
        self.assertEqual(layers.rules_source, "default")
        self.assertGreaterEqual(layers.rule_count, 15)
        self.assertEqual(list(layers.rule_files), ["builtin:ecological_red_line.yaml",
                                                   "builtin:water_pollution_law.yaml",
                                                   "builtin:zero_discharge.yaml"])
        body = json.loads(http_get(self.server.http_url + "/v1/layers"))
        self.assertEqual(body["rulesSource"], "default")
        self.assertEqual(body["ruleCount"], layers.rule_count)

    def test_the_log_says_which_rules_are_in_force(self):
        self.assertRegex(self.server.log(),
                         r"INFO \d+ rules in force from the built-in default rule set")


class NoRulesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e.tempdir()
        cls.config = write_config(cls.tmp.name, rules=[])
        cls.server = e2e.Server(cls.config).start()
        cls.channel = grpc.insecure_channel(cls.server.target)
        cls.stub = redline_pb2_grpc.RedlineStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.stop()
        cls.tmp.cleanup()

    def test_every_check_is_unspecified_never_clear(self):
        for lon, lat in [(OUTFALL_LON, OUTFALL_LAT), OPEN_SEA]:
            for purpose in (redline_pb2.Siting.OUTFALL, redline_pb2.Siting.PURPOSE_UNSPECIFIED):
                r = check_point(self.stub, lon, lat, purpose)
                self.assertEqual(r.verdict, redline_pb2.VERDICT_UNSPECIFIED, (lon, lat, r))
                self.assertIn("no rules in force", r.verdict_reason)
        r = check_point(self.stub, OUTFALL_LON, OUTFALL_LAT)
        self.assertTrue(r.hits, "the hits are still reported")
        geometry = self.stub.CheckGeometry(redline_pb2.CheckGeometryRequest(
            geometry=redline_pb2.Geometry(wkt=e2e.box_wkt(OUTFALL_LON, OUTFALL_LAT),
                                          crs="EPSG:4490"),
            options=redline_pb2.CheckOptions(
                siting=redline_pb2.Siting(purpose=redline_pb2.Siting.OUTFALL))), timeout=30)
        self.assertEqual(geometry.verdict, redline_pb2.VERDICT_UNSPECIFIED)
        self.assertTrue(geometry.hits)

    def test_http_says_so_too(self):
        req = json.dumps({"x": OUTFALL_LON, "y": OUTFALL_LAT,
                          "options": {"siting": {"purpose": "OUTFALL"}}}).encode()
        import urllib.request
        r = e2e._loopback_opener().open(urllib.request.Request(
            self.server.http_url + "/v1/check-point", data=req,
            headers={"Content-Type": "application/json"}), timeout=30)
        body = json.loads(r.read())
        self.assertEqual(body["verdict"], "VERDICT_UNSPECIFIED")
        self.assertIn("no rules in force", body["verdictReason"])

    def test_list_layers_and_log(self):
        layers = self.stub.ListLayers(redline_pb2.ListLayersRequest(), timeout=30)
        self.assertEqual(layers.rules_source, "config")
        self.assertEqual(layers.rule_count, 0)
        self.assertIn("WARN no rules in force", self.server.log())


class NoServerPathsTest(unittest.TestCase):
    """Nothing a client sees names the server's folders."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e.tempdir()
        # The default rule folder by absolute path (outside the config's
        # folder: answers name its files alone) and a local file beside the
        # config (named relative to it).
        with open(os.path.join(cls.tmp.name, "local.yaml"), "w", encoding="utf-8") as f:
            f.write("law: 本地\nrules: []\n")
        cls.rules = [os.path.join(e2e.SOURCE, "data", "rules"), "local.yaml"]
        cls.config = write_config(cls.tmp.name, rules=cls.rules)
        cls.server = e2e.Server(cls.config).start()
        cls.channel = grpc.insecure_channel(cls.server.target)
        cls.stub = redline_pb2_grpc.RedlineStub(cls.channel)
        cls.forbidden = [e2e.SOURCE, os.path.realpath(e2e.SOURCE), cls.tmp.name,
                         os.path.realpath(cls.tmp.name)]

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.stop()
        cls.tmp.cleanup()

    def assert_no_server_path(self, text, what):
        for path in self.forbidden:
            self.assertNotIn(path, text, f"{what} reveals {path}: {text[:2000]}")

    def test_list_layers_and_http_layers(self):
        layers = self.stub.ListLayers(redline_pb2.ListLayersRequest(), timeout=30)
        self.assert_no_server_path(str(layers), "ListLayers")
        self.assertEqual(layers.layers[0].source, "water_source.gpkg")
        self.assertEqual(list(layers.rule_files), ["ecological_red_line.yaml",
                                                   "water_pollution_law.yaml",
                                                   "zero_discharge.yaml", "local.yaml"])
        self.assertEqual(layers.rules_source, "config")
        self.assert_no_server_path(http_get(self.server.http_url + "/v1/layers"), "/v1/layers")

    def test_a_failed_reload_error(self):
        # Break the config: a rule file that does not exist, by absolute path.
        missing = os.path.join(self.tmp.name, "sub", "missing.yaml")
        write_config(self.tmp.name, rules=self.rules + [missing])
        try:
            reply = e2e.admin_reload(self.server.target)
            self.assertFalse(reply.attempt.ok)
            self.assertIn("missing.yaml", reply.attempt.error)
            self.assert_no_server_path(reply.attempt.error, "Reload's error")
            # Its full path stays in the server's own log.
            self.server.wait_for(missing, timeout=10)
            layers = self.stub.ListLayers(redline_pb2.ListLayersRequest(), timeout=30)
            self.assertFalse(layers.last_reload.ok)
            self.assert_no_server_path(str(layers), "ListLayers after a failed reload")
            self.assert_no_server_path(http_get(self.server.http_url + "/v1/layers"),
                                       "/v1/layers after a failed reload")
            # And a layer source that cannot be opened.
            write_config(self.tmp.name, rules=self.rules)
            with open(self.config, encoding="utf-8") as f:
                cfg = yaml.safe_load(f)
            cfg["layers"][0]["source"] = os.path.join(e2e.SAMPLE_DIR, "nope", "gone.gpkg")
            with open(self.config, "w", encoding="utf-8") as f:
                yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)
            reply = e2e.admin_reload(self.server.target)
            self.assertFalse(reply.attempt.ok)
            self.assertIn("gone.gpkg", reply.attempt.error)
            self.assert_no_server_path(reply.attempt.error, "Reload's error (layer)")
        finally:
            write_config(self.tmp.name, rules=self.rules)


if __name__ == "__main__":
    unittest.main(verbosity=2)
