#!/usr/bin/python3
"""End-to-end: redlined's life cycle, as an operator and a supervisor see it.

- a bad config exits 2 naming the file and line; unloadable data exits 1
  naming the file;
- once "serving" is logged, grpc.health.v1 says SERVING;
- SIGTERM / SIGINT with calls in flight: the calls complete, "stopped" is
  logged, the exit status is 0;
- gRPC server reflection lists redline.v1.Redline and describes its methods.

Debian ships neither grpc_health nor grpc_reflection for Python, so the
reflection messages are declared here at run time and called through a raw
stream (the health check is in clients/python/redline_client.py).
"""

import os
import signal
import subprocess
import sys
import threading
import time
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient, RedlineError  # noqa: E402
from redline.v1 import redline_pb2 as pb  # noqa: E402

# The whole sample extent: touches every zone of every layer, and takes the
# server a few hundred milliseconds: long enough to be in flight when the
# signal comes.
PROVINCE = "POLYGON((118 27, 123.6 27, 123.6 31.3, 118 31.3, 118 27))"
PROVINCE_OPTIONS = {"include_intersection": True}  # every zone's part as well: slower


def run_redlined(config, timeout=120):
    return subprocess.run(
        [e2e.REDLINED, "--config", config, "--listen", f"127.0.0.1:{e2e.free_port()}",
         "--http", "off"],
        capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=timeout)



class _ResetRace(Exception):
    """A finished call reached its client as a TCP reset (see province_calls_in_flight)."""

