#!/usr/bin/python3
"""End-to-end: redlined's own command line and start-up log (Debian's python3).

`redlined --help` lists redlined's flags and exits 0; a misspelt flag is one
line naming it and the nearest real one, and a value its flag cannot take
one line too, exit 2 as every configuration error; start-up logs one line per layer summing up its repaired features
(each one only with --log_level debug); health says SERVING for the server
and both services. The repairs expected come from OGR's own validity check
of the sample files, not from the server.
"""

import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient  # noqa: E402


def redlined(*args):
    return subprocess.run([e2e.REDLINED, *args], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=60,
                          stdin=subprocess.DEVNULL)


def invalid_features(layer_name):
    """How many features of a sample layer OGR (GEOS) finds invalid."""
    from osgeo import gdal, ogr
    import yaml
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS's reasons, printed by IsValid
    with open(e2e.SAMPLE_CONFIG, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    layer = next(l for l in cfg["layers"] if l["name"] == layer_name)
    ds = ogr.Open(os.path.join(e2e.SAMPLE_DIR, layer["source"]))
    lyr = ds.GetLayerByName(layer["layer"]) if layer.get("layer") else ds.GetLayer(0)
    return sum(1 for f in lyr if f.GetGeometryRef() and not f.GetGeometryRef().IsValid())


class FlagsTest(unittest.TestCase):
    def test_help_lists_the_flags(self):
        p = redlined("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("No flags matched", p.stdout + p.stderr)
        for flag in ("--config", "--listen", "--http", "--tokens", "--drain_seconds",
                     "--log_level"):
            self.assertIn(flag, p.stdout)
        self.assertIn("Exit status", p.stdout)
        self.assertEqual(redlined("-h").stdout, p.stdout)

    def test_misspelt_flag_exits_2_in_one_line(self):
        for args, typed, meant in ((["--confg", "x.yaml"], "--confg", "--config"),
                                   (["--config=x.yaml", "--tls-crt", "c.pem"], "--tls-crt",
                                    "--tls-cert"),
                                   (["--drain_secnds=3"], "--drain_secnds", "--drain_seconds")):
            with self.subTest(args=args):
                p = redlined(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                lines = p.stderr.splitlines()
                self.assertEqual(len(lines), 1, p.stderr)
                self.assertIn(f"unknown flag {typed}", lines[0])
                self.assertIn(f"did you mean {meant}?", lines[0])
        # Flags with values that look like flags, and negated booleans, are fine.
        p = redlined("--config", "/nonexistent/x.yaml", "--noinsecure", "--http", "off")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("bad config", p.stderr)
        self.assertNotIn("unknown flag", p.stderr)

    def test_bad_value_exits_2_in_one_line(self):
        for args, said in ((["--drain_seconds=soon"], "--drain_seconds 'soon'"),
                           (["--config", "x.yaml", "--insecure=maybe"], "--insecure 'maybe'"),
                           (["--config"], "--config needs a value")):
            with self.subTest(args=args):
                p = redlined(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
                self.assertIn(said, p.stderr)

    def test_bad_log_level(self):
        p = redlined("--config", e2e.SAMPLE_CONFIG, "--log_level", "loud")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--log_level 'loud'", p.stderr)


class StartUpTest(unittest.TestCase):
    def repair_lines(self, log):
        summaries = dict(re.findall(
            r"WARN layer (\w+): (\d+) features? repaired \(", log))
        details = re.findall(r" DEBUG layer (\w+): [^\n]*: repaired: ", log)
        return {k: int(v) for k, v in summaries.items()}, details

    def test_one_summary_line_per_layer_and_health(self):
        expected = {name: invalid_features(name)
                    for name in ("water_source", "zero_discharge", "red_lines", "control_units")}
        # The sample's one broken feature is skipped, not repaired: not in the summary.
        expected["red_lines"] -= 1
        expected = {k: v for k, v in expected.items() if v > 0}
        self.assertTrue(expected)
        with e2e.Server() as srv:
            summaries, details = self.repair_lines(srv.log())
            with RedlineClient(srv.target) as c:
                for service in ("", "redline.v1.Redline", "redline.v1.RedlineAdmin"):
                    self.assertEqual(c.health(service), "SERVING", service)
        self.assertEqual(summaries, expected)
        self.assertEqual(details, [])
        self.assertIn("each one with --log_level debug", srv.log())
        self.assertNotRegex(srv.log(), r"WARN layer \w+: fid [^\n]*: repaired:")
        with e2e.Server(extra_args=["--log-level", "debug"]) as srv:
            summaries, details = self.repair_lines(srv.log())
        self.assertEqual(summaries, expected)
        self.assertEqual({name: details.count(name) for name in set(details)}, expected)


if __name__ == "__main__":
    unittest.main(verbosity=2)
