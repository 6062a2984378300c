#!/usr/bin/python3
"""The overlay of a file, end to end: `redline overlay` beside ogr2ogr and PostGIS.

    bench/overlay_bench.py [--points 1000000] [--keep DIR] [--no-postgis] [--build build]

Writes --points points (fixed seed; half uniform over Zhejiang's extent, half
within 0.0003 degrees of the sample data's known points, as
bench/server_bench/workloads.cc draws them) with four attributes (id, a
Chinese name, an integer grade, a real flow) as CSV with lon/lat columns,
and copies it to GeoPackage and FlatGeobuf with ogr2ogr (not timed). Then
times, in one run, each step as the wall time of its subprocess:

  baselines   ogr2ogr copies: CSV->CSV, CSV->GPKG in one transaction without
              a spatial index (-gt unlimited -lco SPATIAL_INDEX=NO) and with
              the defaults, GPKG->GPKG and FGB->FGB (one transaction, no index);
              the PostGIS job, on a private cluster (scripts/pg_cluster.py):
              ogr2ogr import of the CSV, a LEFT JOIN of the points with the
              zones cut by ST_Subdivide(255) under a GiST index (a row per
              point x zone: its attributes, lon/lat, zone layer/kind/id/level;
              DISTINCT ON (point, zone), as a point may lie on a cut),
              and a psql \\copy of the result to CSV; the job is their sum.
              The zones are loaded, made valid, cut and indexed before, untimed.
  Redline     `redline overlay --local` (in-process server: the time includes
              loading the zones, shown apart on a 1-point input) for
              CSV->CSV, GPKG->GPKG and FGB->FGB, pinned to one core
              (taskset -c 0) and to two (taskset -c 0,1); and `redline overlay`
              through a running redlined (on a free 127.0.0.1 port, loaded
              before timing) for CSV->CSV and GPKG->GPKG. All with --purpose outfall: the
              whole check (verdict, rules, nearest zones), not just the join.
              A format the CLI refuses prints "n/a" instead of a time.

The table gives seconds, input points per second, the rows written, and the
time as a multiple of the PostGIS job's and of the ogr2ogr copy between the
same formats (below 1: faster). `--json FILE` also writes the rows (with
their output files) for tools; bench/overlay_smoke.py uses it.

Needs Debian's /usr/bin/python3 with python3-gdal and python3-yaml, gdal-bin,
util-linux (taskset), and for the PostGIS rows postgresql-15 and
postgresql-15-postgis-3 (scripts/deps.sh installs them); and a build of
redline and redlined (ninja -C build redline redlined).
"""

import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, ".."))
SAMPLE_CONFIG = os.path.join(SOURCE, "data", "sample", "redline.yaml")
KNOWN_POINTS = os.path.join(SOURCE, "data", "sample", "known_points.csv")
SEED = 20
# Zhejiang's extent, as bench/server_bench/common.h draws it.
MIN_LON, MAX_LON, MIN_LAT, MAX_LAT = 118.5, 122.5, 27.5, 31.0
JITTER_DEG = 0.0003  # about 30 m: the known points keep 50 m from every zone edge
CSV_OPEN = ["-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
            "-oo", "KEEP_GEOM_COLUMNS=NO", "-a_srs", "EPSG:4490"]
FAST_GPKG = ["-gt", "unlimited", "-lco", "SPATIAL_INDEX=NO"]
PLACES = ["四明湖", "嘉兴港区", "千岛湖", "余姚", "九龙山", "金华", "杭州湾", "温州", "舟山",
          "丽水", "衢州", "湖州"]
