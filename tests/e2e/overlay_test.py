#!/usr/bin/python3
"""End-to-end: `redline overlay`, the batch overlay, against the real redlined.

Every input is generated here, in a temp folder, with OGR: the known points of
data/sample/known_points.csv, small squares around some of them (WITHIN), a
square straddling the edge of a 零直排区 (INTERSECTS) and a line leaving it,
written as GeoJSON (EPSG:4326), GeoPackage (EPSG:4490), Shapefile (EPSG:4549,
GBK attributes, .cpg), FileGDB (OpenFileGDB), CSV with lon/lat columns and CSV
with a WKT column. Every output format (.gpkg, .csv, .geojson) is read back
with OGR.

Expected values are computed independently of Redline: the hits of the points
come from known_points.csv; the hits, relations, overlap areas and lengths of
the squares and the line come from OGR/GEOS here, reading each zone from its
sample file in its own CRS and intersecting it with the site after projecting
both to a Lambert azimuthal equal-area projection on GRS80 centred on the site.
"""

import csv
import os
import re
import subprocess
import sys
import threading
import time
import unittest

import yaml
from osgeo import gdal, ogr, osr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

gdal.UseExceptions()

LAYER_KINDS = {  # from data/sample/redline.yaml
    "water_source": "WATER_SOURCE_PROTECTION",
    "zero_discharge": "ZERO_DISCHARGE_ZONE",
    "red_lines": "ECOLOGICAL_RED_LINE",
    "control_units": "OTHER_ZONE",
    "counties": "CONTEXT_LAYER",  # kind: context, never checked
}
HIT_COLUMNS = ["zone_layer", "zone_kind", "zone_id", "zone_name", "zone_level",
               "zone_level_normalized", "relation", "overlap_area_m2", "overlap_ratio",
               "overlap_length_m", "zone_verdict", "rules"]
NEAR_COLUMNS = [f"near_{kind}_{col}"
                for kind, cols in (("red_line", ("id", "m", "rules", "setback_m")),
                                   ("water_source", ("id", "level", "m", "rules", "setback_m")),
                                   ("zero_discharge", ("id", "m", "rules", "setback_m")))
                for col in cols]
OUR_COLUMNS = (["input_id"] + HIT_COLUMNS + ["verdict", "verdict_reason"] + NEAR_COLUMNS
               + ["geometry_repaired", "dataset_version", "error"])
REL_TOL = 1e-3       # 0.1 %
DEG_TOL = 1e-6       # about 0.1 m
STRADDLE_ZONE = ("zero_discharge", "ZDZ-330482-0001")  # 嘉兴港区化工新材料园区
PARK_POINT = (121.075185, 30.599582)                    # a known point inside it
BOX_POINTS = [(121.069788, 29.970780), (119.048924, 29.624276), PARK_POINT,
              (121.050069, 29.785853), (119.673323, 29.082757)]  # the last one hits nothing
NAMES = ["四明湖水库取水口", "嘉兴港区化工园区排污口", "千岛湖（淳安）监测井",
         "余姚华府新村雨水口", "九龙山保护站", "金华市区：拟建项目", "杭州湾跨海管线",
         "温州东海海域"]

SERVER = None
TMP = None
ZONES = None
SITES = []      # every good input feature, with what it must hit
FIXTURES = {}   # name -> ([(path, extra CLI args)], [Site])


# --- coordinates ---

def srs_epsg(code):
    s = osr.SpatialReference()
    s.ImportFromEPSG(code)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


LONLAT = srs_epsg(4490)


def laea(lon, lat):
    """An equal-area projection on the GRS80 ellipsoid centred on (lon, lat)."""
    s = osr.SpatialReference()
    s.ImportFromProj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=m +no_defs")
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def transformed(geom, src, dst):
    g = geom.Clone()
    g.Transform(osr.CoordinateTransformation(src, dst))
    return g


