#!/usr/bin/python3
"""Writes the seed corpora in fuzz/corpus/<harness>/ and the generated
regression inputs in fuzz/regressions/<harness>/.

Debian's /usr/bin/python3 (python3-gdal, for the WKB, GeoPackage and
Shapefile seeds). Run from anywhere; it rewrites the files it owns and
leaves any other file (e.g. inputs a fuzzer found and someone added) alone:
    /usr/bin/python3 fuzz/make_corpus.py
Seeds are small on purpose: libFuzzer grows them; what matters is that each
reaches a different part of the parser.
"""
import io
import os
import shutil
import struct
import sys
import tempfile
import zipfile

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)


def write(harness, name, data, kind="corpus"):
    folder = os.path.join(FUZZ, kind, harness)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


# Coordinates inside the sample data's area (Zhejiang, lon 121.0-121.2, lat 29.9-30.1).
WKT = {
    "point": "POINT (121.07 29.97)",
    "point_nospace": "POINT(121.07 29.97)",
    "point_z": "POINT Z (121.07 29.97 5)",
    "point_empty": "POINT EMPTY",
    "line": "LINESTRING (121.069788 29.970780, 121.075847 29.944205)",
    "polygon": "POLYGON ((121.07 29.97, 121.08 29.97, 121.08 29.98, 121.07 29.98, 121.07 29.97))",
    "polygon_hole": "POLYGON ((121.0 29.9, 121.1 29.9, 121.1 30.0, 121.0 30.0, 121.0 29.9), "
                    "(121.02 29.92, 121.04 29.92, 121.04 29.94, 121.02 29.92))",
    "polygon_hole_touches": "POLYGON ((121.0 29.9, 121.1 29.9, 121.1 30.0, 121.0 30.0, 121.0 29.9), "
                            "(121.0 29.9, 121.05 29.95, 121.06 29.92, 121.0 29.9))",
    "bowtie": "POLYGON ((121.07 29.97, 121.08 29.98, 121.08 29.97, 121.07 29.98, 121.07 29.97))",
    "multipoint": "MULTIPOINT ((121.07 29.97), (121.08 29.98))",
    "multipoint_bare": "MULTIPOINT (121.07 29.97, 121.08 29.98)",
    "multiline": "MULTILINESTRING ((121.07 29.97, 121.08 29.98), (121.09 29.97, 121.1 29.99))",
    "multipolygon": "MULTIPOLYGON (((121.07 29.97, 121.08 29.97, 121.08 29.98, 121.07 29.97)), "
                    "((121.1 29.97, 121.11 29.97, 121.11 29.98, 121.1 29.97)))",
    "collection": "GEOMETRYCOLLECTION (POINT (121.07 29.97), LINESTRING (121.07 29.97, 121.08 29.98))",
    "nested_collection": "GEOMETRYCOLLECTION (GEOMETRYCOLLECTION (POINT (121.07 29.97)))",
    "srid": "SRID=4490;POINT (121.07 29.97)",
    "gk_metres": "POINT (40506766.5 3317346.2)",
    "swapped": "POINT (29.97 121.07)",
    "exponent": "POINT (1.2107e2 2.997E+1)",
    "lowercase": "polygon((121.07 29.97,121.08 29.97,121.08 29.98,121.07 29.97))",
    "unclosed": "POLYGON ((121.07 29.97, 121.08 29.97, 121.08 29.98))",
    "truncated": "POLYGON((121 30, 121.01 30, 121.01",
    "nan": "POINT (nan 29.97)",
    "huge": "POINT (1e400 29.97)",
    "linearring": "LINEARRING (121.07 29.97, 121.08 29.97, 121.08 29.98, 121.07 29.97)",
    "curve": "CIRCULARSTRING (121.07 29.97, 121.08 29.98, 121.09 29.97)",
}


def wkt_seeds():
    for name, text in WKT.items():
        write("wkt", name, text)


def ewkb_point(srid, x, y, big_endian=False):
    order = ">" if big_endian else "<"
    return bytes([0 if big_endian else 1]) + struct.pack(order + "IIdd", 0x20000001, srid, x, y)


