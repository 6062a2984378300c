#!/usr/bin/python3
"""End-to-end: TLS on the HTTP port (issue 21, item 1).

With --tls-cert and --tls-key a real redlined serves the HTTP API and the
staff desk page over TLS, on loopback and off it; with --tls-client-ca the
HTTP port, like the gRPC port, wants a client certificate the CA signed; a
renewed certificate is taken up by new connections while an open keep-alive
connection goes on; plain HTTP to the TLS port gets nothing; a client that
opens a connection and never finishes its handshake holds nobody up.
Certificates are made by Debian's openssl (security_test.make_certificates).

Needs Debian's /usr/bin/python3 and the openssl CLI.
"""

import http.client
import json
import os
import shutil
import socket
import ssl
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from security_test import (HIT, TOKENS, make_certificates, openssl,  # noqa: E402
                           peer_common_name, write_tokens)


def tls_context(ca, cert=None, key=None):
    context = ssl.create_default_context(cafile=ca)
    if cert:
        context.load_cert_chain(cert, key)
    return context


def https(url, context, method="GET", path="/", body=None, token=None, conn=None):
    """(status, body bytes) of one request; on `conn` if given (kept open)."""
    parsed = urllib.parse.urlsplit(url)
    own = conn is None
    if own:
        conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context,
                                           timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def check_point_body():
    return json.dumps({"x": HIT[0], "y": HIT[1]})


class HttpsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e.tempdir()
        cls.files = make_certificates(cls.tmp.name)
        cls.tokens = os.path.join(cls.tmp.name, "tokens.txt")
        write_tokens(cls.tokens, [(role, TOKENS[role], f"{role}.user") for role in TOKENS])
        cls.ca = cls.files["ca.pem"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tls_args(self, cert=None, key=None):
        return ["--tls-cert", cert or self.files["server.pem"], "--tls-key",
                key or self.files["server.key"], "--tokens", self.tokens]

    def test_api_and_page_over_tls(self):
        with e2e.Server(extra_args=self.tls_args()) as srv:
            url = srv.http_url
            self.assertTrue(url.startswith("https://"), url)
            self.assertIn("(TLS)", srv.log())
            context = tls_context(self.ca)
            status, page = https(url, context, path="/")
            self.assertEqual(status, 200)
            self.assertIn(b"<html", page.lower())
            status, body = https(url, context, "POST", "/v1/check-point", check_point_body(),
                                 TOKENS["reader"])
            self.assertEqual(status, 200, body)
            self.assertIn("verdict", json.loads(body))
            # The token check works as on plain text: none, no answer.
            status, _ = https(url, context, "POST", "/v1/check-point", check_point_body())
            self.assertEqual(status, 401)
            # Keep-alive: several requests on one TLS connection.
            parsed = urllib.parse.urlsplit(url)
            conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context,
                                               timeout=30)
            try:
                for _ in range(5):
                    status, _ = https(url, context, path="/v1/layers", token=TOKENS["reader"],
                                      conn=conn)
                    self.assertEqual(status, 200)
            finally:
                conn.close()
            # A CA that signed nothing of it: the handshake fails on the client.
            with self.assertRaises(ssl.SSLError):
                https(url, tls_context(self.files["other.pem"]), path="/")

    def test_pipelined_requests_over_tls_are_all_answered(self):
        # Three requests in one write: they arrive in one TLS record, so the
        # second and third wait inside the TLS session, not in the socket.
        with e2e.Server(extra_args=self.tls_args()) as srv:
            port = urllib.parse.urlsplit(srv.http_url).port
            request = (f"GET /v1/layers HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                       f"Authorization: Bearer {TOKENS['reader']}\r\n\r\n").encode()
            with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
                with tls_context(self.ca).wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    tls.sendall(request * 3)
                    answers = b""
                    deadline = time.monotonic() + 20
                    while answers.count(b"HTTP/1.1 200") < 3 and time.monotonic() < deadline:
                        chunk = tls.recv(65536)
                        if not chunk:
                            break
                        answers += chunk
            self.assertEqual(answers.count(b"HTTP/1.1 200"), 3, answers[:300])

    def test_plain_http_to_the_tls_port_gets_nothing_and_the_port_goes_on(self):
        with e2e.Server(extra_args=self.tls_args()) as srv:
            port = urllib.parse.urlsplit(srv.http_url).port
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                raw.sendall(b"GET /v1/layers HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                try:
                    answer = raw.recv(4096)
                except ConnectionResetError:
                    answer = b""
            self.assertNotIn(b"HTTP/1.1 200", answer)
            status, _ = https(srv.http_url, tls_context(self.ca), path="/v1/layers",
                              token=TOKENS["reader"])
            self.assertEqual(status, 200)

    def test_a_stalled_handshake_holds_nobody_up(self):
        with e2e.Server(extra_args=self.tls_args()) as srv:
            port = urllib.parse.urlsplit(srv.http_url).port
            stalled = [socket.create_connection(("127.0.0.1", port), timeout=10)
                       for _ in range(20)]
            try:
                stalled[0].sendall(b"\x16\x03\x01\x02\x00")  # a ClientHello's first bytes only
                started = time.monotonic()
                status, _ = https(srv.http_url, tls_context(self.ca), path="/v1/layers",
                                  token=TOKENS["reader"])
                self.assertEqual(status, 200)
                self.assertLess(time.monotonic() - started, 10)
            finally:
                for s in stalled:
                    s.close()

    def test_mutual_tls_on_the_http_port(self):
        args = self.tls_args() + ["--tls-client-ca", self.ca]
        with e2e.Server(extra_args=args) as srv:
            self.assertIn("client certificates required", srv.log())
            good = tls_context(self.ca, self.files["client.pem"], self.files["client.key"])
            status, _ = https(srv.http_url, good, path="/v1/layers", token=TOKENS["reader"])
            self.assertEqual(status, 200)
            for context in (tls_context(self.ca),
                            tls_context(self.ca, self.files["other.pem"],
                                        self.files["other.key"])):
                # TLS 1.3: the client learns of the refusal at its first read.
                with self.assertRaises((ssl.SSLError, ConnectionError)):
                    https(srv.http_url, context, path="/v1/layers", token=TOKENS["reader"])
            status, _ = https(srv.http_url, good, path="/v1/layers", token=TOKENS["reader"])
            self.assertEqual(status, 200)

    def test_renewed_certificate_taken_up_and_an_open_connection_stays(self):
        folder = os.path.join(self.tmp.name, "renew-http")
        os.makedirs(folder)
        cert, key = os.path.join(folder, "server.pem"), os.path.join(folder, "server.key")
        shutil.copy(self.files["server.pem"], cert)
        shutil.copy(self.files["server.key"], key)
        args = self.tls_args(cert, key) + ["--tls-reload-seconds", "1"]
        with e2e.Server(extra_args=args) as srv:
            url = srv.http_url
            port = urllib.parse.urlsplit(url).port
            context = tls_context(self.ca)
            self.assertEqual(peer_common_name(port, self.ca), "redline test server")
            parsed = urllib.parse.urlsplit(url)
            conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context,
                                               timeout=30)
            try:
                self.assertEqual(https(url, context, path="/v1/layers",
                                       token=TOKENS["reader"], conn=conn)[0], 200)
                openssl("x509", "-req", "-in", self.files["server.csr"], "-CA", "ca.pem",
                        "-CAkey", "ca.key", "-CAcreateserial", "-out", "renewed-http.pem",
                        "-days", "2", "-extfile", "server.ext", "-subj",
                        "/CN=redline renewed http", cwd=self.tmp.name)
                os.replace(os.path.join(self.tmp.name, "renewed-http.pem"), cert)
                deadline = time.monotonic() + 30
                while (peer_common_name(port, self.ca) != "redline renewed http"
                       and time.monotonic() < deadline):
                    time.sleep(0.2)
                self.assertEqual(peer_common_name(port, self.ca), "redline renewed http")
                self.assertIn("HTTP TLS: certificate re-read", srv.log())
                # The connection opened before the renewal still answers.
                self.assertEqual(https(url, context, path="/v1/layers",
                                       token=TOKENS["reader"], conn=conn)[0], 200)
            finally:
                conn.close()

    def test_tls_http_may_listen_off_loopback(self):
        port = e2e.free_port()
        args = self.tls_args() + ["--http", f"0.0.0.0:{port}"]
        with e2e.Server(extra_args=args) as srv:
            self.assertNotIn("--insecure", srv.log())
            status, _ = https(f"https://127.0.0.1:{port}", tls_context(self.ca),
                              path="/v1/layers", token=TOKENS["reader"])
            self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
