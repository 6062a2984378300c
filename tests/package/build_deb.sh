#!/bin/bash
# Fixture of the package tests (tests/CMakeLists.txt): the .deb built from
# this build folder with CPack into $REDLINE_BUILD/deb-test/, which the
# tests then read. Needs redlined, redline and the web page built (they are
# in `all`).
set -euo pipefail
out="$REDLINE_BUILD/deb-test"
rm -rf "$out"
"${CPACK:-cpack}" -G DEB --config "$REDLINE_BUILD/CPackConfig.cmake" -B "$out"
ls "$out"/redline_*.deb
