#!/bin/bash
# lintian (Debian's) on the package: an error fails the test; warnings and
# the rest are printed. The overrides, each with its reason, are in
# deploy/debian/lintian-overrides (installed into the package).
set -euo pipefail
debs=("$REDLINE_BUILD"/deb-test/redline_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "expected one .deb in $REDLINE_BUILD/deb-test"; exit 1; }
status=0
lintian --fail-on error --display-level '>=warning' --info "${debs[0]}" || status=$?
echo "lintian exit status: $status"
exit $status
