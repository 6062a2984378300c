#!/usr/bin/python3
"""Redline beside PostGIS: the core benchmark's uniform workload on a local PostGIS.

    bench/postgis_bench.py [--points 1000000] [--probe-points 250000] [--build build]

Starts a private PostgreSQL 15 + PostGIS cluster (scripts/pg_cluster.py),
loads the sample layers (data/sample/redline.yaml) into it, all reprojected
to EPSG:4549 (the working CRS: points and zones in one planar CRS), and
repairs invalid zones the way Redline's loader does (make-valid, "structure"
method; a zone with nothing polygonal left is dropped). Then --points points,
uniform over the union of the zones' extents with a fixed seed (generated in
SQL: setseed + random()), as in bench/core_bench.cc, and times four joins,
each one query counting (point, zone) hits:

  probe, plain        GiST index on the zones only: every point probes it
                      (nested loop, points outside; how a batch streams through)
  probe, subdivided   the same against ST_Subdivide(zone, 255) pieces
  indexed, plain      GiST index on the points too: PostgreSQL turns the join
                      around (zones outside), and PostGIS caches a prepared
                      geometry per zone; the point index build is timed apart
  indexed, subdivided the same against the pieces: the usual tuned recipe

A point is counted once per zone even on a piece boundary (DISTINCT). The
probe joins are the slow ones (20 to 60 microseconds a point here), so by
default they run on the first 250,000 points only (--probe-points; the
output says so); the default run then takes under a minute on a 2-core
machine (about 2 minutes with --probe-points 1000000, more when it is busy).

All run in one backend without parallel workers and with JIT off, to compare
with Redline's single-thread figure, which is measured in the same run by
build/bench/redline_core_bench (BM_Redline_Uniform/real_time/threads:1, on
its own 2^20 points drawn the same way). Loading, repairs, subdividing and
the zone indexes are not timed; each query runs once, after the points table
has been read once (warm cache).

Needs Debian's /usr/bin/python3 with python3-yaml, gdal-bin, postgresql-15 and
postgresql-15-postgis-3 (scripts/deps.sh installs them).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(SOURCE, "scripts"))
import pg_cluster  # noqa: E402

SAMPLE_CONFIG = os.path.join(SOURCE, "data", "sample", "redline.yaml")
WORKING_SRID = 4549
SEED = 0.42
REDLINE_FILTER = "BM_Redline_Uniform/real_time/threads:1"
DEFAULT_PROBE_POINTS = 250_000
SESSION = "SET max_parallel_workers_per_gather = 0; SET jit = off;\n"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def prepare(pg, n_points):
    """Loads the layers, builds zones, pieces and points; returns facts about them."""
    with open(SAMPLE_CONFIG, encoding="utf-8") as f:
        # The zone layers: a context layer (kind: context) is never checked.
        layers = [l for l in yaml.safe_load(f)["layers"] if l["kind"] != "context"]
    t = time.monotonic()
    pg.load_config(SAMPLE_CONFIG, t_srs=f"EPSG:{WORKING_SRID}")
    log(f"  loaded {len(layers)} layers with ogr2ogr in {time.monotonic() - t:.1f} s")
    union = "\nUNION ALL ".join(
        f"SELECT '{l['name']}'::text AS layer, {l['id_field']}::text AS zone_id, geom "
        f"FROM {l['name']}" for l in layers)
    t = time.monotonic()
    pg.psql(f"""
CREATE TABLE zones AS
  SELECT row_number() OVER () AS zid, layer, zone_id,
         CASE WHEN ST_IsValid(geom) THEN geom
              ELSE ST_CollectionExtract(ST_MakeValid(geom, 'method=structure'), 3) END AS geom
  FROM ({union}) AS all_layers;
DELETE FROM zones WHERE geom IS NULL OR ST_IsEmpty(geom);
CREATE INDEX zones_geom ON zones USING gist (geom);
CREATE TABLE zone_pieces AS SELECT zid, ST_Subdivide(geom, 255) AS geom FROM zones;
CREATE INDEX zone_pieces_geom ON zone_pieces USING gist (geom);
ANALYZE zones; ANALYZE zone_pieces;
""")
    log(f"  zones, repairs, pieces and indexes in {time.monotonic() - t:.1f} s")
    zones = int(pg.scalar("SELECT count(*) FROM zones"))
    pieces = int(pg.scalar("SELECT count(*) FROM zone_pieces"))
    vertices = int(pg.scalar("SELECT sum(ST_NPoints(geom)) FROM zones"))
    ext = [float(v) for v in pg.scalar(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM (SELECT ST_Extent(geom)::box2d AS e FROM zones) x").split("|")]
    t = time.monotonic()
    pg.psql(f"""
SELECT setseed({SEED});
CREATE TABLE pts AS
  SELECT i AS id, ST_SetSRID(ST_MakePoint({ext[0]!r} + random() * {ext[2] - ext[0]!r},
                                          {ext[1]!r} + random() * {ext[3] - ext[1]!r}),
                             {WORKING_SRID}) AS geom
  FROM generate_series(1, {n_points}) AS i;
