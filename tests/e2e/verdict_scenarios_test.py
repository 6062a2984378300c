"""Verdict scenarios through the real server.

Starts the real `redlined` on the hand-made fixture in tests/data/verdicts/
and, for every row of tests/data/verdicts/scenarios.tsv (purpose x zone kind x
level x inside / boundary / within the setback / far), calls CheckPoint with a
point placed accordingly and asserts the overall verdict, the article the
verdict rests on, the relation of the hit and, for points outside a zone, the
geodesic distance reported in `nearest[]` against PROJ's `geod` (0.01 m).
Then checks that a config with a broken rule file makes `redlined` exit non-zero
naming the file and the line.

Needs Debian's /usr/bin/python3 (python3-grpcio, python3-protobuf,
python3-gdal) and PROJ's `geod`. Environment (set by ctest): REDLINE_BUILD,
REDLINE_SOURCE.
"""

import csv
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.environ.get("REDLINE_SOURCE") or os.path.join(HERE, "..", ".."))
BUILD = os.path.abspath(os.environ.get("REDLINE_BUILD") or os.path.join(SOURCE, "build"))
sys.path.insert(0, os.path.join(BUILD, "python"))

import grpc  # noqa: E402
from redline.v1 import redline_pb2 as pb  # noqa: E402
from redline.v1 import redline_pb2_grpc as pb_grpc  # noqa: E402

REDLINED = os.path.join(BUILD, "redlined")
REDLINE = os.path.join(BUILD, "redline")
FIXTURE = os.path.join(SOURCE, "tests", "data", "verdicts")
CONFIG = os.path.join(FIXTURE, "redline.yaml")
SCENARIOS = os.path.join(FIXTURE, "scenarios.tsv")
BROKEN_RULES = os.path.join(FIXTURE, "broken_rules.yaml")
BROKEN_RULES_LINE = 12

START_TIMEOUT_S = 60
DISTANCE_TOLERANCE_M = 0.01
BOUNDARY_TOLERANCE_M = 0.001  # boundary_tolerance_m in the fixture config
FAR_AWAY = (120.30, 30.60)    # ~25 km from every fixture zone, still in Zhejiang

# Fixture zones: scenario key -> (GeoJSON file, id field, zone id).
ZONES = {
    "ws1": ("water_source.geojson", "code", "VS-1"),
    "ws2": ("water_source.geojson", "code", "VS-2"),
    "wsq": ("water_source.geojson", "code", "VS-Q"),
    "erl": ("red_line.geojson", "hx_id", "VHX-1"),
    "zd": ("zero_discharge.geojson", "zdz_id", "VZD-1"),
    "other": ("other.geojson", "unit_code", "VOT-1"),
}
# The next inner level nested in a zone ("inside" points stay out of it).
INNER = {"wsq": "ws2", "ws2": "ws1"}


