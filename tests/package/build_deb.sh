#!/bin/bash
# Fixture of the package tests (tests/CMakeLists.txt): the packages redline
# and python3-redline built from this build folder with CPack into
# $REDLINE_BUILD/deb-test/, which the tests then read. Needs redlined,
# redline, the web page and the Python stubs built (they are in `all`).
set -euo pipefail
out="$REDLINE_BUILD/deb-test"
rm -rf "$out"
"${CPACK:-cpack}" -G DEB --config "$REDLINE_BUILD/CPackConfig.cmake" -B "$out"
ls "$out"/*.deb
