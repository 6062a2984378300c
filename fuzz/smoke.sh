#!/usr/bin/env bash
# A short, bounded fuzzing run of one harness, as `make test` runs it:
#   smoke.sh BINARY CORPUS_DIR SECONDS [DICT]
# Fuzzes a copy of CORPUS_DIR (the repository is never written) for SECONDS,
# or $REDLINE_FUZZ_SMOKE_SECONDS when that is set.
# Fails when the fuzzer finds a crash, a leak, a timeout or runs out of
# memory; the input is then kept in $REDLINE_FUZZ_ARTIFACTS (default: a
# folder beside BINARY) to be added to fuzz/regressions/<harness>/.
set -euo pipefail
bin=$1 corpus=$2 seconds=${REDLINE_FUZZ_SMOKE_SECONDS:-$3} dict=${4:-}
name=$(basename "$bin")
name=${name%_fuzz}
artifacts=${REDLINE_FUZZ_ARTIFACTS:-$(dirname "$bin")/artifacts}/$name
work=$(mktemp -d "${TMPDIR:-/tmp}/redline-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"
cp -R "$corpus"/. "$work/corpus"/
# A fixed seed (REDLINE_FUZZ_SEED, default 1) makes the smoke run the same
# mutations wherever it runs, so `make test` passes or fails alike on every
# machine; `make fuzz` (run_all.sh) explores with random seeds.
args=(-seed="${REDLINE_FUZZ_SEED:-1}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
      -artifact_prefix="$artifacts/")
if [[ -n "$dict" ]]; then args+=(-dict="$dict"); fi
if ! "$bin" "${args[@]}" "$work/corpus"; then
  echo "smoke.sh: $name found a failing input, kept in $artifacts/;" \
       "reproduce with: $bin <file>; then add it to fuzz/regressions/$name/" >&2
  exit 1
fi
