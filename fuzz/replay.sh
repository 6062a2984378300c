#!/usr/bin/env bash
# Replays every input a fuzzer once crashed on, without fuzzing:
#   replay.sh BINARY DIR...
# Each file in the DIRs (fuzz/regressions/<harness>/, and the inputs too
# large to commit that the build generates) runs once through the harness;
# any crash, sanitizer report or failed assertion fails the test.
set -euo pipefail
bin=$1
shift
shopt -s nullglob
files=()
for dir in "$@"; do files+=("$dir"/*); done
if [[ ${#files[@]} -eq 0 ]]; then
  echo "replay.sh: no regression inputs in $*"
  exit 0
fi
# One process per file, so that every failing input is named, not just the first.
failed=0
for f in "${files[@]}"; do
  if ! "$bin" -rss_limit_mb=2048 -timeout=30 "$f" >"${TMPDIR:-/tmp}/replay.$$.log" 2>&1; then
    echo "FAILED: $f" >&2
    grep -E "ERROR: |SUMMARY: |FUZZ_CHECK|runtime error" "${TMPDIR:-/tmp}/replay.$$.log" | head -5 >&2
    failed=$((failed + 1))
  else
    echo "ok: $f"
  fi
done
rm -f "${TMPDIR:-/tmp}/replay.$$.log"
if [[ $failed -gt 0 ]]; then
  echo "replay.sh: $failed of ${#files[@]} regression inputs fail" >&2
  exit 1
fi