def rel_diff(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


# --- the zones, read here with OGR ---

class Zones:
    """The sample layers as OGR reads them, each in its own CRS."""

    def __init__(self):
        with open(e2e.SAMPLE_CONFIG, encoding="utf-8") as f:
            cfg = yaml.safe_load(f)
        self.layers = []
        self.attrs = {}  # (layer, zone id) -> (name, level)
        for spec in cfg["layers"]:
            ds = gdal.OpenEx(os.path.join(e2e.SAMPLE_DIR, spec["source"]), gdal.OF_VECTOR)
            lyr = ds.GetLayerByName(spec["layer"]) if spec.get("layer") else ds.GetLayer(0)
            srs = lyr.GetSpatialRef().Clone()
            srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            self.layers.append((spec, ds, lyr, srs))
            lyr.SetIgnoredFields(["OGR_GEOMETRY"])
            for f in lyr:
                self.attrs[(spec["name"], f.GetFieldAsString(spec["id_field"]))] = (
                    f.GetFieldAsString(spec["name_field"]), f.GetFieldAsString(spec["level_field"]))
            lyr.SetIgnoredFields([])
            lyr.ResetReading()

    def geometry(self, layer_name, zone_id):
        """(geometry, srs) of one zone in its layer's CRS."""
        for spec, _, lyr, srs in self.layers:
            if spec["name"] != layer_name:
                continue
            lyr.SetAttributeFilter(f"{spec['id_field']} = '{zone_id}'")
            try:
                feats = list(lyr)
            finally:
                lyr.SetAttributeFilter(None)
            assert len(feats) == 1, (layer_name, zone_id, len(feats))
            return feats[0].GetGeometryRef().Clone(), srs
        raise KeyError(layer_name)

    def expected(self, site):
        """{(layer, zone id): expectation} for a polygon or line site (EPSG:4490 lon/lat)."""
        c = site.Centroid()
        aeq = laea(c.GetX(), c.GetY())
        site_aeq = transformed(site, LONLAT, aeq)
        polygonal = site_aeq.GetDimension() == 2
        out = {}
        for spec, _, lyr, srs in self.layers:
            lyr.SetSpatialFilter(transformed(site, LONLAT, srs))
            try:
                for f in lyr:
                    zone = transformed(f.GetGeometryRef(), srs, aeq)
                    if not zone.IsValid():
                        zone = zone.MakeValid()
                    if not zone.Intersects(site_aeq):
                        continue
                    inter = zone.Intersection(site_aeq)
                    if polygonal:
                        amount, total = inter.GetArea(), site_aeq.GetArea()
                    else:
                        amount, total = inter.Length(), site_aeq.Length()
                    if zone.Contains(site_aeq):
                        relation = "WITHIN"
                    elif amount > 0:
                        relation = "INTERSECTS"
                    else:
                        relation = "TOUCHES"
                    out[(spec["name"], f.GetFieldAsString(spec["id_field"]))] = {
                        "relation": relation,
                        "area": amount if polygonal else 0.0,
                        "length": 0.0 if polygonal else amount,
                        "ratio": amount / total,
                    }
            finally:
                lyr.SetSpatialFilter(None)
        return out


# --- the sites ---

class Site:
    def __init__(self, site_id, seq, kind, wkt, expected):
        self.id = site_id
        self.seq = seq
        self.kind = kind  # point, box, straddle, line
        self.name = f"{NAMES[seq % len(NAMES)]}{seq}号"
        self.wkt = wkt
        self.geom = ogr.CreateGeometryFromWkt(wkt)
        self.expected = expected  # {(layer, zone id): {relation, area, length, ratio}}
        self.lonlat_text = None   # (lon, lat) text for the CSV, points only


def make_sites():
    sites = []
    seq = 0
    for (lon, lat), hits in e2e.known_points().items():
        seq += 1
        s = Site(f"P{seq:02d}", seq, "point", f"POINT ({lon} {lat})",
                 {k: {"relation": "INSIDE"} for k in hits})
        s.lonlat_text = (lon, lat)
        sites.append(s)
    known = e2e.known_points()
    for i, (lon, lat) in enumerate(BOX_POINTS, 1):
        seq += 1
        wkt = e2e.box_wkt(lon, lat, 0.0003)
        exp = ZONES.expected(ogr.CreateGeometryFromWkt(wkt))
        # The premise of the fixture: each corner stays clear of every boundary.
        point_hits = known[(f"{lon:.6f}", f"{lat:.6f}")]
        assert set(exp) == point_hits, (lon, lat, exp, point_hits)
        assert all(e["relation"] == "WITHIN" for e in exp.values()), exp
        sites.append(Site(f"B{i:02d}", seq, "box", wkt, exp))

    # A square centred on a vertex of the park's outline: partly in, partly out.
    zone, zone_srs = ZONES.geometry(*STRADDLE_ZONE)
    multi = ogr.GT_Flatten(zone.GetGeometryType()) == ogr.wkbMultiPolygon
    poly = zone.GetGeometryRef(0) if multi else zone
    ring = poly.GetGeometryRef(0)
    vertex = ogr.Geometry(ogr.wkbPoint)
    vertex.AddPoint_2D(ring.GetX(0), ring.GetY(0))
    vertex = transformed(vertex, zone_srs, LONLAT)
    seq += 1
    wkt = e2e.box_wkt(vertex.GetX(), vertex.GetY(), 0.0008)
    exp = ZONES.expected(ogr.CreateGeometryFromWkt(wkt))
    assert exp.get(STRADDLE_ZONE, {}).get("relation") == "INTERSECTS", exp
    assert 0.05 < exp[STRADDLE_ZONE]["ratio"] < 0.95, exp
    sites.append(Site("S01", seq, "straddle", wkt, exp))

    # A line from inside the park 3 km east, densified so that its segments are
    # short in every CRS (straight in lon/lat, GK and LAEA agree to < 1 mm).
    lon0, lat0 = PARK_POINT
    pts = [(lon0 + 0.03 * i / 30, lat0 + 0.004 * i / 30) for i in range(31)]
    wkt = "LINESTRING (" + ", ".join(f"{x:.7f} {y:.7f}" for x, y in pts) + ")"
    seq += 1
    exp = ZONES.expected(ogr.CreateGeometryFromWkt(wkt))
    assert exp.get(STRADDLE_ZONE, {}).get("relation") == "INTERSECTS", exp
    sites.append(Site("L01", seq, "line", wkt, exp))
    return sites


# --- writing the inputs ---

def add_fields(lyr, width=80):
    for name, kind in (("site_id", ogr.OFTString), ("name", ogr.OFTString),
                       ("seq", ogr.OFTInteger), ("kind", ogr.OFTString)):
        fd = ogr.FieldDefn(name, kind)
        if kind == ogr.OFTString:
            fd.SetWidth(width)
        lyr.CreateField(fd)


def add_feature(lyr, site, geom):
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetField("site_id", site.id)
    f.SetField("name", site.name)
    f.SetField("seq", site.seq)
    f.SetField("kind", site.kind)
    if geom is not None:
        f.SetGeometry(geom)
    lyr.CreateFeature(f)


def write_single_layer(path, driver, epsg, sites):
    srs = srs_epsg(epsg)
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    lyr = ds.CreateLayer("sites", srs, ogr.wkbUnknown)
    add_fields(lyr)
    for s in sites:
        add_feature(lyr, s, transformed(s.geom, LONLAT, srs))
    ds = None


def split_by_type(sites):
    return {"pt": [s for s in sites if s.kind == "point"],
            "pg": [s for s in sites if s.kind in ("box", "straddle")],
            "ln": [s for s in sites if s.kind == "line"]}


GEOM_TYPES = {"pt": ogr.wkbPoint, "pg": ogr.wkbPolygon, "ln": ogr.wkbLineString}


def write_shapefiles(folder, sites):
    """One Shapefile per geometry type, EPSG:4549, attributes in GBK with a .cpg."""
    os.makedirs(folder)
    gk = srs_epsg(4549)
    paths = []
    for key, group in split_by_type(sites).items():
        path = os.path.join(folder, f"sites_{key}.shp")
        ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
        lyr = ds.CreateLayer(f"sites_{key}", gk, GEOM_TYPES[key], ["ENCODING=GBK"])
        add_fields(lyr)
        for s in group:
            add_feature(lyr, s, transformed(s.geom, LONLAT, gk))
        ds = None
        paths.append(path)
    return paths


def write_filegdb(path, sites):
    ds = ogr.GetDriverByName("OpenFileGDB").CreateDataSource(path)
    for key, group in split_by_type(sites).items():
        lyr = ds.CreateLayer(f"sites_{key}", LONLAT, GEOM_TYPES[key])
        add_fields(lyr)
        for s in group:
            add_feature(lyr, s, s.geom)
    ds = None


def write_csv_lonlat(path, sites):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["site_id", "name", "seq", "kind", "lon", "lat"])
        for s in sites:
            w.writerow([s.id, s.name, s.seq, s.kind, *s.lonlat_text])


