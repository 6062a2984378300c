#!/usr/bin/python3
"""End-to-end: who may do what (issue 21): tokens with roles, TLS, mutual TLS.

A real redlined with a token file answers each role exactly its table, over
gRPC and HTTP; health stays open; refusals are counted in /metrics and
logged without the token; the token file is re-read on SIGHUP (a new token
works, a removed one stops working, an open Overlay stream goes on). With
certificates this test makes with Debian's openssl, the CLI and the Python
client complete a real TLS handshake; under mutual TLS a client without a
certificate is refused. Plain text on an address other than loopback is
refused unless --insecure.

Needs Debian's /usr/bin/python3 (python3-grpcio) and the openssl CLI.
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
import grpc  # noqa: E402
from redline_client import RedlineClient, RedlineError  # noqa: E402
from redline.v1 import redline_pb2 as pb  # noqa: E402
from redline.v1 import redline_pb2_grpc as pb_grpc  # noqa: E402

TOKENS = {"reader": "r-7f3a9c-reader-token", "analyst": "a-51be02-analyst-token",
          "admin": "z-c0ffee-admin-token"}
ROLES = ("none", "unknown", "reader", "analyst", "admin")
HIT = (121.069788, 29.970780)


def token_line(role, token, name):
    return f"{role} {hashlib.sha256(token.encode()).hexdigest()} {name}\n"


def write_tokens(path, entries):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# role digest name\n\n")
        for role, token, name in entries:
            f.write(token_line(role, token, name))


def token_of(role):
    return {"none": None, "unknown": "not-a-known-token"}.get(role, TOKENS.get(role))


def metadata(role):
    token = token_of(role)
    return [("authorization", f"Bearer {token}")] if token else []


# Reflection's request, list_services (field 7, a string), written by hand:
# Debian ships no Python reflection stubs.
REFLECTION_LIST = b"\x3a\x00"


def grpc_calls(channel):
    """{method: call(metadata) raising grpc.RpcError or returning} for every method."""
    stub = pb_grpc.RedlineStub(channel)
    admin = pb_grpc.RedlineAdminStub(channel)
    point = pb.CheckPointRequest(x=HIT[0], y=HIT[1])
    geometry = pb.CheckGeometryRequest(geometry=pb.Geometry(wkt=e2e.box_wkt(*HIT)))
    zones = pb.GetZonesRequest(bbox_lonlat=pb.Extent(min_x=120.9, min_y=29.9, max_x=121.1,
                                                     max_y=30.1), resolution_m=100)
    health = channel.unary_unary("/grpc.health.v1.Health/Check")
    reflection = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")

    def overlay(md):
        req = pb.OverlayRequest(points=pb.PointColumns(x=[HIT[0]], y=[HIT[1]]))
        return list(stub.Overlay(iter([req]), metadata=md, timeout=60))

    return {
        "CheckPoint": lambda md: stub.CheckPoint(point, metadata=md, timeout=60),
        "CheckGeometry": lambda md: stub.CheckGeometry(geometry, metadata=md, timeout=60),
        "ListLayers": lambda md: stub.ListLayers(pb.ListLayersRequest(), metadata=md, timeout=60),
        "GetZones": lambda md: stub.GetZones(zones, metadata=md, timeout=60),
        "Overlay": overlay,
        "Reload": lambda md: admin.Reload(pb.ReloadRequest(), metadata=md, timeout=120),
        "Health": lambda md: health(b"", metadata=md, timeout=60),
        "Reflection": lambda md: list(reflection(iter([REFLECTION_LIST]), metadata=md,
                                                 timeout=60)),
    }


# The role each method needs; None: open to anyone.
GRPC_TABLE = {"CheckPoint": "reader", "CheckGeometry": "reader", "ListLayers": "reader",
              "GetZones": "reader", "Overlay": "analyst", "Reload": "admin", "Health": None,
              "Reflection": "admin"}
HTTP_TABLE = {"/v1/check-point": "reader", "/v1/check-geometry": "reader",
              "/v1/layers": "reader", "/v1/zones": "reader", "/v1/upload": "reader",
              "/v1/record": "reader", "/metrics": "admin", "/": None}
RANK = {"none": 0, "unknown": 0, "reader": 1, "analyst": 2, "admin": 3}


def expected(needs, role):
    """'ok', 'unauthenticated' or 'denied'."""
    if needs is None or RANK[role] >= RANK[needs]:
        return "ok"
    return "unauthenticated" if role in ("none", "unknown") else "denied"


def http_request(base, method, path, role, body=None, content_type=None):
    """(status, headers, body bytes); no proxy (loopback)."""
    headers = {}
    if token_of(role):
        headers["Authorization"] = f"Bearer {token_of(role)}"
    if content_type:
        headers["Content-Type"] = content_type
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def http_requests(base, role):
    """{route: (status, headers, body)} for every route, as `role`."""
    point = json.dumps({"x": HIT[0], "y": HIT[1]})
    geometry = json.dumps({"geometry": {"wkt": e2e.box_wkt(*HIT)}})
    boundary = "b0undary"
    upload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
              f"filename=\"site.wkt\"\r\nContent-Type: application/octet-stream\r\n\r\n"
              f"{e2e.box_wkt(*HIT)}\r\n--{boundary}--\r\n")
    js = "application/json"
    return {
        "/v1/check-point": http_request(base, "POST", "/v1/check-point", role, point, js),
        "/v1/check-geometry": http_request(base, "POST", "/v1/check-geometry", role, geometry,
                                           js),
        "/v1/layers": http_request(base, "GET", "/v1/layers", role),
        "/v1/zones": http_request(base, "GET", "/v1/zones?bbox=120.9,29.9,121.1,30.1"
                                  "&resolution_m=100", role),
        "/v1/upload": http_request(base, "POST", "/v1/upload", role, upload,
                                   f"multipart/form-data; boundary={boundary}"),
        "/v1/record": http_request(base, "POST", "/v1/record", role, geometry, js),
        "/metrics": http_request(base, "GET", "/metrics", role),
        "/": http_request(base, "GET", "/", role),
    }


def stream_across(test, client, event):
    """Opens an Overlay stream with `client()`, runs `event()` between its two
    points, and asserts that the stream answered both (was not cut)."""
    second_point = threading.Event()
    results, errors = [], []

    def points():
        yield HIT
        second_point.wait(60)
        yield HIT

    def run_stream():
        try:
            with client() as c:
                for r in c.overlay_points(points(), batch_size=1, timeout=120):
                    results.append(r)
        except Exception as e:  # noqa: BLE001 -- reported below
            errors.append(e)

    streamer = threading.Thread(target=run_stream)
    streamer.start()
    deadline = time.monotonic() + 60
    while not results and time.monotonic() < deadline and streamer.is_alive():
        streamer.join(0.1)
    try:
        test.assertEqual(len(results), 1, errors)
        event()
    finally:
        second_point.set()
        streamer.join(120)
    test.assertFalse(errors, errors)
    test.assertEqual(len(results), 2, "the open stream was cut")


class RolesTest(unittest.TestCase):
    """One server with tokens, plain text on loopback."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e.tempdir()
        cls.tokens = os.path.join(cls.tmp.name, "tokens.txt")
        write_tokens(cls.tokens, [(role, TOKENS[role], f"{role}.user") for role in TOKENS])
        cls.srv = e2e.Server(extra_args=["--tokens", cls.tokens]).start()
        cls.channel = grpc.insecure_channel(cls.srv.target)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        try:
            cls.srv.stop()
        finally:
            cls.srv.kill()
            cls.tmp.cleanup()

    def test_grpc_role_table(self):
        calls = grpc_calls(self.channel)
        self.assertEqual(set(calls), set(GRPC_TABLE))
        for role in ROLES:
            for method, call in calls.items():
                want = expected(GRPC_TABLE[method], role)
                with self.subTest(role=role, method=method):
                    try:
                        call(metadata(role))
                        got = "ok"
                    except grpc.RpcError as e:
                        got = {grpc.StatusCode.UNAUTHENTICATED: "unauthenticated",
                               grpc.StatusCode.PERMISSION_DENIED: "denied"}.get(
                                   e.code(), f"ok ({e.code()})")
                        if got == "denied":
                            self.assertIn(f"needs the {GRPC_TABLE[method]} role", e.details())
                    self.assertEqual(got, want)

    def test_http_role_table(self):
        for role in ROLES:
            answers = http_requests(self.srv.http_url, role)
            self.assertEqual(set(answers), set(HTTP_TABLE))
            for route, (status, headers, body) in answers.items():
                want = expected(HTTP_TABLE[route], role)
                with self.subTest(role=role, route=route):
                    if want == "ok":
                        self.assertNotIn(status, (401, 403), body[:300])
                        if route not in ("/", "/v1/upload"):
                            self.assertEqual(status, 200, body[:300])
                    elif want == "unauthenticated":
                        self.assertEqual(status, 401, body[:300])
                        self.assertTrue(headers.get("WWW-Authenticate", "").startswith("Bearer"))
                        self.assertEqual(json.loads(body)["status"], "UNAUTHENTICATED")
                    else:
                        self.assertEqual(status, 403, body[:300])
                        self.assertEqual(json.loads(body)["status"], "PERMISSION_DENIED")

    def test_python_client_sends_its_token(self):
        with RedlineClient(self.srv.target, token=TOKENS["reader"]) as c:
            self.assertTrue(c.list_layers().layers)
            self.assertEqual(c.health(), "SERVING")
            with self.assertRaises(RedlineError) as ctx:
                list(c.overlay_points([HIT]))
            self.assertEqual(ctx.exception.code, grpc.StatusCode.PERMISSION_DENIED)
        with RedlineClient(self.srv.target) as c:
            self.assertEqual(c.health(), "SERVING")
            with self.assertRaises(RedlineError) as ctx:
                c.list_layers()
            self.assertEqual(ctx.exception.code, grpc.StatusCode.UNAUTHENTICATED)
        token_file = os.path.join(self.tmp.name, "analyst.token")
        with open(token_file, "w") as f:
            f.write(TOKENS["analyst"] + "\n")
        with RedlineClient(self.srv.target, token_file=token_file) as c:
            self.assertEqual(len(list(c.overlay_points([HIT]))), 1)

    def test_cli_sends_its_token(self):
        token_file = os.path.join(self.tmp.name, "reader.token")
        with open(token_file, "w") as f:
            f.write(TOKENS["reader"] + "\n")
        ok = e2e.run_cli(self.srv.target, "--token-file", token_file, "layers")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        refused = e2e.run_cli(self.srv.target, "layers")
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("token", refused.stderr)
        env = dict(os.environ, REDLINE_TOKEN=TOKENS["reader"], NO_COLOR="1")
        by_env = subprocess.run([e2e.REDLINE, "--server", self.srv.target, "layers"],
                                capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(by_env.returncode, 0, by_env.stderr)

    def test_refusals_counted_and_logged_without_the_token(self):
        def refused(samples, transport, reason):
            return e2e.metric(samples, "redline_auth_refused_total", transport=transport,
                              reason=reason)

        admin = dict(Authorization=f"Bearer {TOKENS['admin']}")

        def scrape():
            req = urllib.request.Request(self.srv.http_url + "/metrics", headers=admin)
            with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req) as r:
                return e2e.parse_metrics(r.read().decode())

        before = scrape()
        calls = grpc_calls(self.channel)
        for md in ([], [("authorization", "Bearer wrong-secret-xyz")]):
            with self.assertRaises(grpc.RpcError):
                calls["ListLayers"](md)
        with self.assertRaises(grpc.RpcError):
            calls["Reload"](metadata("reader"))
        http_request(self.srv.http_url, "GET", "/v1/layers", "unknown")
        http_request(self.srv.http_url, "GET", "/metrics", "analyst")
        after = scrape()
        for transport, reason, n in (("grpc", "unauthenticated", 2),
                                     ("grpc", "permission_denied", 1),
                                     ("http", "unauthenticated", 1),
                                     ("http", "permission_denied", 1)):
            self.assertEqual(refused(after, transport, reason) - refused(before, transport, reason),
                             n, (transport, reason))
        log = self.srv.log()
        self.assertIn("refused HTTP request /v1/layers from 127.0.0.1:", log)
        self.assertIn("refused gRPC call /redline.v1.RedlineAdmin/Reload", log)
        self.assertIn("reader.user (reader) may not call", log)
        for secret in list(TOKENS.values()) + ["wrong-secret-xyz", "not-a-known-token"]:
            self.assertNotIn(secret, log)

    def test_zz_token_file_reread_on_sighup(self):
        """Runs last in this class: it changes the token file."""
        fresh = "n-9e1d-fresh-analyst-token"

        def swap_tokens():
            # The analyst's token goes, a new one comes.
            write_tokens(self.tokens, [("reader", TOKENS["reader"], "reader.user"),
                                       ("admin", TOKENS["admin"], "admin.user"),
                                       ("analyst", fresh, "new.analyst")])
            self.srv.send(signal.SIGHUP)
            self.srv.wait_for("token file re-read: 3 tokens")

        stream_across(self, lambda: RedlineClient(self.srv.target, token=TOKENS["analyst"]),
                      swap_tokens)
        calls = grpc_calls(self.channel)
        with self.assertRaises(grpc.RpcError) as ctx:
            calls["ListLayers"](metadata("analyst"))
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        calls["Overlay"]([("authorization", f"Bearer {fresh}")])
        # A broken file keeps the tokens in force.
        with open(self.tokens, "a") as f:
            f.write("admin nonsense someone\n")
        self.srv.send(signal.SIGHUP)
        self.srv.wait_for("token file not re-read")
        self.assertIn(f"{self.tokens}:6:", self.srv.log())
        calls["ListLayers"]([("authorization", f"Bearer {fresh}")])