KINDS = ["入河排污口", "雨水排口", "入海排污口", "工业企业排口", "污水处理厂尾水排口"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --- the input ---

def known_points():
    """The distinct known points, [(lon, lat)] in file order."""
    seen = {}
    with open(KNOWN_POINTS, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            seen.setdefault((float(row["lon"]), float(row["lat"])), None)
    return list(seen)


def make_points(n, seed=SEED):
    """[(lon, lat, known)]: `known` is the known point a point was drawn near, else None."""
    rng = random.Random(seed)
    known = known_points()
    out = []
    for i in range(n):
        if i % 2 == 0:
            k = known[(i // 2) % len(known)]
            out.append((k[0] + rng.uniform(-JITTER_DEG, JITTER_DEG),
                        k[1] + rng.uniform(-JITTER_DEG, JITTER_DEG), k))
        else:
            out.append((rng.uniform(MIN_LON, MAX_LON), rng.uniform(MIN_LAT, MAX_LAT), None))
    return out


def write_inputs(folder, n, seed):
    """points.csv, points.gpkg and points.fgb (typed: a .csvt gives the copies their types).

    The .csvt is removed once the copies are made: the CSV is timed as analysts' CSVs come,
    without one (every field then reads as text, as GDAL reads it).
    """
    rng = random.Random(seed + 1)
    path = os.path.join(folder, "points.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "grade", "flow_m3d", "lon", "lat"])
        for i, (lon, lat, _) in enumerate(make_points(n, seed), 1):
            w.writerow([i, f"{rng.choice(PLACES)}{rng.choice(KINDS)}{i}号", rng.randint(1, 5),
                        f"{rng.uniform(0, 5000):.2f}", f"{lon:.7f}", f"{lat:.7f}"])
    with open(path + "t", "w") as f:  # points.csvt
        f.write("Integer,String,Integer,Real,Real,Real\n")
    run_checked(["ogr2ogr", "-f", "GPKG", os.path.join(folder, "points.gpkg"), path,
                 "-nln", "points", *CSV_OPEN, "-gt", "unlimited"])
    run_checked(["ogr2ogr", "-f", "FlatGeobuf", os.path.join(folder, "points.fgb"), path,
                 "-nln", "points", *CSV_OPEN])
    os.remove(path + "t")
    one = os.path.join(folder, "one_point.csv")  # for the zone load alone
    with open(path, encoding="utf-8") as src, open(one, "w", encoding="utf-8") as dst:
        dst.write(src.readline() + src.readline())
    return path


# --- running and counting ---

def run_checked(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)
    if p.returncode != 0:
        raise SystemExit(f"overlay_bench: {' '.join(cmd)} failed ({p.returncode}):\n"
                         f"{p.stdout}{p.stderr}")
    return p


def timed(cmd, **kw):
    """(CompletedProcess, wall seconds) of one subprocess."""
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)
    return p, time.monotonic() - t


def count_rows(path):
    """Features in every layer of a file, read with GDAL (not timed)."""
    from osgeo import gdal
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    if ds is None:
        return None
    return sum(ds.GetLayer(i).GetFeatureCount() for i in range(ds.GetLayerCount()))


class Rows:
    """The table being built: one dict per row."""

    def __init__(self):
        self.rows = []

    def add(self, name, seconds, output=None, fmt=None, group="", note="", rows=None,
            status="ok"):
        if rows is None and output and status == "ok":
            rows = count_rows(output)
        self.rows.append({"name": name, "seconds": seconds, "output": output, "format": fmt,
                          "group": group, "note": note, "rows": rows, "status": status})
        log(f"  {name}: " + (f"{seconds:.2f} s" if status == "ok" else note))


# --- baselines ---

def copies(table, folder, csv_path):
    out = lambda name: os.path.join(folder, name)  # noqa: E731
    jobs = [
        ("ogr2ogr copy CSV->CSV", "csv", out("copy.csv"), csv_path,
         ["-f", "CSV", *CSV_OPEN, "-lco", "GEOMETRY=AS_XY"]),
        ("ogr2ogr copy CSV->GPKG, 1 txn, no index", "csv>gpkg", out("copy_fast.gpkg"), csv_path,
         ["-f", "GPKG", *CSV_OPEN, *FAST_GPKG]),
        ("ogr2ogr copy CSV->GPKG, defaults", None, out("copy_default.gpkg"), csv_path,
         ["-f", "GPKG", *CSV_OPEN]),
        ("ogr2ogr copy GPKG->GPKG, 1 txn, no index", "gpkg", out("copy_gpkg.gpkg"),
         out("points.gpkg"), ["-f", "GPKG", *FAST_GPKG]),
        ("ogr2ogr copy FGB->FGB, no index", "fgb", out("copy.fgb"), out("points.fgb"),
         ["-f", "FlatGeobuf", "-lco", "SPATIAL_INDEX=NO"]),
    ]
    for name, fmt, dst, src, args in jobs:
        if os.path.exists(dst):
            os.remove(dst)
        p, s = timed(["ogr2ogr", *args, dst, src])
        if p.returncode != 0:
            raise SystemExit(f"overlay_bench: {name} failed:\n{p.stderr}")
        table.add(name, s, dst, fmt, group="copy")


def postgis_job(table, folder, csv_path):
    """The PostGIS job: import, join, export; returns (version, zones, pieces)."""
    sys.path.insert(0, os.path.join(SOURCE, "scripts"))
    import pg_cluster
    import yaml
    with open(SAMPLE_CONFIG, encoding="utf-8") as f:
        # The zone layers: a context layer (kind: context) is never checked.
        layers = [l for l in yaml.safe_load(f)["layers"] if l["kind"] != "context"]
    with pg_cluster.PgCluster(dbname="redline_overlay_bench") as pg:
        log(f"PostGIS: private cluster on 127.0.0.1:{pg.port}; loading the zones (untimed)")
        pg.load_config(SAMPLE_CONFIG, t_srs="EPSG:4490")
        union = "\nUNION ALL ".join(
            f"SELECT '{l['name']}'::text AS layer, '{l['kind']}'::text AS kind, "
            f"{l['id_field']}::text AS zone_id, {l['level_field']}::text AS level, geom "
            f"FROM {l['name']}" for l in layers)
        # Repairs as Redline's loader makes them (structure method, polygons kept).
        pg.psql(f"""
CREATE TABLE zones AS
  SELECT row_number() OVER () AS zid, layer, kind, zone_id, level,
         CASE WHEN ST_IsValid(geom) THEN geom
              ELSE ST_CollectionExtract(ST_MakeValid(geom, 'method=structure'), 3) END AS geom
  FROM ({union}) AS all_layers;
DELETE FROM zones WHERE geom IS NULL OR ST_IsEmpty(geom);
CREATE TABLE zone_pieces AS
  SELECT zid, layer, kind, zone_id, level, ST_Subdivide(geom, 255) AS geom FROM zones;
CREATE INDEX zone_pieces_geom ON zone_pieces USING gist (geom);
ANALYZE zone_pieces;
""", timeout=3600)
        zones = int(pg.scalar("SELECT count(*) FROM zones"))
        pieces = int(pg.scalar("SELECT count(*) FROM zone_pieces"))
        version = pg.scalar("SELECT 'PostGIS ' || postgis_lib_version() || ', PostgreSQL ' "
                            "|| current_setting('server_version')")
        steps = []
        p, s = timed(["ogr2ogr", "-f", "PostgreSQL", pg.gdal, csv_path, "-nln", "pts",
                      *CSV_OPEN, "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid",
                      "-lco", "SPATIAL_INDEX=NONE"], env=pg.env(), timeout=7200)
        if p.returncode != 0:
            raise SystemExit(f"overlay_bench: ogr2ogr import into PostGIS failed:\n{p.stderr}")
        steps.append(("PostGIS 1: ogr2ogr import", s))
        # DISTINCT ON: a point on a cut between two pieces of one zone meets
        # both. It happens: at 1M points, 8 points given to 7 decimals lay
        # exactly on a cut. (It also orders the rows by point, as Redline's.)
        join = """
ANALYZE pts;
CREATE TABLE joined AS
  SELECT DISTINCT ON (p.fid, z.zid)
         p.id, p.name, p.grade, p.flow_m3d, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
         z.layer AS zone_layer, z.kind AS zone_kind, z.zone_id, z.level AS zone_level
  FROM pts p LEFT JOIN zone_pieces z ON ST_Intersects(z.geom, p.geom)
  ORDER BY p.fid, z.zid;
"""
        t = time.monotonic()
        pg.psql(join, timeout=7200)
        steps.append(("PostGIS 2: join (LEFT JOIN, subdivided)", time.monotonic() - t))
        export = os.path.join(folder, "postgis_out.csv")
        t = time.monotonic()
        pg.psql(f"\\copy joined TO '{export}' WITH (FORMAT csv, HEADER)", timeout=7200)
        steps.append(("PostGIS 3: \\copy export", time.monotonic() - t))
        rows = int(pg.scalar("SELECT count(*) FROM joined"))
    for name, s in steps:
        table.add(name, s, group="postgis-step", rows=rows if "export" in name else None)
    table.add("PostGIS job (1+2+3)", sum(s for _, s in steps), export, group="postgis",
              rows=rows)
    return version, zones, pieces


# --- Redline ---

REFUSED = re.compile(r"cannot tell the output format|use \.gpkg, \.csv|not supported|unsupported",
                     re.I)


def redline_cmd(build, inp, out, cpus=None, server=None):
    cmd = ["taskset", "-c", cpus] if cpus else []
    cmd += [os.path.join(build, "redline")]
    if server:
        cmd += ["--server", server]
    cmd += ["overlay", "--input", inp, "--output", out, "--quiet", "--purpose", "outfall",
            "--id-field", "id"]
    if not server:
        cmd += ["--local", "--config", SAMPLE_CONFIG]
    return cmd


def redline_row(table, name, cmd, out, fmt):
    if os.path.exists(out):
        os.remove(out)
    p, s = timed(cmd, timeout=7200)
    if p.returncode == 2:  # bad usage: the CLI refuses this input or output
        why = (p.stderr.strip().splitlines() or ["exit status 2"])[-1]
        note = f"n/a (no .{fmt} output)" if REFUSED.search(why) else f"n/a ({why[:70]})"
        table.add(name, None, None, fmt, group="redline", note=note, status="n/a")
        return
    if p.returncode not in (0, 3):  # 3: some features failed; their rows say why
        raise SystemExit(f"overlay_bench: {' '.join(cmd)} failed ({p.returncode}):\n"
                         f"{p.stdout}{p.stderr}")
    table.add(name, s, out, fmt, group="redline",
              note="some features failed" if p.returncode == 3 else "")


def redline_local(table, folder, build):
    one = os.path.join(folder, "one_point.csv")
    out = os.path.join(folder, "one_point_out.csv")
    redline_row(table, "redline --local, 1 point (zone load)",
                redline_cmd(build, one, out, "0,1"), out, "load")
    for fmt in ("csv", "gpkg", "fgb"):
        for cpus, label in (("0", "1 core"), ("0,1", "2 cores")):
            out = os.path.join(folder, f"redline_{fmt}_{len(cpus.split(','))}c.{fmt}")
            redline_row(table, f"redline --local {fmt.upper()}->{fmt.upper()}, {label}",
                        redline_cmd(build, os.path.join(folder, f"points.{fmt}"), out, cpus),
                        out, fmt)


def redline_server(table, folder, build):
    """CSV->CSV and GPKG->GPKG through a running redlined on a port the OS picks."""
    proc = subprocess.Popen(
        [os.path.join(build, "redlined"), "--config", SAMPLE_CONFIG, "--listen", "127.0.0.1:0",
         "--http", "off"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace")
    lines, found = [], threading.Event()
    address = []

    def read():
        for line in proc.stdout:
            lines.append(line)
            m = re.search(r" serving .* on (127\.0\.0\.1:\d+)$", line.rstrip())
            if m and not address:
                address.append(m.group(1))
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 300
        while not found.wait(0.1):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("overlay_bench: redlined did not start serving:\n"
                                 + "".join(lines))
        for fmt in ("csv", "gpkg"):
            out = os.path.join(folder, f"redline_server.{fmt}")
            redline_row(table, f"redline via redlined {fmt.upper()}->{fmt.upper()}", redline_cmd(
                build, os.path.join(folder, f"points.{fmt}"), out, server=address[0]), out, fmt)
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(5)


# --- the table ---

def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    gdal_version = run_checked(["ogr2ogr", "--version"]).stdout.strip().split(",")[0]
    return f"{model}, {os.cpu_count()} cores; {gdal_version}"


def print_table(table, n, facts):
    copy_s = {r["format"]: r["seconds"] for r in table.rows if r["group"] == "copy"}
    copy_s["load"] = None
    postgis = next((r["seconds"] for r in table.rows if r["group"] == "postgis"), None)
    print()
    print(f"Overlay of {n:,} points (seed {SEED}; half province-wide, half near known points), "
          f"purpose outfall")
    print(f"machine: {facts['machine']}")
    if facts.get("postgis"):
        print(f"{facts['postgis']}: {facts['zones']} zones cut into {facts['pieces']:,} pieces "
              f"(ST_Subdivide 255), GiST; default settings")
    print("x PostGIS, x copy: the time as a multiple of the PostGIS job's and of the ogr2ogr "
          "copy between the same formats (below 1: faster)")
    print(f"{'row':<44}{'seconds':>9}{'points/s':>12}{'rows out':>11}{'x PostGIS':>11}"
          f"{'x copy':>8}")
    for r in table.rows:
        s = r["seconds"]
        if r["status"] != "ok":
            print(f"{r['name']:<44}{r['note']:>9}")
            continue
        rate = f"{n / s:,.0f}" if r["group"] not in ("postgis-step",) and r["format"] != "load" \
            else ""
        rows = f"{r['rows']:,}" if r["rows"] is not None else ""
        vs_pg = f"{s / postgis:.2f}" if postgis and r["group"] in ("redline", "copy") else ""
        base = copy_s.get(r["format"]) if r["group"] == "redline" else None
        vs_copy = f"{s / base:.2f}" if base else ""
        print(f"{r['name']:<44}{s:>9.2f}{rate:>12}{rows:>11}{vs_pg:>11}{vs_copy:>8}")
    for r in table.rows:
        if r["note"] and r["status"] == "ok":
            print(f"note: {r['name']}: {r['note']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000, help="points (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    ap.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    ap.add_argument("--no-postgis", action="store_true", help="skip the PostGIS rows")
    ap.add_argument("--build", default=os.environ.get("REDLINE_BUILD",
                                                      os.path.join(SOURCE, "build")),
                    help="build folder holding redline and redlined")
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = ap.parse_args()
    if args.points < 1:
        ap.error("--points must be at least 1")
    build = os.path.abspath(args.build)
    for exe in ("redline", "redlined"):
        if not os.access(os.path.join(build, exe), os.X_OK):
            raise SystemExit(f"overlay_bench: {build}/{exe} is missing: build first "
                             f"(ninja -C {build} redline redlined)")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        folder = os.path.abspath(args.keep)
    else:
        folder = tempfile.mkdtemp(prefix="redline-overlay-bench-")
    try:
        log(f"overlay_bench: {args.points:,} points in {folder} (untimed)")
        csv_path = write_inputs(folder, args.points, args.seed)
        facts = {"machine": machine()}
        table = Rows()
        copies(table, folder, csv_path)
        if not args.no_postgis:
            facts["postgis"], facts["zones"], facts["pieces"] = postgis_job(table, folder,
                                                                            csv_path)
        redline_local(table, folder, build)
        redline_server(table, folder, build)
        sys.stderr.flush()
        print_table(table, args.points, facts)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump({"points": args.points, "seed": args.seed, "folder": folder,
                           "machine": facts["machine"], "rows": table.rows}, f, indent=1,
                          ensure_ascii=False)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