def write_csv_wkt(path, rows):
    """rows: (site_id, name, seq, kind, wkt text)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["site_id", "name", "seq", "kind", "wkt"])
        for r in rows:
            w.writerow(r)


def csv_row(s):
    return (s.id, s.name, s.seq, s.kind, s.wkt)


# Bad rows for the stream tests: (site_id, name, wkt or (lon, lat) text, error pattern)
BAD_WKT_ROWS = [
    ("X-NULL", "空几何", "", r"no geometry|null|geometry is missing"),
    ("X-JUNK", "坏坐标", "POINT (121.07 abc)", r"geometry|coordinate|pars|read"),
    # Wholly latitude-first input is corrected now; one swapped vertex is not.
    ("X-SWAP", "经纬颠倒", "POLYGON ((121.07 29.97, 29.98 121.08, 121.08 29.97, 121.07 29.97))",
     r"swap|latitude|longitude"),
    # Refused only with --strict (the stream test gives it); else repaired.
    ("X-BOWTIE", "自相交", "POLYGON ((121.07 29.97, 121.08 29.98, 121.08 29.97, 121.07 29.98, "
     "121.07 29.97))", r"self-intersect|invalid"),
]
BAD_LONLAT_ROWS = [
    ("Y-NULL", "无坐标", ("", ""), r"no geometry|null|coordinate"),
    ("Y-JUNK", "坏经度", ("121.0x9", "29.970780"), r"geometry|coordinate|pars|read"),
    # A latitude-first point is corrected now; a longitude of 200 fits neither way.
    ("Y-RANGE", "经度越界", ("200.5", "121.069788"), r"swap|latitude|longitude"),
]


def setUpModule():
    global SERVER, TMP, ZONES, SITES
    TMP = e2e.tempdir()
    try:
        ZONES = Zones()
        SITES = make_sites()
        d = TMP.name
        write_single_layer(os.path.join(d, "sites.geojson"), "GeoJSON", 4326, SITES)
        write_single_layer(os.path.join(d, "sites.gpkg"), "GPKG", 4490, SITES)
        # EPSG:4549 is defined for 118.5-121.5°E: survey data in it has no open-sea
        # point at 123.5°E (the server refuses coordinates outside a CRS's area of use), so
        # the Shapefile leaves that one out.
        in_gk = [s for s in SITES if 118.5 <= s.geom.GetEnvelope()[0] and
                 s.geom.GetEnvelope()[1] <= 121.5]
        shp = write_shapefiles(os.path.join(d, "shp"), in_gk)
        write_filegdb(os.path.join(d, "sites.gdb"), SITES)
        points = [s for s in SITES if s.kind == "point"]
        write_csv_lonlat(os.path.join(d, "points_lonlat.csv"), points)
        write_csv_wkt(os.path.join(d, "sites_wkt.csv"), [csv_row(s) for s in SITES])
        FIXTURES.update({  # name -> ([(path, extra args)], the sites in it)
            "geojson": ([(os.path.join(d, "sites.geojson"), [])], SITES),
            "gpkg": ([(os.path.join(d, "sites.gpkg"), [])], SITES),
            "shp": ([(p, []) for p in shp], in_gk),
            "gdb": ([(os.path.join(d, "sites.gdb"), ["--layer", f"sites_{k}"])
                     for k in ("pt", "pg", "ln")], SITES),
            "csv_lonlat": ([(os.path.join(d, "points_lonlat.csv"), [])], points),
            "csv_wkt": ([(os.path.join(d, "sites_wkt.csv"), ["--crs", "EPSG:4490"])], SITES),
        })
        # The streams with bad rows in the middle.
        half = len(SITES) // 2
        rows = [csv_row(s) for s in SITES[:half]]
        rows += [(sid, name, 900 + i, "bad", wkt) for i, (sid, name, wkt, _) in
                 enumerate(BAD_WKT_ROWS)]
        rows += [csv_row(s) for s in SITES[half:]]
        write_csv_wkt(os.path.join(d, "stream_bad_wkt.csv"), rows)
        with open(os.path.join(d, "stream_bad_lonlat.csv"), "w", newline="",
                  encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["site_id", "name", "seq", "kind", "lon", "lat"])
            for s in points[:3]:
                w.writerow([s.id, s.name, s.seq, s.kind, *s.lonlat_text])
            for i, (sid, name, (lon, lat), _) in enumerate(BAD_LONLAT_ROWS):
                w.writerow([sid, name, 950 + i, "bad", lon, lat])
            for s in points[3:]:
                w.writerow([s.id, s.name, s.seq, s.kind, *s.lonlat_text])
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


# --- running and reading back ---

def overlay(*args, local=False, timeout=180):
    extra = ["--local", "--config", e2e.SAMPLE_CONFIG] if local else []
    return e2e.run_cli(SERVER.target, "overlay", *extra, *args, timeout=timeout)


def GPKG():
    return FIXTURES["gpkg"][0][0][0]


def get(r, column):
    """A column's value, "" when empty or absent (GeoJSON omits unset properties)."""
    return value(r.get(column))


