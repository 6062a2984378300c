#!/usr/bin/python3
"""End to end: `redline compare` between the sample and its adjusted release.

The generator (data/generator/make_adjusted.py) wrote the adjusted release
and, in data/sample_adjusted/changes.json, the changes it made and what its
register (data/sample_adjusted/register.gpkg) must show. The real CLI must
report exactly those changes, with areas gained and lost that match PostGIS
(ST_Difference on geography, within 0.1 %), and exactly those register
features.

Needs Debian's /usr/bin/python3 (python3-gdal), the built `redline`, and for
the area test postgresql-15 and postgresql-15-postgis-3 (skipped without).
"""

import csv
import json
import os
import sys
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

ADJUSTED_DIR = os.path.join(e2e.SOURCE, "data", "sample_adjusted")
ADJUSTED_CONFIG = os.path.join(ADJUSTED_DIR, "redline.yaml")
REGISTER = os.path.join(ADJUSTED_DIR, "register.gpkg")
PURPOSE = "non_discharging_project"


def expected():
    with open(os.path.join(ADJUSTED_DIR, "changes.json"), encoding="utf-8") as f:
        return json.load(f)


def compare(*extra, json_out=True):
    """Runs `redline compare` between the two configs; (returncode, stdout, stderr)."""
    # --server names a closed port: local mode must never need a server.
    p = e2e.run_cli(f"127.0.0.1:{e2e.closed_port()}", "compare",
                    "--from-config", e2e.SAMPLE_CONFIG, "--to-config", ADJUSTED_CONFIG,
                    *extra, json_out=json_out, timeout=300)
    return p.returncode, p.stdout, p.stderr


def compare_json(*extra):
    code, out, err = compare(*extra)
    if code != 0:
        raise AssertionError(f"redline compare exited {code}: {err}")
    return json.loads(out)


def change_key(c):
    """A change as the CLI prints it (protobuf's lowerCamelCase, as the HTTP
    API) or as data/sample_adjusted/changes.json lists it (snake_case)."""
    return (c["layer"], c.get("id") or c.get("zoneId"), c["kind"].lower(),
            c.get("previousId", c.get("previous_id", "")),
            tuple(c.get("changedFields", c.get("changed_fields", []))))


class CompareLocalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.expected = expected()
        cls.result = compare_json("--input", REGISTER, "--id-field", "site_id",
                                  "--purpose", PURPOSE)

    def test_reports_exactly_the_changes_the_generator_made(self):
        got = [change_key(c) for c in self.result["changes"]]
        want = [change_key(c) for c in self.expected["changes"]]
        self.assertEqual(got, want)  # the same changes, in the same order
        self.assertGreater(int(self.result["unchanged"]), 400)

    def test_versions_are_named(self):
        self.assertRegex(self.result["fromVersion"], r"^\d{8}T\d{6}Z-[0-9a-f]+$")
        self.assertNotEqual(self.result["fromVersion"].split("-")[-1],
                            self.result["toVersion"].split("-")[-1])

    def test_areas_add_up(self):
        for c in self.result["changes"]:
            net = c["areaAfterM2"] - c["areaBeforeM2"]
            self.assertAlmostEqual(net, c["gainedM2"] - c["lostM2"], delta=1e-6 * max(
                c["areaBeforeM2"], c["areaAfterM2"]) + 1e-3, msg=c["zoneId"])
        for t in self.result["totals"]:
            self.assertAlmostEqual(t["netM2"], t["gainedM2"] - t["lostM2"],
                                   delta=1e-6 * max(t["areaBeforeM2"], 1.0) + 1e-3,
                                   msg=(t["scope"], t["layer"], t["level"]))

    def test_red_line_area_shrank_and_the_share_is_stated(self):
        rows = [t for t in self.result["totals"]
                if t["scope"] == "kind" and t["kind"] == "ECOLOGICAL_RED_LINE"]
        self.assertEqual(len(rows), 1)
        t = rows[0]
        self.assertLess(t["netM2"], 0)
        self.assertAlmostEqual(t["shareLost"], t["lostM2"] / t["areaBeforeM2"], places=12)
        self.assertEqual(int(t["added"]), 2)
        self.assertEqual(int(t["removed"]), 1)
        self.assertEqual(int(t["reshaped"]), 2)
        self.assertEqual(int(t["renamed"]), 1)

    def test_totals_per_county_of_the_context_layer(self):
        """kind: context (the counties): the same totals per county and zone kind;
        a zone reaching two counties counts in both, its area shared between them."""
        rows = [t for t in self.result["totals"] if t["scope"] == "region"]
        self.assertTrue(rows)
        self.assertEqual({t["layer"] for t in rows}, {"counties"})
        self.assertTrue(all(t["region"] and t["regionName"] for t in rows))
        kinds = {t["kind"]: t for t in self.result["totals"] if t["scope"] == "kind"}
        for kind, whole in kinds.items():
            mine = [t for t in rows if t["kind"] == kind]
            # The counties cover the sample: their parts add up to the whole.
            for field in ("areaBeforeM2", "areaAfterM2", "gainedM2", "lostM2"):
                self.assertAlmostEqual(sum(t[field] for t in mine), whole[field],
                                       delta=1e-6 * whole["areaBeforeM2"] + 1.0,
                                       msg=(kind, field))
            self.assertGreaterEqual(sum(int(t["zonesBefore"]) for t in mine), int(whole["zonesBefore"]))
        # The county the withdrawn red line lay in lost area, and says so in one line.
        losers = [t for t in rows if t["kind"] == "ECOLOGICAL_RED_LINE" and int(t["removed"]) > 0]
        self.assertTrue(losers)
        self.assertTrue(any(t["netM2"] < 0 and t["shareLost"] > 0 for t in losers))
        # Written to the CSV totals too.
        tmp = e2e.tempdir()
        self.addCleanup(tmp.cleanup)
        out = os.path.join(tmp.name, "c.csv")
        code, _, err = compare("--output", out, json_out=False)
        self.assertEqual(code, 0, err)
        with open(os.path.join(tmp.name, "c_totals.csv"), encoding="utf-8") as f:
            regions = [r for r in csv.DictReader(f) if r["scope"] == "region"]
        self.assertEqual(len(regions), len(rows))
        self.assertEqual({r["region"] for r in regions}, {t["region"] for t in rows})

    def test_level_change_moves_area_between_levels(self):
        c = next(c for c in self.result["changes"] if c["kind"] == "ATTRIBUTES")
        self.assertEqual((c["levelBefore"], c["levelAfter"]), ("二级保护区", "一级保护区"))
        levels = {t["level"]: t for t in self.result["totals"]
                  if t["scope"] == "level" and t["layer"] == "water_source"}
        self.assertAlmostEqual(levels["一级"]["gainedM2"], c["areaAfterM2"], delta=1e-3)
        self.assertAlmostEqual(levels["二级"]["lostM2"], c["areaBeforeM2"], delta=1e-3)

    def test_register_lists_exactly_the_features_the_generator_placed(self):
        reg = self.result["registerImpact"]
        want = self.expected["register"]
        self.assertEqual(int(reg["features"]), want["features"])
        self.assertEqual(reg["failed"], [])
        got = [(s["id"], s["what"], s["verdictBefore"], s["verdictAfter"],
                sorted(c.split("/", 1)[1] for c in s["causedBy"])) for s in reg["changed"]]
        self.assertEqual(got, [(e["id"], e["what"], e["verdict_before"], e["verdict_after"],
                                sorted(e["causes"])) for e in want["changed"]])
        self.assertEqual(int(reg["unchanged"]), want["features"] - len(want["changed"]))

    def test_register_covers_points_lines_and_polygons(self):
        kinds = {s["id"].split("-")[0] for s in self.result["registerImpact"]["changed"]}
        self.assertEqual(kinds, {"P", "L", "A"})


class CompareOutputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = e2e.tempdir()
        self.addCleanup(self.tmp.cleanup)

    def test_csv_output_holds_the_changes_totals_and_sites(self):
        out = os.path.join(self.tmp.name, "changes.csv")
        code, text, err = compare("--input", REGISTER, "--id-field", "site_id",
                                  "--purpose", PURPOSE, "--output", out, json_out=False)
        self.assertEqual(code, 0, err)
        self.assertIn("7 zones changed", text)
        with open(out, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([(r["layer"], r["zone_id"], r["kind"]) for r in rows],
                         [(c["layer"], c["id"], c["kind"]) for c in expected()["changes"]])
        with open(os.path.join(self.tmp.name, "changes_totals.csv"), encoding="utf-8") as f:
            totals = list(csv.DictReader(f))
        self.assertIn("share_lost", totals[0])
        with open(os.path.join(self.tmp.name, "changes_sites.csv"), encoding="utf-8") as f:
            sites = list(csv.DictReader(f))
        self.assertEqual([s["id"] for s in sites],
                         [e["id"] for e in expected()["register"]["changed"]])
        # An existing output is kept unless --overwrite.
        code, _, err = compare("--output", out, json_out=False)
        self.assertEqual(code, 2)
        self.assertIn("--overwrite", err)
        code, _, err = compare("--output", out, "--overwrite", json_out=False)
        self.assertEqual(code, 0, err)

    def test_json_output_is_the_printed_response(self):
        out = os.path.join(self.tmp.name, "changes.json")
        code, _, err = compare("--output", out, json_out=False)
        self.assertEqual(code, 0, err)
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual([change_key(c) for c in doc["changes"]],
                         [change_key(c) for c in expected()["changes"]])

    def test_geopackage_holds_zones_parts_sites_and_totals(self):
        from osgeo import ogr
        out = os.path.join(self.tmp.name, "changes.gpkg")
        code, _, err = compare("--input", REGISTER, "--id-field", "site_id",
                               "--purpose", PURPOSE, "--output", out, json_out=False)
        self.assertEqual(code, 0, err)
        result = compare_json("--input", REGISTER, "--id-field", "site_id", "--purpose", PURPOSE)
        ds = ogr.Open(out)
        layers = {ds.GetLayer(i).GetName(): ds.GetLayer(i) for i in range(ds.GetLayerCount())}
        self.assertEqual(set(layers), {"zone_changes", "zones_before", "gained", "lost", "sites",
                                       "totals"})
        changes = result["changes"]

        def rows(name):
            return {f.GetField("zone_id") if name != "sites" else f.GetField("id"):
                    f.GetGeometryRef().Clone() if f.GetGeometryRef() else None
                    for f in layers[name]}
        self.assertEqual(set(rows("zone_changes")), {c["zoneId"] for c in changes})
        self.assertEqual(set(rows("zones_before")),
                         {c["zoneId"] for c in changes if c["kind"] != "ADDED"})
        gained, lost = rows("gained"), rows("lost")
        self.assertEqual(set(gained), {c["zoneId"] for c in changes if c["gainedM2"] > 0})
        self.assertEqual(set(lost), {c["zoneId"] for c in changes if c["lostM2"] > 0})
        # A moved zone's gained part lies in its new outline, outside its old one.
        moved = next(c["zoneId"] for c in changes
                     if c["kind"] == "RESHAPED" and c["gainedM2"] > 0 and c["lostM2"] > 0)
        after, before = rows("zone_changes")[moved], rows("zones_before")[moved]
        part = gained[moved]
        self.assertLess(part.Intersection(before).GetArea(), 1e-6 * part.GetArea())
        self.assertGreater(part.Intersection(after).GetArea(), 0.999 * part.GetArea())
        sites = rows("sites")
        self.assertEqual(set(sites), {e["id"] for e in expected()["register"]["changed"]})
        self.assertEqual({ogr.GeometryTypeToName(g.GetGeometryType()) for g in sites.values()},
                         {"Point", "Line String", "Polygon"})
        self.assertEqual(layers["totals"].GetFeatureCount(), len(result["totals"]))
        self.assertEqual(layers["gained"].GetSpatialRef().GetAuthorityCode(None), "4490")
        ds = None

    def test_html_report_is_stamped_with_both_versions_and_maps_each_change(self):
        import re
        out = os.path.join(self.tmp.name, "changes.html")
        code, _, err = compare("--input", REGISTER, "--id-field", "site_id",
                               "--purpose", PURPOSE, "--output", out, json_out=False)
        self.assertEqual(code, 0, err)
        result = compare_json()
        with open(out, encoding="utf-8") as f:
            page = f.read()
        # Both versions stamped: the same content hashes as the JSON answer
        # (the load times differ between the two runs).
        stamped = re.findall(r'<code id="(from|to)-version">([^<]+)</code>', page)
        self.assertEqual([(k, v.rsplit("-", 1)[-1]) for k, v in stamped],
                         [("from", result["fromVersion"].rsplit("-", 1)[-1]),
                          ("to", result["toVersion"].rsplit("-", 1)[-1])])
        self.assertFalse("<script" in page)
        sections = re.findall(r'<section class="change" id="([^"]+)">(.*?)</section>', page, re.S)
        self.assertEqual([zid for zid, _ in sections], [c["zoneId"] for c in result["changes"]])
        for (zid, body), c in zip(sections, result["changes"]):
            self.assertIn("<svg", body, zid)
            # Gained parts are painted green, lost ones red, only where there are some.
            self.assertEqual('fill="#2e7d32"' in body, c["gainedM2"] > 0, zid)
            self.assertEqual('fill="#b71c1c"' in body, c["lostM2"] > 0, zid)
        self.assertTrue("面积减少 area shrank" in page)  # the red lines lost area
        for e in expected()["register"]["changed"]:
            self.assertTrue(f"<code>{e['id']}</code>" in page, e["id"])

    def test_usage_errors(self):
        for args, words in ((["--from-config", e2e.SAMPLE_CONFIG], "--to-config"),
                            ([], "--from"),
                            (["--from-config", e2e.SAMPLE_CONFIG, "--to-config", ADJUSTED_CONFIG,
                              "--from", "v1"], "one pair"),
                            (["--from-config", e2e.SAMPLE_CONFIG, "--to-config", ADJUSTED_CONFIG,
                              "--output", "x.txt"], ".csv"),
                            (["--from-config", e2e.SAMPLE_CONFIG, "--to-config", ADJUSTED_CONFIG,
                              "--input", REGISTER, "--purpose", "nonsense"], "unknown purpose")):
            p = e2e.run_cli(f"127.0.0.1:{e2e.closed_port()}", "compare", *args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(words, p.stderr, args)


def write_release(src_config, path, **overrides):
    """`src_config` rewritten to `path` with absolute paths and `overrides`."""
    folder = os.path.dirname(os.path.abspath(src_config))
    with open(src_config, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    cfg["rules"] = [os.path.normpath(os.path.join(folder, r)) for r in cfg.get("rules", [])]
    for layer in cfg["layers"]:
        layer["source"] = os.path.normpath(os.path.join(folder, layer["source"]))
    cfg.update(overrides)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)


class CompareVersionsRpcTest(unittest.TestCase):
    """The server's versions: the sample, reloaded as the adjusted release."""

    def setUp(self):
        self.tmp = e2e.tempdir()
        self.addCleanup(self.tmp.cleanup)
        self.config = os.path.join(self.tmp.name, "redline.yaml")

    def version(self, target):
        p = e2e.run_cli(target, "layers", json_out=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)["datasetVersion"]

    def reload(self, target, src, **overrides):
        write_release(src, self.config, **overrides)
        reply = e2e.admin_reload(target)
        self.assertTrue(reply.attempt.ok, reply.attempt.error)
        return reply.attempt.dataset_version

    def test_compare_versions_held_and_refuse_those_dropped(self):
        write_release(e2e.SAMPLE_CONFIG, self.config, keep_versions=3)
        with e2e.Server(config=self.config) as srv:
            v1 = self.version(srv.target)
            v2 = self.reload(srv.target, ADJUSTED_CONFIG, keep_versions=3)
            self.assertNotEqual(v1, v2)
            want = [change_key(c) for c in expected()["changes"]]
            for args in (["--from", v1], ["--from", v1, "--to", v2]):
                p = e2e.run_cli(srv.target, "compare", *args, json_out=True, timeout=300)
                self.assertEqual(p.returncode, 0, p.stderr)
                got = json.loads(p.stdout)
                self.assertEqual((got["fromVersion"], got["toVersion"]), (v1, v2))
                self.assertEqual([change_key(c) for c in got["changes"]], want)
            # The same answer as the local mode, areas included.
            local = compare_json()
            self.assertEqual([(c["zoneId"], c["gainedM2"], c["lostM2"]) for c in got["changes"]],
                             [(c["zoneId"], c["gainedM2"], c["lostM2"])
                              for c in local["changes"]])
            # A version never held: OUT_OF_RANGE, naming those held.
            p = e2e.run_cli(srv.target, "compare", "--from", "20200101T000000Z-0123456789ab")
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("not held", p.stderr)
            self.assertIn(v1, p.stderr)
            self.assertIn(v2, p.stderr)
            # Keep one version only: the first is dropped at the next reload.
            v3 = self.reload(srv.target, e2e.SAMPLE_CONFIG, keep_versions=1)
            for args in (["--from", v1], ["--from", v3, "--to", v2]):
                p = e2e.run_cli(srv.target, "compare", *args)
                self.assertEqual(p.returncode, 2, (args, p.stderr))
                self.assertIn("not held", p.stderr)
                self.assertIn(v3, p.stderr)
                self.assertNotIn(f"{v2},", p.stderr.split("held, newest first:")[-1])
            p = e2e.run_cli(srv.target, "compare", "--from", v3, json_out=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["changes"], [])

    def test_grpc_status_is_out_of_range(self):
        import grpc
        from redline.v1 import redline_pb2, redline_pb2_grpc
        write_release(e2e.SAMPLE_CONFIG, self.config)
        with e2e.Server(config=self.config) as srv:
            with grpc.insecure_channel(srv.target) as channel:
                stub = redline_pb2_grpc.RedlineStub(channel)
                with self.assertRaises(grpc.RpcError) as caught:
                    stub.CompareVersions(redline_pb2.CompareVersionsRequest(from_version="old"),
                                         timeout=60)
                self.assertEqual(caught.exception.code(), grpc.StatusCode.OUT_OF_RANGE)
                self.assertIn(self.version(srv.target), caught.exception.details())
                with self.assertRaises(grpc.RpcError) as caught:
                    stub.CompareVersions(redline_pb2.CompareVersionsRequest(), timeout=60)
                self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_python_client(self):
        from redline_client import RedlineClient, RedlineError
        write_release(e2e.SAMPLE_CONFIG, self.config, keep_versions=2)
        with e2e.Server(config=self.config) as srv, RedlineClient(srv.target, timeout=120) as c:
            v1 = c.list_layers().dataset_version
            v2 = self.reload(srv.target, ADJUSTED_CONFIG, keep_versions=2)
            r = c.compare_versions(v1, include_geometry=True)
            self.assertEqual((r.from_version, r.to_version), (v1, v2))
            self.assertEqual(len(r.changes), len(expected()["changes"]))
            moved = [z for z in r.changes if z.gained_m2 > 0 and z.lost_m2 > 0]
            self.assertTrue(moved and all(z.gained_wkb and z.lost_wkb for z in moved))
            with self.assertRaises(RedlineError) as caught:
                c.compare_versions("gone")
            self.assertEqual(caught.exception.code.name, "OUT_OF_RANGE")
            self.assertIn(v1, caught.exception.message)

    def test_register_against_versions_the_server_holds(self):
        """`--from V --input R`: the server checks the register under both
        versions; points, lines and polygons; the same answer as locally."""
        write_release(e2e.SAMPLE_CONFIG, self.config, keep_versions=2)
        local = compare_json("--input", REGISTER, "--id-field", "site_id", "--purpose", PURPOSE)
        with e2e.Server(config=self.config) as srv:
            v1 = self.version(srv.target)
            self.reload(srv.target, ADJUSTED_CONFIG, keep_versions=2)
            p = e2e.run_cli(srv.target, "compare", "--from", v1, "--input", REGISTER,
                            "--id-field", "site_id", "--purpose", PURPOSE, json_out=True,
                            timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            got = json.loads(p.stdout)["registerImpact"]
            self.assertEqual(got, local["registerImpact"])
            want = expected()["register"]
            self.assertEqual([s["id"] for s in got["changed"]], [e["id"] for e in want["changed"]])
            self.assertEqual({s["id"].split("-")[0] for s in got["changed"]}, {"P", "L", "A"})
            self.assertTrue(all(s["geometryWkb"] for s in got["changed"]))
            # The GeoPackage draws the sites the server found, in all three shapes.
            from osgeo import ogr
            out = os.path.join(self.tmp.name, "server.gpkg")
            p = e2e.run_cli(srv.target, "compare", "--from", v1, "--input", REGISTER,
                            "--id-field", "site_id", "--purpose", PURPOSE, "--output", out,
                            timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            ds = ogr.Open(out)
            shapes = {f.GetField("id"): ogr.GeometryTypeToName(f.GetGeometryRef().GetGeometryType())
                      for f in ds.GetLayerByName("sites")}
            ds = None
            self.assertEqual(set(shapes), {e["id"] for e in want["changed"]})
            self.assertEqual(set(shapes.values()), {"Point", "Line String", "Polygon"})
            # Options the server checks as the local mode does.
            p = e2e.run_cli(srv.target, "compare", "--from", v1, "--input", REGISTER,
                            "--purpose", PURPOSE, "--zone-layer", "no_such_layer")
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("no_such_layer", p.stderr)

    def test_register_sites_on_the_wire(self):
        """The RPC's register_sites: ids and WKB in a CRS, options refused
        where a comparison cannot honour them."""
        import grpc
        from osgeo import ogr
        from redline.v1 import redline_pb2, redline_pb2_grpc
        ds = ogr.Open(REGISTER)
        layer = ds.GetLayer(0)
        crs = f"EPSG:{layer.GetSpatialRef().GetAuthorityCode(None)}"
        ids, wkbs = [], []
        for f in layer:
            ids.append(f.GetField("site_id"))
            wkbs.append(bytes(f.GetGeometryRef().ExportToIsoWkb()))
        ds = None
        write_release(e2e.SAMPLE_CONFIG, self.config, keep_versions=2)
        with e2e.Server(config=self.config) as srv:
            v1 = self.version(srv.target)
            self.reload(srv.target, ADJUSTED_CONFIG, keep_versions=2)
            with grpc.insecure_channel(srv.target) as channel:
                stub = redline_pb2_grpc.RedlineStub(channel)
                purpose = redline_pb2.Siting.NON_DISCHARGING_PROJECT
                sites = redline_pb2.RegisterSites(crs=crs, ids=ids, wkb=wkbs)
                sites.options.siting.purpose = purpose
                r = stub.CompareVersions(redline_pb2.CompareVersionsRequest(
                    from_version=v1, register_sites=sites), timeout=120)
                impact = r.register_impact
                self.assertEqual(impact.features, len(ids))
                self.assertEqual(impact.purpose, "non_discharging_project")
                want = expected()["register"]["changed"]
                self.assertEqual([s.id for s in impact.changed], [e["id"] for e in want])
                self.assertEqual([ids[s.feature] for s in impact.changed], [s.id for s in impact.changed])
                for bad in ("as_of", "hits_only"):
                    wrong = redline_pb2.RegisterSites()
                    wrong.CopyFrom(sites)
                    if bad == "as_of":
                        wrong.options.as_of = "2026-01-01"
                    else:
                        wrong.options.hits_only = True
                    with self.assertRaises(grpc.RpcError) as caught:
                        stub.CompareVersions(redline_pb2.CompareVersionsRequest(
                            from_version=v1, register_sites=wrong), timeout=60)
                    self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
                    self.assertIn(bad, caught.exception.details())
                del sites.wkb[-1]
                with self.assertRaises(grpc.RpcError) as caught:
                    stub.CompareVersions(redline_pb2.CompareVersionsRequest(
                        from_version=v1, register_sites=sites), timeout=60)
                self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
                self.assertIn("one id per geometry", caught.exception.details())


def http(base, method, path, body=None, headers=None):
    """(status, content type, body bytes) of one HTTP exchange; no proxy."""
    import urllib.error
    import urllib.request
    data = body.encode("utf-8") if isinstance(body, str) else body
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=300) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


class CompareHttpTest(unittest.TestCase):
    """POST and GET /v1/compare: the RPC's answer as JSON, or the change report."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e.tempdir()
        cls.config = os.path.join(cls.tmp.name, "redline.yaml")
        write_release(e2e.SAMPLE_CONFIG, cls.config, keep_versions=2)
        cls.srv = e2e.Server(config=cls.config).start()
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.addClassCleanup(cls.srv.stop)
        cls.base = cls.srv.http_url
        cls.v1 = json.loads(http(cls.base, "GET", "/v1/layers")[2])["datasetVersion"]
        write_release(ADJUSTED_CONFIG, cls.config, keep_versions=2)
        reply = e2e.admin_reload(cls.srv.target)
        assert reply.attempt.ok, reply.attempt.error
        cls.v2 = reply.attempt.dataset_version

    def post(self, body, query=""):
        return http(self.base, "POST", "/v1/compare" + query, json.dumps(body),
                    {"Content-Type": "application/json"})

    def test_post_and_get_answer_the_rpc_as_json(self):
        want = [change_key(c) for c in expected()["changes"]]
        answers = [self.post({"fromVersion": self.v1}),
                   self.post({"from_version": self.v1, "to_version": self.v2}),
                   http(self.base, "GET", f"/v1/compare?from={self.v1}"),
                   http(self.base, "GET", f"/v1/compare?from={self.v1}&to={self.v2}&format=json")]
        local = compare_json()
        for status, ctype, body in answers:
            self.assertEqual(status, 200, body[:300])
            self.assertTrue(ctype.startswith("application/json"), ctype)
            got = json.loads(body)
            self.assertEqual((got["fromVersion"], got["toVersion"]), (self.v1, self.v2))
            self.assertEqual([(c["layer"], c["zoneId"], c["kind"].lower(), c["previousId"],
                               tuple(c["changedFields"])) for c in got["changes"]], want)
            self.assertEqual([(c["zoneId"], c["gainedM2"], c["lostM2"]) for c in got["changes"]],
                             [(c["zoneId"], c["gainedM2"], c["lostM2"])
                              for c in local["changes"]])
            self.assertEqual(len(got["totals"]), len(local["totals"]))
            self.assertFalse(any(c["beforeWkb"] for c in got["changes"]))

    def test_register_sites_in_the_json_body(self):
        import base64
        from osgeo import ogr
        ds = ogr.Open(REGISTER)
        layer = ds.GetLayer(0)
        crs = f"EPSG:{layer.GetSpatialRef().GetAuthorityCode(None)}"
        ids, wkbs = [], []
        for f in layer:
            ids.append(f.GetField("site_id"))
            wkbs.append(base64.b64encode(bytes(f.GetGeometryRef().ExportToIsoWkb())).decode())
        ds = None
        status, _, body = self.post({"fromVersion": self.v1, "registerSites": {
            "crs": crs, "ids": ids, "wkb": wkbs,
            "options": {"siting": {"purpose": "NON_DISCHARGING_PROJECT"}}}})
        self.assertEqual(status, 200, body[:300])
        impact = json.loads(body)["registerImpact"]
        self.assertEqual([s["id"] for s in impact["changed"]],
                         [e["id"] for e in expected()["register"]["changed"]])

    def test_change_report_is_served_printable(self):
        import re
        for status, ctype, body in (
                http(self.base, "GET", f"/v1/compare?from={self.v1}&format=html"),
                self.post({"fromVersion": self.v1}, "?format=html")):
            self.assertEqual(status, 200, body[:300])
            self.assertTrue(ctype.startswith("text/html"), ctype)
            page = body.decode("utf-8")
            stamped = re.findall(r'<code id="(from|to)-version">([^<]+)</code>', page)
            self.assertEqual(stamped, [("from", self.v1), ("to", self.v2)])
            self.assertNotIn("<script", page)
            sections = re.findall(r'<section class="change" id="([^"]+)">(.*?)</section>', page,
                                  re.S)
            self.assertEqual([zid for zid, _ in sections],
                             [c["id"] for c in expected()["changes"]])
            self.assertTrue(all("<svg" in b for _, b in sections))
            self.assertIn("面积减少 area shrank", page)

    def test_errors(self):
        status, _, body = http(self.base, "GET", "/v1/compare?from=20200101T000000Z-0123456789ab")
        err = json.loads(body)
        self.assertEqual(err["status"], "OUT_OF_RANGE")
        self.assertIn(self.v1, err["message"])
        self.assertEqual(status // 100, 4)
        status, _, body = http(self.base, "GET", "/v1/compare")
        self.assertEqual(json.loads(body)["status"], "INVALID_ARGUMENT")
        status, _, body = http(self.base, "GET", f"/v1/compare?from={self.v1}&format=pdf")
        self.assertEqual(json.loads(body)["status"], "INVALID_ARGUMENT")
        self.assertIn("pdf", json.loads(body)["message"])
        status, _, _ = http(self.base, "PUT", "/v1/compare", "{}",
                            {"Content-Type": "application/json"})
        self.assertEqual(status, 405)


class CompareHttpRolesTest(unittest.TestCase):
    """/v1/compare needs the role CompareVersions needs: analyst."""

    def test_roles(self):
        import hashlib
        tmp = e2e.tempdir()
        self.addCleanup(tmp.cleanup)
        tokens = {"reader": "r-cmp-reader-token", "analyst": "a-cmp-analyst-token"}
        path = os.path.join(tmp.name, "tokens.txt")
        with open(path, "w", encoding="utf-8") as f:
            for role, token in tokens.items():
                f.write(f"{role} {hashlib.sha256(token.encode()).hexdigest()} {role}.user\n")
        with e2e.Server(extra_args=["--tokens", path]) as srv:
            auth = {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}
            layers = http(srv.http_url, "GET", "/v1/layers", headers=auth["reader"])
            version = json.loads(layers[2])["datasetVersion"]
            path = f"/v1/compare?from={version}"
            self.assertEqual(http(srv.http_url, "GET", path)[0], 401)
            self.assertEqual(http(srv.http_url, "GET", path, headers=auth["reader"])[0], 403)
            status, _, body = http(srv.http_url, "GET", path, headers=auth["analyst"])
            self.assertEqual(status, 200, body[:300])
            self.assertEqual(json.loads(body)["changes"], [])


class CompareAreasAgainstPostgisTest(unittest.TestCase):
    """Every area gained and lost against ST_Difference on geography (CGCS2000)."""

    @classmethod
    def setUpClass(cls):
        ok, why = e2e.postgis_available()
        if not ok:
            raise unittest.SkipTest(why)
        pg_cluster = e2e.pg_cluster_module()
        cls.pg = pg_cluster.PgCluster(dbname="redline")
        cls.addClassCleanup(cls.pg.stop)
        cls.pg.start()
        for table, folder in (("rl_from", e2e.SAMPLE_DIR), ("rl_to", ADJUSTED_DIR)):
            cls.pg.load(os.path.join(folder, "red_lines.geojson"), table, t_srs="EPSG:4490")
        cls.pg.load(os.path.join(e2e.SAMPLE_DIR, "counties.geojson"), "counties",
                    t_srs="EPSG:4490")
        cls.result = compare_json()

    def area(self, sql):
        return float(self.pg.scalar(f"SELECT {sql}"))

    def test_gained_and_lost_match_postgis_within_a_thousandth(self):
        checked = 0
        for c in self.result["changes"]:
            if c["layer"] != "red_lines":
                continue
            zid = c["zoneId"]
            a = f"(SELECT ST_MakeValid(geom) FROM rl_from WHERE hx_id = '{zid}')"
            b = f"(SELECT ST_MakeValid(geom) FROM rl_to WHERE hx_id = '{zid}')"
            if c["kind"] == "RESHAPED":
                want = {"gainedM2": self.area(f"ST_Area(ST_Difference({b}, {a})::geography)"),
                        "lostM2": self.area(f"ST_Area(ST_Difference({a}, {b})::geography)"),
                        "areaBeforeM2": self.area(f"ST_Area({a}::geography)"),
                        "areaAfterM2": self.area(f"ST_Area({b}::geography)")}
            elif c["kind"] == "ADDED":
                want = {"gainedM2": self.area(f"ST_Area({b}::geography)")}
            elif c["kind"] == "REMOVED":
                want = {"lostM2": self.area(f"ST_Area({a}::geography)")}
            else:
                continue
            for field, value in want.items():
                # 0.1 %; a part that is empty here may be a sliver in PostGIS,
                # which differences in longitude/latitude, not Gauss-Kruger.
                self.assertAlmostEqual(c[field], value, delta=max(1e-3 * value, 1.0),
                                       msg=(zid, field, c[field], value))
                checked += 1
        self.assertGreaterEqual(checked, 10)

    def test_region_totals_match_postgis(self):
        """Per county (the context layer): red-line area before and after, gained
        and lost, against ST_Intersection on geography within 0.1 %."""
        renamed = [i for c in self.result["changes"] if c["kind"] == "RENAMED"
                   for i in (c["zoneId"], c["previousId"])]
        skip = ",".join(f"'{i}'" for i in renamed) or "''"

        def per_county(sql):
            out = {}
            for line in self.pg.psql(sql).splitlines():
                if line.strip():
                    code, m2 = line.split("|")
                    out[code] = float(m2 or 0)
            return out

        def areas_in(parts):
            return per_county(
                f"SELECT c.code, SUM(ST_Area(ST_Transform(ST_Intersection("
                f"ST_Transform(p.g, 4549), ST_Transform(c.geom, 4549)), 4326)::geography)) "
                f"FROM ({parts}) p JOIN counties c ON ST_Intersects(p.g, c.geom) "
                f"GROUP BY c.code")

        # Parts are cut in the working CRS (EPSG:4549), as compare cuts them: a cut
        # across a county edge tens of km long lies metres apart in lon/lat.
        # The loader repairs invalid zones with GEOS's "structure" make-valid,
        # dropping collapsed parts (spatial/geom/geos_util.cc): ask PostGIS for
        # the same repair, not its default "linework" one, whose area differs
        # for self-overlapping rings.
        valid = "'method=structure keepcollapsed=false'"

        def diff(x, y):
            return (f"SELECT CASE WHEN y.geom IS NULL THEN ST_MakeValid(x.geom, {valid}) ELSE "
                    f"ST_Difference(ST_MakeValid(x.geom, {valid}), "
                    f"ST_MakeValid(y.geom, {valid})) END AS g "
                    f"FROM {x} x LEFT JOIN {y} y ON x.hx_id = y.hx_id "
                    f"WHERE x.hx_id NOT IN ({skip})")
        want = {"areaBeforeM2": areas_in(f"SELECT ST_MakeValid(geom, {valid}) AS g FROM rl_from"),
                "areaAfterM2": areas_in(f"SELECT ST_MakeValid(geom, {valid}) AS g FROM rl_to"),
                "lostM2": areas_in(diff("rl_from", "rl_to")),
                "gainedM2": areas_in(diff("rl_to", "rl_from"))}
        rows = {t["region"]: t for t in self.result["totals"]
                if t["scope"] == "region" and t["kind"] == "ECOLOGICAL_RED_LINE"}
        self.assertTrue(rows)
        self.assertEqual({t["layer"] for t in rows.values()}, {"counties"})
        # Every county either side names (one touched only along an edge has no row).
        checked = 0
        for code in set(rows) | set(want["areaBeforeM2"]) | set(want["areaAfterM2"]):
            for field, by_county in want.items():
                value = by_county.get(code, 0.0)
                got = rows[code][field] if code in rows else 0.0
                self.assertAlmostEqual(got, value, delta=max(1e-3 * value, 10.0),
                                       msg=(code, field, got, value))
                checked += 1
        # Some county lost red-line area and says so in one line.
        self.assertTrue(any(t["netM2"] < 0 and t["shareLost"] > 0 for t in rows.values()))
        self.assertGreaterEqual(checked, 4 * 5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