class OpenKeysTest(unittest.TestCase):
    def test_config_opens_metrics_and_reflection(self):
        with e2e.tempdir() as tmp:
            tokens = os.path.join(tmp, "tokens.txt")
            write_tokens(tokens, [("admin", TOKENS["admin"], "ops")])
            config = e2e.write_config(tmp, open_metrics=True, open_reflection=True)
            with e2e.Server(config=config, extra_args=["--tokens", tokens]) as srv:
                status, _, _ = http_request(srv.http_url, "GET", "/metrics", "none")
                self.assertEqual(status, 200)
                with grpc.insecure_channel(srv.target) as channel:
                    calls = grpc_calls(channel)
                    self.assertTrue(calls["Reflection"]([]))
                    with self.assertRaises(grpc.RpcError) as ctx:
                        calls["ListLayers"]([])
                    self.assertEqual(ctx.exception.code(), grpc.StatusCode.UNAUTHENTICATED)


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(folder):
    """A CA, a server certificate for 127.0.0.1 and localhost, a client certificate."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=redline test CA", cwd=folder)
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                 "extendedKeyUsage=serverAuth\n"),
                      ("client", "extendedKeyUsage=clientAuth\n")):
        with open(os.path.join(folder, f"{name}.ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n" + ext)
        openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN=redline test {name}", cwd=folder)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile",
                f"{name}.ext", cwd=folder)
    # Another CA, which signed nothing here.
    openssl("req", "-x509", *ec, "-keyout", "other.key", "-out", "other.pem", "-days", "2",
            "-subj", "/CN=another CA", cwd=folder)
    return {n: os.path.join(folder, n) for n in os.listdir(folder)}


def peer_common_name(port, ca):
    """The CN of the certificate a TLS handshake with 127.0.0.1:`port` shows."""
    context = ssl.create_default_context(cafile=ca)
    context.set_alpn_protocols(["h2"])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            subject = dict(pair[0] for pair in tls.getpeercert()["subject"])
    return subject["commonName"]


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e.tempdir()
        cls.files = make_certificates(cls.tmp.name)
        cls.tokens = os.path.join(cls.tmp.name, "tokens.txt")
        write_tokens(cls.tokens, [(role, TOKENS[role], f"{role}.user") for role in TOKENS])
        cls.token_file = os.path.join(cls.tmp.name, "reader.token")
        with open(cls.token_file, "w") as f:
            f.write(TOKENS["reader"] + "\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tls_server(self, *extra):
        return e2e.Server(extra_args=["--tls-cert", self.files["server.pem"], "--tls-key",
                                      self.files["server.key"], "--tokens", self.tokens, *extra])

    def test_cli_and_python_handshake(self):
        with self.tls_server() as srv:
            self.assertIn("gRPC TLS with", srv.log())
            ok = e2e.run_cli(srv.target, "--tls-ca", self.files["ca.pem"], "--token-file",
                             self.token_file, "layers")
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertIn("water_source", ok.stdout)
            point = e2e.run_cli(srv.target, "--tls-ca", self.files["ca.pem"], "--token-file",
                                self.token_file, "--json", "check-point", "--lon", HIT[0],
                                "--lat", HIT[1])
            self.assertEqual(point.returncode, 0, point.stderr)
            # Plain text to a TLS port, and a CA that signed nothing of it.
            plain = e2e.run_cli(srv.target, "--token-file", self.token_file, "--timeout", "5",
                                "layers")
            self.assertEqual(plain.returncode, 1, plain.stderr)
            wrong_ca = e2e.run_cli(srv.target, "--tls-ca", self.files["other.pem"],
                                   "--token-file", self.token_file, "--timeout", "5", "layers")
            self.assertEqual(wrong_ca.returncode, 1, wrong_ca.stderr)
            with RedlineClient(srv.target, tls_ca=self.files["ca.pem"],
                               token=TOKENS["analyst"]) as c:
                self.assertTrue(c.list_layers().layers)
                self.assertEqual(len(list(c.overlay_points([HIT]))), 1)
            with RedlineClient(srv.target, tls_ca=self.files["ca.pem"]) as c:
                with self.assertRaises(RedlineError) as ctx:
                    c.list_layers()
                self.assertEqual(ctx.exception.code, grpc.StatusCode.UNAUTHENTICATED)
            with RedlineClient(srv.target, token=TOKENS["admin"], timeout=5) as c:
                with self.assertRaises(RedlineError) as ctx:
                    c.list_layers()
                self.assertEqual(ctx.exception.code, grpc.StatusCode.UNAVAILABLE)

    def test_mutual_tls_refuses_a_client_without_a_certificate(self):
        with self.tls_server("--tls-client-ca", self.files["ca.pem"]) as srv:
            with RedlineClient(srv.target, tls_ca=self.files["ca.pem"], token=TOKENS["reader"],
                               tls_cert=self.files["client.pem"],
                               tls_key=self.files["client.key"]) as c:
                self.assertTrue(c.list_layers().layers)
            with RedlineClient(srv.target, tls_ca=self.files["ca.pem"], token=TOKENS["reader"],
                               timeout=5) as c:
                with self.assertRaises(RedlineError) as ctx:
                    c.list_layers()
                self.assertEqual(ctx.exception.code, grpc.StatusCode.UNAVAILABLE)
            # The CLI shows its certificate with --tls-cert/--tls-key.
            base = [srv.target, "--tls-ca", self.files["ca.pem"], "--token-file",
                    self.token_file, "--timeout", "10"]
            shown = e2e.run_cli(*base, "--tls-cert", self.files["client.pem"], "--tls-key",
                                self.files["client.key"], "layers")
            self.assertEqual(shown.returncode, 0, shown.stderr)
            self.assertIn("water_source", shown.stdout)
            unshown = e2e.run_cli(*base, "layers")
            self.assertEqual(unshown.returncode, 1, unshown.stderr)
            half = e2e.run_cli(*base, "--tls-cert", self.files["client.pem"], "layers")
            self.assertEqual(half.returncode, 2, half.stderr)
            self.assertIn("--tls-cert and --tls-key go together", half.stderr)
            # A certificate the client CA did not sign: the server's own is
            # signed by the same CA, so use one from another CA.
            with RedlineClient(srv.target, tls_ca=self.files["ca.pem"], token=TOKENS["reader"],
                               tls_cert=self.files["other.pem"], tls_key=self.files["other.key"],
                               timeout=5) as c:
                with self.assertRaises(RedlineError) as ctx:
                    c.list_layers()
                self.assertEqual(ctx.exception.code, grpc.StatusCode.UNAVAILABLE)

    def test_renewed_certificate_taken_up_and_open_connections_stay(self):
        folder = os.path.join(self.tmp.name, "renew")
        os.makedirs(folder)
        cert, key = os.path.join(folder, "server.pem"), os.path.join(folder, "server.key")
        shutil.copy(self.files["server.pem"], cert)
        shutil.copy(self.files["server.key"], key)
        srv = e2e.Server(extra_args=["--tls-cert", cert, "--tls-key", key, "--tokens",
                                     self.tokens, "--tls-reload-seconds", "1"])
        with srv:
            self.assertEqual(peer_common_name(srv.port, self.files["ca.pem"]),
                             "redline test server")

            def renew():
                # The same key, a new certificate: only one file changes, at once.
                openssl("x509", "-req", "-in", self.files["server.csr"], "-CA", "ca.pem",
                        "-CAkey", "ca.key", "-CAcreateserial", "-out", "renewed.pem", "-days",
                        "2", "-extfile", "server.ext", "-subj", "/CN=redline renewed server",
                        cwd=self.tmp.name)
                os.replace(os.path.join(self.tmp.name, "renewed.pem"), cert)
                deadline = time.monotonic() + 30
                while (peer_common_name(srv.port, self.files["ca.pem"])
                       != "redline renewed server" and time.monotonic() < deadline):
                    time.sleep(0.2)
                self.assertEqual(peer_common_name(srv.port, self.files["ca.pem"]),
                                 "redline renewed server")

            # An Overlay stream open across the renewal: its connection stays.
            stream_across(self, lambda: RedlineClient(srv.target, tls_ca=self.files["ca.pem"],
                                                      token=TOKENS["analyst"]), renew)

    def test_a_key_of_another_certificate_is_refused_at_start(self):
        srv = e2e.Server(wait=False, extra_args=["--tls-cert", self.files["server.pem"],
                                                 "--tls-key", self.files["client.key"]])
        srv.start()
        self.assertEqual(srv.wait_exit(60), 2, srv.log())
        self.assertIn("is not the key of --tls_cert", srv.log())


class StartupTest(unittest.TestCase):
    """What the server refuses to start with, and what it says when it starts."""

    def refused(self, *args):
        srv = e2e.Server(wait=False, extra_args=list(args))
        srv.start()
        self.assertEqual(srv.wait_exit(60), 2, srv.log())
        return srv.log()

    def test_plain_text_off_loopback_needs_insecure(self):
        port = e2e.free_port()
        log = self.refused("--listen", f"0.0.0.0:{port}")
        self.assertIn("refusing plain text on an address other than loopback", log)
        log = self.refused("--http", f"0.0.0.0:{e2e.free_port()}")
        self.assertIn("HTTP on 0.0.0.0", log)
        srv = e2e.Server(extra_args=["--insecure", "--http", "off"])
        srv.extra_args += ["--listen", f"0.0.0.0:{srv.port}"]
        with srv:
            self.assertIn("--insecure: gRPC on 0.0.0.0", srv.log())
            with RedlineClient(srv.target) as c:
                self.assertTrue(c.list_layers().layers)

    def test_tokens_need_tls_off_loopback(self):
        with e2e.tempdir() as tmp:
            tokens = os.path.join(tmp, "tokens.txt")
            write_tokens(tokens, [("admin", TOKENS["admin"], "ops")])
            log = self.refused("--listen", f"0.0.0.0:{e2e.free_port()}", "--insecure",
                               "--tokens", tokens, "--http", "off")
            self.assertIn("without TLS", log)

    def test_bad_token_file_names_the_line(self):
        with e2e.tempdir() as tmp:
            tokens = os.path.join(tmp, "tokens.txt")
            with open(tokens, "w") as f:
                f.write("# ok\n" + token_line("admin", "x", "ops") + "reader plain-token bob\n")
            log = self.refused("--tokens", tokens)
            self.assertIn(f"{tokens}:3:", log)
            self.assertNotIn("plain-token", log)
            self.assertIn("cannot read", self.refused("--tokens", os.path.join(tmp, "missing")))

    def test_without_tokens_the_log_says_unauthenticated(self):
        with e2e.Server() as srv:
            self.assertIn("no --tokens: calls are unauthenticated", srv.log())
            with RedlineClient(srv.target) as c:
                self.assertTrue(c.list_layers().layers)


NODE_MODULES = os.path.join(e2e.SOURCE, "clients", "web", "node_modules")
CHROMIUM = "/usr/bin/chromium"


@unittest.skipUnless(shutil.which("node") and os.access(CHROMIUM, os.X_OK)
                     and os.path.isdir(os.path.join(NODE_MODULES, "playwright-core")),
                     "needs node, /usr/bin/chromium and clients/web/node_modules")
class WebSignInTest(unittest.TestCase):
    """The staff desk asks for a token, keeps it for the session, shows who is signed in."""

    def test_page_signs_in(self):
        with e2e.tempdir() as tmp:
            tokens = os.path.join(tmp, "tokens.txt")
            write_tokens(tokens, [("reader", TOKENS["reader"], "张伟")])
            with e2e.Server(extra_args=["--tokens", tokens]) as srv:
                case = os.path.join(tmp, "case.json")
                with open(case, "w", encoding="utf-8") as f:
                    json.dump({"url": srv.http_url + "/", "nodeModules": NODE_MODULES,
                               "chromium": CHROMIUM,
                               "artifacts": os.path.join(e2e.BUILD, "artifacts"),
                               "token": TOKENS["reader"], "name": "张伟"}, f,
                              ensure_ascii=False)
                run = subprocess.run(["node", os.path.join(e2e.HERE, "web_signin.mjs"), case],
                                     capture_output=True, text=True, timeout=300)
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                self.assertIn("passed, 0 failed", run.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
