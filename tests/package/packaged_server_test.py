"""The .deb unpacked into a scratch root (dpkg-deb -x) serves the sample.

redlined from the package runs with the package's own flags (the ExecStart
line of its redline.service) and its /etc/redline/redline.yaml, paths moved
into the scratch root; gRPC and HTTP on free ports. Then:
  - both binaries' --version name the project version and a git description;
  - the packaged CLI's CheckPoint at a known sample point names the zone
    data/sample/known_points.csv expects there, and an outfall inside a
    first-level drinking water source zone is PROHIBITED (the packaged
    rules are in force);
  - the staff desk page and Leaflet come from the packaged web root;
  - the Python client from python3-redline (unpacked into the same root)
    finds its installed stubs and gets the same verdict;
  - the audit trail is written where the unit says (moved into scratch);
  - SIGHUP (the unit's ExecReload) reloads; SIGTERM stops it with status 0.

Needs Debian's /usr/bin/python3; REDLINE_BUILD holds deb-test/ (the
package.build fixture).
"""

import csv
import os
import re
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
import package_root  # noqa: E402
import redline_e2e as e2e  # noqa: E402
from package_root import PREFIX  # noqa: E402


def main():
    with tempfile.TemporaryDirectory() as scratch:
        root = package_root.unpack(e2e.BUILD, scratch, python=True)
        redlined = os.path.join(root, "usr/bin/redlined")
        redline = os.path.join(root, "usr/bin/redline")

        for binary, name in ((redlined, "redlined"), (redline, "redline")):
            out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 check=True).stdout
            assert re.fullmatch(rf"{name} \d+\.\d+\.\d+ \(git \S+\)\n", out), repr(out)
            print(out.strip())

        state = os.path.join(scratch, "state")
        os.mkdir(state)
        config = package_root.packaged_config(root, scratch)
        flags = package_root.unit_flags(root, state)
        print("flags from the unit:", flags)

        # The CLI and the server from the package, not from the build folder.
        e2e.REDLINED, e2e.REDLINE = redlined, redline
        with e2e.Server(config=config, extra_args=flags) as srv:
            check_sample(srv, redline, os.path.join(root, PREFIX.lstrip("/"), "sample"))
            check_web(srv)
            check_python_client(srv, root)
            assert os.path.getsize(os.path.join(state, "audit.sqlite")) > 0, "no audit trail"
            srv.send(signal.SIGHUP)
            srv.wait_for("reload: now serving")
            log = srv.log()
            assert "rules in force from the config's rule files" in log, log
            assert "HTTP API and staff desk on" in log, log
        print("ok")


def check_sample(srv, redline, sample_dir):
    with open(os.path.join(sample_dir, "known_points.csv"), encoding="utf-8") as f:
        point = next(r for r in csv.DictReader(f) if r["expect_layer"] == "water_source")
    base = [redline, "--server", srv.target, "--json", "check-point",
            "--lon", point["lon"], "--lat", point["lat"]]
    out = subprocess.run(base, capture_output=True, text=True, check=True).stdout
    zones = re.findall(r'"zoneId": "([^"]+)"', out)
    assert point["expect_zone_id"] in zones, (point, zones)
    assert '"verdict": "NEEDS_PURPOSE"' in out, out[:400]
    out = subprocess.run(base + ["--purpose", "outfall"], capture_output=True, text=True).stdout
    assert '"verdict": "PROHIBITED"' in out, out[:600]
    print(f"check-point {point['lon']},{point['lat']}: {point['expect_zone_id']}, "
          "outfall PROHIBITED")


PY_CHECK = """
import sys
import redline_client
from redline_client import RedlineClient, pb
assert redline_client.__file__.startswith(sys.argv[2]), redline_client.__file__
assert pb.__file__.startswith(sys.argv[2]), pb.__file__
with RedlineClient(sys.argv[1]) as client:
    r = client.check_point(121.069788, 29.97078, purpose="OUTFALL")
print(pb.Verdict.Name(r.verdict))
"""


def check_python_client(srv, root):
    """The packaged client, on Debian's python3, with only the packaged
    dist-packages added: not the checkout's client or stubs."""
    dist = os.path.join(root, "usr/lib/python3/dist-packages")
    env = {k: v for k, v in os.environ.items() if k not in ("REDLINE_PY_STUBS", "PYTHONPATH")}
    env["PYTHONPATH"] = dist
    out = subprocess.run(["/usr/bin/python3", "-c", PY_CHECK, srv.target, dist], env=env,
                         capture_output=True, text=True, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "PROHIBITED", out.stdout
    print("python3-redline's client:", out.stdout.strip())


def check_web(srv):
    opener = e2e._loopback_opener()
    for path, needle in (("/", b"<html"), ("/vendor/leaflet/leaflet.js", b"Leaflet"),
                         ("/names.js", b"")):
        with opener.open(srv.http_url + path, timeout=10) as r:
            body = r.read()
            assert r.status == 200 and needle in body, (path, r.status, body[:200])
    print("web page, names.js and Leaflet served from the packaged web root")


if __name__ == "__main__":
    main()
