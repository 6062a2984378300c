#!/bin/bash
# The lint of `make lint` (and so of `make test`):
#   1. clang-format-14 --dry-run -Werror over every tracked C++ file (.clang-format);
#   2. clang-tidy-14 (.clang-tidy) over the product code: spatial/ server/ report/ clients/cli/
#      (not tests/, fuzz/, bench/), in parallel, with the compile commands of a configured and
#      built tree (the generated protobuf headers and rule tables must exist); findings of
#      unchanged files come from a cache in the build folder (scripts/lint_tidy.py).
# Prints one line per finding and a summary; exits non-zero on any finding.
#
#   scripts/lint.sh [build-dir]        (default: build; env JOBS, default nproc)
#   LINT_SKIP_TIDY=1 scripts/lint.sh   format check only (seconds, no build needed)
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
JOBS=${JOBS:-$(nproc)}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
export CLANG_TIDY=${CLANG_TIDY:-clang-tidy-14}
status=0

# One file per run, named when it differs: parallel runs cannot interleave its name.
format_files=$(git ls-files -z -- '*.h' '*.cc' '*.cc.in' | xargs -0 -r -n 1 -P "$JOBS" sh -c \
  '"$0" --dry-run -Werror "$1" >/dev/null 2>&1 || echo "$1"' "$CLANG_FORMAT" | sort)
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
  # The product code; scripts/lint_tidy.py runs clang-tidy on each file the build compiles,
  # in parallel, reusing the findings of files whose preprocessed text has not changed.
  sources=$(git ls-files -- 'spatial/*.cc' 'server/*.cc' 'report/*.cc' 'clients/cli/*.cc' 'version/*.cc')
  findings=$(scripts/lint_tidy.py "$BUILD" "$JOBS" $sources) || exit 2
  if [[ -n "$findings" ]]; then
    printf '%s\n' "$findings"
    echo "clang-tidy: $(printf '%s\n' "$findings" | wc -l) finding(s); per file:"
    printf '%s\n' "$findings" | cut -d: -f1 | sort | uniq -c | sort -rn | sed 's/^/  /'
    status=1
  else
    echo "clang-tidy: clean"
  fi
fi
exit $status
