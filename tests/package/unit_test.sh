#!/bin/bash
# The package's systemd unit, from the .deb unpacked into a scratch root:
#  1. `systemd-analyze verify` with ExecStart pointing at the unpacked
#     redlined (verify checks that the command exists and is executable, and
#     that the manual page Documentation= names is the package's); any
#     message at all fails the test (an unknown key is only a message);
#  2. `systemd-analyze security --offline` scores the hardening: an overall
#     exposure above 2.0 (of 10) fails, and so does any of the settings the
#     package promises (issue #22) missing;
#  3. the stop timeout covers the drain: TimeoutStopSec is at least
#     --drain_seconds + --grace_seconds + the 5 s audit flush, with the
#     defaults or the values ExecStart gives.
set -euo pipefail
debs=("$REDLINE_BUILD"/deb-test/redline_*.deb)
[ -f "${debs[0]}" ] || { echo "no .deb in $REDLINE_BUILD/deb-test"; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dpkg-deb -x "${debs[0]}" "$scratch/root"
unit="$scratch/root/lib/systemd/system/redline.service"
[ -f "$unit" ] || { echo "the package has no lib/systemd/system/redline.service"; exit 1; }
mkdir "$scratch/units"
sed "s|/usr/bin/redlined|$scratch/root/usr/bin/redlined|" "$unit" > "$scratch/units/redline.service"
grep -q "^ExecStart=$scratch/root/usr/bin/redlined " "$scratch/units/redline.service" ||
  { echo "ExecStart does not run /usr/bin/redlined"; exit 1; }

echo "== systemd-analyze verify"
# MANPATH: the package's own manual pages, which Documentation=man:... names.
out=$(MANPATH="$scratch/root/usr/share/man" systemd-analyze verify "$scratch/units/redline.service" 2>&1) ||
  { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; echo "verify printed messages: fix the unit"; exit 1; fi
echo "clean"

echo "== systemd-analyze security --offline"
report=$(systemd-analyze security --offline=yes --threshold=20 "$scratch/units/redline.service" 2>&1) ||
  { echo "$report"; echo "exposure above 2.0"; exit 1; }
echo "$report" | tail -1
for setting in 'NoNewPrivileges=' 'ProtectSystem=' 'ProtectHome=' 'PrivateTmp=' \
    'CapabilityBoundingSet=~CAP_SYS_ADMIN' 'RestrictAddressFamilies=~…' \
    'SystemCallFilter=~@privileged' 'User=/DynamicUser='; do
  if ! grep -F "✓ $setting" <<<"$report" >/dev/null; then
    echo "$report"; echo "not hardened: $setting"; exit 1
  fi
done
# shellcheck disable=SC2016  # $MAINPID is systemd's, written literally in the unit
for line in 'User=redline' 'ExecReload=/bin/kill -HUP $MAINPID' 'StateDirectory=redline' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'CapabilityBoundingSet=' 'KillSignal=SIGTERM'; do
  grep -qxF "$line" "$unit" || { echo "the unit lacks: $line"; exit 1; }
done

echo "== stop timeout against the drain"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
flag() {  # the value of --$1 in ExecStart (either spelling), else $2
  local v
  v=$(grep -oE -- "--${1}[= ][0-9]+" <<<"$exec_start" | grep -oE '[0-9]+$' || true)
  [ -z "$v" ] && v=$(grep -oE -- "--${1//_/-}[= ][0-9]+" <<<"$exec_start" | grep -oE '[0-9]+$' || true)
  echo "${v:-$2}"
}
# The defaults, read from redlined --help so they cannot drift from the code.
help=$("$scratch/root/usr/bin/redlined" --helpfull 2>&1 || true)
default_of() { grep -A3 -E -- "^ +--$1 \\(" <<<"$help" | grep -oE 'default: [0-9]+' | head -1 | grep -oE '[0-9]+'; }
drain=$(flag drain_seconds "$(default_of drain_seconds)")
grace=$(flag grace_seconds "$(default_of grace_seconds)")
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$unit")
if [ -z "$drain" ] || [ -z "$grace" ] || [ -z "$stop" ]; then
  echo "could not read drain ($drain), grace ($grace) or TimeoutStopSec ($stop)"; exit 1
fi
need=$((drain + grace + 5))
echo "drain $drain s + grace $grace s + audit flush 5 s = $need s; TimeoutStopSec=$stop"
[ "$stop" -ge "$need" ] || { echo "TimeoutStopSec is shorter than the drain"; exit 1; }
echo "ok"
