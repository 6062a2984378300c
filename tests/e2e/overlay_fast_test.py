#!/usr/bin/python3
"""End-to-end: the overlay's fast path (clients/cli/overlay_fast.h) against the GDAL path.

GDAL is the oracle. Every input is run twice through the same real redlined:
on the fast path, and with REDLINE_OVERLAY_GDAL_ONLY=1 on the GDAL path (OGR
features in, OGR's writers out). Both outputs are read back with osgeo.ogr and
must agree: the same layers, field names and types, rows in the same order,
the same values (doubles to 1e-9 relative) and geometries; the same summary
and exit status. The fast path proves it ran by its summary line
"(fast path: csv→csv)", which the GDAL run must not print.

Inputs, generated here: CSV with tricky records (BOM, CRLF, quoted commas,
quotes and newlines, Chinese text, empty cells, unreadable and non-finite
coordinates, short and long records, blank lines) and several thousand points
in and near the sample zones (data/sample/known_points.csv, jittered), plus
inputs the fast path must leave to GDAL (a .csvt sidecar, semicolons, --where).
Needs Debian's /usr/bin/python3 (python3-gdal).
"""

import csv
import math
import os
import random
import re
import subprocess
import sys
import unittest

from osgeo import gdal, ogr, osr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

gdal.UseExceptions()

MARKER = "(fast path: csv→csv)"
GPKG_MARKER = "(fast path: gpkg→gpkg)"
SERVER = None
TMP = None


def srs_lonlat():
    s = osr.SpatialReference()
    s.ImportFromEPSG(4490)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


LONLAT = srs_lonlat()


def path(name):
    return os.path.join(TMP.name, name)


def known_points():
    with open(e2e.KNOWN_POINTS, encoding="utf-8") as f:
        return sorted({(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)})


def tricky_rows():
    """Raw CSV lines (without their line end) that test GDAL's reading."""
    return [
        'T1,"a, ""quoted"", name",121.075185,30.599582,x',
        'T2,"multi\r\nline, with comma",121.069788,29.970780,',
        '',
        'T3,中文：拟建项目,abc,30.3,z',
        'T4,short',
        'T5, spaced ,,30.1,',
        'T6,nan point,nan,30,',
        'T7,inf point,1e999,30,',
        'T8,decimal comma,"120,5",30,',
        'T9,extra fields,120.8,30,a,extra,more',
        '   ',
        'T10,"";"semi",119.048924,29.624276,"tab\there"',
        'T11,out of area,0.5,30,',
        'T12,"1",120.7,30.0,"007"',
        '"",,,,',
    ]


def write_tricky(name, header="id,name,lon,lat,note", crlf=True, bom=True, n_random=3000):
    rnd = random.Random(20261207)
    lines = [header] + tricky_rows()
    i = 0
    for lon, lat in known_points():
        for _ in range(40):  # in and near the sample zones
            i += 1
            lines.append(f"K{i},近 {lon:.3f},{lon + rnd.uniform(-0.02, 0.02):.6f},"
                         f"{lat + rnd.uniform(-0.02, 0.02):.6f},k")
    for j in range(n_random):
        lines.append(f"R{j},random,{rnd.uniform(118.0, 123.0):.6f},{rnd.uniform(27.0, 31.2):.6f},")
    end = "\r\n" if crlf else "\n"
    with open(path(name), "wb") as f:
        f.write((b"\xef\xbb\xbf" if bom else b"") + end.join(lines).encode("utf-8") + b"\n")
    return path(name)


def run(src, out, *args, gdal_only=False, expect_rc=None):
    env = dict(os.environ)
    env.pop("REDLINE_OVERLAY_GDAL_ONLY", None)
    if gdal_only:
        env["REDLINE_OVERLAY_GDAL_ONLY"] = "1"
    cmd = [e2e.REDLINE, "--server", SERVER.target, "overlay", "--input", src, "--output", out,
           "--overwrite", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", env=env,
                       stdin=subprocess.DEVNULL, timeout=300)
    return p


