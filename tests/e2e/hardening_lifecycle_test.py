#!/usr/bin/python3
"""End-to-end: redlined's life cycle under pressure (issue 18, findings 6, 11, 12).

- Reload is single-flight: 20 calls abandoned after 0.2 s cost one load, not
  20, and leave nothing queued; calls made together get one outcome.
- An address in use is an error at start-up: a second redlined on the same
  gRPC or HTTP port exits 1 naming it, and the first keeps answering.
- SIGTERM drains: health NOT_SERVING at once, calls still answered during
  --drain_seconds, every call that arrived finishes, and an Overlay stream
  still open near the end of --grace_seconds ends UNAVAILABLE after the
  results it was owed, saying where to resume.

Every wait here is for something the server shows (its log, /metrics,
health, answers), never a sleep a loaded machine could outlast.
Needs Debian's /usr/bin/python3 (python3-grpcio).
"""

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.error

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient, RedlineError  # noqa: E402
from redline.v1 import redline_pb2, redline_pb2_grpc  # noqa: E402

# A site touching a dozen zones: about 0.1 s of server time, so that eight
# callers keep both cores busy and calls queue behind each other.
SITE = "POLYGON((120 29, 120.6 29, 120.6 29.6, 120 29.6, 120 29))"
SERVICES = ("", "redline.v1.Redline", "redline.v1.RedlineAdmin")


def reloads_total(srv):
    samples = srv.metrics()
    return int(e2e.metric(samples, "redline_reloads_total", result="ok") +
               e2e.metric(samples, "redline_reloads_total", result="failed"))


def wait_until(predicate, timeout, what, srv):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if srv.proc.poll() is not None:
            raise AssertionError(f"redlined exited with {srv.proc.returncode} while waiting "
                                 f"for {what}:\n{srv.log()}")
        time.sleep(0.01)
    raise AssertionError(f"no {what} within {timeout} s:\n{srv.log()}")


