#!/usr/bin/python3
"""End-to-end: the audit trail (redlined --audit), issue 21 item 4.

Every answered check names a record: gRPC CheckPoint and CheckGeometry, the
HTTP checks and the printable record, each Overlay stream (one record with
its counts). Records are fetched by id over gRPC (RedlineAdmin.GetRecord)
and HTTP (GET /v1/records/{id}), listed by time range and caller, survive a
restart, and can be kept in PostgreSQL (the private cluster of
scripts/pg_cluster.py). A stored request checked again against its dataset
version gives the same answer. When the audit file's folder cannot be
written, checks are refused UNAVAILABLE (fail closed) until it can, or
answered anyway with --audit-fail-open.

The fail-closed case runs redlined as `nobody` when the tests run as root
(root writes into read-only folders).

Needs Debian's /usr/bin/python3 (python3-grpcio).
"""

import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

import grpc  # noqa: E402
from google.protobuf import timestamp_pb2  # noqa: E402
from redline.v1 import redline_pb2 as pb, redline_pb2_grpc as pb_grpc  # noqa: E402

# A known point of the sample data inside a water source protection zone.
LON, LAT = 121.069788, 29.970780
READ_ONLY = stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
SITE_WKT = ("POLYGON((121.0690 29.9700,121.0710 29.9700,121.0710 29.9720,"
            "121.0690 29.9720,121.0690 29.9700))")