def read_back(out):
    """(layer names, {layer: (fields, rows)}) of an output, read with OGR."""
    ds = gdal.OpenEx(out, gdal.OF_VECTOR)
    layers = {}
    for i in range(ds.GetLayerCount()):
        lyr = ds.GetLayer(i)
        defn = lyr.GetLayerDefn()
        fields = [(defn.GetFieldDefn(j).GetName(), defn.GetFieldDefn(j).GetTypeName())
                  for j in range(defn.GetFieldCount())]
        rows = []
        for f in lyr:
            g = f.GetGeometryRef()
            rows.append(([f.GetField(j) for j in range(defn.GetFieldCount())],
                         g.ExportToIsoWkt() if g is not None else None,
                         (g.GetX(), g.GetY()) if g is not None and not g.IsEmpty() else None))
        layers[lyr.GetName()] = (fields, rows)
    return [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())], layers


def close(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if math.isnan(x) and math.isnan(y):
        return True
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y))


def summary(stdout):
    """The summary without its timing, rate and output name."""
    s = re.sub(r", [\d.]+ s \([\d.]+ features/s\) -> \S+", "", stdout)
    return s.replace(f"  {MARKER}\n", "").replace(f"  {GPKG_MARKER}\n", "")


def write_gpkg(name, epsg=4490, n_random=2000, extra_fields=True):
    """A GeoPackage point layer: typed attributes, NULL and empty geometries."""
    rnd = random.Random(99)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path(name))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    lyr = ds.CreateLayer("sites", srs, ogr.wkbPoint)
    fields = [("code", ogr.OFTString), ("n", ogr.OFTInteger), ("big", ogr.OFTInteger64),
              ("w", ogr.OFTReal), ("day", ogr.OFTDate)]
    if extra_fields:
        fields.append(("verdict", ogr.OFTString))  # clashes with ours: in_verdict
    for fname, ftype in fields:
        lyr.CreateField(ogr.FieldDefn(fname, ftype))
    to_layer = osr.CoordinateTransformation(LONLAT, srs) if epsg != 4490 else None
    lyr.StartTransaction()
    pts = [(lon + rnd.uniform(-0.02, 0.02), lat + rnd.uniform(-0.02, 0.02))
           for lon, lat in known_points() for _ in range(20)]
    pts += [(rnd.uniform(118.0, 123.0), rnd.uniform(27.0, 31.2)) for _ in range(n_random)]
    rows = [(None, None)] + pts[:10] + [("empty", None)] + pts[10:] + [(float("inf"), 30.0)]
    for i, (x, y) in enumerate(rows):
        f = ogr.Feature(lyr.GetLayerDefn())
        if i % 7 != 3:
            f.SetField("code", f"编号,{i} \"q\"" if i % 5 == 0 else f"C{i}")
            f.SetField("n", i)
            f.SetField("big", 10_000_000_000 + i)
            f.SetField("w", i / 3)
            f.SetField("day", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}")
            if extra_fields:
                f.SetField("verdict", "theirs")
        if x == "empty":
            f.SetGeometry(ogr.Geometry(ogr.wkbPoint))
        elif x is not None:
            g = ogr.Geometry(ogr.wkbPoint)
            g.AddPoint_2D(x, y)
            if to_layer is not None and math.isfinite(x):
                g.Transform(to_layer)
            f.SetGeometry(g)
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    ds = None
    return path(name)


