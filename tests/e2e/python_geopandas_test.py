#!/usr/bin/python3
"""End-to-end: RedlineClient.overlay_geodataframe against the real redlined.

Two GeoDataFrames: points in EPSG:4490 (the known points of
data/sample/known_points.csv, one out of range) and sites in EPSG:4549
(CGCS2000 / 3-degree Gauss-Kruger CM 120E: squares around known points, a
line leaving a park, a bow-tie, a missing geometry). Expected zones come from
known_points.csv (the data generator's); and every row must equal the row
`redline overlay` writes for the same features saved to a GeoPackage, read
back with OGR.

Needs Debian's /usr/bin/python3 with python3-geopandas, python3-gdal and
python3-grpcio.
"""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
import geopandas  # noqa: E402
import pandas as pd  # noqa: E402
from osgeo import gdal  # noqa: E402
from shapely.geometry import LineString, Point, Polygon  # noqa: E402
from redline_client import OVERLAY_COLUMNS, RedlineClient  # noqa: E402

gdal.UseExceptions()

SERVER = None
CLIENT = None
TMP = None
OURS = [name for name, _ in OVERLAY_COLUMNS]
STRADDLE_ZONE = ("zero_discharge", "ZDZ-330482-0001")  # 嘉兴港区化工新材料园区
PARK_POINT = (121.075185, 30.599582)                    # a known point inside it
NO_HIT_POINT = (119.673323, 29.082757)                  # a known point in no zone
BOWTIE = Polygon([(121.07, 29.97), (121.08, 29.98), (121.08, 29.97), (121.07, 29.98)])


def setUpModule():
    global SERVER, CLIENT, TMP
    TMP = e2e.tempdir()
    SERVER = e2e.Server().__enter__()
    CLIENT = RedlineClient(SERVER.target, timeout=30)


def tearDownModule():
    try:
        CLIENT.close()
        SERVER.__exit__(None, None, None)
    finally:
        TMP.cleanup()


def box(lon, lat, d=0.0003):
    return Polygon([(lon - d, lat - d), (lon + d, lat - d), (lon + d, lat + d),
                    (lon - d, lat + d)])


def points_frame():
    """Known points (with their expected zones), plus one out of range, in EPSG:4490."""
    rows = []
    for i, ((lon, lat), hits) in enumerate(sorted(e2e.known_points().items())):
        rows.append({"id": f"P{i:02d}", "name": f"已知点{i}", "n": i,
                     "verdict": "旧结论",  # named as one of ours: becomes in_verdict
                     "expect": sorted(hits), "geometry": Point(float(lon), float(lat))})
    rows.append({"id": "P-RANGE", "name": "经度越界", "n": 99, "verdict": None, "expect": None,
                 "geometry": Point(200.5, 121.069788)})
    gdf = geopandas.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490")
    gdf.index = [f"row{i}" for i in range(len(gdf))]  # labels the result must keep
    return gdf


def sites_frame():
    """Squares, a line, a bow-tie and a missing geometry, in EPSG:4549."""
    lon, lat = PARK_POINT
    line = LineString([(lon + 0.03 * i / 30, lat + 0.004 * i / 30) for i in range(31)])
    rows = [
        {"id": "B-PARK", "name": "园区内方块", "geometry": box(*PARK_POINT)},
        {"id": "B-WATER", "name": "四明湖水库取水口", "geometry": box(121.069788, 29.970780)},
        {"id": "B-NONE", "name": "海上", "geometry": box(*NO_HIT_POINT)},
        {"id": "L-PARK", "name": "出园管线", "geometry": line},
        {"id": "X-BOWTIE", "name": "自相交", "geometry": BOWTIE},
        {"id": "X-NULL", "name": "空几何", "geometry": None},
    ]
    gdf = geopandas.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490")
    return gdf.to_crs("EPSG:4549")


def by_id(frame):
    return {k: g for k, g in frame.groupby("input_id", sort=False)}


class PointsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gdf = points_frame()
        cls.out = CLIENT.overlay_geodataframe(cls.gdf.drop(columns="expect"), purpose="outfall",
                                              id_column="id")

    def test_columns_index_crs_geometry(self):
        self.assertIsInstance(self.out, geopandas.GeoDataFrame)
        self.assertEqual(list(self.out.columns),
                         ["id", "name", "n", "in_verdict", "geometry"] + OURS)
        self.assertEqual(self.out.crs, self.gdf.crs)
        for label, row in self.out.iterrows():
            self.assertTrue(row.geometry.equals(self.gdf.loc[label, "geometry"]), label)
            self.assertEqual(row.id, self.gdf.loc[label, "id"])
            self.assertEqual(row.input_id, row.id)
        # One or more rows per input row, in input order.
        self.assertEqual(list(dict.fromkeys(self.out.index)), list(self.gdf.index))

    def test_known_zones(self):
        rows = by_id(self.out)
        for _, f in self.gdf.iterrows():
            if f.expect is None:
                continue
            with self.subTest(id=f.id):
                got = rows[f.id]
                if not f.expect:
                    self.assertEqual(len(got), 1)
                    self.assertIsNone(got.zone_id.iloc[0])
                    self.assertEqual(got.verdict.iloc[0], "CLEAR")
                    continue
                self.assertEqual(sorted(zip(got.zone_layer, got.zone_id)), f.expect)
                self.assertTrue((got.relation == "INSIDE").all())
                self.assertTrue(got.overlap_area_m2.isna().all())  # a point has no overlap
                self.assertTrue(got.error.isna().all())
                self.assertTrue(got.dataset_version.notna().all())

    def test_park_point(self):
        i = [k for k, g in enumerate(self.gdf.geometry) if (g.x, g.y) == PARK_POINT][0]
        got = self.out[self.out.input_id == self.gdf.id.iloc[i]]
        self.assertEqual(list(zip(got.zone_layer, got.zone_id)), [STRADDLE_ZONE])
        self.assertEqual(got.zone_kind.iloc[0], "ZERO_DISCHARGE_ZONE")
        self.assertEqual(got.verdict.iloc[0], "PROHIBITED")  # no outfall in a 零直排区
        self.assertTrue(got.rules.iloc[0])

    def test_zone_verdict_follows_rules(self):
        hits = self.out[self.out.zone_id.notna()]
        self.assertTrue(len(hits) > 0)
        for _, row in hits.iterrows():
            if row.rules is None:  # e.g. a control unit: no rule names it
                self.assertIsNone(row.zone_verdict, row.input_id)
            else:
                self.assertIsNotNone(row.zone_verdict, row.input_id)

    def test_error_row(self):
        got = self.out[self.out.input_id == "P-RANGE"]
        self.assertEqual(len(got), 1)
        self.assertRegex(got.error.iloc[0], r"(?i)swap|latitude|longitude")
        for col in ("zone_id", "verdict", "near_red_line_id"):
            self.assertIsNone(got[col].iloc[0], col)
        self.assertTrue(math.isnan(got.near_red_line_m.iloc[0]))

    def test_hits_only(self):
        out = CLIENT.overlay_geodataframe(self.gdf.drop(columns="expect"), hits_only=True)
        self.assertTrue(out.verdict.isna().all())
        self.assertEqual(list(out.input_id.unique()), [str(x) for x in self.gdf.index])
        full = sorted(zip(self.out.index, self.out.zone_id.fillna("")))
        self.assertEqual(sorted(zip(out.index, out.zone_id.fillna(""))), full)

    def test_same_rows_as_cli(self):
        assert_same_as_cli(self, self.gdf.drop(columns="expect"), self.out, "points")


class SitesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gdf = sites_frame()
        cls.out = CLIENT.overlay_geodataframe(cls.gdf, purpose="outfall", id_column="id",
                                              strict=True)
        cls.rows = by_id(cls.out)

    def test_columns_and_crs(self):
        self.assertEqual(list(self.out.columns), ["id", "name", "geometry"] + OURS)
        self.assertEqual(self.out.crs.to_epsg(), 4549)
        self.assertEqual(list(self.out.input_id.unique()), list(self.gdf.id))

    def test_square_in_park(self):
        got = self.rows["B-PARK"]
        self.assertEqual(list(zip(got.zone_layer, got.zone_id)), [STRADDLE_ZONE])
        self.assertEqual(got.relation.iloc[0], "WITHIN")
        self.assertAlmostEqual(got.overlap_ratio.iloc[0], 1.0, places=6)
        # About 58 m x 67 m; the projected input is kept, in metres.
        self.assertTrue(3000 < got.overlap_area_m2.iloc[0] < 5000, got.overlap_area_m2.iloc[0])
        self.assertTrue(got.overlap_length_m.isna().all())
        self.assertTrue(got.geometry.iloc[0].equals(self.gdf.geometry.iloc[0]))
        self.assertGreater(got.geometry.iloc[0].bounds[0], 1000)  # easting, not degrees

    def test_square_known_zones(self):
        got = self.rows["B-WATER"]
        expected = e2e.known_points()[("121.069788", "29.970780")]
        self.assertEqual(set(zip(got.zone_layer, got.zone_id)), expected)
        self.assertTrue((got.relation == "WITHIN").all())

    def test_line_leaving_park(self):
        got = self.rows["L-PARK"]
        hit = got[got.zone_id == STRADDLE_ZONE[1]]
        self.assertEqual(hit.relation.iloc[0], "INTERSECTS")
        self.assertTrue(0 < hit.overlap_length_m.iloc[0] < 3200)
        self.assertTrue(0 < hit.overlap_ratio.iloc[0] < 1)
        self.assertTrue(hit.overlap_area_m2.isna().all())

    def test_no_hits_one_row(self):
        got = self.rows["B-NONE"]
        self.assertEqual(len(got), 1)
        self.assertIsNone(got.zone_id.iloc[0])
        self.assertIsNone(got.error.iloc[0])
        self.assertEqual(got.verdict.iloc[0], "CLEAR")

    def test_error_rows(self):
        for fid, pattern in (("X-BOWTIE", r"self-intersect|invalid"),
                             ("X-NULL", r"no geometry|null|missing")):
            with self.subTest(id=fid):
                got = self.rows[fid]
                self.assertEqual(len(got), 1)
                self.assertRegex(got.error.iloc[0], f"(?i){pattern}")
                self.assertIsNone(got.verdict.iloc[0])
                self.assertIsNotNone(got.dataset_version.iloc[0])

    def test_same_rows_as_cli(self):
        # The CLI has no strict flag: compare the rows it makes without the bow-tie,
        # whose answer depends on strict once the server repairs polygons.
        gdf = self.gdf[self.gdf.id != "X-BOWTIE"]
        out = CLIENT.overlay_geodataframe(gdf, purpose="outfall", id_column="id")
        assert_same_as_cli(self, gdf, out, "sites")


