#!/usr/bin/python3
"""`redline compare` with a register of points: what a province's register costs.

    bench/compare_bench.py [--points 1000000] [--keep DIR] [--build build] [--json FILE]

Writes --points register points as a GeoPackage (the points of
bench/overlay_bench.py, fixed seed: half near the sample's known points,
half uniform over Zhejiang) and times, as the wall time of each subprocess,
between the sample (data/sample) and its adjusted release
(data/sample_adjusted):

  zones only         `redline compare --from-config --to-config`: loading both
                     versions and comparing their zones (the fixed cost)
  local, register    the same with `--input` the register (every point checked
                     under both versions, --purpose outfall: the whole check)
  server, register   `redline compare --from V1 --input` against a running
                     redlined holding both versions (loaded before timing; the
                     register is read by the CLI and sent in the request)
  baseline           `redline overlay --local` of the same file under the
                     adjusted release alone (one check per point, written to CSV)

Needs Debian's /usr/bin/python3 with python3-gdal and python3-yaml, gdal-bin,
and a build of redline and redlined (ninja -C build redline redlined).
"""

import argparse
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

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import overlay_bench as ob  # noqa: E402  (its points, machine line and runner)

SAMPLE_CONFIG = ob.SAMPLE_CONFIG
ADJUSTED_CONFIG = os.path.join(ob.SOURCE, "data", "sample_adjusted", "redline.yaml")
PURPOSE = "outfall"


def write_register(folder, n, seed):
    """register.gpkg: n points, EPSG:4490, an id column `site_id`."""
    from osgeo import ogr, osr
    path = os.path.join(folder, "register.gpkg")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4490)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = ds.CreateLayer("register", srs, ogr.wkbPoint, options=["SPATIAL_INDEX=NO"])
    layer.CreateField(ogr.FieldDefn("site_id", ogr.OFTString))
    defn = layer.GetLayerDefn()
    layer.StartTransaction()
    for i, (lon, lat, _) in enumerate(ob.make_points(n, seed), 1):
        f = ogr.Feature(defn)
        f.SetField("site_id", f"S{i:07d}")
        g = ogr.Geometry(ogr.wkbPoint)
        g.AddPoint_2D(lon, lat)
        f.SetGeometry(g)
        layer.CreateFeature(f)
    layer.CommitTransaction()
    ds = None
    return path


def release(src, path, keep_versions=2):
    """`src` rewritten to `path` with absolute paths and keep_versions."""
    folder = os.path.dirname(os.path.abspath(src))
    with open(src, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    cfg["rules"] = [os.path.normpath(os.path.join(folder, r)) for r in cfg.get("rules", [])]
    for layer in cfg["layers"]:
        layer["source"] = os.path.normpath(os.path.join(folder, layer["source"]))
    cfg["keep_versions"] = keep_versions
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, allow_unicode=True, sort_keys=False)


def row(rows, name, cmd, points):
    p, s = ob.timed(cmd, timeout=7200)
    if p.returncode not in (0, 3):
        raise SystemExit(f"compare_bench: {' '.join(cmd)} failed ({p.returncode}):\n"
                         f"{p.stdout}{p.stderr[-2000:]}")
    changed = ""
    m = re.search(r"Register: (\d+) features .*?: (\d+) changed", p.stdout)
    if m:
        changed = f"{m.group(2)} of {m.group(1)} changed"
    rows.append({"name": name, "seconds": s, "points": points, "note": changed})
    ob.log(f"  {name}: {s:.2f} s {changed}")


class Redlined:
    """A redlined holding the sample and the adjusted release (keep_versions 2)."""

    def __init__(self, build, folder):
        self.config = os.path.join(folder, "server.yaml")
        release(SAMPLE_CONFIG, self.config)
        self.build = build
        self.proc = subprocess.Popen(
            [os.path.join(build, "redlined"), "--config", self.config, "--listen",
             "127.0.0.1:0", "--http", "off"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace")
        self.lines, self.address, found = [], [], threading.Event()

        def read():
            for line in self.proc.stdout:
                self.lines.append(line)
                m = re.search(r" serving .* on (127\.0\.0\.1:\d+)$", line.rstrip())
                if m and not self.address:
                    self.address.append(m.group(1))
                    found.set()
        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + 300
        while not found.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("compare_bench: redlined did not start:\n" + "".join(self.lines))
        self.target = self.address[0]

    def version(self):
        p = ob.run_checked([os.path.join(self.build, "redline"), "--server", self.target,
                            "--json", "layers"])
        return json.loads(p.stdout)["datasetVersion"]

    def reload_adjusted(self):
        """Loads the adjusted release (SIGHUP); the sample's version stays held."""
        before = self.version()
        release(ADJUSTED_CONFIG, self.config)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 300
        while self.version() == before:
            if time.monotonic() > deadline:
                raise SystemExit("compare_bench: the reload did not happen:\n"
                                 + "".join(self.lines))
            time.sleep(0.2)
        return before

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000, help="points (default 1,000,000)")
    ap.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    ap.add_argument("--build", default=os.environ.get("REDLINE_BUILD",
                                                      os.path.join(ob.SOURCE, "build")))
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = ap.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="compare_bench_")
    os.makedirs(folder, exist_ok=True)
    redline = os.path.join(args.build, "redline")
    rows = []
    try:
        ob.log(f"writing {args.points:,} register points ...")
        reg = write_register(folder, args.points, ob.SEED)
        base = [redline, "compare", "--from-config", SAMPLE_CONFIG, "--to-config",
                ADJUSTED_CONFIG]
        site = ["--input", reg, "--id-field", "site_id", "--purpose", PURPOSE]
        row(rows, "zones only (load both, compare)", base, 0)
        row(rows, "local, register", base + site, args.points)
        # Its register part: beyond loading and comparing the zones.
        rows[-1]["note"] += f"; {rows[-1]['seconds'] - rows[0]['seconds']:.2f} s beyond the zones"
        srv = Redlined(args.build, folder)
        try:
            v1 = srv.reload_adjusted()
            row(rows, "server, register", [redline, "--server", srv.target, "--timeout",
                                            "3600", "compare", "--from", v1, *site],
                args.points)
        finally:
            srv.stop()
        out = os.path.join(folder, "overlay.csv")
        row(rows, "baseline: redline overlay --local (one version)",
            [redline, "overlay", "--local", "--config", ADJUSTED_CONFIG, "--input", reg,
             "--id-field", "site_id", "--purpose", PURPOSE, "--output", out, "--quiet"],
            args.points)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\nredline compare, {args.points:,} register points; {ob.machine()}")
    print(f"{'STEP':52} {'SECONDS':>8} {'POINTS/S':>10}  NOTE")
    for r in rows:
        rate = f"{r['points'] / r['seconds']:,.0f}" if r["points"] else ""
        print(f"{r['name']:52} {r['seconds']:8.2f} {rate:>10}  {r['note']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