def out_path(name):
    return os.path.join(TMP.name, name)


def value(v):
    return "" if v is None else v


def read_output(path):
    """[row dict] of every layer of an overlay output, with '_layer' and '_geom'.

    Also returns the layer names."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    rows, names = [], []
    main = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())
            if ds.GetLayer(i).GetName() != "no_hits"]
    for i in range(ds.GetLayerCount()):
        lyr = ds.GetLayer(i)
        names.append(lyr.GetName())
        defn = lyr.GetLayerDefn()
        fields = [defn.GetFieldDefn(j).GetName() for j in range(defn.GetFieldCount())]
        for f in lyr:
            r = {name: value(f.GetField(name)) for name in fields}
            r["_layer"] = lyr.GetName()
            r["_main"] = main[0] if main else None
            r["_fmt"] = os.path.splitext(path)[1].lstrip(".").lower()
            r["_fid"] = f.GetFID()
            g = f.GetGeometryRef()
            r["_geom"] = g.Clone() if g is not None else None
            rows.append(r)
    return rows, names


def layer_fields(path):
    """{layer name: [field names]} of an output."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    out = {}
    for i in range(ds.GetLayerCount()):
        defn = ds.GetLayer(i).GetLayerDefn()
        out[ds.GetLayer(i).GetName()] = [defn.GetFieldDefn(j).GetName()
                                         for j in range(defn.GetFieldCount())]
    return out


def num(v):
    return float(v) if v != "" else 0.0