class RefusalTest(unittest.TestCase):
    def test_no_crs(self):
        gdf = geopandas.GeoDataFrame({"id": ["a"]}, geometry=[Point(121.07, 29.97)])
        with self.assertRaisesRegex(ValueError, "no CRS"):
            CLIENT.overlay_geodataframe(gdf)

    def test_not_a_geodataframe(self):
        with self.assertRaises(TypeError):
            CLIENT.overlay_geodataframe(pd.DataFrame({"x": [1]}))

    def test_unknown_id_column(self):
        gdf = geopandas.GeoDataFrame({"id": ["a"]}, geometry=[Point(121.07, 29.97)],
                                     crs="EPSG:4490")
        with self.assertRaisesRegex(ValueError, "no column 'code'"):
            CLIENT.overlay_geodataframe(gdf, id_column="code")

    def test_empty(self):
        gdf = geopandas.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4490")
        out = CLIENT.overlay_geodataframe(gdf)
        self.assertEqual(len(out), 0)
        self.assertEqual(list(out.columns), ["id", "geometry"] + OURS)


# --- the CLI's rows for the same features ---

def cli_rows(gdf, name):
    """{input_id: [row values of our columns]} and the field names `redline overlay` wrote."""
    src = os.path.join(TMP.name, f"{name}.gpkg")
    dst = os.path.join(TMP.name, f"{name}_out.gpkg")
    gdf.to_file(src, driver="GPKG", layer=name, index=False)
    p = e2e.run_cli(SERVER.target, "overlay", "--input", src, "--output", dst, "--quiet",
                    "--purpose", "outfall", "--id-field", "id")
    if p.returncode not in (0, 3):  # 3: some features failed, as some must
        raise AssertionError(f"redline overlay failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    ds = gdal.OpenEx(dst, gdal.OF_VECTOR)
    rows, fields = {}, None
    for layer_name in ("overlay", "no_hits"):
        lyr = ds.GetLayerByName(layer_name)
        defn = lyr.GetLayerDefn()
        names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
        if layer_name == "overlay":
            fields = names
        for f in lyr:
            values = {n: (f.GetField(n) if f.IsFieldSetAndNotNull(n) else None) for n in names}
            rows.setdefault(values["input_id"], []).append([values.get(c) for c in OURS])
    return rows, fields


def assert_same_as_cli(test, gdf, out, name):
    test.maxDiff = None
    expected, fields = cli_rows(gdf, name)
    non_geometry = [c for c in out.columns if c != out.geometry.name]
    test.assertEqual(fields, non_geometry)
    got = {}
    for _, row in out.iterrows():
        got.setdefault(row.input_id, []).append(
            [None if isinstance(row[c], float) and math.isnan(row[c]) else row[c] for c in OURS])
    test.assertEqual(set(got), set(expected))
    test.assertEqual(len(got), len(gdf))
    for fid, rows in got.items():
        with test.subTest(id=fid):
            test.assertEqual(rows, expected[fid])


if __name__ == "__main__":
    unittest.main(verbosity=2)
