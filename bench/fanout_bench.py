#!/usr/bin/python3
"""One overlay spread over replicas: `redline overlay --server a,b,c` with 1, 2 and 3.

    bench/fanout_bench.py [--points 1000000] [--replicas 3] [--python] [--build build]

Writes --points points as bench/overlay_bench.py does (same seed and mix:
half province-wide, half near the sample's known points; CSV with lon/lat
columns, four attributes), starts --replicas redlined on data/sample, each on
a free 127.0.0.1 port, loaded before timing, and times the wall time of
`redline overlay --purpose outfall` CSV->CSV through 1, 2, ... of them:

  GDAL path   REDLINE_OVERLAY_GDAL_ONLY=1: the path that spreads its batches
              over the servers (one stream each, round-robin, rows in input
              order, one dataset version pinned).
  fast path   the CSV fast path, which keeps to the first server (a note in
              its summary): the reference a spread job has to beat.
  Python      with --python: RedlineClient("a,b,...").overlay_points over the
              same points (results decoded, not written).

Every spread output is compared byte for byte with the one-server output
("same" column). Everything runs on this machine: the client, and every
replica, share its cores, so on a small machine more replicas cannot add
compute; what the table shows there is the cost or gain of the spreading
itself. Needs Debian's /usr/bin/python3 (python3-gdal for the inputs,
python3-grpcio for --python) and a build of redline and redlined.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import overlay_bench as ob  # noqa: E402  (the inputs and the machine line)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def write_csv(folder, n, seed):
    """points.csv as overlay_bench writes it (no GPKG/FGB copies: not needed here)."""
    import csv
    import random
    rng = random.Random(seed + 1)
    path = os.path.join(folder, "points.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "grade", "flow_m3d", "lon", "lat"])
        for i, (lon, lat, _) in enumerate(ob.make_points(n, seed), 1):
            w.writerow([i, f"{rng.choice(ob.PLACES)}{rng.choice(ob.KINDS)}{i}号",
                        rng.randint(1, 5), f"{rng.uniform(0, 5000):.2f}", f"{lon:.7f}",
                        f"{lat:.7f}"])
    return path


class Replica:
    """One redlined on data/sample, on a port the OS picks."""

    def __init__(self, build):
        self.proc = subprocess.Popen(
            [os.path.join(build, "redlined"), "--config", ob.SAMPLE_CONFIG, "--listen",
             "127.0.0.1:0", "--http", "off"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace")
        self.lines, self.address, self.found = [], None, threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 300
        while not self.found.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("fanout_bench: redlined did not start:\n" + "".join(self.lines))

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            m = re.search(r" serving .* on (127\.0\.0\.1:\d+)$", line.rstrip())
            if m and self.address is None:
                self.address = m.group(1)
                self.found.set()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def overlay(build, servers, inp, out, gdal_only):
    env = dict(os.environ)
    env.pop("REDLINE_OVERLAY_GDAL_ONLY", None)
    if gdal_only:
        env["REDLINE_OVERLAY_GDAL_ONLY"] = "1"
    cmd = [os.path.join(build, "redline"), "--server", ",".join(servers), "overlay", "--input",
           inp, "--output", out, "--quiet", "--purpose", "outfall", "--id-field", "id",
           "--overwrite"]
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", env=env)
    s = time.monotonic() - t
    if p.returncode not in (0, 3):
        raise SystemExit(f"fanout_bench: {' '.join(cmd)} failed ({p.returncode}):\n"
                         f"{p.stdout}{p.stderr}")
    return s


def python_overlay(build, servers, inp):
    os.environ.setdefault("REDLINE_PY_STUBS", os.path.join(build, "python"))
    sys.path.insert(0, os.path.join(ob.SOURCE, "clients", "python"))
    from redline_client import RedlineClient
    import csv
    xs, ys = [], []
    with open(inp, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            xs.append(float(row["lon"]))
            ys.append(float(row["lat"]))
    t = time.monotonic()
    n = 0
    with RedlineClient(",".join(servers)) as c:
        for _ in c.overlay_points(xs, ys, purpose="outfall"):
            n += 1
    assert n == len(xs), (n, len(xs))
    return time.monotonic() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--python", action="store_true", help="also time the Python client")
    ap.add_argument("--build", default=os.environ.get("REDLINE_BUILD",
                                                      os.path.join(ob.SOURCE, "build")))
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    folder = tempfile.mkdtemp(prefix="redline-fanout-bench-")
    replicas = []
    try:
        log(f"fanout_bench: {args.points:,} points in {folder} (untimed)")
        inp = write_csv(folder, args.points, ob.SEED)
        for _ in range(args.replicas):
            replicas.append(Replica(build))
        addresses = [r.address for r in replicas]
        rows = []
        first = None
        for k in range(1, args.replicas + 1):
            out = os.path.join(folder, f"gdal_{k}.csv")
            s = overlay(build, addresses[:k], inp, out, gdal_only=True)
            d = digest(out)
            first = first or d
            rows.append((f"GDAL path, {k} replica{'s' if k > 1 else ''}", s,
                         "yes" if d == first else "NO"))
            log(f"  {rows[-1][0]}: {s:.2f} s")
        out = os.path.join(folder, "fast_1.csv")
        s = overlay(build, addresses[:1], inp, out, gdal_only=False)
        rows.append(("fast path, 1 replica (keeps to one)", s,
                     "yes" if digest(out) == first else "NO"))
        log(f"  {rows[-1][0]}: {s:.2f} s")
        if args.python:
            for k in range(1, args.replicas + 1):
                s = python_overlay(build, addresses[:k], inp)
                rows.append((f"Python overlay_points, {k} replica{'s' if k > 1 else ''}", s, ""))
                log(f"  {rows[-1][0]}: {s:.2f} s")
        print()
        print(f"Overlay of {args.points:,} points CSV->CSV (seed {ob.SEED}), purpose outfall, "
              f"replicas of data/sample on 127.0.0.1")
        print(f"machine: {ob.machine()} (client and replicas share it)")
        print(f"{'row':<44}{'seconds':>9}{'points/s':>12}{'same':>6}")
        for name, s, same in rows:
            print(f"{name:<44}{s:>9.2f}{args.points / s:>12,.0f}{same:>6}")
    finally:
        for r in replicas:
            r.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
