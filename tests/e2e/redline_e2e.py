"""Shared helpers of the end-to-end tests: start and stop the real redlined,
run the real CLI, read the known points, write temporary configs.

Needs Debian's /usr/bin/python3 (python3-grpcio, python3-yaml).
Environment (set by ctest): REDLINE_BUILD (the build folder) and
REDLINE_SOURCE (the repository root); both default to this checkout.
"""

import csv
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.environ.get("REDLINE_SOURCE") or os.path.join(HERE, "..", ".."))
BUILD = os.path.abspath(os.environ.get("REDLINE_BUILD") or os.path.join(SOURCE, "build"))
REDLINED = os.path.join(BUILD, "redlined")
REDLINE = os.path.join(BUILD, "redline")
SAMPLE_DIR = os.path.join(SOURCE, "data", "sample")
SAMPLE_CONFIG = os.path.join(SAMPLE_DIR, "redline.yaml")
KNOWN_POINTS = os.path.join(SAMPLE_DIR, "known_points.csv")
PY_CLIENT_DIR = os.path.join(SOURCE, "clients", "python")

os.environ.setdefault("REDLINE_PY_STUBS", os.path.join(BUILD, "python"))
for p in (PY_CLIENT_DIR, os.environ["REDLINE_PY_STUBS"]):
    if p not in sys.path:
        sys.path.insert(0, p)

START_TIMEOUT_S = 60


def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port():
    """A port on 127.0.0.1 that nothing listens on (bound then released)."""
    return free_port()


