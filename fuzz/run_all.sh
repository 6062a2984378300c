#!/usr/bin/env bash
# Runs each fuzz harness for SECONDS and prints one line of figures per harness:
#   fuzz/run_all.sh SECONDS [harness...]      (default: every harness built)
# The harnesses come from the ASan+UBSan build ($REDLINE_ASAN_BUILD, default
# build-asan: `make fuzzers` builds them). Each fuzzes a copy of its seed
# corpus fuzz/corpus/<harness>/ with its dictionary; a crash is counted, its
# input kept, and fuzzing goes on with the corpus grown so far until SECONDS
# have passed. Everything is kept in $REDLINE_FUZZ_OUT (default a new folder
# under /tmp): <harness>/corpus, <harness>/artifacts (crashing inputs, to be
# added to fuzz/regressions/<harness>/), <harness>/log.
# Figures: executions and exec/s summed over the run; cov (edges) and ft
# (features) as libFuzzer's last status line gives them; the corpus size in
# inputs; crashes (including leaks, timeouts and out-of-memory) found.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 SECONDS [harness...]" >&2
  exit 2
fi
seconds=$1
shift
build=${REDLINE_ASAN_BUILD:-build-asan}
out=${REDLINE_FUZZ_OUT:-$(mktemp -d /tmp/redline-fuzz.XXXXXX)}
harnesses=("$@")
if [[ ${#harnesses[@]} -eq 0 ]]; then
  for bin in "$build"/fuzz/*_fuzz; do
    name=$(basename "$bin")
    harnesses+=("${name%_fuzz}")
  done
fi
if [[ ${#harnesses[@]} -eq 0 ]]; then
  echo "no harnesses in $build/fuzz: run 'make fuzzers' first" >&2
  exit 1
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

printf '%-18s %12s %8s %7s %7s %8s %8s\n' harness executions exec/s cov ft corpus crashes
for name in "${harnesses[@]}"; do
  bin=$build/fuzz/${name}_fuzz
  if [[ ! -x "$bin" ]]; then
    echo "$name: $bin is not built" >&2
    continue
  fi
  dir=$out/$name
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -R "fuzz/corpus/$name/." "$dir/corpus/"
  args=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/artifacts/")
  if [[ -f "fuzz/$name.dict" ]]; then args+=(-dict="fuzz/$name.dict"); fi
  : >"$dir/log"
  start=$(date +%s)
  execs=0 crashes=0 runs=0
  while :; do
    left=$((seconds - ($(date +%s) - start)))
    [[ $left -gt 0 ]] || break
    runs=$((runs + 1))
    if "$bin" "${args[@]}" -max_total_time="$left" "$dir/corpus" >"$dir/run.log" 2>&1; then
      rc=0
    else
      rc=$?
      crashes=$((crashes + 1))
    fi
    cat "$dir/run.log" >>"$dir/log"
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/run.log" | tail -1)
    execs=$((execs + ${n:-0}))
    # A crash in the very first inputs would come back at once: stop then.
    if [[ $rc -ne 0 && -z "$n" ]] || [[ $runs -ge 50 ]]; then break; fi
  done
  elapsed=$(($(date +%s) - start))
  status=$(grep -E '^#[0-9]+' "$dir/log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  corpus=$(find "$dir/corpus" -type f | wc -l)
  printf '%-18s %12d %8d %7s %7s %8d %8d\n' "$name" "$execs" $((execs / (elapsed > 0 ? elapsed : 1))) \
    "${cov:-?}" "${ft:-?}" "$corpus" "$crashes"
done
echo "corpora, crashing inputs and logs: $out" >&2