def post_json(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with e2e._loopback_opener().open(req, timeout=30) as r:
        return r.read().decode("utf-8")


def get_json(url):
    with e2e._loopback_opener().open(url, timeout=30) as r:
        return json.loads(r.read().decode("utf-8"))


def outfall_options():
    return pb.CheckOptions(siting=pb.Siting(purpose=pb.Siting.OUTFALL,
                                            outfall_type=pb.Siting.RIVER))


class Stubs:
    def __init__(self, target):
        self.channel = grpc.insecure_channel(target)
        self.redline = pb_grpc.RedlineStub(self.channel)
        self.admin = pb_grpc.RedlineAdminStub(self.channel)

    def close(self):
        self.channel.close()


class AuditTest(unittest.TestCase):
    def setUp(self):
        self.tmp = e2e.tempdir()
        self.addCleanup(self.tmp.cleanup)
        self.audit_file = os.path.join(self.tmp.name, "audit.db")

    def server(self, *args, audit=None):
        srv = e2e.Server(extra_args=["--audit", audit or self.audit_file, *args])
        srv.start()
        self.addCleanup(srv.stop)
        stubs = Stubs(srv.target)
        self.addCleanup(stubs.close)
        return srv, stubs

    # --- record ids in every answer, and the records behind them ---
    def test_grpc_and_http_answers_name_records_that_can_be_fetched(self):
        srv, s = self.server()
        point = s.redline.CheckPoint(pb.CheckPointRequest(x=LON, y=LAT, options=outfall_options()),
                                     timeout=30)
        self.assertRegex(point.record_id, r"^R[0-9A-HJKMNP-TV-Z]{26}$")
        site = s.redline.CheckGeometry(
            pb.CheckGeometryRequest(geometry=pb.Geometry(wkt=SITE_WKT), options=outfall_options()),
            timeout=30)
        self.assertRegex(site.record_id, r"^R")
        self.assertNotEqual(site.record_id, point.record_id)

        record = s.admin.GetRecord(pb.GetRecordRequest(record_id=point.record_id), timeout=30)
        self.assertEqual(record.method, "CheckPoint")
        self.assertEqual(record.dataset_version, point.dataset_version)
        self.assertEqual(record.verdict, point.verdict)
        self.assertEqual(list(record.zone_ids), [f"{h.layer}/{h.zone_id}" for h in point.hits])
        self.assertIn(point.hits[0].rules[0].rule_id, record.rule_ids)
        self.assertEqual(record.options.siting.purpose, pb.Siting.OUTFALL)
        self.assertEqual(record.geometry_encoding, "point")
        self.assertEqual(struct.unpack("<d", record.geometry[5:13])[0], LON)
        self.assertTrue(record.caller_address.startswith("ipv4:127.0.0.1:"), record.caller_address)
        site_record = s.admin.GetRecord(pb.GetRecordRequest(record_id=site.record_id), timeout=30)
        self.assertEqual(site_record.geometry_encoding, "wkt")
        self.assertEqual(site_record.geometry.decode(), SITE_WKT)

        # HTTP: the check names its record; GET /v1/records/{id} reads it.
        http = srv.http_url
        answer = json.loads(post_json(f"{http}/v1/check-point",
                                      {"x": LON, "y": LAT,
                                       "options": {"siting": {"purpose": "OUTFALL"}}}))
        self.assertRegex(answer["recordId"], r"^R")
        fetched = get_json(f"{http}/v1/records/{answer['recordId']}")
        self.assertEqual(fetched["method"], "POST /v1/check-point")
        self.assertEqual(fetched["verdict"], answer["verdict"])
        self.assertEqual(get_json(f"{http}/v1/records/{point.record_id}")["method"], "CheckPoint")
        with self.assertRaises(urllib.error.HTTPError) as missing:
            get_json(f"{http}/v1/records/R00000000000000000000000000")
        self.assertEqual(missing.exception.code, 404)
        missing.exception.close()
        with self.assertRaises(grpc.RpcError) as err:
            s.admin.GetRecord(pb.GetRecordRequest(record_id="R00000000000000000000000000"),
                              timeout=30)
        self.assertEqual(err.exception.code(), grpc.StatusCode.NOT_FOUND)

        # The printable record carries its id, and is a record itself.
        html = post_json(f"{http}/v1/record", {"geometry": {"wkt": SITE_WKT},
                                               "options": {"siting": {"purpose": "OUTFALL"}}})
        listed = s.admin.ListRecords(pb.ListRecordsRequest(), timeout=30).records
        printed = [r for r in listed if r.method == "POST /v1/record"]
        self.assertEqual(len(printed), 1)
        self.assertIn(printed[0].record_id, html)

    def test_the_cli_prints_the_record_id_and_its_report_carries_it(self):
        srv, s = self.server()
        p = e2e.run_cli(srv.target, "check-point", "--lon", LON, "--lat", LAT, "--purpose", "outfall")
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"^record +(R[0-9A-Z]{26})$", p.stdout, re.M)
        self.assertIsNotNone(m, p.stdout)
        self.assertEqual(s.admin.GetRecord(pb.GetRecordRequest(record_id=m.group(1)),
                                           timeout=30).method, "CheckPoint")
        report = os.path.join(self.tmp.name, "record.html")
        p = e2e.run_cli(srv.target, "check-point", "--lon", LON, "--lat", LAT, "--purpose", "outfall",
                        "--report", report, json_out=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        rid = json.loads(p.stdout)["recordId"]  # protobuf JSON names, as the HTTP API
        with open(report, encoding="utf-8") as f:
            self.assertIn(f'<code id="record-id">{rid}</code>', f.read())

    def test_an_overlay_stream_is_one_record_with_its_counts(self):
        srv, s = self.server()
        points = pb.PointColumns(x=[LON, 120.0, 121.0, 200.0], y=[LAT, 30.0, 29.0, 95.0])
        requests = [pb.OverlayRequest(options=outfall_options(), points=points),
                    pb.OverlayRequest(id="one", geometry=pb.Geometry(wkt=SITE_WKT),
                                      options=outfall_options())]
        results = list(s.redline.Overlay(iter(requests), timeout=60))
        self.assertEqual(len(results), 2)
        self.assertRegex(results[0].record_id, r"^R")
        self.assertEqual(results[1].record_id, "")  # on the first result only
        record = s.admin.GetRecord(pb.GetRecordRequest(record_id=results[0].record_id), timeout=30)
        self.assertEqual(record.method, "Overlay")
        self.assertEqual(record.dataset_version, results[0].dataset_version)
        counts = record.overlay
        self.assertEqual(counts.features, 5)
        self.assertEqual(counts.errors, len(results[0].batch.points.error_index))
        self.assertGreaterEqual(counts.errors, 1)  # 200°E is nowhere
        with_hits = sum(1 for n in results[0].batch.points.hit_count if n > 0) + 1
        self.assertEqual(counts.with_hits, with_hits)
        self.assertEqual(sum(counts.by_verdict.values()), counts.features - counts.errors)
        self.assertGreaterEqual(counts.by_verdict["PROHIBITED"], 2)

    # --- reads: by time range and caller; records outlive the server ---
    def test_records_survive_a_restart_and_are_listed_by_time_and_caller(self):
        srv, s = self.server()
        before = time.time()
        ids = [s.redline.CheckPoint(pb.CheckPointRequest(x=LON, y=LAT), timeout=30).record_id
               for _ in range(5)]
        after = time.time()
        srv.stop()
        s.close()

        srv2, s2 = self.server()
        for rid in ids:
            self.assertEqual(s2.admin.GetRecord(pb.GetRecordRequest(record_id=rid),
                                                timeout=30).record_id, rid)
        # The checks of the new server come after `after`.
        s2.redline.CheckPoint(pb.CheckPointRequest(x=LON, y=LAT), timeout=30)

        def ts(t):
            stamp = timestamp_pb2.Timestamp()
            stamp.FromNanoseconds(int(t * 1e9))
            return stamp

        seen, token = [], ""
        while True:  # pages of two
            page = s2.admin.ListRecords(pb.ListRecordsRequest(
                page_size=2, page_token=token, **{"from": ts(before - 1)}, to=ts(after)),
                timeout=30)
            seen += [r.record_id for r in page.records]
            token = page.next_page_token
            if not token:
                break
        self.assertEqual(seen, sorted(ids))
        # Without tokens every caller is nameless: the caller filter finds
        # them all under "" and none under a name.
        self.assertEqual(len(s2.admin.ListRecords(pb.ListRecordsRequest(), timeout=30).records), 6)
        self.assertEqual(len(s2.admin.ListRecords(pb.ListRecordsRequest(caller_name="zhang.wei"),
                                                  timeout=30).records), 0)

    # --- the stored request, checked again, gives the same answer ---
    def test_rechecking_a_stored_record_gives_the_same_answer(self):
        srv, s = self.server()
        first = s.redline.CheckGeometry(
            pb.CheckGeometryRequest(geometry=pb.Geometry(wkt=SITE_WKT), options=outfall_options()),
            timeout=30)
        record = s.admin.GetRecord(pb.GetRecordRequest(record_id=first.record_id), timeout=30)
        options = pb.CheckOptions()
        options.CopyFrom(record.options)
        options.as_of = record.as_of  # the version that answered, kept by keep_versions
        again = s.redline.CheckGeometry(
            pb.CheckGeometryRequest(geometry=pb.Geometry(wkt=record.geometry.decode(),
                                                         crs=record.crs), options=options),
            timeout=30)
        self.assertEqual(again.dataset_version, record.dataset_version)
        for r in (first, again):
            r.ClearField("checked_at")
            r.ClearField("record_id")
        self.assertEqual(again, first)

    # --- fail closed ---
    def server_with_audit_folder(self, *args):
        """A server whose audit file is in a folder of its own: (srv, stubs, folder)."""
        folder = os.path.join(self.tmp.name, "audit")
        os.mkdir(folder)
        audit = os.path.join(folder, "audit.db")
        if os.geteuid() == 0:
            # Root writes anywhere: the server runs as nobody instead.
            os.chmod(self.tmp.name, 0o755)
            shutil.chown(folder, "nobody", "nogroup")
            wrapper = os.path.join(self.tmp.name, "redlined-as-nobody")
            with open(wrapper, "w") as f:
                f.write("#!/bin/sh\nexec setpriv --reuid=nobody --regid=nogroup --clear-groups "
                        f"{e2e.REDLINED} \"$@\"\n")
            os.chmod(wrapper, 0o755)
            real = e2e.REDLINED
            e2e.REDLINED = wrapper
            self.addCleanup(setattr, e2e, "REDLINED", real)
        srv, s = self.server(*args, audit=audit)
        self.addCleanup(os.chmod, folder, 0o755)
        return srv, s, folder

    def test_checks_are_refused_while_the_audit_folder_is_read_only(self):
        srv, s, folder = self.server_with_audit_folder()
        request = pb.CheckPointRequest(x=LON, y=LAT)
        self.assertRegex(s.redline.CheckPoint(request, timeout=30).record_id, r"^R")

        os.chmod(folder, READ_ONLY)
        refused = None
        deadline = time.monotonic() + 30
        while refused is None and time.monotonic() < deadline:
            try:
                s.redline.CheckPoint(request, timeout=30)
                time.sleep(0.1)
            except grpc.RpcError as e:
                refused = e
        self.assertIsNotNone(refused, "checks were still answered with the folder read-only")
        self.assertEqual(refused.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertIn("audit", refused.details())
        with self.assertRaises(urllib.error.HTTPError) as http_refused:
            post_json(f"{srv.http_url}/v1/check-point", {"x": LON, "y": LAT})
        self.assertEqual(http_refused.exception.code, 503)
        http_refused.exception.close()
        metrics = srv.metrics()  # parsed: {(name, labels): value}
        self.assertEqual(metrics[("redline_audit_failing", frozenset())], 1)
        self.assertGreaterEqual(metrics[("redline_audit_refused_total", frozenset())], 1)
        with self.assertRaises(grpc.RpcError) as stream_refused:
            list(s.redline.Overlay(iter([pb.OverlayRequest(
                id="a", geometry=pb.Geometry(wkt=SITE_WKT))]), timeout=30))
        self.assertEqual(stream_refused.exception.code(), grpc.StatusCode.UNAVAILABLE)

        # Writable again: checks are answered again, with records.
        os.chmod(folder, 0o755)
        deadline = time.monotonic() + 30
        answer = None
        while answer is None and time.monotonic() < deadline:
            try:
                answer = s.redline.CheckPoint(request, timeout=30)
            except grpc.RpcError:
                time.sleep(0.2)
        self.assertIsNotNone(answer, "checks stayed refused after the folder became writable")
        self.assertEqual(s.admin.GetRecord(pb.GetRecordRequest(record_id=answer.record_id),
                                           timeout=30).record_id, answer.record_id)

    def test_fail_open_answers_and_writes_once_the_folder_is_writable(self):
        srv, s, folder = self.server_with_audit_folder("--audit-fail-open")
        request = pb.CheckPointRequest(x=LON, y=LAT)
        os.chmod(folder, READ_ONLY)
        ids = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:  # several failed batches: never refused
            ids.append(s.redline.CheckPoint(request, timeout=30).record_id)
            time.sleep(0.1)
        self.assertTrue(all(ids))
        os.chmod(folder, 0o755)
        for rid in (ids[0], ids[-1]):
            self.assertEqual(s.admin.GetRecord(pb.GetRecordRequest(record_id=rid),
                                               timeout=30).record_id, rid)

    def test_a_store_that_cannot_be_opened_stops_the_server(self):
        # A database that does not exist: the server does not start, fail
        # open or not (it was told to record).
        srv = e2e.Server(extra_args=["--audit", os.path.join(self.tmp.name, "no", "audit.db"),
                                     "--audit-fail-open"], wait=False)
        srv.start()
        self.assertEqual(srv.wait_exit(), 1)
        self.assertIn("audit", srv.log())
        # A bad flag value is a usage error.
        srv = e2e.Server(extra_args=["--audit", self.audit_file, "--audit-retention-days=-1"],
                         wait=False)
        srv.start()
        self.assertEqual(srv.wait_exit(), 2)

    # --- PostgreSQL ---
    def test_records_in_postgresql(self):
        ok, why = e2e.postgis_available()
        if not ok:
            self.skipTest(why)
        pg_cluster = e2e.pg_cluster_module()
        pg = pg_cluster.PgCluster(dbname="redline", password="audit-pw")
        self.addCleanup(pg.stop)
        pg.start()
        url = f"postgresql://postgres:audit-pw@127.0.0.1:{pg.port}/redline"
        srv, s = self.server(audit=url)
        self.assertNotIn("audit-pw", srv.log())
        answer = s.redline.CheckPoint(pb.CheckPointRequest(x=LON, y=LAT, options=outfall_options()),
                                      timeout=30)
        record = s.admin.GetRecord(pb.GetRecordRequest(record_id=answer.record_id), timeout=30)
        self.assertEqual(record.verdict, answer.verdict)
        self.assertEqual(struct.unpack("<d", record.geometry[13:21])[0], LAT)
        srv.stop()
        # In the database itself, append-only.
        rows = pg.psql(f"SELECT verdict FROM audit_records WHERE id = '{answer.record_id}'")
        self.assertIn(pb.Verdict.Name(answer.verdict), rows)
        with self.assertRaises(Exception):
            pg.psql("UPDATE audit_records SET verdict = 'CLEAR'")
        # And after a restart, from the same database.
        srv2, s2 = self.server(audit=url)
        self.assertEqual(s2.admin.GetRecord(pb.GetRecordRequest(record_id=answer.record_id),
                                            timeout=30).verdict, answer.verdict)


if __name__ == "__main__":
    unittest.main()