def wkb_seeds():
    for name, text in WKT.items():
        try:
            g = ogr.CreateGeometryFromWkt(text)
        except Exception:
            continue
        if name in ("curve", "srid"):
            continue
        write("wkb", name + ".ndr", bytes(g.ExportToIsoWkb(ogr.wkbNDR)))
        if name in ("polygon", "multipolygon", "collection", "point_z"):
            write("wkb", name + ".xdr", bytes(g.ExportToIsoWkb(ogr.wkbXDR)))
            write("wkb", name + ".ewkb", bytes(g.ExportToWkb(ogr.wkbNDR)))
    write("wkb", "srid_point.ewkb", ewkb_point(4490, 121.07, 29.97))
    write("wkb", "srid_point_xdr.ewkb", ewkb_point(4490, 121.07, 29.97, big_endian=True))
    # A polygon that claims more rings and points than it carries.
    write("wkb", "lying_counts", bytes([1]) + struct.pack("<III", 3, 0x7FFFFFFF, 0x7FFFFFFF))


GEOJSON = {
    "point": '{"type":"Point","coordinates":[121.07,29.97]}',
    "line": '{"type":"LineString","coordinates":[[121.07,29.97],[121.08,29.98]]}',
    "polygon": '{"type":"Polygon","coordinates":[[[121.07,29.97],[121.08,29.97],[121.08,29.98],'
               '[121.07,29.97]]]}',
    "polygon_hole": '{"type":"Polygon","coordinates":[[[121,29.9],[121.1,29.9],[121.1,30],[121,30],'
                    '[121,29.9]],[[121.02,29.92],[121.04,29.92],[121.04,29.94],[121.02,29.92]]]}',
    "multipoint": '{"type":"MultiPoint","coordinates":[[121.07,29.97],[121.08,29.98]]}',
    "multiline": '{"type":"MultiLineString","coordinates":[[[121.07,29.97],[121.08,29.98]]]}',
    "multipolygon": '{"type":"MultiPolygon","coordinates":[[[[121.07,29.97],[121.08,29.97],'
                    '[121.08,29.98],[121.07,29.97]]]]}',
    "collection": '{"type":"GeometryCollection","geometries":[{"type":"Point",'
                  '"coordinates":[121.07,29.97]}]}',
    "feature": '{"type":"Feature","properties":{"name":"site"},"geometry":{"type":"Point",'
               '"coordinates":[121.07,29.97]}}',
    "feature_collection": '{"type":"FeatureCollection","features":[{"type":"Feature",'
                          '"properties":{},"geometry":{"type":"Point","coordinates":[121.07,29.97]}}]}',
    "point_z": '{"type":"Point","coordinates":[121.07,29.97,12.5]}',
    "empty_coords": '{"type":"Polygon","coordinates":[]}',
    "escapes": '{"type":"Point","coordinates":[1.2107e2,2.997E1],"x":"\\u00e9\\ud83d\\ude00\\n"}',
    "null_geometry": '{"type":"Feature","properties":null,"geometry":null}',
    "wrong_type": '{"type":"Polygon","coordinates":[121.07,29.97]}',
    "bad_json": '{"type":"Point","coordinates":[121.07,',
}


def geojson_seeds():
    for name, text in GEOJSON.items():
        write("geojson", name, text)


# The first byte picks the CRS: index into kCrs of coordinate_table_fuzz.cc.
CRS = ["", "EPSG:4490", "EPSG:4549", "EPSG:4528", "GK", "GK6", "GCJ-02", "BD-09", "WGS84",
       "CGCS2000", "EPSG:4326", "EPSG:3857", "高斯克吕格", "4548"]

