#!/bin/bash
# The lint of `make lint` (and so of `make test`):
#   1. clang-format-14 --dry-run -Werror over every tracked C++ file (.clang-format);
#   2. clang-tidy-14 (.clang-tidy) over the product code: spatial/ server/ report/ clients/cli/
#      (not tests/, fuzz/, bench/), in parallel, with the compile commands of a configured and
#      built tree (the generated protobuf headers and rule tables must exist).
# Prints one line per finding and a summary; exits non-zero on any finding.
#
#   scripts/lint.sh [build-dir]        (default: build; env JOBS, default nproc)
#   LINT_SKIP_TIDY=1 scripts/lint.sh   format check only (seconds, no build needed)
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
JOBS=${JOBS:-$(nproc)}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy-14}
status=0

format_out=$(git ls-files -z -- '*.h' '*.cc' '*.cc.in' |
  xargs -0 -r -n 8 -P "$JOBS" "$CLANG_FORMAT" --dry-run -Werror 2>&1)
format_files=$(printf '%s\n' "$format_out" | grep -oE '^[^:]+:[0-9]+:[0-9]+: error' |
  cut -d: -f1 | sort -u)
if [[ -n "$format_files" ]]; then
  printf 'clang-format: these files differ from .clang-format (fix: clang-format-14 -i FILE):\n'
  printf '  %s\n' $format_files
  echo "clang-format: $(printf '%s\n' "$format_files" | wc -l) file(s) to reformat"
  status=1
else
  echo "clang-format: clean"
fi

if [[ "${LINT_SKIP_TIDY:-0}" != 1 ]]; then
  if [[ ! -f "$BUILD/compile_commands.json" ]]; then
    echo "clang-tidy: no $BUILD/compile_commands.json: configure and build first (make build)" >&2
    exit 2
  fi
  # The product sources the build compiles (a source not in the build has no flags).
  sources=$(git ls-files -- 'spatial/*.cc' 'server/*.cc' 'report/*.cc' 'clients/cli/*.cc' |
    while read -r f; do grep -q "\"file\": \"$PWD/$f\"" "$BUILD/compile_commands.json" && echo "$f"; done)
  # -Wno-unknown-warning-option: the compile commands are GCC's (-Wno-dangling-pointer).
  tidy_out=$(printf '%s\n' $sources | xargs -r -n 1 -P "$JOBS" "$CLANG_TIDY" -p "$BUILD" --quiet \
    --extra-arg=-Wno-unknown-warning-option 2>/dev/null)
  findings=$(printf '%s\n' "$tidy_out" | grep -E '^/.*:[0-9]+:[0-9]+: (warning|error):' |
    sed "s#^$PWD/##" | sort -u)
  if [[ -n "$findings" ]]; then
    printf '%s\n' "$findings"
    echo "clang-tidy: $(printf '%s\n' "$findings" | wc -l) finding(s); per file:"
    printf '%s\n' "$findings" | cut -d: -f1 | sort | uniq -c | sort -rn | sed 's/^/  /'
    status=1
  else
    echo "clang-tidy: clean ($(printf '%s\n' $sources | wc -l) files)"
  fi
fi
exit $status