class BadStartTest(unittest.TestCase):
    def setUp(self):
        self.tmp = e2e.tempdir()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def assert_exit(self, config, code, *needles):
        p = run_redlined(config)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, code, out)
        for needle in needles:
            self.assertIn(needle, out)
        self.assertNotIn(" serving ", out)
        return out

    def test_yaml_syntax_error_names_file_and_line(self):
        path = self.write("broken.yaml", (
            "working_crs: EPSG:4549\n"          # 1
            "layers:\n"                         # 2
            "  - name: x\n"                     # 3
            "    kind: other\n"                 # 4
            "   source: zones.shp\n"))          # 5: bad indentation
        self.assert_exit(path, 2, "broken.yaml:5")

    def test_unknown_key_names_file_and_line(self):
        path = self.write("typo.yaml", "working_crs: EPSG:4549\nlayerz: []\n")
        out = self.assert_exit(path, 2, "typo.yaml:2", "layerz")
        self.assertIn("layers", out)  # says what would be right

    def test_bad_value_names_line(self):
        config = e2e.write_config(self.tmp.name, boundary_tolerance_m=99)
        with open(config, encoding="utf-8") as f:
            line = 1 + next(i for i, l in enumerate(f) if l.startswith("boundary_tolerance_m"))
        self.assert_exit(config, 2, f"redline.yaml:{line}", "boundary_tolerance_m")

    def test_missing_config_file(self):
        missing = os.path.join(self.tmp.name, "nope.yaml")
        self.assert_exit(missing, 2, missing)

    def test_no_config_flag(self):
        p = subprocess.run([e2e.REDLINED], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--config", p.stderr)

    def test_missing_data_file_exits_1(self):
        config = e2e.write_config(self.tmp.name)
        missing = os.path.join(self.tmp.name, "gone", "red_lines.geojson")
        with open(config, encoding="utf-8") as f:
            text = f.read()
        source = os.path.join(e2e.SAMPLE_DIR, "red_lines.geojson")
        self.assertIn(source, text)
        with open(config, "w", encoding="utf-8") as f:
            f.write(text.replace(source, missing))
        self.assert_exit(config, 1, missing, "red_lines")


class RunningServerTest(unittest.TestCase):
    # In-flight calls get up to GRACE_S to finish (--grace_seconds); generous, so
    # that a loaded test machine does not turn slow calls into cancelled ones.
    GRACE_S = 60

    def start_server(self):
        return e2e.Server(extra_args=[f"--grace_seconds={self.GRACE_S}"]).start()

    def province_calls_in_flight(self, srv, sig, n=2):
        """Starts `n` slow calls, sends `sig` while the server runs them; checks they all complete.

        The signal goes once the server's /metrics shows all `n` calls in its
        handlers: a sleep instead would, on a loaded machine, sometimes signal
        before a request had arrived, and a call the server never received is
        rightly refused. n = 2: the server runs about as many calls at once as
        it has gRPC callback threads (2 on a 2-CPU machine).
        """
        results, done_at = [None] * n, [None] * n
        started = threading.Barrier(n + 1)

        def call(k):
            with RedlineClient(srv.target, timeout=120) as c:
                c.health()  # connect first: only the slow call is left to send
                started.wait()
                try:
                    results[k] = len(c.check_geometry(wkt=PROVINCE, **PROVINCE_OPTIONS).hits)
                except RedlineError as e:
                    results[k] = e
                done_at[k] = time.monotonic()

        with RedlineClient(srv.target, timeout=60) as c:
            # Zones the check looks at: context layers (counties) never take part.
            expected = sum(l.zone_count for l in c.list_layers().layers
                           if l.kind != pb.CONTEXT_LAYER)
        threads = [threading.Thread(target=call, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        started.wait()
        seen = self.wait_in_flight(srv, n, threads)
        signalled_at = time.monotonic()
        srv.send(sig)
        rc = srv.wait_exit(self.GRACE_S + 30)
        for t in threads:
            t.join(120)
        self.assertEqual(seen, n, f"never saw {n} calls in flight (at most {seen}); "
                                  f"results {results}:\n{srv.log()}")
        if any(isinstance(r, RedlineError) and "reset by peer" in str(r) for r in results):
            # A known, open bug (closing note of 2026-12-07): now and then a call that
            # finished in the grace period reaches its client as a TCP reset, as if the
            # connection were closed with the client's bytes unread. Counted, and the
            # scenario run once more on a fresh server; a second reset fails the test.
            raise _ResetRace(f"{results}\n{srv.log()}")
        self.assertEqual(results, [expected] * n, srv.log())
        self.assertTrue(any(t > signalled_at for t in done_at),
                        "every call finished before the signal; the test proves nothing")
        self.assertEqual(rc, 0, srv.log())
        self.assertRegex(srv.log(), r"INFO stopped\s*$")

    @staticmethod
    def wait_in_flight(srv, n, callers, timeout=60):
        """Polls /metrics until `n` CheckGeometry calls are in flight, or the
        `callers` (threads) are done; returns the most seen at once."""
        most = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(t.is_alive() for t in callers):
            in_flight = e2e.metric(srv.metrics(), "redline_grpc_server_in_flight",
                                   grpc_method="CheckGeometry")
            most = max(most, int(in_flight))
            if most >= n:
                break
            time.sleep(0.005)
        return most

    def test_health_then_sigterm_with_calls_in_flight(self):
        for attempt in range(2):
            srv = self.start_server()
            try:
                with RedlineClient(srv.target) as c:
                    self.assertEqual(c.health(), "SERVING")
                    self.assertEqual(c.health("redline.v1.Redline"), "SERVING")
                self.province_calls_in_flight(srv, signal.SIGTERM)
                break
            except _ResetRace as e:
                if attempt == 1:
                    self.fail(f"a finished call reset twice: {e}")
                print(f"reset race (known bug), running again: {e}".splitlines()[0])
            finally:
                srv.kill()
        # The port is closed now: a new call fails fast.
        with RedlineClient(srv.target, timeout=5) as c:
            with self.assertRaises(RedlineError) as cm:
                c.check_point(121.0, 30.0)
            self.assertEqual(cm.exception.code, grpc.StatusCode.UNAVAILABLE)

    def test_sigint_with_calls_in_flight(self):
        for attempt in range(2):
            srv = self.start_server()
            try:
                self.province_calls_in_flight(srv, signal.SIGINT)
                return
            except _ResetRace as e:
                if attempt == 1:
                    self.fail(f"a finished call reset twice: {e}")
                print(f"reset race (known bug), running again: {e}".splitlines()[0])
            finally:
                srv.kill()

    def test_sigterm_while_loading(self):
        srv = e2e.Server(wait=False).start()
        try:
            # Once it logs "loading", it has set up its signal handling; loading
            # the sample takes seconds more.
            srv.wait_for(" loading ")
            self.assertIsNone(srv.proc.poll(), srv.log())
            srv.send(signal.SIGTERM)
            rc = srv.wait_exit(60)
        finally:
            srv.kill()
        self.assertEqual(rc, 0, srv.log())
        self.assertIn("stopped", srv.log())

    def test_idle_sigterm(self):
        with e2e.Server() as srv:  # __exit__ sends SIGTERM and asserts exit 0
            pass
        self.assertEqual(srv.returncode, 0)
        self.assertIn("stopped", srv.log())


# --- gRPC server reflection (grpc.reflection.v1alpha), declared at run time ---
def reflection_messages():
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    F = descriptor_pb2.FieldDescriptorProto
    f = descriptor_pb2.FileDescriptorProto(
        name="e2e/grpc/reflection/v1alpha/reflection.proto",
        package="grpc.reflection.v1alpha", syntax="proto3")

    def message(name, fields, oneof=None):
        m = f.message_type.add(name=name)
        if oneof:
            m.oneof_decl.add(name=oneof)
        for fname, number, ftype, label, type_name, in_oneof in fields:
            field = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = ".grpc.reflection.v1alpha." + type_name
            if in_oneof:
                field.oneof_index = 0
        return m

    OPT, REP = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("ServerReflectionRequest", [
        ("host", 1, F.TYPE_STRING, OPT, None, False),
        ("file_by_filename", 3, F.TYPE_STRING, OPT, None, True),
        ("file_containing_symbol", 4, F.TYPE_STRING, OPT, None, True),
        ("list_services", 7, F.TYPE_STRING, OPT, None, True),
    ], oneof="message_request")
    message("FileDescriptorResponse", [("file_descriptor_proto", 1, F.TYPE_BYTES, REP, None, False)])
    message("ServiceResponse", [("name", 1, F.TYPE_STRING, OPT, None, False)])
    message("ListServiceResponse", [("service", 1, F.TYPE_MESSAGE, REP, "ServiceResponse", False)])
    message("ErrorResponse", [("error_code", 1, F.TYPE_INT32, OPT, None, False),
                              ("error_message", 2, F.TYPE_STRING, OPT, None, False)])
    message("ServerReflectionResponse", [
        ("valid_host", 1, F.TYPE_STRING, OPT, None, False),
        ("file_descriptor_response", 4, F.TYPE_MESSAGE, OPT, "FileDescriptorResponse", True),
        ("list_services_response", 6, F.TYPE_MESSAGE, OPT, "ListServiceResponse", True),
        ("error_response", 7, F.TYPE_MESSAGE, OPT, "ErrorResponse", True),
    ], oneof="message_response")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    factory = message_factory.MessageFactory(pool)
    get = lambda n: factory.GetPrototype(pool.FindMessageTypeByName("grpc.reflection.v1alpha." + n))
    return get("ServerReflectionRequest"), get("ServerReflectionResponse")


class ReflectionTest(unittest.TestCase):
    def test_reflection_lists_and_describes_the_service(self):
        from google.protobuf import descriptor_pb2
        Request, Response = reflection_messages()
        with e2e.Server() as srv:
            channel = grpc.insecure_channel(srv.target)
            try:
                info = channel.stream_stream(
                    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                    request_serializer=Request.SerializeToString,
                    response_deserializer=Response.FromString)
                requests = [Request(list_services=""),
                            Request(file_containing_symbol="redline.v1.Redline")]
                responses = list(info(iter(requests), timeout=30))
            finally:
                channel.close()
        self.assertEqual(len(responses), 2)
        listed = responses[0]
        self.assertEqual(listed.WhichOneof("message_response"), "list_services_response", listed)
        names = {s.name for s in listed.list_services_response.service}
        self.assertIn("redline.v1.Redline", names)
        self.assertIn("grpc.health.v1.Health", names)
        self.assertIn("redline.v1.RedlineAdmin", names)

        described = responses[1]
        self.assertEqual(described.WhichOneof("message_response"), "file_descriptor_response",
                         described)
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in described.file_descriptor_response.file_descriptor_proto]
        services = {f"{fd.package}.{s.name}": s for fd in files for s in fd.service}
        self.assertIn("redline.v1.Redline", services)
        methods = {m.name for m in services["redline.v1.Redline"].method}
        self.assertEqual(methods, {"CheckPoint", "CheckGeometry", "ListLayers", "GetZones", "Overlay",
                                   "CompareVersions"})
        admin = {m.name for m in services["redline.v1.RedlineAdmin"].method}
        self.assertEqual(admin, {"Reload", "GetRecord", "ListRecords"})
        overlay = next(m for m in services["redline.v1.Redline"].method if m.name == "Overlay")
        self.assertTrue(overlay.client_streaming and overlay.server_streaming)


if __name__ == "__main__":
    unittest.main(verbosity=2)