TABLES = [
    ("", "121.07 29.97"),
    ("EPSG:4490", "J1,121.07,29.97\nJ2,121.08,29.97\nJ3,121.08,29.98\nJ4,121.07,29.98\nJ1,121.07,29.97\n"),
    ("GK", "点号,X,Y\nJ1,3317346.2,40506766.5\nJ2,3317346.2,40507766.5\nJ3,3318346.2,40507766.5\n"
           "J4,3318346.2,40506766.5\n"),
    ("EPSG:4549", "3317346.2 506766.5\n3317346.2 507766.5\n3318346.2 507766.5\n\n"
                  "3317500 506900\n3317500 507000\n3317600 507000\n\n"),
    ("EPSG:4528", "1，3317346.2，40506766.5\n2，3318346.2，40507766.5\n"),
    ("GK", "K12-3\u30003317346.2\u300040506766.5"),
    ("", "121°04′12″E 29°58′12″N"),
    ("", "121°04'12.5\"E, 29°58'12\"N\n121°05'E, 29°58'N\n"),
    ("", "121d04m12.5s 29d58m12s"),
    ("", "121:04:12.5 29:58:12"),
    ("", "J1 121 04 12.5 E 29 58 12 N"),
    ("", "东经121°04′12.5″ 北纬29°58′12″"),
    ("", "J7, 东经121度04分12.5秒, 北纬29度58分12秒"),
    ("", "29°58′12″N, 121°04′12.5″E"),
    ("", "121°04.25′E 29°58.5′N"),
    ("", "70°30′W, 33°27′S"),
    ("GCJ-02", "121.07 29.97\n121.08 29.98\n"),
    ("BD-09", "121.07 29.97"),
    ("GCJ-02", "0 0"),
    ("EPSG:4490", "29.97 121.07"),
    ("GK6", "3317346.2 21506766.5"),
    ("", "No.\tX(m)\tY(m)\n1\t1\t2\n2\t3\t4\n3\t1\t2\n"),
    ("", "  J1 ,  121.07 , 29.97 , \r\n"),
    ("", "-12.5 +7"),
    ("", "J1 121.07\n"),
    ("EPSG:3857", "13477000 3503000"),
]


def table_seeds():
    for i, (crs, text) in enumerate(TABLES):
        write("coordinate_table", "table_%02d" % i, bytes([CRS.index(crs)]) + text.encode("utf-8"))


def config_seeds():
    write("config", "sample.yaml", read("data/sample/redline.yaml"))
    write("config", "verdicts.yaml", read("tests/data/verdicts/redline.yaml"))
    write("config", "all_keys.yaml", """working_crs: EPSG:4549
boundary_tolerance_m: 0.5
default_search_radius_m: 500
max_search_radius_m: 20000
max_vertices: 1000
max_request_bytes: 1048576
watch_interval_s: 30
keep_versions: 2
max_skipped_fraction: 0.2
rules: [../rules/water_pollution_law.yaml, ../rules]
layers:
  - {name: a, kind: water_source_protection, source: water_source.gpkg, layer: water_source,
     id_field: zone_code, name_field: zone_name, level_field: level, encoding: GBK, srs: EPSG:4490,
     effective_from_field: f, effective_to_field: t, watch_query: "SELECT 1"}
  - name: pg
    kind: other
    source: "PG:dbname=zones user=x password='secret'"
    id_field: id
    name_field: name
""")
    write("config", "bad_key.yaml", "working_crs: EPSG:4549\nlayer: []\n")
    write("config", "geographic.yaml", "working_crs: EPSG:4490\nlayers: [{name: a}]\n")
    write("config", "proj_string.yaml",
          "working_crs: '+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +ellps=GRS80 +units=m'\n"
          "layers:\n  - {name: a, kind: other, source: a.shp, id_field: i, name_field: n}\n")
    write("config", "duplicate.yaml", "layers:\n  - {name: a, kind: other, source: a, id_field: i, "
                                      "name_field: n}\n  - {name: a, kind: other, source: a, "
                                      "id_field: i, name_field: n}\n")
    write("config", "anchors.yaml", "x: &a {name: a, kind: other, source: a, id_field: i, name_field: n}\n"
                                    "layers: [*a]\n")
    write("config", "syntax.yaml", "layers: [ {name: a\n")
    write("config", "empty.yaml", "")


