#!/usr/bin/python3
"""Replicas on loopback (issue 22): three redlined behind Debian's haproxy,
run from deploy/haproxy/redline.cfg itself, and the clients' own balancing
(`RedlineClient("a,b,c")`, the CLI's `--server a,b,c`), under steady
CheckPoint traffic from client threads on both paths while

  (a) one replica is SIGKILLed and restarted,
  (b) one is drained with SIGTERM (health NOT_SERVING at once) and restarted,
  (c) `redline rollout` reloads all three, one at a time, onto the adjusted
      sample (data/sample_adjusted).

Every call is recorded (path, start, end, outcome, dataset_version). Failed
calls must be 0, except calls under way on the killed process at the
moment it died (counted and printed apart). Every answer comes from the
old or the new content; once `redline rollout` reported a replica switched,
no call started afterwards gets that replica's old version. Replicas are
told apart by their versions (TIMESTAMP-HASH: each was loaded at its own
second, which the test checks).
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

import grpc  # noqa: E402
import yaml  # noqa: E402
from redline.v1 import redline_pb2, redline_pb2_grpc  # noqa: E402
from redline_client import RedlineClient, RedlineError  # noqa: E402

HAPROXY_CFG = os.path.join(e2e.SOURCE, "deploy", "haproxy", "redline.cfg")
ADJUSTED_DIR = os.path.join(e2e.SOURCE, "data", "sample_adjusted")
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
POINT = (121.069788, 29.970780)  # a known point: inside zones of both versions
THREADS_PER_PATH = 2
DRAIN_S = 3


def content_hash(version):
    return version.rsplit("-", 1)[-1]


def absolute_config(folder, source_dir, out):
    """The config of `source_dir` with absolute paths, written to `out`."""
    with open(os.path.join(source_dir, "redline.yaml"), encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    cfg["rules"] = [os.path.normpath(os.path.join(source_dir, r)) for r in cfg.get("rules", [])]
    for layer in cfg["layers"]:
        layer["source"] = os.path.normpath(os.path.join(source_dir, layer["source"]))
    tmp = os.path.join(folder, "next.yaml")
    with open(tmp, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)
    os.replace(tmp, out)


def health(target, timeout=5):
    """grpc.health.v1 Check for redline.v1.Redline, without health.proto:
    the request is field 1 (a string), the answer field 1 (the status)."""
    with grpc.insecure_channel(target) as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                    request_serializer=lambda b: b,
                                    response_deserializer=lambda b: b)
        answer = check(b"\n\x12redline.v1.Redline", timeout=timeout)
    return {b"": 0, b"\x08\x01": 1, b"\x08\x02": 2}.get(answer, answer)


def healthz(http_port):
    try:
        with e2e._loopback_opener().open(f"http://127.0.0.1:{http_port}/healthz",
                                         timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Replica:
    """One redlined on fixed ports, so that it comes back where it was."""

    def __init__(self, config):
        self.config = config
        self.port = e2e.free_port()
        self.http_port = e2e.free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.server = None

    def start(self, wait=True):
        self.server = e2e.Server(self.config, wait=False, extra_args=[
            "--http", f"127.0.0.1:{self.http_port}", f"--drain_seconds={DRAIN_S}"])
        self.server.port, self.server.target = self.port, self.target
        self.server.start()
        if wait:
            self.server.wait_serving()
        return self

    def version(self):
        with grpc.insecure_channel(self.target) as channel:
            stub = redline_pb2_grpc.RedlineStub(channel)
            return stub.ListLayers(redline_pb2.ListLayersRequest(), timeout=10).dataset_version

    def checkpoints(self):
        samples = self.server.metrics()
        try:
            return e2e.metric(samples, "grpc_server_started_total", grpc_method="CheckPoint")
        except KeyError:  # none yet
            return 0


class Traffic:
    """Client threads calling CheckPoint until stopped; every call recorded."""

    def __init__(self, lb_target, replica_list):
        self.calls = []  # (path, start, end, code or None, version or None)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._lb = grpc.insecure_channel(lb_target)
        self._lb_stub = redline_pb2_grpc.RedlineStub(self._lb)
        self._client = RedlineClient(replica_list, timeout=10)
        self._threads = [threading.Thread(target=self._run, args=(path,), daemon=True)
                         for path in ("haproxy", "client") for _ in range(THREADS_PER_PATH)]

    def _one(self, path):
        if path == "haproxy":
            request = redline_pb2.CheckPointRequest(x=POINT[0], y=POINT[1])
            try:
                return None, self._lb_stub.CheckPoint(request, timeout=10).dataset_version
            except grpc.RpcError as e:
                return e.code().name, e.details()
        try:
            return None, self._client.check_point(*POINT).dataset_version
        except RedlineError as e:
            return e.code.name, e.message

    def _run(self, path):
        while not self._stop.is_set():
            start = time.monotonic()
            code, value = self._one(path)
            with self._lock:
                self.calls.append((path, start, time.monotonic(), code,
                                   value if code is None else f"{code}: {value}"))
            time.sleep(0.01)

    def start(self):
        for t in self._threads:
            t.start()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(30)
        self._client.close()
        self._lb.close()

    def snapshot(self):
        with self._lock:
            return list(self.calls)


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.access(HAPROXY, os.X_OK),
                        "haproxy is not installed (Debian's package: scripts/deps.sh)")
        self.tmp = e2e.tempdir()
        self.config = os.path.join(self.tmp.name, "redline.yaml")
        absolute_config(self.tmp.name, e2e.SAMPLE_DIR, self.config)
        self.replicas = [Replica(self.config) for _ in range(3)]
        self.haproxy = None
        self.haproxy_log = None

    def tearDown(self):
        if self.haproxy is not None and self.haproxy.poll() is None:
            self.haproxy.terminate()
            self.haproxy.wait(10)
        if self.haproxy_log is not None:
            self.haproxy_log.close()
        for r in self.replicas:
            if r.server is not None:
                r.server.kill()
        self.tmp.cleanup()

    def start_haproxy(self):
        self.lb_grpc, self.lb_http = e2e.free_port(), e2e.free_port()
        env = dict(os.environ, REDLINE_HAPROXY_LOG="stdout",
                   REDLINE_LB_GRPC=f"127.0.0.1:{self.lb_grpc}",
                   REDLINE_LB_HTTP=f"127.0.0.1:{self.lb_http}")
        for i, r in enumerate(self.replicas, 1):
            env[f"REDLINE_REPLICA{i}"] = r.target
            env[f"REDLINE_REPLICA{i}_HTTP"] = f"127.0.0.1:{r.http_port}"
            env[f"REDLINE_REPLICA{i}_HTTP_PORT"] = str(r.http_port)
        check = subprocess.run([HAPROXY, "-c", "-f", HAPROXY_CFG], env=env,
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.haproxy_log = open(os.path.join(self.tmp.name, "haproxy.log"), "w+")
        self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", HAPROXY_CFG], env=env,
                                        stdin=subprocess.DEVNULL, stdout=self.haproxy_log,
                                        stderr=subprocess.STDOUT)

    def haproxy_says(self):
        self.haproxy_log.flush()
        with open(self.haproxy_log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_lb_up(self, replica_index, timeout=20):
        """Until HAProxy logged replica r<n> UP in both backends after now."""
        mark = len(self.haproxy_says())
        deadline = time.monotonic() + timeout
        name = f"r{replica_index + 1}"
        while time.monotonic() < deadline:
            text = self.haproxy_says()[mark:]
            if (f"redline_grpc_replicas/{name} is UP" in text and
                    f"redline_http_replicas/{name} is UP" in text):
                return
            time.sleep(0.1)
        self.fail(f"haproxy did not put {name} back:\n{self.haproxy_says()[-3000:]}")

    def wait_lb_serving(self, timeout=30):
        deadline = time.monotonic() + timeout
        with grpc.insecure_channel(f"127.0.0.1:{self.lb_grpc}") as channel:
            stub = redline_pb2_grpc.RedlineStub(channel)
            while time.monotonic() < deadline:
                try:
                    stub.CheckPoint(redline_pb2.CheckPointRequest(x=POINT[0], y=POINT[1]),
                                    timeout=5)
                    # Every server line UP (rise 2): no DOWN state pending.
                    time.sleep(2.5)
                    return
                except grpc.RpcError:
                    time.sleep(0.2)
        self.fail(f"nothing answered through haproxy:\n{self.haproxy_says()[-3000:]}")

    def replica_list(self):
        return ",".join(r.target for r in self.replicas)

    def test_kill_drain_and_rollout_under_traffic(self):
        t0 = time.monotonic()
        for r in self.replicas:  # loaded side by side
            r.start(wait=False)
        for r in self.replicas:
            r.server.wait_serving()
        self.start_haproxy()
        self.wait_lb_serving()
        old_hash = content_hash(self.replicas[0].version())

        # The client's own balancing reaches every replica.
        before = [r.checkpoints() for r in self.replicas]
        with RedlineClient(self.replica_list(), timeout=10) as client:
            for _ in range(30):
                client.check_point(*POINT)
        spread = [r.checkpoints() - b for r, b in zip(self.replicas, before)]
        self.assertTrue(all(n > 0 for n in spread), f"calls per replica: {spread}")
        self.assertEqual(sum(spread), 30)
        # ... and so does the CLI's --server list.
        before = [r.checkpoints() for r in self.replicas]
        for _ in range(6):
            out = e2e.run_cli(self.replica_list(), "check-point", "--lon", str(POINT[0]),
                              "--lat", str(POINT[1]))
            self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(sum(r.checkpoints() - b for r, b in zip(self.replicas, before)), 6)
        # HAProxy's HTTP frontend answers /healthz and the API.
        status, _ = healthz(self.lb_http)
        self.assertEqual(status, 200)

        traffic = Traffic(f"127.0.0.1:{self.lb_grpc}", self.replica_list())
        traffic.start()
        try:
            time.sleep(1.5)
            # (a) SIGKILL replica 1 under traffic, then bring it back.
            killed = self.replicas[0]
            kill_at = time.monotonic()
            killed.server.proc.kill()
            killed.server.proc.wait(10)
            time.sleep(1.0)
            killed.start()
            self.wait_lb_up(0)

            # (b) drain replica 2: health says NOT_SERVING at once, on both
            # the gRPC health service and /healthz, while it still answers.
            drained = self.replicas[1]
            drained.server.send(signal.SIGTERM)
            drained.server.wait_for("health NOT_SERVING")
            self.assertEqual(health(drained.target), 2)  # NOT_SERVING
            self.assertEqual(healthz(drained.http_port), (503, "NOT_SERVING\n"))
            self.assertEqual(drained.server.wait_exit(30), 0, drained.server.log())
            drained.start()
            self.assertEqual(health(drained.target), 1)  # SERVING
            self.assertEqual(healthz(drained.http_port), (200, "SERVING\n"))
            self.wait_lb_up(1)

            # Each replica loaded at its own second: versions name replicas.
            old_versions = {r.version(): i for i, r in enumerate(self.replicas)}
            self.assertEqual(len(old_versions), 3, old_versions)

            # A rollout that cannot reach its first replica stops there and
            # leaves the others alone.
            closed = f"127.0.0.1:{e2e.closed_port()}"
            out = e2e.run_cli(self.replica_list(), "rollout", "--servers",
                              f"{closed},{self.replicas[2].target}")
            self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
            self.assertIn(f"rollout stopped at {closed}", out.stderr)
            self.assertIn(f"not reloaded: {self.replicas[2].target}", out.stderr)
            self.assertIn(self.replicas[2].version(), old_versions)

            # (c) the rolling reload onto the adjusted sample.
            absolute_config(self.tmp.name, ADJUSTED_DIR, self.config)
            rollout = subprocess.Popen(
                [e2e.REDLINE, "rollout", "--servers", self.replica_list()],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            switched = {}  # replica index -> when rollout reported it switched
            lines = []
            for line in rollout.stdout:
                lines.append(line)
                for i, r in enumerate(self.replicas):
                    if line.startswith(r.target + " ") and "SERVING" in line:
                        switched[i] = time.monotonic()
            rollout_err = rollout.stderr.read()
            self.assertEqual(rollout.wait(60), 0, "".join(lines) + rollout_err)
            self.assertEqual(len(lines), 3, lines)
            time.sleep(1.0)
        finally:
            traffic.stop()

        new_versions = {r.version(): i for i, r in enumerate(self.replicas)}
        new_hashes = {content_hash(v) for v in new_versions}
        self.assertEqual(len(new_hashes), 1, new_versions)
        new_hash = new_hashes.pop()
        self.assertNotEqual(new_hash, old_hash)
        for line in lines:
            self.assertRegex(line, rf"-{old_hash} -> \S+-{new_hash}  SERVING")

        calls = traffic.snapshot()
        failed = [c for c in calls if c[3] is not None]
        in_flight_on_killed = [c for c in failed if c[1] <= kill_at + 0.05 and c[2] >= kill_at]
        unexpected = [c for c in failed if c not in in_flight_on_killed]
        wrong_content = [c for c in calls if c[3] is None
                         and content_hash(c[4]) not in (old_hash, new_hash)]
        back_to_old = [c for c in calls if c[3] is None and c[4] in old_versions
                       and old_versions[c[4]] in switched
                       and c[1] > switched[old_versions[c[4]]]]
        by_path = {p: sum(1 for c in calls if c[0] == p) for p in ("haproxy", "client")}
        print(f"cluster: {len(calls)} calls ({by_path}), {len(failed)} failed: "
              f"{len(in_flight_on_killed)} in flight on the killed replica, "
              f"{len(unexpected)} others; {time.monotonic() - t0:.0f} s", file=sys.stderr)
        self.assertTrue(all(n > 50 for n in by_path.values()), by_path)
        self.assertEqual(unexpected, [], "failed calls besides those on the killed replica")
        self.assertEqual(wrong_content, [])
        self.assertEqual(back_to_old, [], "an old version after its replica switched")
        # Traffic went on through every phase: new answers after the rollout.
        self.assertTrue(any(c[3] is None and content_hash(c[4]) == new_hash for c in calls))
        # Every replica took calls since its last start.
        self.assertTrue(all(r.checkpoints() > 0 for r in self.replicas))


class RolloutTokenTest(unittest.TestCase):
    """rollout against a server with tokens: Reload is an admin's call, and
    --expect-version takes the content hash's first characters."""

    def test_reader_token_stops_admin_token_rolls(self):
        import hashlib
        with e2e.tempdir() as tmp:
            tokens = os.path.join(tmp, "tokens")
            with open(tokens, "w", encoding="utf-8") as f:
                for role, token in (("reader", "r-token-1234"), ("admin", "a-token-5678")):
                    f.write(f"{role} {hashlib.sha256(token.encode()).hexdigest()} {role}\n")
            files = {}
            for role, token in (("reader", "r-token-1234"), ("admin", "a-token-5678")):
                files[role] = os.path.join(tmp, role)
                with open(files[role], "w", encoding="utf-8") as f:
                    f.write(token + "\n")
            with e2e.Server(extra_args=["--tokens", tokens]) as srv:
                before = e2e.run_cli(srv.target, "--token-file", files["reader"], "--json",
                                     "layers")
                self.assertEqual(before.returncode, 0, before.stderr)
                version = yaml.safe_load(before.stdout)["datasetVersion"]
                out = e2e.run_cli(srv.target, "--token-file", files["reader"], "rollout",
                                  "--servers", srv.target)
                self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
                self.assertIn(f"rollout stopped at {srv.target}: Reload:", out.stderr)
                out = e2e.run_cli(srv.target, "--token-file", files["admin"], "rollout",
                                  "--servers", srv.target, "--expect-version",
                                  content_hash(version)[:8])
                self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
                self.assertRegex(out.stdout, rf"^{srv.target}  {version} -> \S+-"
                                             rf"{content_hash(version)}  SERVING")


if __name__ == "__main__":
    unittest.main(verbosity=2)
