#!/usr/bin/env bash
# Installs the Debian 12 packages Redline needs to build, test and serve,
# skipping those already present. Runs apt-get as root (or through sudo).
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config
  # libraries
  libgdal-dev libgeos-dev libproj-dev libgrpc++-dev libprotobuf-dev
  protobuf-compiler protobuf-compiler-grpc libabsl-dev libyaml-cpp-dev
  libcpp-httplib-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev gdal-bin proj-bin
  # Python client (Debian's interpreter, /usr/bin/python3)
  python3 python3-grpcio python3-protobuf python3-gdal python3-yaml
  # PostGIS: a layer source, and the benchmark baseline
  postgresql postgis postgresql-15-postgis-3
)
if [[ -n "${REDLINE_EXTRA_PACKAGES:-}" ]]; then
  read -r -a extra <<<"$REDLINE_EXTRA_PACKAGES"
  PACKAGES+=("${extra[@]}")
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "installing: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
