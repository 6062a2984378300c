#!/usr/bin/env python3
"""End-to-end: the HTTP API holds up against slow, huge and cross-site requests.

Issue 18 findings 2 (part), 3, 4, 5 (part), 7 (HTTP part) and 8, each against
the real redlined. On main 1838d3f: a 70 MiB chunked body was read whole (and
echoed back), 32 slow sockets stopped every answer, 400 kB of nested JSON
arrays cost 61 MB each, any Origin/Host/text/plain was accepted, answers had
no security headers, /index.html%00.js served index.html and a wrong method
was 404.

Needs Debian's /usr/bin/python3 (python3-grpcio, python3-yaml).
"""

import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

SERVER = None
TMP = None
HOST = "127.0.0.1"
PORT = 0
MAX_REQUEST_BYTES = 1 << 20
PER_CLIENT = 80
ALLOWED_ORIGIN = "https://desk.example.org"
ALLOWED_HOST = "redline.example.org"
POINT = {"x": 120.1, "y": 30.2}


def setUpModule():
    global SERVER, TMP, PORT
    TMP = e2e.tempdir()
    web = os.path.join(TMP.name, "web")
    os.makedirs(web)
    with open(os.path.join(web, "index.html"), "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html><title>staff desk test page</title>")
    config = e2e.write_config(TMP.name, max_request_bytes=MAX_REQUEST_BYTES)
    SERVER = e2e.Server(config, extra_args=[
        "--http", "127.0.0.1:0", "--web_root", web,
        f"--http_max_connections_per_client={PER_CLIENT}",
        f"--http_allowed_origins={ALLOWED_ORIGIN}",
        f"--http_allowed_hosts={ALLOWED_HOST}"])
    SERVER.__enter__()
    SERVER.wait_http()
    PORT = int(SERVER.http_url.rsplit(":", 1)[1])


def tearDownModule():
    try:
        SERVER.__exit__(None, None, None)
    finally:
        TMP.cleanup()