class OverlayCase(unittest.TestCase):
    maxDiff = None

    def run_ok(self, *args, local=False, expect_rc=0):
        p = overlay(*args, local=local)
        self.assertEqual(p.returncode, expect_rc,
                         f"redline overlay {' '.join(map(str, args))}\nstdout:\n{p.stdout}\n"
                         f"stderr:\n{p.stderr}")
        return p

    def assert_layers(self, names, fmt):
        if fmt == "gpkg":
            self.assertEqual(sorted(names), ["no_hits", "overlay"])
        else:
            self.assertEqual(len(names), 1, names)

    def assert_one_version(self, rows):
        versions = {get(r, "dataset_version") for r in rows}
        self.assertEqual(len(versions), 1, versions)
        self.assertNotEqual(versions.pop(), "")

    def assert_geom_close(self, got, site, msg):
        """`got` (EPSG:4490) is the site itself: same points, or the same area/length."""
        self.assertIsNotNone(got, msg)
        if site.kind == "point":
            self.assertLess(abs(got.GetX() - site.geom.GetX()), DEG_TOL, msg)
            self.assertLess(abs(got.GetY() - site.geom.GetY()), DEG_TOL, msg)
            return
        a = got.GetEnvelope()
        b = site.geom.GetEnvelope()
        for x, y in zip(a, b):
            self.assertLess(abs(x - y), DEG_TOL, (msg, a, b))

    @staticmethod
    def no_hit_layer(r):
        """Where a feature without hits (or a failed one) belongs."""
        return "no_hits" if r["_fmt"] == "gpkg" else r["_main"]

    def check_site_rows(self, site, rows, label, id_expected=None):
        """The rows of one good site against its independent expectation."""
        msg = f"{label} {site.id} ({site.kind})"
        for r in rows:
            self.assertEqual(get(r, "name"), site.name, msg)          # the same Unicode text
            self.assertEqual(str(get(r, "seq")), str(site.seq), msg)
            self.assertEqual(get(r, "kind"), site.kind, msg)
            self.assertEqual(get(r, "input_id"), id_expected or site.id, msg)
            self.assertEqual(get(r, "error"), "", msg)
            self.assertNotEqual(get(r, "dataset_version"), "", msg)
        if not site.expected:
            self.assertEqual(len(rows), 1, (msg, rows))
            r = rows[0]
            self.assertEqual(r["_layer"], self.no_hit_layer(r), msg)
            for c in HIT_COLUMNS:
                self.assertEqual(get(r, c), "", (msg, c))
            self.assertIn(get(r, "verdict"), ("CLEAR", "NEEDS_PURPOSE"), msg)
            self.assert_geom_close(r["_geom"], site, msg)
            return
        got = {(get(r, "zone_layer"), get(r, "zone_id")): r for r in rows}
        self.assertEqual(len(got), len(rows), (msg, "duplicate hit rows"))
        self.assertEqual(set(got), set(site.expected), msg)
        c = site.geom.Centroid()
        aeq = laea(c.GetX(), c.GetY())
        for key, r in got.items():
            exp = site.expected[key]
            hmsg = f"{msg} {key}"
            self.assertEqual(r["_layer"], r["_main"], hmsg)
            self.assertEqual(get(r, "zone_kind"), LAYER_KINDS[key[0]], hmsg)
            name, level = ZONES.attrs[key]
            self.assertEqual(get(r, "zone_name"), name, hmsg)
            self.assertEqual(str(get(r, "zone_level")), level, hmsg)
            self.assertEqual(get(r, "relation"), exp["relation"], hmsg)
            # No purpose was given and a zone is hit.
            self.assertEqual(get(r, "verdict"), "NEEDS_PURPOSE", hmsg)
            self.assertIsNotNone(r["_geom"], hmsg)
            if site.kind == "point":
                self.assert_geom_close(r["_geom"], site, hmsg)
                continue
            inter = transformed(r["_geom"], LONLAT, aeq)
            if site.kind == "line":
                self.assertLess(rel_diff(num(get(r, "overlap_length_m")), exp["length"]), REL_TOL,
                                (hmsg, get(r, "overlap_length_m"), exp["length"]))
                self.assertLess(rel_diff(inter.Length(), exp["length"]), REL_TOL,
                                (hmsg, "intersection geometry", inter.Length(), exp["length"]))
            else:
                self.assertLess(rel_diff(num(get(r, "overlap_area_m2")), exp["area"]), REL_TOL,
                                (hmsg, get(r, "overlap_area_m2"), exp["area"]))
                self.assertLess(rel_diff(inter.GetArea(), exp["area"]), REL_TOL,
                                (hmsg, "intersection geometry", inter.GetArea(), exp["area"]))
            self.assertLess(rel_diff(num(get(r, "overlap_ratio")), exp["ratio"]), REL_TOL,
                            (hmsg, get(r, "overlap_ratio"), exp["ratio"]))

    def check_output(self, rows, sites, label, ids=None):
        by_site = {}
        for r in rows:
            by_site.setdefault(get(r, "site_id"), []).append(r)
        self.assertEqual(sorted(by_site), sorted(s.id for s in sites), label)
        for s in sites:
            self.check_site_rows(s, by_site[s.id], label,
                                 id_expected=None if ids is None else ids[s.id])


# --- 1 & 2: round trips ---

