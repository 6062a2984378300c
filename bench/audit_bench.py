#!/usr/bin/python3
"""CheckPoint throughput with and without the audit trail, in the same run.

Starts two redlined on the sample data on free 127.0.0.1 ports, one plain and
one with `--audit FILE` (a fresh SQLite file), and runs
bench/server_bench (its CheckPoint throughput phase; the other phases cut
short) against each in turn, alternating `--rounds` times so that a slow
moment of the machine falls on both. Prints the best and median rate of each
and the ratio (target: audit ≥ 0.9× plain), and checks that the audited
server wrote one record per answered call.

    bench/audit_bench.py [--build build] [--duration 5] [--rounds 2]
"""

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_RATIO = 0.9


def start(build, extra, log_path):
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [os.path.join(build, "redlined"), "--config",
         os.path.join(SOURCE, "data", "sample", "redline.yaml"), "--listen", "127.0.0.1:0",
         "--http", "off", "--drain_seconds=0", *extra],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with open(log_path) as f:
            m = re.search(r" serving .* on (\S+)$", f.read(), re.M)
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    with open(log_path) as f:
        sys.exit(f"redlined did not start serving:\n{f.read()}")


def rate(build, target, duration):
    out = subprocess.run(
        [os.path.join(build, "bench", "redline_server_bench"), "--target", target,
         f"--duration={duration}", "--latency_calls=2000", "--warmup=500",
         "--geometry_calls=20", "--overlay_points=1000", "--batch_points=1000",
         "--batch_sweep=", "--sweep_points=1000"],
        capture_output=True, text=True, check=True).stdout
    m = re.search(r"CheckPoint calls/s, \d+ outstanding\s+([\d,]+)", out)
    if not m:
        sys.exit(f"no CheckPoint throughput row in:\n{out}")
    return float(m.group(1).replace(",", ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="redline-audit-bench-") as tmp:
        audit_file = os.path.join(tmp, "audit.db")
        plain, plain_target = start(args.build, [], os.path.join(tmp, "plain.log"))
        audited, audit_target = start(args.build, ["--audit", audit_file],
                                      os.path.join(tmp, "audit.log"))
        try:
            rates = {"plain": [], "audit": []}
            for _ in range(args.rounds):
                rates["plain"].append(rate(args.build, plain_target, args.duration))
                rates["audit"].append(rate(args.build, audit_target, args.duration))
        finally:
            for p in (plain, audited):
                p.terminate()
                p.wait(60)
        records = sqlite3.connect(audit_file).execute(
            "SELECT count(*) FROM audit_records").fetchone()[0]
    best = {k: max(v) for k, v in rates.items()}
    median = {k: statistics.median(v) for k, v in rates.items()}
    ratio = best["audit"] / best["plain"]
    print(f"CheckPoint throughput, {args.rounds} rounds of {args.duration:g} s each, alternating")
    print(f"{'':28}{'plain':>12}{'--audit':>12}{'ratio':>8}  target")
    print(f"{'calls/s, best':28}{best['plain']:>12,.0f}{best['audit']:>12,.0f}{ratio:>7.2f}×"
          f"  ≥ {TARGET_RATIO}× {'ok' if ratio >= TARGET_RATIO else 'MISSED'}")
    print(f"{'calls/s, median':28}{median['plain']:>12,.0f}{median['audit']:>12,.0f}"
          f"{median['audit'] / median['plain']:>7.2f}×")
    print(f"records written by the audited server: {records:,}")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
