#!/bin/bash
# lintian (Debian's) on the packages, redline and python3-redline: an error
# fails the test; warnings are printed. The overrides, each with its reason,
# are in deploy/debian/*lintian-overrides (installed into the packages).
set -euo pipefail
shopt -s nullglob
debs=("$REDLINE_BUILD"/deb-test/*.deb)
names=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Package; done | sort | tr '\n' ' ')
[ "$names" = "python3-redline redline " ] ||
  { echo "expected the packages python3-redline and redline in $REDLINE_BUILD/deb-test, got: $names"; exit 1; }
status=0
lintian --fail-on error --display-level '>=warning' --info "${debs[@]}" || status=$?
echo "lintian exit status: $status"
exit $status