class RoundTripTest(OverlayCase):
    def round_trip(self, fixture, fmt):
        rows = []
        entries, sites = FIXTURES[fixture]
        for i, (path, extra) in enumerate(entries):
            out = out_path(f"rt_{fixture}_{i}.{fmt}")
            p = self.run_ok("--input", path, "--output", out, "--id-field", "site_id",
                            "--quiet", *extra)
            self.assertEqual(p.stderr, "", "--quiet prints nothing on stderr")
            part, names = read_output(out)
            self.assert_layers(names, fmt)
            self.assert_one_version(part)
            if fmt != "geojson":  # GeoJSON has no schema: a property never set is absent
                fields = layer_fields(out)
                main = [n for n in names if n != "no_hits"][0]
                # (OGR shows a CSV's geometry column, WKT, as a field too.)
                self.assertEqual([f for f in fields[main] if f != "WKT"],
                                 ["site_id", "name", "seq", "kind"] + OUR_COLUMNS)
                if fmt == "gpkg":
                    self.assertEqual(fields["no_hits"], (
                        ["site_id", "name", "seq", "kind", "input_id", "verdict",
                         "verdict_reason"] + NEAR_COLUMNS
                        + ["geometry_repaired", "dataset_version", "error"]))
            rows += part
        self.check_output(rows, sites, f"{fixture}->{fmt}")

    def test_geojson_4326(self):
        for fmt in ("gpkg", "csv", "geojson"):
            with self.subTest(out=fmt):
                self.round_trip("geojson", fmt)

    def test_gpkg_4490(self):
        for fmt in ("gpkg", "csv", "geojson"):
            with self.subTest(out=fmt):
                self.round_trip("gpkg", fmt)

    def test_shapefile_4549_gbk(self):
        # The fixture really is GBK, with a .cpg saying so.
        groups = split_by_type(FIXTURES["shp"][1])
        for path, _ in FIXTURES["shp"][0]:
            with open(path[:-4] + ".cpg", encoding="ascii") as f:
                self.assertEqual(f.read().strip().upper(), "GBK")
            with open(path[:-4] + ".dbf", "rb") as f:
                dbf = f.read()
            for s in groups[path[-6:-4]]:
                self.assertIn(s.name.encode("gbk"), dbf)
                self.assertNotIn(s.name.encode("utf-8"), dbf)
        for fmt in ("gpkg", "csv", "geojson"):
            with self.subTest(out=fmt):
                self.round_trip("shp", fmt)

    def test_filegdb(self):
        for fmt in ("gpkg", "csv", "geojson"):
            with self.subTest(out=fmt):
                self.round_trip("gdb", fmt)

    def test_csv_lonlat(self):
        for fmt in ("gpkg", "csv", "geojson"):
            with self.subTest(out=fmt):
                self.round_trip("csv_lonlat", fmt)

    def test_csv_wkt(self):
        for fmt in ("gpkg", "csv", "geojson"):
            with self.subTest(out=fmt):
                self.round_trip("csv_wkt", fmt)

    def test_summary_and_progress(self):
        out = out_path("summary.gpkg")
        p = self.run_ok("--input", GPKG(), "--output", out)
        with_hits = sum(1 for s in SITES if s.expected)
        self.assertRegex(p.stdout, rf"{len(SITES)} features read, {with_hits} with hits, "
                                   r"0 repaired, 0 errors")
        self.assertRegex(p.stdout, r"[\d.]+ features/s")
        self.assertRegex(p.stderr, rf"{len(SITES)}/{len(SITES)}", "progress on stderr")


# --- 3: bad rows, exit codes, --where, --id-field ---

