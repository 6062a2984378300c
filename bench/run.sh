#!/usr/bin/env bash
# Runs the benchmarks and prints one table: each Redline figure beside its
# baseline measured in the same run (raw GEOS: STRtree + prepared geometry).
# Usage: bench/run.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
OUT="$BUILD/bench/core.json"
"$BUILD/bench/redline_core_bench" --benchmark_out="$OUT" --benchmark_out_format=json \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true >/dev/null
/usr/bin/python3 bench/table.py "$OUT"

# Redline beside PostGIS on the same uniform workload (a private PostgreSQL
# cluster on 127.0.0.1; needs postgresql-15-postgis-3, see scripts/deps.sh).
# Set REDLINE_BENCH_NO_POSTGIS=1 to skip it.
if [[ "${REDLINE_BENCH_NO_POSTGIS:-}" != "1" ]]; then
  echo
  /usr/bin/python3 bench/postgis_bench.py --build "$BUILD"
fi

# The overlay of a file end to end: 1M points as CSV, GeoPackage and
# FlatGeobuf through `redline overlay` (in-process on 1 and 2 cores, and via
# a running redlined), beside ogr2ogr copies and the same job in PostGIS
# (import, subdivided join, export). REDLINE_OVERLAY_BENCH_ARGS adds flags
# (e.g. "--points 100000 --no-postgis"). Set REDLINE_BENCH_NO_OVERLAY=1 to skip it.
if [[ "${REDLINE_BENCH_NO_OVERLAY:-}" != "1" ]]; then
  echo
  # shellcheck disable=SC2086  # the extra flags are meant to split
  /usr/bin/python3 bench/overlay_bench.py --build "$BUILD" ${REDLINE_OVERLAY_BENCH_ARGS:-}
fi

# The server end to end: redlined on the sample data on a free 127.0.0.1 port
# (the OS picks it; the server logs the one bound), driven over gRPC by
# bench/server_bench/ beside the server's own health Check. Its table ends
# with the batched Overlay: 1M points (half province-wide, half in or near
# zones, fixed seed) in columnar messages, beside the one-feature-per-message
# stream of the same run, and a sweep over points per message. Extra flags in
# REDLINE_SERVER_BENCH_ARGS (e.g. "--duration 2 --overlay-points 20000
# --batch-points 200000 --batch-sweep 64,8192").
# Set REDLINE_BENCH_NO_SERVER=1 to skip it.
if [[ "${REDLINE_BENCH_NO_SERVER:-}" != "1" ]]; then
  echo
  (
    LOG="$(mktemp "${TMPDIR:-/tmp}/redlined-bench.XXXXXX")"
    "$BUILD/redlined" --config data/sample/redline.yaml --listen 127.0.0.1:0 --http off 2>"$LOG" &
    PID=$!
    trap 'kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -f "$LOG"' EXIT
    ADDR=""
    for _ in $(seq 1200); do  # up to 120 s for the data to load
      ADDR="$(sed -n 's/.* serving .* on \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$LOG")"
      [[ -n "$ADDR" ]] && break
      if ! kill -0 "$PID" 2>/dev/null; then
        echo "redlined exited before serving:" >&2; cat "$LOG" >&2; exit 1
      fi
      sleep 0.1
    done
    if [[ -z "$ADDR" ]]; then echo "redlined did not start serving:" >&2; cat "$LOG" >&2; exit 1; fi
    # shellcheck disable=SC2086  # the extra flags are meant to split
    "$BUILD/bench/redline_server_bench" --target "$ADDR" ${REDLINE_SERVER_BENCH_ARGS:-}
  )
fi

# The audit trail's cost: CheckPoint throughput of a plain redlined beside one
# with --audit (a fresh SQLite file), alternating, same run (target ≥ 0.9×).
# Set REDLINE_BENCH_NO_AUDIT=1 to skip it.
if [[ "${REDLINE_BENCH_NO_AUDIT:-}" != "1" && "${REDLINE_BENCH_NO_SERVER:-}" != "1" ]]; then
  echo
  /usr/bin/python3 bench/audit_bench.py --build "$BUILD"
fi
