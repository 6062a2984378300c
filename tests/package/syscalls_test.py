"""Every system call the packaged redlined makes is one its unit allows.

redline.service filters system calls (SystemCallFilter=); a call outside
the filter fails with EPERM (SystemCallErrorNumber=), which would surface
as a failure nobody sees until the service runs under systemd. So: the
.deb unpacked into a scratch root, its redlined run under strace with the
unit's flags and the packaged config (as an unprivileged user when the test
runs as root, as the service does), driven through what the service does
(load, gRPC checks and an Overlay stream, the HTTP API and the page, the
audit trail, a SIGHUP reload, a SIGTERM drain), and the calls it made after
its execve compared with the set the unit's SystemCallFilter= lines allow,
expanded by `systemd-analyze syscall-filter`.

Needs strace (Debian's package of that name) and Debian's /usr/bin/python3.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
import package_root  # noqa: E402
import redline_e2e as e2e  # noqa: E402

NOBODY = 65534


def syscall_set(spec, cache={}):
    """The system calls a filter item names (a call or an @group), expanded."""
    if not spec.startswith("@"):
        return {spec}
    if spec not in cache:
        out = subprocess.run(["systemd-analyze", "syscall-filter", spec], capture_output=True,
                             text=True, check=True).stdout
        names = set()
        for line in out.splitlines():
            m = re.fullmatch(r"    ([@a-z0-9_-]+)", line)
            if m:
                names |= syscall_set(m.group(1))
        assert names, f"systemd-analyze syscall-filter {spec} listed nothing"
        cache[spec] = names
    return cache[spec]


def allowed_calls(root):
    """The unit's SystemCallFilter= lines, in order: an allow list, then
    `~` lines that take calls away from it (systemd's semantics)."""
    lines = package_root.unit_lines(root, "SystemCallFilter")
    assert lines and not lines[0].startswith("~"), f"no allow list in the unit: {lines}"
    allowed = set()
    for line in lines:
        deny = line.startswith("~")
        items = set().union(*(syscall_set(i) for i in line.lstrip("~").split()))
        allowed = allowed - items if deny else allowed | items
    return allowed


def calls_after_exec(trace_path, binary):
    """Names of the calls in an `strace -f` log made after execve(binary)."""
    names, started = set(), False
    call = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]")
    with open(trace_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not started:
                started = f'execve("{binary}"' in line and line.rstrip().endswith("= 0")
                continue
            m = call.match(line)
            if m and m.group(1) not in ("resumed", "exited", "killed"):
                names.add(m.group(1))
    assert started, f"no successful execve of {binary} in the trace"
    return names


class TracedServer:
    """redlined under strace; signals go to redlined itself, not strace."""

    def __init__(self, redlined, args, trace, as_nobody):
        self.grpc_port = e2e.free_port()
        self.http_port = e2e.free_port()
        cmd = [redlined, *args, "--listen", f"127.0.0.1:{self.grpc_port}",
               "--http", f"127.0.0.1:{self.http_port}", "--drain_seconds=1"]
        if as_nobody:
            cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                   *cmd]
        self.proc = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, *cmd],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, errors="replace")
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def log(self):
        return "".join(self.lines)

    def wait_for(self, text, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            assert self.proc.poll() is None, f"redlined exited:\n{self.log()}"
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} within {timeout} s:\n{self.log()}")

    def pid(self):
        """redlined's pid: strace's child (setpriv execs it)."""
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            (child,) = f.read().split()
        return int(child)


def exercise(srv, redline, sample_dir, scratch):
    target = f"127.0.0.1:{srv.grpc_port}"
    cli = [redline, "--server", target, "--timeout", "60"]
    subprocess.run(cli + ["check-point", "--lon", "121.069788", "--lat", "29.970780",
                          "--purpose", "outfall"], check=True, capture_output=True)
    subprocess.run(cli + ["check-site", "--wkt",
                          "POLYGON((121.06 29.96,121.08 29.96,121.08 29.98,121.06 29.98,"
                          "121.06 29.96))"], check=True, capture_output=True)
    subprocess.run(cli + ["layers"], check=True, capture_output=True)
    out = os.path.join(scratch, "overlay.csv")
    subprocess.run(cli + ["overlay", "--quiet", "--input",
                          os.path.join(sample_dir, "known_points.csv"), "--output", out],
                   check=True, capture_output=True)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    http = f"http://127.0.0.1:{srv.http_port}"
    for path in ("/", "/vendor/leaflet/leaflet.js", "/v1/layers", "/metrics",
                 "/v1/zones?bbox=121.0,29.9,121.1,30.0&resolution_m=50"):
        with opener.open(http + path, timeout=60) as r:
            assert r.status == 200, path
    body = json.dumps({"x": 121.069788, "y": 29.97078,
                       "options": {"siting": {"purpose": "OUTFALL"}}}).encode()
    req = urllib.request.Request(http + "/v1/check-point", data=body,
                                 headers={"Content-Type": "application/json"})
    with opener.open(req, timeout=60) as r:
        assert b"PROHIBITED" in r.read()


def main():
    if shutil.which("strace") is None:
        sys.exit("strace is not installed (Debian package strace; scripts/deps.sh)")
    with tempfile.TemporaryDirectory() as scratch:
        root = package_root.unpack(e2e.BUILD, scratch)
        as_nobody = os.geteuid() == 0
        state = os.path.join(scratch, "state")
        os.mkdir(state)
        if as_nobody:  # the service's user owns its state directory
            os.chmod(scratch, 0o755)
            os.chown(state, NOBODY, NOBODY)
        config = package_root.packaged_config(root, scratch)
        redlined = os.path.join(root, "usr/bin/redlined")
        trace = os.path.join(scratch, "trace")
        args = ["--config", config, *package_root.unit_flags(root, state)]
        srv = TracedServer(redlined, args, trace, as_nobody)
        try:
            srv.wait_for(" serving ")
            exercise(srv, os.path.join(root, "usr/bin/redline"),
                     os.path.join(root, package_root.PREFIX.lstrip("/"), "sample"), scratch)
            os.kill(srv.pid(), signal.SIGHUP)
            srv.wait_for("reload: now serving")
            os.kill(srv.pid(), signal.SIGTERM)
            assert srv.proc.wait(120) == 0, f"exit status {srv.proc.returncode}:\n{srv.log()}"
        finally:
            if srv.proc.poll() is None:
                srv.proc.kill()
                srv.proc.wait()
        srv.reader.join(5)
        assert "stopped" in srv.log(), srv.log()
        used = calls_after_exec(trace, redlined)
        allowed = allowed_calls(root)
        print(f"{len(used)} distinct system calls made; the unit allows {len(allowed)}")
        refused = sorted(used - allowed)
        assert not refused, (f"redlined made calls redline.service refuses: {refused}; "
                             "widen SystemCallFilter= or find the caller")
        print("ok: every call is allowed:", " ".join(sorted(used)))


if __name__ == "__main__":
    main()