class StreamAndOptionsTest(OverlayCase):
    def check_bad_stream(self, rows, bad, good_sites):
        by_site = {}
        for r in rows:
            by_site.setdefault(get(r, "site_id"), []).append(r)
        for sid, name, _, pattern in bad:
            with self.subTest(bad=sid):
                self.assertIn(sid, by_site)
                self.assertEqual(len(by_site[sid]), 1, by_site[sid])
                r = by_site[sid][0]
                self.assertEqual(get(r, "name"), name)
                self.assertEqual(get(r, "input_id"), sid)
                self.assertNotEqual(get(r, "error"), "")
                self.assertRegex(get(r, "error"), re.compile(pattern, re.I))
                self.assertEqual(r["_layer"], self.no_hit_layer(r))
                for c in HIT_COLUMNS:
                    self.assertEqual(get(r, c), "", (sid, c))
        # Every good row, before and after the bad ones, was processed.
        good = {k: v for k, v in by_site.items() if k not in {b[0] for b in bad}}
        self.assertEqual(sorted(good), sorted(s.id for s in good_sites))
        for s in good_sites:
            self.check_site_rows(s, good[s.id], "stream")

    def test_bad_rows_in_wkt_stream(self):
        for fmt in ("gpkg", "csv"):
            with self.subTest(out=fmt):
                out = out_path(f"bad_wkt.{fmt}")
                p = self.run_ok("--input", out_path("stream_bad_wkt.csv"), "--output", out,
                                "--id-field", "site_id", "--quiet", "--strict", expect_rc=3)
                self.assertRegex(p.stdout, rf"{len(SITES) + len(BAD_WKT_ROWS)} features read, "
                                           rf"\d+ with hits, \d+ repaired, {len(BAD_WKT_ROWS)} errors")
                rows, names = read_output(out)
                self.assert_layers(names, fmt)
                self.check_bad_stream(rows, BAD_WKT_ROWS, SITES)

    def test_bad_rows_in_lonlat_stream(self):
        points = [s for s in SITES if s.kind == "point"]
        out = out_path("bad_lonlat.geojson")
        p = self.run_ok("--input", out_path("stream_bad_lonlat.csv"), "--output", out,
                        "--id-field", "site_id", "--quiet", expect_rc=3)
        self.assertRegex(p.stdout, rf"{len(BAD_LONLAT_ROWS)} errors")
        rows, names = read_output(out)
        self.assert_layers(names, "geojson")
        self.check_bad_stream(rows, BAD_LONLAT_ROWS, points)

    def test_unknown_output_extension(self):
        for name in ("out.xlsx", "out.shp", "out"):
            with self.subTest(output=name):
                p = self.run_ok("--input", GPKG(), "--output", out_path(name),
                                "--quiet", expect_rc=2)
                self.assertIn(".gpkg", p.stderr)

    def test_unreadable_input(self):
        junk = out_path("junk.gpkg")
        with open(junk, "wb") as f:
            f.write(b"this is not a GeoPackage\x00\x01\x02" * 10)
        for path in (out_path("missing.gpkg"), junk):
            with self.subTest(input=path):
                out = out_path("unreadable.csv")
                p = self.run_ok("--input", path, "--output", out, "--quiet", expect_rc=2)
                self.assertIn(os.path.basename(path), p.stderr)

    def test_missing_id_field(self):
        p = self.run_ok("--input", GPKG(), "--output", out_path("w.csv"), "--id-field",
                        "no_such", "--quiet", expect_rc=2)
        self.assertIn("no_such", p.stderr)

    def test_bad_where(self):
        # A --where that is not valid SQL is bad usage (exit 2), whichever SQL
        # engine evaluates it: OGR SQL for CSV, SQLite for GeoPackage.
        for src in (out_path("sites_wkt.csv"), GPKG()):
            with self.subTest(input=os.path.basename(src)):
                self.run_ok("--input", src, "--output", out_path("w.csv"), "--where",
                            "seq >>> 3", "--quiet", expect_rc=2)

    def test_server_unreachable(self):
        p = e2e.run_cli(f"127.0.0.1:{e2e.closed_port()}", "overlay", "--input",
                        GPKG(), "--output", out_path("down.csv"), "--quiet",
                        timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)

    def test_where_filters_rows(self):
        gpkg = GPKG()
        cases = [
            ("seq >= 13 AND kind <> 'line'", [s for s in SITES if s.kind in ("box", "straddle")]),
            ("name LIKE '%千岛湖%'", [s for s in SITES if "千岛湖" in s.name]),
        ]
        for i, (where, sites) in enumerate(cases):
            with self.subTest(where=where):
                self.assertTrue(sites)
                out = out_path(f"where_{i}.gpkg")
                p = self.run_ok("--input", gpkg, "--output", out, "--where", where,
                                "--id-field", "site_id", "--quiet")
                self.assertIn(f"{len(sites)} features read", p.stdout)
                rows, names = read_output(out)
                self.check_output(rows, sites, f"--where {where}")

    def test_zone_layer_and_purpose(self):
        # --zone-layer restricts the hits to that layer.
        out = out_path("zl.gpkg")
        self.run_ok("--input", GPKG(), "--output", out, "--zone-layer", "water_source",
                    "--id-field", "site_id", "--quiet")
        rows, _ = read_output(out)
        got = {(get(r, "site_id"), get(r, "zone_layer"), get(r, "zone_id"))
               for r in rows if get(r, "zone_id")}
        want = {(s.id, *k) for s in SITES for k in s.expected if k[0] == "water_source"}
        self.assertEqual(got, want)
        # 水污染防治法 第六十四条: no outfall anywhere in a water-source protection zone.
        out = out_path("outfall.csv")
        self.run_ok("--input", GPKG(), "--output", out, "--purpose", "outfall",
                    "--id-field", "site_id", "--quiet")
        rows, _ = read_output(out)
        in_ws = {s.id for s in SITES if any(k[0] == "water_source" for k in s.expected)}
        self.assertTrue(in_ws)
        for r in rows:
            if get(r, "zone_layer") == "water_source":
                self.assertEqual(get(r, "zone_verdict"), "PROHIBITED", r)
                self.assertNotEqual(get(r, "rules"), "", r)
            if get(r, "site_id") in in_ws:
                self.assertEqual(get(r, "verdict"), "PROHIBITED", r)

    def test_hits_only(self):
        # --hits-only: the same rows, zones, relations and overlaps as the whole
        # check, for points (columnar batches) and for squares and lines, with
        # the verdict and rule columns empty.
        inputs = [(GPKG(), [])] + FIXTURES["csv_lonlat"][0]
        for i, (path, extra) in enumerate(inputs):
            rows = {}
            for mode in ("whole", "hits"):
                out = out_path(f"hits_only_{i}_{mode}.csv")
                args = ["--input", path, "--output", out, "--id-field", "site_id",
                        "--purpose", "outfall", *extra]
                p = self.run_ok(*args, *(["--hits-only"] if mode == "hits" else []))
                rows[mode], _ = read_output(out)
                if mode == "hits":
                    self.assertNotIn("verdict", p.stdout)
            keep = ("site_id", "zone_layer", "zone_id", "zone_kind", "relation",
                    "overlap_area_m2", "overlap_ratio", "overlap_length_m", "error")
            self.assertEqual([{c: get(r, c) for c in keep} for r in rows["hits"]],
                             [{c: get(r, c) for c in keep} for r in rows["whole"]], path)
            self.assertTrue(any(get(r, "zone_id") for r in rows["hits"]), path)
            self.assertTrue(any(get(r, "verdict") == "PROHIBITED" for r in rows["whole"]), path)
            for r in rows["hits"]:
                for c in ("verdict", "verdict_reason", "zone_verdict", "rules"):
                    self.assertEqual(get(r, c), "", (path, c, r))

    def test_id_field(self):
        gpkg = GPKG()
        ds = gdal.OpenEx(gpkg, gdal.OF_VECTOR)
        fids = {f.GetField("site_id"): str(f.GetFID()) for f in ds.GetLayer(0)}
        ds = None
        # Without --id-field, input_id is the feature's FID.
        out = out_path("fid.csv")
        self.run_ok("--input", gpkg, "--output", out, "--quiet")
        rows, names = read_output(out)
        self.check_output(rows, SITES, "fid", ids=fids)
        # With --id-field, that field's value (a Chinese text field works too).
        out = out_path("idf.csv")
        self.run_ok("--input", gpkg, "--output", out, "--id-field", "name", "--quiet")
        rows, names = read_output(out)
        self.check_output(rows, SITES, "id-field name", ids={s.id: s.name for s in SITES})