def rules_seeds():
    for folder in ("data/rules", "tests/data/rules"):
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            if name.endswith(".yaml"):
                prefix = "default_" if folder == "data/rules" else ""
                write("rules", prefix + name, read(os.path.join(folder, name)))
    # Two files: the second replaces and disables rules of the first.
    first = read("data/rules/water_pollution_law.yaml").decode("utf-8")
    write("rules", "override_two_files",
          first + "\n--- next file ---\n" + read("tests/data/rules/local_override.yaml").decode("utf-8"))
    write("rules", "disable_two_files",
          first + "\n--- next file ---\n" + read("tests/data/rules/disable_unknown.yaml").decode("utf-8"))


# The first byte picks the file name: index into kNames of site_file_fuzz.cc.
NAMES = ["site.zip", "site.geojson", "site.json", "site.kml", "site.gpkg", "site.kmz",
         "site.csv", "site.dxf", "site.gml", "site", "site.shp", "site.vrt"]


def site_bytes(name, content):
    return bytes([NAMES.index(name)]) + content


def ogr_file(driver, ext, wkts, srs_epsg=4490, options=None):
    """A small file of `wkts` written by GDAL's `driver`; returns its files."""
    tmp = tempfile.mkdtemp()
    try:
        path = os.path.join(tmp, "site." + ext)
        ds = ogr.GetDriverByName(driver).CreateDataSource(path)
        srs = None
        if srs_epsg:
            srs = osr.SpatialReference()
            srs.ImportFromEPSG(srs_epsg)
            srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        layer = ds.CreateLayer("site", srs, options=options or [])
        layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
        for i, wkt in enumerate(wkts):
            f = ogr.Feature(layer.GetLayerDefn())
            f.SetField("name", "地块%d" % i)
            f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
            layer.CreateFeature(f)
        ds = None
        out = {}
        for name in sorted(os.listdir(tmp)):
            with open(os.path.join(tmp, name), "rb") as fh:
                out[name] = fh.read()
        return out
    finally:
        shutil.rmtree(tmp)


def zipped(files, mangle=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(mangle(name) if mangle else name, data)
    return buf.getvalue()


def site_file_seeds():
    polygon = WKT["polygon"]
    shp = ogr_file("ESRI Shapefile", "shp", [polygon, WKT["polygon_hole"]],
                   options=["ENCODING=UTF-8"])
    write("site_file", "shapefile.zip", site_bytes("site.zip", zipped(shp)))
    no_prj = {k: v for k, v in shp.items() if not k.endswith(".prj")}
    write("site_file", "shapefile_noprj.zip", site_bytes("site.zip", zipped(no_prj)))
    write("site_file", "shapefile_in_folder.zip",
          site_bytes("site.zip", zipped(shp, mangle=lambda n: "folder/" + n)))
    gk = ogr_file("ESRI Shapefile", "shp", ["POINT (506766.5 3317346.2)"], srs_epsg=4549,
                  options=["ENCODING=UTF-8"])
    write("site_file", "shapefile_gk_point.zip", site_bytes("site.zip", zipped(gk)))
    write("site_file", "lone.shp", site_bytes("site.shp", shp["site.shp"]))
    for name in ("site_gbk_shp.zip", "site_noprj_shp.zip"):
        write("site_file", name, site_bytes("site.zip", read("tests/data/web/" + name)))
    write("site_file", "polygon.geojson", site_bytes("site.geojson", (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"地块"},'
        '"geometry":' + GEOJSON["polygon"] + '}]}').encode()))
    write("site_file", "two_points.json", site_bytes("site.json", (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
        + GEOJSON["point"] + '},{"type":"Feature","properties":{},"geometry":'
        '{"type":"Point","coordinates":[121.08,29.98]}}]}').encode()))
    write("site_file", "metres.geojson", site_bytes("site.geojson", (
        '{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":'
        '[506766.5,3317346.2]}}').encode()))
    kml = ogr_file("KML", "kml", [polygon])
    write("site_file", "polygon.kml", site_bytes("site.kml", kml["site.kml"]))
    write("site_file", "polygon.kmz", site_bytes("site.kmz", zipped({"doc.kml": kml["site.kml"]})))
    gpkg = ogr_file("GPKG", "gpkg", [polygon])
    write("site_file", "polygon.gpkg", site_bytes("site.gpkg", gpkg["site.gpkg"]))
    write("site_file", "points.csv", site_bytes("site.csv", b"WKT,name\n\"POINT (121.07 29.97)\",a\n"))
    write("site_file", "line.gml", site_bytes("site.gml", ogr_file("GML", "gml", [WKT["line"]])["site.gml"]))
    write("site_file", "vrt_reads_a_file", site_bytes("site.vrt", (
        b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/hostname</SrcDataSource>'
        b'</OGRVRTLayer></OGRVRTDataSource>')))
    write("site_file", "zip_slip.zip", site_bytes("site.zip", zipped(shp, mangle=lambda n: "../../" + n)))


