"""Shared by the package tests: the .deb of the package.build fixture,
unpacked into a scratch root, and the service's flags and config moved
into it. Needs REDLINE_BUILD (the build folder holding deb-test/).
"""

import glob
import os
import shlex
import subprocess

PREFIX = "/usr/share/redline"
UNIT = "lib/systemd/system/redline.service"


def the_deb(build):
    debs = glob.glob(os.path.join(build, "deb-test", "redline_*.deb"))
    assert len(debs) == 1, f"expected one .deb in {build}/deb-test (package.build): {debs}"
    return debs[0]


def the_python_deb(build):
    debs = glob.glob(os.path.join(build, "deb-test", "python3-redline_*.deb"))
    assert len(debs) == 1, f"expected one python3-redline .deb in {build}/deb-test: {debs}"
    return debs[0]


def unpack(build, scratch, python=False):
    """dpkg-deb -x of the package (and with `python`, python3-redline too)
    into scratch/root; returns that root."""
    root = os.path.join(scratch, "root")
    for deb in [the_deb(build)] + ([the_python_deb(build)] if python else []):
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    return root


def packaged_config(root, scratch):
    """/etc/redline/redline.yaml of the package with its paths moved under
    `root`, written into scratch; returns its path."""
    with open(os.path.join(root, "etc/redline/redline.yaml"), encoding="utf-8") as f:
        text = f.read()
    assert PREFIX + "/sample/" in text, "the packaged config does not serve the sample"
    path = os.path.join(scratch, "redline.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(PREFIX, root + PREFIX))
    return path


def unit_lines(root, key):
    """The values of `key`= in the packaged unit, in order."""
    with open(os.path.join(root, UNIT), encoding="utf-8") as f:
        return [l[len(key) + 1:].strip() for l in f.read().splitlines()
                if l.startswith(key + "=")]


def unit_flags(root, state_dir):
    """The flags ExecStart gives redlined, paths moved under `root` (the
    state directory to `state_dir`), without --config (the caller gives the
    moved config) and the environment's $REDLINED_OPTS (empty as packaged)."""
    (exec_start,) = unit_lines(root, "ExecStart")
    words = shlex.split(exec_start)
    assert words[0] == "/usr/bin/redlined", exec_start
    out, i = [], 1
    while i < len(words):
        w = words[i]
        if w == "--config":
            assert words[i + 1] == "/etc/redline/redline.yaml", exec_start
            i += 2
            continue
        if w != "$REDLINED_OPTS":
            out.append(w.replace("/var/lib/redline", state_dir).replace(PREFIX, root + PREFIX))
        i += 1
    return out
