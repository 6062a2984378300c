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
  libcpp-httplib-dev libfast-float-dev zlib1g-dev libcli11-dev nlohmann-json3-dev
  # TLS and token digests (OpenSSL), the audit trail's stores (SQLite, PostgreSQL)
  libssl-dev openssl libsqlite3-dev libpq-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev gdal-bin proj-bin
  # the ASan + UBSan build and the fuzz harnesses (make test-asan): clang,
  # libFuzzer, the sanitizer runtimes, llvm-symbolizer for readable reports
  clang-14 libfuzzer-14-dev libclang-rt-14-dev llvm-14
  # make lint: the formatter and the linter
  clang-format-14 clang-tidy-14
  # Python client (Debian's interpreter, /usr/bin/python3)
  python3 python3-grpcio python3-protobuf python3-gdal python3-yaml python3-geopandas
  # PostGIS: a layer source, and the benchmark baseline
  postgresql postgis postgresql-15-postgis-3
  # the web page's browser test (tests/e2e/web_page_test.py)
  chromium
  # the Debian package (make package) and its checks; replicas behind a load balancer
  dpkg-dev fakeroot lintian systemd strace haproxy
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
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then $SUDO apt-get update -qq; apt_updated=1; fi
  $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing: ${missing[*]}"
  apt_install "${missing[@]}"
fi

# The web page (clients/web): Node and npm, then Leaflet and playwright-core
# from the committed package-lock.json, when node_modules is missing or older
# than the lock file. Debian's packages, unless node and npm are already here.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing: nodejs npm"
  apt_install nodejs npm
fi
WEB_DIR="$(cd "$(dirname "$0")/.." && pwd)/clients/web"
if [[ ! -d "$WEB_DIR/node_modules" || "$WEB_DIR/package-lock.json" -nt "$WEB_DIR/node_modules" ]]; then
  echo "npm ci in $WEB_DIR"
  npm ci --no-audit --no-fund --prefix "$WEB_DIR"
  touch "$WEB_DIR/node_modules"
fi
