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