ALTER TABLE pts ADD PRIMARY KEY (id);
VACUUM ANALYZE pts;
""", timeout=3600)
    log(f"  {n_points:,} points in {time.monotonic() - t:.1f} s")
    version = pg.scalar("SELECT postgis_lib_version() || ' (GEOS ' || postgis_geos_version() "
                        "|| '), ' || split_part(version(), ' ', 1) || ' ' "
                        "|| split_part(version(), ' ', 2)")
    return {"zones": zones, "pieces": pieces, "vertices": vertices, "extent": ext,
            "version": version}


def timed_count(pg, sql):
    """Runs a counting query in a fresh session; returns (count, seconds of the query)."""
    # \\timing reports the server-side round trip of the one statement only.
    out = pg.psql(SESSION + "\\timing on\n" + sql, timeout=7200)
    count, ms = None, None
    for line in out.splitlines():
        if line.startswith("Time: "):
            ms = float(line.split()[1])
        elif line.strip():
            count = int(line.strip())
    return count, ms / 1000.0


def plain_query(n):
    return (f"SELECT count(*) FROM pts p JOIN zones z ON ST_Intersects(z.geom, p.geom) "
            f"WHERE p.id <= {n};")


def subdivided_query(n):
    return (f"SELECT count(*) FROM (SELECT DISTINCT p.id, s.zid FROM pts p "
            f"JOIN zone_pieces s ON ST_Intersects(s.geom, p.geom) WHERE p.id <= {n}) AS h;")


def redline_figure(build):
    exe = os.path.join(build, "bench", "redline_core_bench")
    if not os.access(exe, os.X_OK):
        raise SystemExit(f"postgis_bench: {exe} is missing: build first (ninja -C {build})")
    p = subprocess.run([exe, f"--benchmark_filter={REDLINE_FILTER}$",
                        "--benchmark_format=json"], capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        raise SystemExit(f"postgis_bench: {exe} failed ({p.returncode}):\n{p.stderr}")
    runs = [b for b in json.loads(p.stdout)["benchmarks"]
            if b["name"].startswith(REDLINE_FILTER)]
    if not runs:
        raise SystemExit(f"postgis_bench: {exe} ran no benchmark named {REDLINE_FILTER}")
    return runs[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000,
                    help="points in the table, all used by the indexed joins (default 1,000,000)")
    ap.add_argument("--probe-points", type=int, default=None,
                    help=f"points for the probe joins, the slow ones (default "
                         f"min(--points, {DEFAULT_PROBE_POINTS:,}))")
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"),
                    help="build folder holding bench/redline_core_bench")
    ap.add_argument("--no-redline", action="store_true", help="skip Redline's figure")
    args = ap.parse_args()
    if args.points < 1:
        ap.error("--points must be at least 1")
    n = args.points
    if args.probe_points is not None and args.probe_points < 1:
        ap.error("--probe-points must be at least 1")
    probe_n = min(n, args.probe_points or DEFAULT_PROBE_POINTS)

    rows = []  # (workload, points, seconds, hits)

    def run(name, points, sql):
        log(f"  {name} on {points:,} points ...")
        hits, seconds = timed_count(pg, sql)
        rows.append((name, points, seconds, hits))

    with pg_cluster.PgCluster(dbname="redline_bench") as pg:
        log(f"PostGIS baseline: private cluster on 127.0.0.1:{pg.port}")
        facts = prepare(pg, n)
        pg.psql("SELECT count(*) FROM pts")  # read the table once: warm cache
        run("probe, plain", probe_n, plain_query(probe_n))
        run("probe, subdivided(255)", probe_n, subdivided_query(probe_n))
        t = time.monotonic()
        pg.psql("CREATE INDEX pts_geom ON pts USING gist (geom); ANALYZE pts;", timeout=3600)
        index_s = time.monotonic() - t
        log(f"  GiST index on {n:,} points in {index_s:.1f} s")
        run("indexed, plain", n, plain_query(n))
        run("indexed, subdivided(255)", n, subdivided_query(n))
    redline = None
    if not args.no_redline:
        log(f"  Redline: {REDLINE_FILTER} ...")
        redline = redline_figure(args.build)
    rps = redline["items_per_second"] if redline else None

    ext = facts["extent"]
    sys.stderr.flush()
    print()
    print(f"PostGIS {facts['version']}: one backend, no parallel workers, JIT off")
    print(f"zones: {facts['zones']} in EPSG:{WORKING_SRID}, {facts['vertices']:,} vertices; "
          f"{facts['pieces']:,} pieces of at most 255 vertices")
    print(f"points: uniform over the zones' extent ({ext[0]:.0f} {ext[1]:.0f}, "
          f"{ext[2]:.0f} {ext[3]:.0f}), setseed({SEED})")
    header = f"{'workload':<28}{'points':>11}{'seconds':>9}{'points/s':>12}{'hits/point':>12}"
    print(header + (f"{'Redline is':>12}" if rps else ""))
    for name, points, seconds, hits in rows:
        line = f"{name:<28}{points:>11,}{seconds:>9.2f}{points / seconds:>12,.0f}{hits / points:>12.4f}"
        if rps:
            line += f"{rps / (points / seconds):>11,.0f}x"
        print(line)
    print(f"indexed joins, with the {index_s:.1f} s point index build counted: "
          + ", ".join(f"{name.split(', ')[1]} {points / (seconds + index_s):,.0f} points/s"
                      for name, points, seconds, _ in rows[2:]))
    if probe_n < n:
        print(f"(the probe joins ran on the first {probe_n:,} of the {n:,} points; "
              f"--probe-points sets how many)")
    if redline:
        hpp = redline.get("hits_per_point", float("nan"))
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[redline.get("time_unit", "ns")]
        print(f"{'Redline core, 1 thread':<28}{1 << 20:>11,}{redline['real_time'] * unit:>9.2f}"
              f"{rps:>12,.0f}{hpp:>12.4f}")


if __name__ == "__main__":
    main()