class FastPathTest(unittest.TestCase):
    maxDiff = None

    def compare(self, src, *args, fast=True, expect_rc=None, name=None, ext="csv"):
        """Runs both paths on `src`; asserts they agree; returns the fast run."""
        name = name or os.path.basename(src)
        out_fast, out_gdal = path(f"{name}.fast.{ext}"), path(f"{name}.gdal.{ext}")
        marker = MARKER if ext == "csv" else GPKG_MARKER
        pf = run(src, out_fast, *args)
        pg = run(src, out_gdal, *args, gdal_only=True)
        self.assertIn(pf.returncode, (0, 3), pf.stderr)
        self.assertEqual(pf.returncode, pg.returncode, f"{pf.stdout}{pf.stderr}\n{pg.stderr}")
        if expect_rc is not None:
            self.assertEqual(pf.returncode, expect_rc)
        self.assertEqual(marker in pf.stdout, fast, pf.stdout)
        self.assertNotIn(marker, pg.stdout)
        self.assertEqual(summary(pf.stdout), summary(pg.stdout))
        names_f, lf = read_back(out_fast)
        names_g, lg = read_back(out_gdal)
        # A CSV layer is named after its file: the layers pair by position.
        self.assertEqual(len(names_f), len(names_g))
        if ext != "csv":
            # GDAL lists a GeoPackage's layers in an order of its own making.
            self.assertEqual(sorted(names_f), sorted(names_g))
            names_f, names_g = sorted(names_f), sorted(names_g)
        for layer, layer_f in zip(names_g, names_f):
            fields_f, rows_f = lf[layer_f]
            fields_g, rows_g = lg[layer]
            self.assertEqual(fields_f, fields_g, layer)
            self.assertEqual(len(rows_f), len(rows_g), layer)
            for i, (rf, rg) in enumerate(zip(rows_f, rows_g)):
                for (fname, _), a, b in zip(fields_g, rf[0], rg[0]):
                    self.assertTrue(close(a, b), f"{layer} row {i} {fname}: {a!r} != {b!r}")
                self.assertEqual(rf[2] is None, rg[2] is None, f"{layer} row {i} geometry")
                if rf[2] is not None:
                    self.assertTrue(close(rf[2][0], rg[2][0]) and close(rf[2][1], rg[2][1]),
                                    f"{layer} row {i}: {rf[1]} != {rg[1]}")
        return pf, lf[names_f[0]]  # CSV's one layer

    def test_tricky_csv(self):
        src = write_tricky("tricky.csv")
        p, (fields, rows) = self.compare(src, expect_rc=3)
        names = [f for f, _ in fields]
        by_id = {}
        for r in rows:
            by_id.setdefault(r[0][names.index("id")], []).append(dict(zip(names, r[0])))
        # GDAL's reading, kept: quotes, newlines, commas, Chinese text, spaces.
        self.assertEqual(by_id["T1"][0]["name"], 'a, "quoted", name')
        self.assertEqual(by_id["T2"][0]["name"], "multi\nline, with comma")
        self.assertEqual(by_id["T3"][0]["name"], "中文：拟建项目")
        self.assertEqual(by_id["T5"][0]["name"], " spaced ")
        self.assertEqual(by_id["T10"][0]["note"], "tab\there")
        for bad in ("T3", "T4", "T5", "T6", "T7", "T11"):
            self.assertNotEqual(by_id[bad][0]["error"], "", bad)
        self.assertEqual(by_id["T8"][0]["error"], "")  # "120,5" reads as 120.5
        # Hits among the points near the sample zones.
        self.assertGreater(sum(1 for r in rows if r[0][names.index("zone_id")]), 100)
        self.assertIn("errors", p.stdout)

    def test_unix_lines_no_bom_and_options(self):
        src = write_tricky("plain.csv", crlf=False, bom=False, n_random=500)
        for args in (["--id-field", "name"], ["--hits-only"], ["--purpose", "OUTFALL"],
                     ["--zone-layer", "water_source", "--radius", "2000"]):
            with self.subTest(args=args):
                self.compare(src, *args, name="plain_" + "_".join(a.strip("-") for a in args))

    def test_other_point_columns_and_clashing_names(self):
        # 经度/纬度 columns, and input fields named like ours (in_verdict, in_error).
        src = write_tricky("zh.csv", header="verdict,error,经度,纬度,note", n_random=200)
        p, (fields, _) = self.compare(src, "--crs", "EPSG:4490", expect_rc=3)
        names = [f for f, _ in fields]
        self.assertEqual(names[:4], ["WKT", "in_verdict", "in_error", "note"])

    def test_crs_override(self):
        src = write_tricky("crs.csv", n_random=200)
        self.compare(src, "--crs", "EPSG:4326", expect_rc=3)

    def test_left_to_gdal(self):
        src = write_tricky("gdal_only.csv", n_random=100)
        with self.subTest("where"):
            self.compare(src, "--where", "note = 'k'", fast=False, name="where")
        with self.subTest("csvt"):
            csvt = write_tricky("typed.csv", n_random=100)
            with open(path("typed.csvt"), "w", encoding="utf-8") as f:
                f.write('"String","String","Real","Real","String"\n')
            self.compare(csvt, fast=False, expect_rc=3)
        with self.subTest("semicolons"):
            with open(path("semi.csv"), "w", encoding="utf-8") as f:
                f.write("id;lon;lat\nS1;121.075185;30.599582\nS2;120,5;30\n")
            self.compare(path("semi.csv"), fast=False)
        with self.subTest("geojson output"):
            p = run(src, path("gj.geojson"))
            self.assertNotIn(MARKER, p.stdout)

    def test_gpkg(self):
        src = write_gpkg("sites.gpkg")
        p, _ = self.compare(src, ext="gpkg", expect_rc=3)
        for args in (["--id-field", "code"], ["--id-field", "n", "--hits-only"],
                     ["--purpose", "OUTFALL"]):
            with self.subTest(args=args):
                self.compare(src, *args, ext="gpkg", expect_rc=3,
                             name="gpkg_" + "_".join(a.strip("-") for a in args))
        ds = gdal.OpenEx(path("sites.gpkg.fast.gpkg"), gdal.OF_VECTOR)
        for name in ("overlay", "no_hits"):
            lyr = ds.GetLayerByName(name)
            self.assertEqual(lyr.GetFeatureCount(), sum(1 for _ in lyr), name)
            # As ogr2ogr's SPATIAL_INDEX=NO: GDAL adds the index on request.
            sql = ds.ExecuteSQL(f"SELECT HasSpatialIndex('{name}', 'geom')")
            self.assertEqual(sql.GetNextFeature().GetField(0), 0, name)
            ds.ReleaseResultSet(sql)

    def test_gpkg_projected(self):
        src = write_gpkg("gk.gpkg", epsg=4549, n_random=300, extra_fields=False)
        self.compare(src, ext="gpkg", expect_rc=3)

    def test_gpkg_left_to_gdal(self):
        src = write_gpkg("gw.gpkg", n_random=50)
        self.compare(src, "--where", "n > 5", ext="gpkg", fast=False, expect_rc=3, name="gw")

    def test_empty_input(self):
        with open(path("empty.csv"), "w", encoding="utf-8") as f:
            f.write("id,lon,lat\n")
        self.compare(path("empty.csv"))