# ------------------------------------------------------------------ server

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One redlined on 127.0.0.1; waits for "serving"; always stopped."""

    def __init__(self, config=CONFIG):
        self.config = config
        self.target = f"127.0.0.1:{free_port()}"
        self.proc = None
        self.lines = []
        self._serving = threading.Event()

    def __enter__(self):
        self.proc = subprocess.Popen(
            [REDLINED, "--config", self.config, "--listen", self.target, "--http", "off",
             "--drain_seconds=0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not self._serving.wait(0.1):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"redlined exited with {self.proc.returncode}:\n"
                                       + "".join(self.lines))
                if time.monotonic() > deadline:
                    raise RuntimeError("redlined did not report 'serving' within "
                                       f"{START_TIMEOUT_S} s:\n" + "".join(self.lines))
        except BaseException:
            self.stop()
            raise
        return self

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            if "serving" in line:
                self._serving.set()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __exit__(self, *exc):
        self.stop()
        return False


# ----------------------------------------------------------------- geometry

def geod_forward(lon, lat, azimuth_deg, distance_m):
    """The point `distance_m` from (lon, lat) at `azimuth_deg`, on GRS80."""
    out = subprocess.run(["geod", "+ellps=GRS80", "+units=m", "-f", "%.12f"],
                         input=f"{lat!r} {lon!r} {azimuth_deg!r} {distance_m!r}\n",
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[1]), float(out[0])


def geod_distance(lon1, lat1, lon2, lat2):
    """Geodesic distance in metres on GRS80 (= CGCS2000's ellipsoid)."""
    out = subprocess.run(["geod", "+ellps=GRS80", "-I", "+units=m", "-f", "%.6f"],
                         input=f"{lat1!r} {lon1!r} {lat2!r} {lon2!r}\n",
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[2])


def load_rectangles():
    """Each fixture zone's (west, south, east, north), read from its GeoJSON."""
    rects = {}
    for key, (name, id_field, zone_id) in ZONES.items():
        with open(os.path.join(FIXTURE, name), encoding="utf-8") as f:
            data = json.load(f)
        for feature in data["features"]:
            if feature["properties"][id_field] != zone_id:
                continue
            ring = feature["geometry"]["coordinates"][0]
            xs, ys = [c[0] for c in ring], [c[1] for c in ring]
            assert len(ring) == 5 and len(set(xs)) == 2 and len(set(ys)) == 2, \
                f"{zone_id} is not an axis-aligned rectangle"
            rects[key] = (min(xs), min(ys), max(xs), max(ys))
    assert set(rects) == set(ZONES), f"fixture zones missing: {set(ZONES) - set(rects)}"
    return rects


class GaussKruger:
    """EPSG:4490 lon/lat -> EPSG:4549 metres, through GDAL's OSR (PROJ)."""

    def __init__(self):
        from osgeo import osr
        osr.UseExceptions()
        src, dst = osr.SpatialReference(), osr.SpatialReference()
        src.ImportFromEPSG(4490)
        dst.ImportFromEPSG(4549)
        for s in (src, dst):
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        self.t = osr.CoordinateTransformation(src, dst)

    def __call__(self, lon, lat):
        x, y, _ = self.t.TransformPoint(lon, lat)
        return x, y


def planar_distance_to_segment(p, a, b):
    ax, ay = a
    bx, by = b
    px, py = p
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def place(row, rects, gk):
    """The point of a scenario, and for points outside the zone the corner
    they were measured from and the distance."""
    where, key = row["where"], row["zone"]
    if key == "none":
        return FAR_AWAY, None, None
    w, s, e, n = rects[key]
    mid_lat = (s + n) / 2
    if where == "inside":
        inner_w = rects[INNER[key]][0] if key in INNER else e
        return ((w + inner_w) / 2, mid_lat), None, None
    if where == "boundary":
        p = (w, mid_lat)
        # The west edge is a meridian near the central meridian: its image in
        # the working CRS must pass within the boundary tolerance of p, or the
        # fixture is wrong (not the server).
        off = planar_distance_to_segment(gk(*p), gk(w, s), gk(w, n))
        assert off < BOUNDARY_TOLERANCE_M / 2, \
            f"fixture: boundary point of {key} is {off:.6f} m off the edge in EPSG:4549"
        return p, None, None
    kind, _, metres = where.partition(":")
    if kind in ("setback", "far") and metres:
        d = float(metres)
        p = geod_forward(w, s, 225.0, d)
        return p, (w, s), d
    raise ValueError(f"unknown where '{where}'")


# ---------------------------------------------------------------- scenarios

def read_scenarios():
    with open(SCENARIOS, encoding="utf-8") as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    assert rows, "no scenarios"
    return rows


def enum_value(enum, name, what):
    if not name:
        return 0
    try:
        return enum.Value(name)
    except ValueError:
        raise AssertionError(f"scenarios.tsv: unknown {what} '{name}'")


def all_rules(response):
    for h in response.hits:
        yield from h.rules
    for n in response.nearest:
        yield from n.rules


def check_row(stub, row, rects, gk):
    """Runs one scenario; returns a list of failure messages."""
    (lon, lat), corner, d = place(row, rects, gk)
    siting = pb.Siting(
        purpose=enum_value(pb.Siting.Purpose, row["purpose"], "purpose"),
        outfall_type=enum_value(pb.Siting.OutfallType, row["outfall_type"], "outfall type"),
        action=enum_value(pb.Siting.Action, row["action"], "action"))
    response = stub.CheckPoint(pb.CheckPointRequest(
        x=lon, y=lat, options=pb.CheckOptions(siting=siting)), timeout=30)
    errors = []
    got = pb.Verdict.Name(response.verdict)
    if got != row["verdict"]:
        errors.append(f"verdict {got}, expected {row['verdict']} ({response.verdict_reason})")

    rules = list(all_rules(response))
    basis = row["basis"]
    if basis == "-":
        if rules:
            errors.append("expected no rule, got " + ", ".join(r.rule_id for r in rules))
    elif basis.startswith("law:"):
        if not any(basis[4:] in r.basis.law for r in rules):
            errors.append(f"no applied rule's law contains {basis[4:]!r}: "
                          + ", ".join(f"{r.rule_id} [{r.basis.law}]" for r in rules))
    else:
        if not any(r.basis.article == basis for r in rules):
            errors.append(f"article {basis} not among the applied rules: "
                          + ", ".join(f"{r.rule_id} [{r.basis.article}]" for r in rules))
        # The verdict must rest on a rule of that article.
        if not any(r.basis.article == basis and pb.Verdict.Name(r.verdict) == row["verdict"]
                   for r in rules):
            errors.append(f"no rule of {basis} gives {row['verdict']}")

    key = row["zone"]
    if key != "none":
        zone_id = ZONES[key][2]
        hit = [h for h in response.hits if h.zone_id == zone_id]
        near = [n for n in response.nearest if n.zone_id == zone_id]
        if row["where"] in ("inside", "boundary"):
            want = pb.ZoneHit.INSIDE if row["where"] == "inside" else pb.ZoneHit.BOUNDARY
            if not hit:
                errors.append(f"zone {zone_id} not hit")
            elif hit[0].relation != want:
                errors.append(f"relation {pb.ZoneHit.Relation.Name(hit[0].relation)}, expected "
                              f"{pb.ZoneHit.Relation.Name(want)}")
        else:
            if hit:
                errors.append(f"zone {zone_id} hit from {d} m away")
            expected = geod_distance(lon, lat, *corner)
            if abs(expected - d) > 1e-3:
                errors.append(f"geod round trip: {expected} m vs {d} m")
            if d <= response.search_radius_m:
                if not near:
                    errors.append(f"zone {zone_id} missing from nearest[]")
                elif abs(near[0].distance_m - expected) > DISTANCE_TOLERANCE_M:
                    errors.append(f"distance {near[0].distance_m:.4f} m, geod says "
                                  f"{expected:.4f} m")
            elif near:
                errors.append(f"zone {zone_id} in nearest[] at {near[0].distance_m} m, beyond "
                              f"the search radius {response.search_radius_m} m")
    else:
        if response.hits or response.nearest:
            errors.append("expected nothing hit or nearby")
    return errors, response


def test_scenarios():
    """Every row of scenarios.tsv; and every default rule is exercised."""
    rects = load_rectangles()
    gk = GaussKruger()
    rows = read_scenarios()
    failures = []
    with Server() as server:
        with grpc.insecure_channel(server.target) as channel:
            stub = pb_grpc.RedlineStub(channel)
            rule_files = stub.ListLayers(pb.ListLayersRequest(), timeout=30).rule_files
            # Answers name a rule's file without the server's directories.
            file_names = {os.path.basename(f) for f in rule_files}
            exercised = set()
            for i, row in enumerate(rows, 1):
                label = (f"#{i} {row['purpose'] or '(no purpose)'}/{row['outfall_type'] or '-'}/"
                         f"{row['action'] or '-'} {row['where']} {row['zone']}")
                try:
                    errors, response = check_row(stub, row, rects, gk)
                    exercised.update(r.rule_id for r in all_rules(response))
                    errors += [f"rule {r.rule_id}: rule_file {r.rule_file!r} is not one of "
                               f"{sorted(file_names)}"
                               for r in all_rules(response) if r.rule_file not in file_names]
                except grpc.RpcError as e:
                    errors = [f"RPC failed: {e.code()} {e.details()}"]
                if row["note"].startswith("XFAIL"):
                    if errors:
                        print(f"known failure {label}: {'; '.join(errors)} -- {row['note']}")
                    else:
                        failures.append(f"{label}: marked XFAIL but passes; remove the marker")
                    continue
                for e in errors:
                    failures.append(f"{label}: {e}")
    ids = default_rule_ids(rule_files)
    assert ids, f"no rules found in {list(rule_files)}"
    missing = ids - exercised
    if missing:
        failures.append(f"default rules no scenario exercises: {sorted(missing)}")
    print(f"verdict scenarios: {len(rows)} rows, {len(ids)} rules, {len(failures)} failures")
    assert not failures, "\n".join(failures)


def default_rule_ids(rule_files):
    """The ids of the rules in the loaded rule files (read from the YAML text).

    ListLayers names files without the server's folders (relative to the
    config's, or by file name): the fixture's rules are data/rules/*.yaml.
    """
    ids = set()
    for name in rule_files:
        path = os.path.join(SOURCE, "data", "rules", os.path.basename(name))
        with open(path, encoding="utf-8") as f:
            for line in f:
                s = line.strip()
                if s.startswith("- id:"):
                    ids.add(s.split(":", 1)[1].strip())
    return ids


def test_broken_rule_file():
    """A config whose rules include a broken file: redlined refuses to start
    and names the file and the line."""
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "redline.yaml")
        with open(CONFIG, encoding="utf-8") as f:
            text = f.read()
        # Same layers (absolute paths), default rules, then the broken file.
        text = text.replace("  - ../../../data/rules",
                            f"  - {os.path.join(SOURCE, 'data', 'rules')}\n  - {BROKEN_RULES}")
        for name in ("water_source", "red_line", "zero_discharge", "other"):
            text = text.replace(f"source: {name}.geojson",
                                f"source: {os.path.join(FIXTURE, name + '.geojson')}")
        with open(config, "w", encoding="utf-8") as f:
            f.write(text)
        target = f"127.0.0.1:{free_port()}"
        proc = subprocess.Popen([REDLINED, "--config", config, "--listen", target, "--http", "off"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
            raise AssertionError("redlined kept running with a broken rule file:\n" + err)
        assert proc.returncode != 0, f"redlined exited 0 with a broken rule file:\n{err}"
        assert "serving" not in err, err
        where = f"broken_rules.yaml:{BROKEN_RULES_LINE}"
        assert where in err, f"stderr does not name {where}:\n{err}"
        assert "FORBIDDEN" in err, f"stderr does not name the bad value:\n{err}"


def main():
    for binary in (REDLINED,):
        if not os.access(binary, os.X_OK):
            print(f"{binary} is missing: build first (ninja -C {BUILD})", file=sys.stderr)
            return 1
    failed = 0
    for name, fn in [("scenarios", test_scenarios),
                     ("broken rule file", test_broken_rule_file)]:
        try:
            fn()
            print(f"PASS {name}")
        except Exception as e:  # report every test, then fail
            failed += 1
            print(f"FAIL {name}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
