#!/usr/bin/python3
"""End to end: zone layers served from PostGIS, edited in SQL, reloaded.

A private PostgreSQL 15 + PostGIS cluster (scripts/pg_cluster.py) on
127.0.0.1 gets the sample layers through ogr2ogr, each in its own CRS; the
real redlined serves them from "PG:" sources and must answer as it does from
the files. Then a zone is moved with SQL and RedlineAdmin.Reload must pick the
change up; then a table is dropped and the reload must fail, naming the layer,
while the old data keeps serving. The role `postgres` has a password
(scram-sha-256 on TCP) that must never come back out of the server.

Needs Debian's /usr/bin/python3 (python3-grpcio, python3-gdal, python3-yaml),
gdal-bin, postgresql-15 and postgresql-15-postgis-3 (scripts/deps.sh); skips
when PostGIS is not installed.
"""

import os
import re
import sys
import time
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient  # noqa: E402

PASSWORD = "s3cret-Redline"
# A water-source zone that one known point lies in, and in no other zone.
MOVED_ZONE = ("water_source", "WS-330281-001-Z")
MOVED_POINT = (121.075847, 29.944205)
SHIFT_DEG = 0.05
# A red-line zone and a known point in it (the layer whose table is dropped).
RED_LINE_HIT = ("red_lines", "HX-3302-0001")
RED_LINE_POINT = (121.050069, 29.785853)
CJK = re.compile(r"[\u4e00-\u9fff]")


def hits(response):
    return {(h.layer, h.zone_id) for h in response.hits}


def content_hash(version):
    """The content part of a dataset version "<UTC time>-<hash>"."""
    return version.rsplit("-", 1)[-1]


class PostgisSourceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ok, why = e2e.postgis_available()
        if not ok:
            raise unittest.SkipTest(why)
        pg_cluster = e2e.pg_cluster_module()
        cls.tmp = e2e.tempdir()
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.pg = pg_cluster.PgCluster(dbname="redline", password=PASSWORD)
        cls.addClassCleanup(cls.pg.stop)  # also when start() or a load fails
        cls.pg.start()

    def setUp(self):
        # Every test starts from the sample data, whatever the one before did.
        self.pg.load_config(e2e.SAMPLE_CONFIG)

    # --- watch_interval_s with a watch_query notices an edit in the database ---
    def test_watch_query_reloads_after_an_sql_edit(self):
        config = e2e.write_postgis_config(self.tmp.name, self.pg.gdal, name="watch.yaml",
                                          watch_interval_s=0.5)
        with open(config, encoding="utf-8") as f:
            cfg = yaml.safe_load(f)
        for layer in cfg["layers"]:
            if layer["name"] == "water_source":
                # The cheapest honest "version" of a table: a digest of its geometries.
                layer["watch_query"] = "SELECT md5(string_agg(ST_AsEWKB(geom)::text, ',' " \
                                       "ORDER BY zone_code)) FROM water_source"
        with open(config, "w", encoding="utf-8") as f:
            yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)
        with e2e.Server(config=config) as srv, RedlineClient(srv.target, timeout=60) as c:
            first = c.list_layers().dataset_version
            self.assertIn(MOVED_ZONE, hits(c.check_point(*MOVED_POINT)))
            self.pg.psql(f"UPDATE water_source SET geom = ST_Translate(geom, {SHIFT_DEG}, 0) "
                         f"WHERE zone_code = '{MOVED_ZONE[1]}'")
            deadline = time.monotonic() + 60
            version = first
            while version == first and time.monotonic() < deadline:
                time.sleep(0.3)
                version = c.list_layers().dataset_version
            self.assertNotEqual(version, first, "the watcher did not reload after the edit")
            self.assertNotIn(MOVED_ZONE, hits(c.check_point(*MOVED_POINT)))
            self.assertIn("watch: the sources changed", srv.log())

    # --- the data arrives intact ---
    def test_sample_layers_arrive_with_crs_and_utf8_names(self):
        from osgeo import ogr
        ogr.UseExceptions()
        expect_srid = {"water_source": 4490, "zero_discharge": 4549, "red_lines": 4326,
                       "control_units": 4490}
        for table, srid in expect_srid.items():
            self.assertEqual(
                self.pg.scalar(f"SELECT Find_SRID('public', '{table}', 'geom')"), str(srid),
                f"{table}: the CRS of the file must be kept")
        # The GBK Shapefile: the names read from PostgreSQL are the ones GDAL
        # decodes from the file, as UTF-8 (psql's output is decoded strictly).
        ds = ogr.Open(os.path.join(e2e.SAMPLE_DIR, "zero_discharge.shp"))
        from_file = {f.GetField("zdz_id"): f.GetField("name") for f in ds.GetLayer(0)}
        rows = self.pg.psql("SELECT zdz_id, name FROM zero_discharge").splitlines()
        from_pg = dict(r.split("|", 1) for r in rows if r)
        self.assertEqual(from_pg, from_file)
        self.assertTrue(all(CJK.search(n) for n in from_pg.values()), from_pg)
        self.assertEqual(self.pg.scalar("SELECT count(*) FROM zero_discharge "
                                        "WHERE convert_to(name, 'UTF8') IS NULL"), "0")

    # --- serving, editing, reloading, failing ---
    def test_serve_edit_reload_then_failed_reload_keeps_old_data(self):
        with e2e.Server() as files, RedlineClient(files.target, timeout=60) as c:
            from_files = {l.name: l for l in c.list_layers().layers}
        config = e2e.write_postgis_config(self.tmp.name, self.pg.gdal)
        with e2e.Server(config=config) as srv, RedlineClient(srv.target, timeout=60) as c:
            self.assert_same_layers(c.list_layers(), from_files)
            self.assert_no_password(srv, c.list_layers())
            for (lon, lat), expected in e2e.known_points().items():
                self.assertEqual(hits(c.check_point(float(lon), float(lat))), expected,
                                 f"known point {lon},{lat}")
            first = c.list_layers().dataset_version
            self.assertIn(MOVED_ZONE, hits(c.check_point(*MOVED_POINT)))

            # Move the zone 0.05° east in SQL; the reload must see it.
            self.pg.psql(f"UPDATE water_source SET geom = ST_Translate(geom, {SHIFT_DEG}, 0) "
                         f"WHERE zone_code = '{MOVED_ZONE[1]}'")
            attempt = e2e.admin_reload(srv.target).attempt
            self.assertTrue(attempt.ok, f"{attempt.error}\n{srv.log()}")
            self.assertEqual(attempt.previous_version, first)
            self.assertNotEqual(attempt.dataset_version, first)
            self.assertNotEqual(content_hash(attempt.dataset_version), content_hash(first),
                                "the data changed, so must the content hash")
            second = attempt.dataset_version
            listed = c.list_layers()
            self.assertEqual(listed.dataset_version, second)
            self.assertTrue(listed.last_reload.ok)
            self.assertEqual(listed.last_reload.dataset_version, second)
            self.assertEqual({l.name: l.zone_count for l in listed.layers},
                             {n: l.zone_count for n, l in from_files.items()},
                             "the zone was moved, not removed")
            moved = c.check_point(*MOVED_POINT)
            self.assertEqual(moved.dataset_version, second)
            self.assertNotIn(MOVED_ZONE, hits(moved))
            self.assertIn(MOVED_ZONE, hits(c.check_point(MOVED_POINT[0] + SHIFT_DEG,
                                                         MOVED_POINT[1])))

            # Make a source unreadable: the reload fails and changes nothing.
            self.pg.psql("DROP TABLE red_lines")
            attempt = e2e.admin_reload(srv.target).attempt
            self.assertFalse(attempt.ok, srv.log())
            self.assertIn("layer 'red_lines'", attempt.error)
            self.assertNotIn(PASSWORD, attempt.error)
            self.assertEqual(attempt.dataset_version, second, "the old data keeps serving")
            self.assertEqual(attempt.previous_version, second)
            self.assertEqual(c.health(), "SERVING")
            self.assertEqual(c.health("redline.v1.Redline"), "SERVING")
            still = c.check_point(*RED_LINE_POINT)
            self.assertEqual(still.dataset_version, second)
            self.assertIn(RED_LINE_HIT, hits(still))
            self.assertNotIn(MOVED_ZONE, hits(c.check_point(*MOVED_POINT)))
            listed = c.list_layers()
            self.assertEqual(listed.dataset_version, second)
            self.assertFalse(listed.last_reload.ok)
            self.assertEqual(listed.last_reload.error, attempt.error)
            self.assertEqual(listed.last_reload.dataset_version, second)
            self.assertGreater(listed.last_reload.at.ToMicroseconds(),
                               0, "the failed attempt carries its time")
            self.assert_no_password(srv, listed)

    def assert_same_layers(self, listed, from_files):
        self.assertEqual([l.name for l in listed.layers], list(from_files))
        for layer in listed.layers:
            f = from_files[layer.name]
            with self.subTest(layer=layer.name):
                self.assertEqual(layer.driver, "PostgreSQL")
                self.assertEqual(layer.source_crs, f.source_crs)
                self.assertEqual(layer.zone_count, f.zone_count)
                self.assertEqual(layer.report.features_read, f.report.features_read)
                self.assertEqual(layer.vertex_count, f.vertex_count)
                for side in ("min_x", "min_y", "max_x", "max_y"):
                    self.assertAlmostEqual(getattr(layer.extent, side), getattr(f.extent, side),
                                           delta=1e-3)

    def assert_no_password(self, srv, listed):
        for layer in listed.layers:
            self.assertTrue(layer.source.startswith("PG:"), layer.source)
            self.assertNotIn(PASSWORD, layer.source)
            self.assertNotRegex(layer.source, r"password\s*=\s*(?!\*\*\*)")
        self.assertNotIn(PASSWORD, srv.log(), "the password must not reach the log")


if __name__ == "__main__":
    unittest.main(verbosity=2)