class ReloadTest(unittest.TestCase):
    """The sample's load takes seconds: long enough for calls to meet it under way."""

    def reload_stub(self, srv):
        channel = grpc.insecure_channel(srv.target)
        self.addCleanup(channel.close)
        return redline_pb2_grpc.RedlineAdminStub(channel)

    def test_abandoned_reloads_cost_one_load(self):
        with e2e.Server() as srv:
            stub = self.reload_stub(srv)
            before = reloads_total(srv)
            codes = [None] * 20
            started = threading.Barrier(20)

            def call(k):
                started.wait()
                try:
                    stub.Reload(redline_pb2.ReloadRequest(), timeout=0.2)
                    codes[k] = grpc.StatusCode.OK
                except grpc.RpcError as e:
                    codes[k] = e.code()

            threads = [threading.Thread(target=call, args=(k,)) for k in range(20)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(codes, [grpc.StatusCode.DEADLINE_EXCEEDED] * 20, srv.log())
            # One more call, patient: it joins the load under way or starts
            # one after it. Queued behind 20 loads (the old way) it would
            # not come back within a minute.
            answer = stub.Reload(redline_pb2.ReloadRequest(), timeout=60)
            self.assertTrue(answer.attempt.ok, answer)
            loads = reloads_total(srv) - before
            self.assertGreaterEqual(loads, 1)
            self.assertLessEqual(loads, 2, srv.log())
            self.assertLessEqual(srv.log().count("INFO reload: now serving"), 2, srv.log())
            # The abandoned calls were counted as ended, none left in flight.
            self.assertEqual(e2e.metric(srv.metrics(), "redline_grpc_server_in_flight",
                                        grpc_method="Reload"), 0)

    def test_concurrent_reloads_share_one_outcome(self):
        with e2e.Server() as srv:
            stub = self.reload_stub(srv)
            before = reloads_total(srv)
            n = 6
            answers = [None] * n
            started = threading.Barrier(n)

            def call(k):
                started.wait()
                answers[k] = stub.Reload(redline_pb2.ReloadRequest(), timeout=120)

            threads = [threading.Thread(target=call, args=(k,)) for k in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(180)
            attempts = [a.attempt for a in answers]
            self.assertTrue(all(a.ok for a in attempts), attempts)
            # One attempt: the same start time and version for every caller.
            self.assertEqual(len({(a.at.seconds, a.at.nanos) for a in attempts}), 1, attempts)
            self.assertEqual(len({a.dataset_version for a in attempts}), 1, attempts)
            self.assertEqual(reloads_total(srv) - before, 1, srv.log())
            # After it ended, a call starts a new attempt.
            later = stub.Reload(redline_pb2.ReloadRequest(), timeout=120).attempt
            self.assertGreater((later.at.seconds, later.at.nanos),
                               (attempts[0].at.seconds, attempts[0].at.nanos))
            self.assertEqual(reloads_total(srv) - before, 2)


class PortInUseTest(unittest.TestCase):
    def start_second(self, listen, http):
        """Starts a second redlined; returns (exit status, output), or fails
        as soon as it logs "serving" (the ports were shared)."""
        proc = subprocess.Popen(
            [e2e.REDLINED, "--config", e2e.SAMPLE_CONFIG, "--listen", listen, "--http", http,
             "--drain_seconds=0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", errors="replace")
        lines = []
        killer = threading.Timer(120, proc.kill)  # neither exits nor serves: fail below
        killer.start()
        try:
            for line in proc.stdout:
                lines.append(line)
                if " serving " in line:
                    self.fail(f"a second redlined on {listen} / {http} is serving:\n"
                              + "".join(lines))
            return proc.wait(60), "".join(lines)
        finally:
            killer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            proc.stdout.close()

    def test_second_server_on_the_grpc_port_exits_1(self):
        with e2e.Server() as first:
            rc, out = self.start_second(first.target, "off")
            self.assertEqual(rc, 1, out)
            self.assertIn(f"cannot listen for gRPC on {first.target}", out)
            with RedlineClient(first.target) as c:  # the first still answers
                self.assertEqual(c.health(), "SERVING")
                self.assertGreater(len(c.list_layers().layers), 0)

    def test_second_server_on_the_http_port_exits_1(self):
        with e2e.Server() as first:
            http = first.http_url.removeprefix("http://")
            rc, out = self.start_second(f"127.0.0.1:{e2e.free_port()}", http)
            self.assertEqual(rc, 1, out)
            self.assertIn(f"cannot listen for HTTP on {http}", out)
            self.assertIn(b"layers", first.wait_http("v1/layers", timeout=10))


class GracefulShutdownTest(unittest.TestCase):
    DRAIN_S = 3
    GRACE_S = 4  # Overlay streams still open are stopped 1 s before its end

    def test_sigterm_drains_then_finishes_every_call(self):
        srv = e2e.Server(extra_args=[f"--drain_seconds={self.DRAIN_S}",
                                     f"--grace_seconds={self.GRACE_S}"]).start()
        try:
            self.run_shutdown(srv)
        finally:
            srv.kill()

    def run_shutdown(self, srv):
        signalled = threading.Event()
        not_serving = threading.Event()
        lock = threading.Lock()
        calls = []  # (caller, started after the signal, code)

        def check(c, k, during):
            try:
                c.check_geometry(wkt=SITE)
                code = grpc.StatusCode.OK
            except RedlineError as e:
                code = e.code
            with lock:
                calls.append((k, during, code))
            return code

        # Eight callers, each with one call outstanding, back to back, until
        # the signal: calls queue in the server (two cores).
        def caller(k):
            with RedlineClient(srv.target, timeout=60) as c:
                c.health()  # connected: only the calls are left to send
                while check(c, k, False) == grpc.StatusCode.OK and not signalled.is_set():
                    pass

        # And eight more calls sent once health says NOT_SERVING, as clients
        # do while their load balancer moves away: the drain answers them.
        def drain_caller(k):
            with RedlineClient(srv.target, timeout=60) as c:
                c.health()
                if not_serving.wait(120):
                    check(c, k, True)

        # Three endless Overlay streams (a new batch as soon as there is
        # room) and one that ends by itself during the drain.
        streams = {}

        def endless(name):
            def points():
                for i in itertools.count():
                    yield (120.0 + (i % 997) * 0.002, 28.5 + (i % 991) * 0.002)
            got = 0  # results, one per point
            try:
                with RedlineClient(srv.target) as c:
                    for _ in c.overlay_points(points(), batch_size=2000):
                        got += 1
                        streams[name] = (got, None)
            except RedlineError as e:
                streams[name] = (got, e)

        def finite(name):
            def points():
                for i in range(6000):
                    if i == 3000:
                        not_serving.wait(60)
                    yield (120.0 + i * 0.0003, 29.0)
            got = 0
            try:
                with RedlineClient(srv.target) as c:
                    for _ in c.overlay_points(points(), batch_size=1000):
                        got += 1
                        streams[name] = (got, None)
                streams[name] = (got, "finished")
            except RedlineError as e:
                streams[name] = (got, e)

        threads = [threading.Thread(target=caller, args=(k,)) for k in range(8)]
        threads += [threading.Thread(target=drain_caller, args=(k,)) for k in range(8)]
        threads += [threading.Thread(target=endless, args=(f"endless{k}",)) for k in range(3)]
        threads.append(threading.Thread(target=finite, args=("finite",)))
        for t in threads:
            t.start()
        # Under way: every stream has answers, the callers have calls in the server.
        wait_until(lambda: len(streams) == 4, 60, "answers on every Overlay stream", srv)
        wait_until(lambda: e2e.metric(srv.metrics(), "redline_grpc_server_in_flight",
                                      grpc_method="CheckGeometry") >= 2,
                   60, "CheckGeometry calls in flight", srv)
        with lock:
            self.assertEqual([c for c in calls if c[2] != grpc.StatusCode.OK], [], srv.log())

        signalled.set()
        srv.send(signal.SIGTERM)
        # Health turns NOT_SERVING at once, for the server and each service,
        # while calls are still answered (the drain).
        with RedlineClient(srv.target, timeout=10) as c:
            def all_not_serving():
                try:
                    return all(c.health(s) == "NOT_SERVING" for s in SERVICES)
                except RedlineError:  # the server went away: fails below
                    return False

            wait_until(all_not_serving, 30, "health NOT_SERVING", srv)
            # ... and that came at once: the drain has not ended yet.
            self.assertNotIn("taking no new calls", srv.log())
            not_serving.set()
            self.assertIn(b"layers", srv.wait_http("v1/layers", timeout=5))  # HTTP too
            self.assertEqual(len(c.list_layers().layers), 5)  # with the counties
        srv.wait_for("taking no new calls", 30)
        rc = srv.wait_exit(self.DRAIN_S + self.GRACE_S + 30)
        for t in threads:
            t.join(60)
        log = srv.log()
        self.assertEqual(rc, 0, log)

        # Every unary call was answered: those in flight at the signal and
        # those sent during the drain (none CANCELLED, as queued calls were).
        self.assertEqual([c for c in calls if c[2] != grpc.StatusCode.OK], [], log)
        self.assertEqual(len([c for c in calls if c[1]]), 8,
                         f"not every drain caller made its call: {calls}")

        # The finite stream finished; the endless ones ended after every
        # result they were owed, saying how many and where to resume.
        self.assertEqual(streams["finite"], (6000, "finished"), log)
        for name in ("endless0", "endless1", "endless2"):
            got, error = streams[name]
            self.assertIsInstance(error, RedlineError, f"{name}: {streams[name]}\n{log}")
            self.assertEqual(error.code, grpc.StatusCode.UNAVAILABLE, error)
            m = re.search(r"the server is shutting down: (\d+) results sent.*"
                          r"resume from input index (\d+)", str(error))
            self.assertIsNotNone(m, str(error))
            self.assertEqual(int(m.group(1)), got, f"{name}: {error}")
            self.assertEqual(int(m.group(2)), got, f"{name}: {error}")

        # Each phase is in the log, in order.
        phases = [f"health NOT_SERVING; still answering for {self.DRAIN_S} s",
                  "taking no new calls",
                  "3 Overlay stream(s) stop", "every call finished", "INFO stopped"]
        at = [log.find(p) for p in phases]
        self.assertTrue(all(a >= 0 for a in at) and at == sorted(at), f"{phases}:\n{log}")

    def test_new_calls_after_the_drain_are_refused_not_cancelled(self):
        srv = e2e.Server(extra_args=["--drain_seconds=0", "--grace_seconds=4"]).start()
        try:
            # An endless stream keeps the server in its grace period.
            opened = threading.Event()

            def endless():
                def points():
                    for i in itertools.count():
                        yield (120.0 + (i % 997) * 0.002, 28.5)
                try:
                    with RedlineClient(srv.target) as c:
                        for _ in c.overlay_points(points(), batch_size=500):
                            opened.set()
                except RedlineError:
                    pass

            stream = threading.Thread(target=endless)
            stream.start()
            self.assertTrue(opened.wait(60), srv.log())
            with RedlineClient(srv.target, timeout=10) as c:
                c.health()  # a connection made before the signal
                srv.send(signal.SIGTERM)
                srv.wait_for("taking no new calls", 30)
                # Calls made just as the log line is written may still be
                # taken; then they are refused, UNAVAILABLE (never CANCELLED:
                # a client may retry those elsewhere).
                deadline = time.monotonic() + 10
                with self.assertRaises(RedlineError) as cm:
                    while time.monotonic() < deadline:
                        c.check_point(121.0, 30.0)
                self.assertEqual(cm.exception.code, grpc.StatusCode.UNAVAILABLE)
            rc = srv.wait_exit(60)
            stream.join(60)
            self.assertEqual(rc, 0, srv.log())
        finally:
            srv.kill()

    def test_stopped_while_loading_it_never_serves_and_skips_the_drain(self):
        srv = e2e.Server(wait=False, extra_args=["--drain_seconds=600"]).start()
        try:
            srv.wait_for(" loading ")  # signals are handled from here on
            srv.send(signal.SIGTERM)
            rc = srv.wait_exit(120)  # well before the 600 s drain
            self.assertEqual(rc, 0, srv.log())
            self.assertNotIn(" serving ", srv.log())
            self.assertIn("no drain", srv.log())
        finally:
            srv.kill()

    def test_second_signal_ends_the_drain(self):
        srv = e2e.Server(extra_args=["--drain_seconds=600"]).start()
        try:
            srv.send(signal.SIGTERM)
            srv.wait_for("still answering for 600 s", 30)
            with RedlineClient(srv.target) as c:  # still answering
                self.assertEqual(c.health(), "NOT_SERVING")
                c.check_point(121.0, 30.0)
            srv.send(signal.SIGINT)
            rc = srv.wait_exit(60)  # well before the 600 s drain
            self.assertEqual(rc, 0, srv.log())
            self.assertIn("drain ended early", srv.log())
        finally:
            srv.kill()


if __name__ == "__main__":
    unittest.main(verbosity=2)