def _loopback_opener():
    """A urllib opener for the server's HTTP port: loopback, so no proxy."""
    import urllib.request
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Server:
    """One redlined process; a context manager that always stops it.

        with Server() as srv:          # waits for the "serving" log line
            ... srv.target ...
        # on exit: SIGTERM, waits, asserts exit status 0 (kills on timeout)

    `log()` returns everything the server wrote to stderr so far.
    `http_url` is the HTTP API's address (and the web page's, served from
    build/web unless --web_root says otherwise); `wait_http()` waits until
    it answers.
    """

    def __init__(self, config=SAMPLE_CONFIG, extra_args=(), wait=True):
        self.config = config
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.extra_args = list(extra_args)
        self.wait_ready = wait
        self.proc = None
        self._lines = []
        self._lock = threading.Lock()
        self._serving = threading.Event()
        self._reader = None
        self.returncode = None

    # --- process ---
    def start(self):
        for binary in (REDLINED, REDLINE):
            if not os.access(binary, os.X_OK):
                raise RuntimeError(f"{binary} is missing: build first (ninja -C {BUILD})")
        # The HTTP API on a port the OS picks (read back from the log) unless
        # the test says otherwise: parallel tests must not fight over 8080.
        defaults = [] if any(a.startswith("--http") for a in self.extra_args) else [
            "--http", "127.0.0.1:0"]
        # No drain period unless the test asks for one: a test's server has
        # no load balancer to wait for, and every test stops its server.
        if not any(a.startswith("--drain_seconds") for a in self.extra_args):
            defaults.append("--drain_seconds=0")
        self.proc = subprocess.Popen(
            [REDLINED, "--config", self.config, "--listen", self.target, *defaults,
             *self.extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if self.wait_ready:
            self.wait_serving()
        return self

    def _read(self):
        for line in self.proc.stdout:
            with self._lock:
                self._lines.append(line)
            if " serving " in line or line.rstrip().endswith(" serving"):
                self._serving.set()

    def wait_serving(self, timeout=START_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._serving.wait(0.1):
                return
            if self.proc.poll() is not None:
                self._reader.join(5)
                raise RuntimeError(
                    f"redlined exited with {self.proc.returncode} before serving:\n{self.log()}")
        self.kill()
        raise RuntimeError(f"redlined did not log 'serving' within {timeout} s:\n{self.log()}")

    def wait_http(self, path="v1/layers", timeout=START_TIMEOUT_S):
        """Waits until GET `path` on the HTTP listener answers 200; returns the body."""
        import urllib.error
        opener = _loopback_opener()
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redlined exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with opener.open(f"{self.http_url}/{path}", timeout=5) as r:
                    if r.status == 200:
                        return r.read()
            except (urllib.error.URLError, ConnectionError, OSError, RuntimeError) as e:
                last = e
            time.sleep(0.1)
        raise RuntimeError(f"HTTP {path} did not answer within {timeout} s ({last}):\n{self.log()}")

    def metrics(self):
        """GET /metrics, parsed (parse_metrics)."""
        with _loopback_opener().open(f"{self.http_url}/metrics", timeout=10) as r:
            return parse_metrics(r.read().decode("utf-8"))

    def wait_for(self, text, timeout=START_TIMEOUT_S):
        """Waits until the log contains `text`; raises if the process exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if self.proc.poll() is not None:
                self._reader.join(5)
                if text in self.log():
                    return
                raise RuntimeError(f"redlined exited with {self.proc.returncode} before "
                                   f"logging {text!r}:\n{self.log()}")
            time.sleep(0.05)
        raise RuntimeError(f"redlined did not log {text!r} within {timeout} s:\n{self.log()}")

    def log(self):
        with self._lock:
            return "".join(self._lines)

    @property
    def http_url(self):
        """http://127.0.0.1:PORT (https:// with TLS) of the HTTP API, from the log."""
        m = re.search(r"HTTP API and staff desk on (https?://\S+?)/?(?: \(TLS[^)]*\))?$",
                      self.log(), re.M)
        if not m:
            raise RuntimeError(f"redlined did not log its HTTP address:\n{self.log()}")
        return m.group(1)

    def send(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=30):
        """Waits for the process to exit; kills it after `timeout` s. Returns its status."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"redlined did not exit within {timeout} s:\n{self.log()}")
        self._close_pipe()
        return self.returncode

    def _close_pipe(self):
        if self._reader is not None:
            self._reader.join(5)
            if self._reader.is_alive():
                return
        if self.proc is not None and self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends `sig`, waits, returns the exit status (kills on timeout)."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            self.returncode = self.proc.returncode
            self._close_pipe()
            return self.returncode
        self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc is not None:
            self._close_pipe()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.kill()
            raise

    def __exit__(self, exc_type, exc, tb):
        try:
            rc = self.stop()
        finally:
            self.kill()
        if exc_type is None and rc not in (0, None):
            raise AssertionError(f"redlined exited with {rc} after SIGTERM:\n{self.log()}")
        return False


_SAMPLE_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')


def parse_metrics(text):
    """Prometheus text format to {(name, frozenset of (label, value)): float}.

    Raises ValueError on a line that is not a comment, blank or a sample.
    """
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE_LINE.match(line)
        if not m:
            raise ValueError(f"not a metrics sample: {line!r}")
        name, labels, value = m.groups()
        pairs = []
        rest = labels or ""
        while rest:
            lm = _LABEL.match(rest)
            if not lm:
                raise ValueError(f"bad labels in {line!r}")
            value_text = re.sub(r'\\(.)', lambda e: "\n" if e.group(1) == "n" else e.group(1),
                                lm.group(2))
            pairs.append((lm.group(1), value_text))
            rest = rest[lm.end():]
        key = (name, frozenset(pairs))
        if key in samples:
            raise ValueError(f"sample given twice: {line!r}")
        samples[key] = float(value)
    return samples


def metric(samples, name, **labels):
    """The value of the one sample of `name` whose labels include `labels`."""
    found = [v for (n, ls), v in samples.items()
             if n == name and set(labels.items()) <= set(ls)]
    if len(found) != 1:
        raise KeyError(f"{len(found)} samples of {name} with {labels}")
    return found[0]


def run_cli(target, *args, json_out=False, timeout=120, input_text=None):
    """Runs build/redline against `target`; returns the CompletedProcess (text)."""
    cmd = [REDLINE, "--server", target]
    if json_out:
        cmd.append("--json")
    cmd += [str(a) for a in args]
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=timeout, env=env, input=input_text)


def known_points():
    """{(lon_text, lat_text): set of (layer, zone_id)} from known_points.csv.

    The keys keep the CSV's text so that the CLI gets exactly those digits.
    A no-hit point maps to an empty set.
    """
    points = {}
    with open(KNOWN_POINTS, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["lon"], row["lat"])
            hits = points.setdefault(key, set())
            if row["expect_zone_id"]:
                hits.add((row["expect_layer"], row["expect_zone_id"]))
    return points


def box_wkt(lon, lat, d=0.0003):
    """A square polygon of half-width `d` degrees around (lon, lat), counter-clockwise.

    0.0003° is about 29 m east-west and 33 m north-south in Zhejiang: its
    corners stay within 45 m of the centre, inside the 50 m clearance the
    generator guarantees for every known point.
    """
    lon, lat = float(lon), float(lat)
    c = [(lon - d, lat - d), (lon + d, lat - d), (lon + d, lat + d), (lon - d, lat + d),
         (lon - d, lat - d)]
    return "POLYGON((" + ", ".join(f"{x:.7f} {y:.7f}" for x, y in c) + "))"


def box_geojson(lon, lat, d=0.0003):
    lon, lat = float(lon), float(lat)
    return {"type": "Polygon", "coordinates": [[
        [lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d],
        [lon - d, lat - d]]]}


def circle_wkt(lon, lat, n, r=0.01):
    """A polygon with `n` distinct vertices (n + 1 points with the closing one)."""
    import math
    pts = [(lon + r * math.cos(2 * math.pi * i / n), lat + r * math.sin(2 * math.pi * i / n))
           for i in range(n)]
    pts.append(pts[0])
    return "POLYGON((" + ", ".join(f"{x:.8f} {y:.8f}" for x, y in pts) + "))"


def write_config(folder, name="redline.yaml", **overrides):
    """Copies the sample config to `folder` with absolute paths and `overrides`.

    Returns the new file's path.
    """
    with open(SAMPLE_CONFIG, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    cfg["rules"] = [os.path.normpath(os.path.join(SAMPLE_DIR, r)) for r in cfg.get("rules", [])]
    for layer in cfg["layers"]:
        layer["source"] = os.path.normpath(os.path.join(SAMPLE_DIR, layer["source"]))
    cfg.update(overrides)
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)
    return path


def tempdir():
    return tempfile.TemporaryDirectory(prefix="redline-e2e-")


# --- PostGIS sources (scripts/pg_cluster.py) ---

def pg_cluster_module():
    """The scripts/pg_cluster.py module (a private PostgreSQL + PostGIS cluster)."""
    scripts = os.path.join(SOURCE, "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import pg_cluster
    return pg_cluster


def postgis_available():
    """(True, "") when a private PostGIS cluster can be started here, else (False, why)."""
    pg = pg_cluster_module()
    try:
        pg._bindir()
        pg._os_user()
    except pg.PgClusterError as e:
        return False, str(e)
    control = "/usr/share/postgresql/15/extension/postgis.control"
    if os.environ.get("PG_BINDIR") is None and not os.path.exists(control):
        return False, f"PostGIS is not installed (no {control}): install postgresql-15-postgis-3"
    return True, ""


def write_postgis_config(folder, pg_source, name="redline.yaml", **overrides):
    """Like write_config(), but every sample layer reads table <layer name> of `pg_source`.

    `pg_source` is a GDAL "PG:..." connection string; the tables are those
    PgCluster.load_config(SAMPLE_CONFIG) creates. Text in PostgreSQL is UTF-8,
    so the layers' `encoding` is dropped. Returns the new file's path.
    """
    with open(SAMPLE_CONFIG, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    cfg["rules"] = [os.path.normpath(os.path.join(SAMPLE_DIR, r)) for r in cfg.get("rules", [])]
    for layer in cfg["layers"]:
        layer["source"] = pg_source
        layer["layer"] = layer["name"]
        layer.pop("encoding", None)
    cfg.update(overrides)
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)
    return path


def admin_reload(target, timeout=120):
    """Calls RedlineAdmin.Reload on `target`; returns the ReloadResponse."""
    import grpc
    from redline.v1 import redline_pb2, redline_pb2_grpc
    with grpc.insecure_channel(target) as channel:
        stub = redline_pb2_grpc.RedlineAdminStub(channel)
        return stub.Reload(redline_pb2.ReloadRequest(), timeout=timeout)