# The first byte picks the message: index into NewRequest of http_json_fuzz.cc
# (as an ASCII digit: '0' % 6 == 0).
HTTP = [
    ("0", '{"x":121.07,"y":29.97,'
          '"options":{"siting":{"purpose":"OUTFALL","outfallType":"RIVER"}}}'),
    ("0", '{"x":"121.07","y":29.97,"crs":"GCJ-02","options":{"searchRadiusM":500,'
          '"layers":["water_source"],"asOf":"2024-01-01","includeZoneGeometry":true,'
          '"hitsOnly":true}}'),
    ("0", '{"x":"NaN","y":"Infinity","options":{"search_radius_m":-1}}'),
    ("0", '{"x":1e400,"unknown":1}'),
    ("1", '{"geometry":{"wkt":"POLYGON((121.07 29.97,121.08 29.97,121.08 29.98,121.07 29.97))"},'
          '"options":{"siting":{"purpose":"DISCHARGING_PROJECT","action":"EXPANDED"},'
          '"includeIntersection":true}}'),
    ("1", '{"geometry":{"wkb":"AQEAAAAUrkfhekRegI/C9Shc9z1A","crs":"EPSG:4490"}}'),
    ("1", '{"geometry":{"geojson":"{\\"type\\":\\"Point\\",\\"coordinates\\":[121.07,29.97]}"}}'),
    ("1", '{"geometry":{"coordinateTable":"J1 121.07 29.97\\nJ2 121.08 29.98","crs":"GK"},'
          '"options":{"siting":{"purpose":5}}}'),
    ("1", '{"geometry":{"wkt":"POINT(1 2)","wkb":"AA=="}}'),
    ("2", '{"id":"f1","options":{"siting":{"purpose":"OUTFALL"},"searchRadiusM":100},'
          '"features":[{"id":"a","geometry":{"wkt":"POINT(121 30)"}}],'
          '"points":{"ids":["p"],"x":[121.07],"y":[29.97]}}'),
    ("3", '{"bboxLonlat":{"minX":121,"minY":29.9,"maxX":121.2,"maxY":30.1},"resolutionM":10}'),
    ("4", "{}"),
    ("5", '{"a":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}'),
    ("0", '{"x":1,"y":2}   {"x":3}'),
    ("1", '{"options":{"layers":["\\ud800","\\u0000"],"asOf":"2024-02-30"}}'),
]


def http_seeds():
    for i, (selector, body) in enumerate(HTTP):
        write("http_json", "body_%02d" % i, selector + body)


def regressions():
    # Issue 18, finding 1: nested collections overflow the readers' stacks;
    # WKB 20,000 deep is 180 kB. The WKT, GeoJSON and JSON-array ones are
    # megabytes: fuzz/CMakeLists.txt writes them into the build folder.
    wkb = ((b"\x01" + struct.pack("<II", 7, 1)) * 20000
           + b"\x01" + struct.pack("<Idd", 1, 121.07, 29.97))
    write("wkb", "nested_collection_20000", wkb, kind="regressions")


def main():
    wkt_seeds()
    wkb_seeds()
    geojson_seeds()
    table_seeds()
    config_seeds()
    rules_seeds()
    site_file_seeds()
    http_seeds()
    regressions()
    return 0


if __name__ == "__main__":
    sys.exit(main())