def rss_kb():
    with open(f"/proc/{SERVER.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def request(method, path, body=None, headers=None, source=None, timeout=10):
    """(status, headers, body bytes) of one exchange on a new connection,
    optionally from another loopback source address (127.0.0.x)."""
    data = body.encode() if isinstance(body, str) else body
    headers = dict(headers or {})
    host = headers.pop("Host", f"{HOST}:{PORT}")
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    if data is not None:
        headers.setdefault("Content-Length", str(len(data)))
    head += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((HOST, PORT), timeout=timeout,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + (data or b""))
        return read_response(s)


def read_response(s):
    raw = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1."):
        raise AssertionError(f"no HTTP answer: {raw[:200]!r}")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def post_json(path, obj, headers=None, **kw):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return request("POST", path, json.dumps(obj), h, **kw)


class BodyLimitTest(unittest.TestCase):
    def test_chunked_body_over_the_limit_is_refused_at_once(self):
        before = rss_kb()
        start = time.monotonic()
        chunk = b"x" * 65536
        frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        sent = 0
        with socket.create_connection((HOST, PORT), timeout=20) as s:
            s.sendall(b"POST /v1/check-geometry HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            try:
                while sent < 70 << 20:
                    s.sendall(frame)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            status, _, body = read_response(s)
        took = time.monotonic() - start
        self.assertEqual(status, 413, body[:300])
        self.assertIn(b"max_request_bytes", body)
        self.assertLess(len(body), 1000)
        self.assertNotIn(b"xxxxxxxx", body)
        self.assertLess(sent, 20 << 20, "the server kept reading past the limit")
        self.assertLess(took, 5, f"refused after {took:.1f} s")
        self.assertLess(rss_kb() - before, 8 << 10, "RSS grew by more than 8 MB")

    def test_declared_length_over_the_limit_is_refused_before_the_body(self):
        with socket.create_connection((HOST, PORT), timeout=10) as s:
            s.sendall(b"POST /v1/check-point HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 73400320\r\n\r\n")
            status, hdrs, body = read_response(s)  # answered with no body sent
        self.assertEqual(status, 413, body)
        self.assertEqual(hdrs.get("connection"), "close")

    def test_nested_json_is_refused_cheaply(self):
        body = "[" * 400_000
        before = rss_kb()
        for _ in range(5):
            status, _, out = request("POST", "/v1/check-point", body,
                                     {"Content-Type": "application/json"})
            self.assertEqual(status, 400, out[:300])
            self.assertIn(b"deeper than 64", out)
            self.assertLess(len(out), 500)
        self.assertLess(rss_kb() - before, 8 << 10, "RSS grew by more than 8 MB")

    def test_errors_quote_a_short_excerpt(self):
        junk = '{"x": 1, "y": ' + "9" * 50 + ", " + '"z' * 400_000 + "}"
        for path, body in [("/v1/check-point", junk),
                           ("/v1/check-geometry",
                            json.dumps({"geometry": {"wkt": "POLYGON((" + "1 2," * 200_000}})),
                           ("/v1/check-point", json.dumps({"x": "a" * 900_000, "y": 1}))]:
            with self.subTest(path=path, start=body[:30]):
                status, _, out = request("POST", path, body,
                                         {"Content-Type": "application/json"})
                self.assertEqual(status, 400, out[:300])
                self.assertLess(len(out), 1500, out[:300])


class SlowClientsTest(unittest.TestCase):
    def test_slow_sockets_do_not_starve_the_others(self):
        stop = threading.Event()
        socks = []
        for i in range(64):
            s = socket.create_connection((HOST, PORT), timeout=5)
            socks.append(s)
        # Half trickle a request head, half a body after a whole head.
        heads = [b"GET /v1/layers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100,
                 b"POST /v1/check-point HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"]
        for i, s in enumerate(socks):
            if i % 2:
                s.sendall(heads[1])

        def trickle():
            pos = 0
            while not stop.wait(2.5):
                for i, s in enumerate(socks):
                    try:
                        s.sendall(heads[0][pos:pos + 1] if i % 2 == 0 else b" ")
                    except OSError:
                        pass
                pos += 1
        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        worst = 0
        try:
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                t0 = time.monotonic()
                status, _, _ = request("GET", "/v1/layers", timeout=5)
                worst = max(worst, time.monotonic() - t0)
                self.assertEqual(status, 200)
                time.sleep(0.3)
        finally:
            stop.set()
            t.join()
        self.assertLess(worst, 1.0, f"a probe took {worst:.2f} s")
        # The heads never completed within 10 s of their first byte: 408.
        time.sleep(4)
        s = socks[0]
        s.settimeout(5)
        status, _, body = read_response(s)
        self.assertEqual(status, 408, body)
        for s in socks:
            s.close()

    def test_connections_per_client_are_limited(self):
        socks = [socket.create_connection((HOST, PORT), timeout=5) for _ in range(PER_CLIENT)]
        try:
            time.sleep(0.3)
            with socket.create_connection((HOST, PORT), timeout=5) as extra:
                status, hdrs, body = read_response(extra)
            self.assertEqual(status, 503, body)
            self.assertIn(b"connections open", body)
            # Another client address is still served.
            status, _, _ = request("GET", "/v1/layers", source="127.0.0.2")
            self.assertEqual(status, 200)
        finally:
            for s in socks:
                s.close()
        time.sleep(0.3)
        self.assertEqual(request("GET", "/v1/layers")[0], 200)


class CrossSiteTest(unittest.TestCase):
    def test_origin_of_another_site_is_403(self):
        status, _, body = post_json("/v1/check-point", POINT, {"Origin": "http://evil.example"})
        self.assertEqual(status, 403, body)
        self.assertIn(b"evil.example", body)
        status, _, body = post_json("/v1/check-point", POINT, {"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(status, 403, body)
        status, _, body = post_json("/v1/check-point", POINT, {"Origin": "null"})
        self.assertEqual(status, 403, body)

    def test_own_and_allowed_origins_are_served(self):
        status, _, body = post_json("/v1/check-point", POINT,
                                    {"Origin": f"http://{HOST}:{PORT}"})
        self.assertEqual(status, 200, body[:300])
        status, hdrs, body = post_json("/v1/check-point", POINT, {"Origin": ALLOWED_ORIGIN})
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(hdrs.get("access-control-allow-origin"), ALLOWED_ORIGIN)
        # Its page's preflight is answered; another site's is not.
        status, hdrs, _ = request("OPTIONS", "/v1/check-point", None, {
            "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 204)
        self.assertIn("POST", hdrs.get("access-control-allow-methods", ""))
        status, hdrs, _ = request("OPTIONS", "/v1/check-point", None, {
            "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 405)
        self.assertNotIn("access-control-allow-origin", hdrs)

    def test_unknown_host_is_403(self):
        status, _, body = request("GET", "/v1/layers", headers={"Host": f"evil.example:{PORT}"})
        self.assertEqual(status, 403, body)
        self.assertIn(b"--http_allowed_hosts", body)
        for host in [ALLOWED_HOST, f"localhost:{PORT}", f"[::1]:{PORT}"]:
            with self.subTest(host=host):
                self.assertEqual(request("GET", "/v1/layers", headers={"Host": host})[0], 200)

    def test_text_plain_is_415(self):
        status, _, body = request("POST", "/v1/check-point", json.dumps(POINT),
                                  {"Content-Type": "text/plain"})
        self.assertEqual(status, 415, body)
        form = "request=" + urllib.parse.quote(json.dumps({"geometry": {"wkt": "POINT(1 2)"}}))
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        self.assertEqual(request("POST", "/v1/check-geometry", form, form_type)[0], 415)
        cross = dict(form_type, Origin=ALLOWED_ORIGIN)
        self.assertEqual(request("POST", "/v1/record", form, cross)[0], 415)
        status, _, body = request("POST", "/v1/upload", b"abc",
                                  {"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 415, body)
        self.assertIn(b"multipart/form-data", body)

    def test_compressed_bodies_are_415(self):
        status, _, body = request("POST", "/v1/check-point", b"\x1f\x8b\x08\x00",
                                  {"Content-Type": "application/json", "Content-Encoding": "gzip"})
        self.assertEqual(status, 415, body)


class HygieneTest(unittest.TestCase):
    HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
               "referrer-policy": "no-referrer"}

    def assert_security_headers(self, hdrs):
        for k, v in self.HEADERS.items():
            self.assertEqual(hdrs.get(k), v, k)
        csp = hdrs.get("content-security-policy", "")
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn("script-src 'self'", csp)

    def test_every_answer_has_security_headers(self):
        for method, path, body, want in [("GET", "/v1/layers", None, 200),
                                         ("GET", "/", None, 200),
                                         ("GET", "/nothing", None, 404),
                                         ("POST", "/v1/check-point", "{", 400)]:
            with self.subTest(path=path):
                status, hdrs, _ = request(method, path, body,
                                          {"Content-Type": "application/json"} if body else {})
                self.assertEqual(status, want)
                self.assert_security_headers(hdrs)
        # Refusals of the connection layer too.
        with socket.create_connection((HOST, PORT), timeout=10) as s:
            s.sendall(b"POST /v1/check-point HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Length: 99999999\r\n\r\n")
            status, hdrs, _ = read_response(s)
        self.assertEqual(status, 413)
        self.assert_security_headers(hdrs)

    def test_html_has_a_charset(self):
        status, hdrs, _ = request("GET", "/index.html")
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["content-type"].replace(" ", "").lower(), "text/html;charset=utf-8")

    def test_unclean_paths_do_not_serve_files(self):
        for path in ["/index.html%00.js", "/%2e%2e/index.html", "/a%5c..%5cindex.html",
                     "/./index.html"]:
            with self.subTest(path=path):
                status, _, body = request("GET", path)
                self.assertIn(status, (400, 404), body)
                self.assertNotIn(b"staff desk test page", body)

    def test_wrong_method_is_405_with_allow(self):
        for method, path, allow in [("GET", "/v1/check-point", "POST"),
                                    ("DELETE", "/v1/layers", "GET, HEAD"),
                                    ("POST", "/index.html", "GET, HEAD"),
                                    ("PUT", "/v1/upload", "POST")]:
            with self.subTest(method=method, path=path):
                status, hdrs, body = request(method, path, b"" if method != "GET" else None)
                self.assertEqual(status, 405, body)
                self.assertEqual(hdrs.get("allow"), allow)


import urllib.parse  # noqa: E402

if __name__ == "__main__":
    unittest.main(verbosity=2)