# --- 4: --local and the server give the same rows ---

class LocalVsServerTest(OverlayCase):
    def test_identical_outputs(self):
        src = out_path("stream_bad_wkt.csv")
        outputs = {}
        for mode in ("server", "local"):
            out = out_path(f"same_{mode}.gpkg")
            self.run_ok("--input", src, "--output", out, "--id-field", "site_id", "--quiet",
                        local=(mode == "local"), expect_rc=3)
            rows, names = read_output(out)
            self.assert_layers(names, "gpkg")
            self.assert_one_version(rows)
            outputs[mode] = rows
        a, b = outputs["server"], outputs["local"]
        self.assertEqual(len(a), len(b))
        self.assertGreater(len(a), len(SITES))
        for ra, rb in zip(a, b):
            with self.subTest(site=ra.get("site_id"), zone=ra.get("zone_id")):
                ka = {k: v for k, v in ra.items() if k not in ("dataset_version", "_geom")}
                kb = {k: v for k, v in rb.items() if k not in ("dataset_version", "_geom")}
                self.assertEqual(ka, kb)
                wa = ra["_geom"].ExportToIsoWkt() if ra["_geom"] is not None else None
                wb = rb["_geom"].ExportToIsoWkt() if rb["_geom"] is not None else None
                self.assertEqual(wa, wb)


# --- 5: memory stays bounded ---

class MemoryTest(OverlayCase):
    N = 200_000
    MAX_RSS_MB = 400

    def test_200k_points_bounded_rss(self):
        import random
        rnd = random.Random(20240630)
        src = out_path("big.csv")
        points = [s for s in SITES if s.kind == "point"]
        with open(src, "w", encoding="utf-8") as f:
            f.write("pid,lon,lat\n")
            for i in range(self.N - len(points)):
                f.write(f"R{i},{rnd.uniform(118.0, 123.0):.6f},{rnd.uniform(27.0, 31.2):.6f}\n")
            for s in points:  # the known points come last: the tail is answered right too
                f.write(f"{s.id},{s.lonlat_text[0]},{s.lonlat_text[1]}\n")
        out = out_path("big_out.csv")
        cmd = [e2e.REDLINE, "--server", SERVER.target, "overlay", "--input", src,
               "--output", out, "--id-field", "pid", "--quiet"]
        with open(out_path("big.stdout"), "w+", encoding="utf-8") as so, \
                open(out_path("big.stderr"), "w+", encoding="utf-8") as se:
            proc = subprocess.Popen(cmd, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
            watchdog = threading.Timer(170, proc.kill)
            watchdog.start()
            t0 = time.monotonic()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                watchdog.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)
            elapsed = time.monotonic() - t0
            so.seek(0)
            se.seek(0)
            stdout, stderr = so.read(), se.read()
        self.assertEqual(proc.returncode, 0, f"{stdout}\n{stderr}")
        rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
        m = re.search(r"(\d+) features read.*\(([\d.]+) features/s\)", stdout)
        self.assertIsNotNone(m, stdout)
        self.assertEqual(int(m.group(1)), self.N)
        print(f"\noverlay of {self.N} points through the server: {m.group(2)} features/s "
              f"(summary), {elapsed:.1f} s wall, client peak RSS {rss_mb:.0f} MB",
              file=sys.stderr)
        self.assertLess(rss_mb, self.MAX_RSS_MB)
        # One row per point without hits, one per hit otherwise.
        ids = set()
        hits = {}
        n_rows = 0
        with open(out, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                n_rows += 1
                ids.add(get(r, "input_id"))
                self.assertEqual(get(r, "error"), "", r)
                if get(r, "input_id").startswith("P") and get(r, "zone_id"):
                    hits.setdefault(get(r, "input_id"), set()).add((get(r, "zone_layer"), get(r, "zone_id")))
        self.assertEqual(len(ids), self.N)
        self.assertGreaterEqual(n_rows, self.N)
        for s in points:
            self.assertEqual(hits.get(s.id, set()), set(s.expected), s.id)


if __name__ == "__main__":
    unittest.main(verbosity=2)
