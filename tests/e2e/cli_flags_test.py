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


def redline(*args, cwd=None):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([e2e.REDLINE, *args], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=60, env=env,
                          stdin=subprocess.DEVNULL, cwd=cwd)


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

    def test_usage_lines_are_complete(self):
        # CLI11's "[OPTIONS]" replaced by each command's own usage.
        usage = {
            "check-point": ["--lon X --lat Y", "--purpose NAME", "--report FILE.html"],
            "check-site": ["(--wkt TEXT | --file PATH | --table PATH)", "--strict"],
            "overlay": ["--input FILE --output OUT", "--input-layer NAME", "--purpose NAME",
                        "--zone-layer NAME", "--local --config FILE"],
            "compare": ["--from-config A.yaml --to-config B.yaml", "--input-layer NAME"],
        }
        for command, parts in usage.items():
            with self.subTest(command=command):
                out = redline(command, "--help").stdout
                self.assertNotIn("[OPTIONS]", out)
                start = out.index(f"Usage: redline {command}")
                text = " ".join(out[start:out.index("\n\n", start)].split())
                for part in parts:
                    self.assertIn(part, text)
        top = redline("--help").stdout
        self.assertIn("Usage: redline [global flags] COMMAND [flags]", top)
        self.assertIn(f"default {DEFAULT_SERVER}", top)

    def test_overlay_input_layer_has_its_own_name(self):
        # --layer names zone layers in the checks; the overlay's input layer
        # is --input-layer, its old name hidden from the help and warned about.
        out = redline("overlay", "--help").stdout
        self.assertIn("--input-layer NAME", out)
        self.assertNotIn("--layer ", out)
        self.assertIn("--layer NAME", redline("check-point", "--help").stdout)
        port = e2e.closed_port()
        sample = os.path.join(e2e.SAMPLE_DIR, "red_lines.geojson")
        with e2e.tempdir() as d:
            p = redline("--server", f"127.0.0.1:{port}", "overlay", "--input", sample,
                        "--output", os.path.join(d, "o.csv"), "--layer", "red_lines")
        self.assertIn("overlay --layer is now --input-layer", p.stderr)
        self.assertEqual(p.returncode, 1, p.stderr)  # the closed port, reached after it

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
        # One line naming the flag (not its value too), the nearest one on the next.
        lines = self.assert_usage_error(["check-point", "--lon", "121", "--lat", "30",
                                         "--purpse", "outfall"], "--purpse")
        self.assertEqual(lines[0], "redline: unknown flag --purpse")
        self.assertIn("Did you mean --purpose?", lines[1])
        lines = self.assert_usage_error(["--servr", "x:1", "layers"], "--servr")
        self.assertIn("Did you mean --server?", lines[1])
        lines = self.assert_usage_error(["overlay", "--input", "a.gpkg", "--output", "b.csv",
                                         "--zone-layr", "x"], "--zone-layr")
        self.assertIn("Did you mean --zone-layer?", lines[1])
        self.assertIn("redline overlay --help", lines[1])

    def test_other_commands_flag(self):
        lines = self.assert_usage_error(["check-point", "--wkt", "POINT(1 2)"], "--wkt")
        self.assertIn("--wkt is a flag of check-site", lines[1])
        lines = self.assert_usage_error(["layers", "--input", "a.gpkg"], "--input")
        self.assertIn("--input is a flag of overlay and compare", lines[1])

    def test_dms_marked_for_the_other_axis(self):
        self.assert_usage_error(["check-point", "--lon", "30°15'N", "--lat", "121"], "--lon",
                                "latitude")
        self.assert_usage_error(["check-point", "--lon", "121°3'75\"E", "--lat", "30"],
                                "--lon", "60")

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

    def test_missing_files_in_one_line(self):
        port = e2e.closed_port()
        with e2e.tempdir() as d:
            for args, name in ((["overlay", "--input", "nosuch.gpkg", "--output", "o.csv"],
                                "nosuch.gpkg"),
                               (["check-site", "--file", "nosuch.wkt"], "nosuch.wkt"),
                               (["check-site", "--table", "nosuch.txt"], "nosuch.txt")):
                with self.subTest(args=args):
                    p = redline("--server", f"127.0.0.1:{port}", *args, cwd=d)
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertEqual(p.stderr.splitlines()[0],
                                     f"redline: cannot open {name}: no such file")
                    self.assertNotIn("ERROR", p.stderr)
            # A folder is no site file either, and is said so.
            p = redline("--server", f"127.0.0.1:{port}", "check-site", "--file", d)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("not a file of WKT, GeoJSON or WKB", p.stderr)
            # GDAL's own errors are part of the CLI's message, on its line:
            # a file GDAL cannot read, and an OGR SQL error (three lines from GDAL).
            with open(os.path.join(d, "bad.gpkg"), "w") as f:
                f.write("not a GeoPackage\n")
            p = redline("--server", f"127.0.0.1:{port}", "overlay", "--input", "bad.gpkg",
                        "--output", "o.csv", cwd=d)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
            self.assertIn("cannot read bad.gpkg: ", p.stderr)
            self.assertIn("not recognized as a supported file format", p.stderr)
            p = redline("--server", f"127.0.0.1:{port}", "overlay", "--input",
                        os.path.join(e2e.SAMPLE_DIR, "red_lines.geojson"), "--output", "o.csv",
                        "--where", "foo bar ===", cwd=d)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertNotRegex(p.stderr, r"(?m)^ERROR \d")
            self.assertRegex(p.stderr.splitlines()[0], r"^redline: bad --where 'foo bar ===': .*SQL")

    def test_global_flags_after_the_command(self):
        # Accepted anywhere, as before: the closed port is then reached (exit 1).
        port = e2e.closed_port()
        p = redline("check-point", "--lon", "121", "--lat", "30", "--server",
                    f"127.0.0.1:{port}", "--timeout", "5", "--json")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(str(port), p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
