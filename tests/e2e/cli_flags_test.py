#!/usr/bin/python3
"""End-to-end: the `redline` command line itself (CLI11), no server needed.

Each command's --help lists its own flags and not the other commands'; a
misspelt flag, an unknown command or a bad value is a usage error: exit 2,
a short message naming what is wrong and a pointer to --help, nothing on
stdout. A closed port stands for the server, so that nothing is reached.
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
import re  # noqa: E402

# The CLI's default server address, as clients/cli/flags.h declares it: the
# help must state it (read from the source, so no test spells a port).
with open(os.path.join(os.path.dirname(__file__), "..", "..", "clients", "cli", "flags.h"),
          encoding="utf-8") as _f:
    DEFAULT_SERVER = re.search(r'kDefaultServer\[\] = "([^"]+)"', _f.read()).group(1)

# Flags only one command has.
OWN_FLAGS = {
    "check-point": ["--lon", "--lat"],
    "check-site": ["--wkt", "--file", "--table"],
    "overlay": ["--input", "--output", "--zone-layer", "--hits-only", "--local"],
}


def redline(*args):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([e2e.REDLINE, *args], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=60, env=env,
                          stdin=subprocess.DEVNULL)


class HelpTest(unittest.TestCase):
    def test_command_help_lists_its_own_flags(self):
        for command, own in OWN_FLAGS.items():
            with self.subTest(command=command):
                p = redline(command, "--help")
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stderr, "")
                for flag in own:
                    self.assertIn(flag, p.stdout)
                for other, flags in OWN_FLAGS.items():
                    if other != command:
                        for flag in flags:
                            self.assertNotIn(flag + " ", p.stdout, f"{other}'s flag")
                # The global flags, with the default server.
                self.assertIn("--server", p.stdout)
                self.assertIn(DEFAULT_SERVER, p.stdout)

    def test_check_point_help(self):
        p = redline("check-point", "--help")
        for flag in ("--purpose", "--outfall-type", "--action", "--radius", "--layer",
                     "--as-of", "--report", "--crs"):
            self.assertIn(flag, p.stdout)

    def test_short_help_after_other_flags(self):
        p = redline("--server", "x:1", "check-point", "--lon", "1", "-h")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("--lat", p.stdout)

    def test_top_level_help_lists_commands(self):
        p = redline("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        for command in ("check-point", "check-site", "layers", "overlay"):
            self.assertIn(command, p.stdout)

    def test_no_command_prints_help_and_fails(self):
        p = redline()
        self.assertEqual(p.returncode, 2)
        self.assertIn("check-point", p.stdout)


class UsageErrorTest(unittest.TestCase):
    def assert_usage_error(self, args, *names):
        p = redline("--server", f"127.0.0.1:{e2e.closed_port()}", *args)
        self.assertEqual(p.returncode, 2, f"redline {args}: {p.stderr}")
        self.assertEqual(p.stdout, "")
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 2, p.stderr)
        self.assertIn("--help", lines[1])
        for name in names:
            self.assertIn(name, lines[0])
        return lines

    def test_misspelt_flag(self):
        lines = self.assert_usage_error(["check-point", "--lonn", "121", "--lat", "30"],
                                        "--lonn")
        self.assertIn("redline check-point --help", lines[1])

    def test_other_commands_flag(self):
        self.assert_usage_error(["check-point", "--wkt", "POINT(1 2)"], "--wkt")
        self.assert_usage_error(["layers", "--input", "a.gpkg"], "--input")

    def test_unknown_command(self):
        self.assert_usage_error(["check-pointe"], "check-pointe")

    def test_missing_value(self):
        self.assert_usage_error(["check-point", "--lon", "121", "--lat"], "--lat")

    def test_values_checked_after_parsing(self):
        self.assert_usage_error(["check-point", "--lon", "east", "--lat", "30"], "--lon", "east")
        self.assert_usage_error(["check-point", "--lon", "121", "--lat", "30", "--radius",
                                 "far"], "--radius")
        self.assert_usage_error(["--timeout", "soon", "layers"], "--timeout")
        self.assert_usage_error(["check-point", "--lon", "121", "--lat", "30", "--purpose",
                                 "casino"], "purpose", "casino")
        self.assert_usage_error(["check-point", "--lon", "121", "--lat", "30", "--purpose",
                                 "unspecified"], "purpose")
        self.assert_usage_error(["check-site"], "--wkt")
        self.assert_usage_error(["overlay", "--input", "a.gpkg"], "--output")
        self.assert_usage_error(["overlay", "--input", "a.gpkg", "--output", "b.csv",
                                 "--local"], "--config")

    def test_global_flags_after_the_command(self):
        # Accepted anywhere, as before: the closed port is then reached (exit 1).
        port = e2e.closed_port()
        p = redline("check-point", "--lon", "121", "--lat", "30", "--server",
                    f"127.0.0.1:{port}", "--timeout", "5", "--json")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(str(port), p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
