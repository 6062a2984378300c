#!/usr/bin/env python3
"""clang-tidy over the given sources, in parallel, with a cache (scripts/lint.sh's second half).

    lint_tidy.py BUILD_DIR JOBS SOURCE...

Prints every finding as "path:line:col: warning: ... [check]", paths relative to the
repository (a header seen through BUILD_DIR/include/<library>/ by its repository path).

The cache: clang-tidy takes 5-20 s of CPU per file (the gRPC and GDAL headers are most of it),
so a file whose preprocessed text, compile flags, .clang-tidy and clang-tidy version are all
unchanged is not linted again: its earlier findings are reused. Preprocessing costs a small
part of a tidy run, so `make test` after a small change lints only what the change reaches.
Entries live in BUILD_DIR/lint-cache/.
"""
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys

CLANG_TIDY = os.environ.get("CLANG_TIDY", "clang-tidy-14")
FINDING = re.compile(r"^(/[^:]+):(\d+):(\d+): (warning|error): ")


def preprocess_command(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == "-c":
            continue
        out.append(a)
    return out + ["-E", "-P", "-o", "-"]


def cache_key(entry, salt):
    h = hashlib.sha256(salt)
    h.update(entry.get("command", " ".join(entry.get("arguments", []))).encode())
    pre = subprocess.run(preprocess_command(entry), cwd=entry["directory"],
                         capture_output=True)
    if pre.returncode != 0:
        return None  # it does not build: let clang-tidy say why
    h.update(pre.stdout)
    return h.hexdigest()


def lint(source, entry, build, salt, cache_dir):
    key = cache_key(entry, salt)
    path = os.path.join(cache_dir, key) if key else None
    if path and os.path.exists(path):
        with open(path) as f:
            return f.read()
    run = subprocess.run([CLANG_TIDY, "-p", build, "--quiet",
                          # the compile commands are GCC's (-Wno-dangling-pointer)
                          "--extra-arg=-Wno-unknown-warning-option", source],
                         capture_output=True, text=True)
    output = run.stdout
    if run.returncode != 0 and not FINDING.search(output):
        output += f"{os.path.abspath(source)}:1:1: error: clang-tidy failed: " \
                  f"{run.stderr.strip()[-500:]}\n"
    if path:
        with open(path + ".tmp", "w") as f:
            f.write(output)
        os.replace(path + ".tmp", path)
    return output


def main():
    build, jobs, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    root = os.getcwd()
    build_abs = os.path.abspath(build)
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = {os.path.abspath(e["file"]): e for e in json.load(f)}
    version = subprocess.run([CLANG_TIDY, "--version"], capture_output=True).stdout
    with open(".clang-tidy", "rb") as f:
        salt = version + f.read()
    cache_dir = os.path.join(build, "lint-cache")
    os.makedirs(cache_dir, exist_ok=True)
    findings = set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = {pool.submit(lint, s, entries[os.path.abspath(s)], build, salt, cache_dir): s
                for s in sources if os.path.abspath(s) in entries}
        for run in concurrent.futures.as_completed(runs):
            for line in run.result().splitlines():
                m = FINDING.match(line)
                if not m:
                    continue
                file = re.sub(r"^" + re.escape(build_abs) + r"/include/[^/]+/", "", m.group(1))
                file = os.path.relpath(file, root)
                findings.add(f"{file}{line[len(m.group(1)):]}")
    for line in sorted(findings):
        print(line)


if __name__ == "__main__":
    main()