class FastPathMemoryTest(unittest.TestCase):
    N = 300_000
    MAX_RSS_MB = 200

    def test_bounded_rss(self):
        rnd = random.Random(7)
        src = path("big.csv")
        with open(src, "w", encoding="utf-8") as f:
            f.write("pid,lon,lat,note\n")
            for i in range(self.N):
                f.write(f"R{i},{rnd.uniform(118.0, 123.0):.6f},{rnd.uniform(27.0, 31.2):.6f},"
                        f"note {i}\n")
        out = path("big_out.csv")
        cmd = [e2e.REDLINE, "--server", SERVER.target, "overlay", "--input", src,
               "--output", out, "--id-field", "pid", "--quiet", "--overwrite"]
        with open(path("big.stdout"), "w+", encoding="utf-8") as so:
            proc = subprocess.Popen(cmd, stdout=so, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            so.seek(0)
            stdout = so.read()
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, stdout)
        self.assertIn(MARKER, stdout)
        self.assertRegex(stdout, rf"{self.N} features read")
        rss_mb = usage.ru_maxrss / 1024
        print(f"\nfast path, {self.N} points: client peak RSS {rss_mb:.0f} MB", file=sys.stderr)
        self.assertLess(rss_mb, self.MAX_RSS_MB)
        with open(out, newline="", encoding="utf-8") as f:
            ids = {r["input_id"] for r in csv.DictReader(f)}
        self.assertEqual(len(ids), self.N)
        # The same points as a GeoPackage, to a GeoPackage.
        gpkg = path("big.gpkg")
        src_ds = gdal.OpenEx(src, gdal.OF_VECTOR, open_options=[
            "X_POSSIBLE_NAMES=lon", "Y_POSSIBLE_NAMES=lat", "KEEP_GEOM_COLUMNS=NO"])
        gdal.VectorTranslate(gpkg, src_ds, format="GPKG", layerName="points",
                             options=["-a_srs", "EPSG:4490"])
        src_ds = None
        cmd = [e2e.REDLINE, "--server", SERVER.target, "overlay", "--input", gpkg,
               "--output", path("big_out.gpkg"), "--quiet", "--overwrite"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                stdin=subprocess.DEVNULL)
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, stdout)
        self.assertIn(GPKG_MARKER, stdout)
        self.assertRegex(stdout, rf"{self.N} features read")
        rss_mb = usage.ru_maxrss / 1024
        print(f"fast path gpkg, {self.N} points: client peak RSS {rss_mb:.0f} MB", file=sys.stderr)
        self.assertLess(rss_mb, self.MAX_RSS_MB)


def setUpModule():
    global SERVER, TMP
    TMP = e2e.tempdir()
    try:
        SERVER = e2e.Server().__enter__()
    except BaseException:
        TMP.cleanup()
        raise


def tearDownModule():
    try:
        if SERVER is not None:
            SERVER.__exit__(None, None, None)
    finally:
        TMP.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
