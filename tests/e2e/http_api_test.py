#!/usr/bin/env python3
"""End-to-end: the HTTP/JSON API of a real redlined on the sample data.

The JSON answers must be the gRPC answers in protobuf's JSON mapping (the
same handlers serve both), the map endpoint must return GeoJSON simplified
for the scale, uploads are read with GDAL, and every error is JSON with the
gRPC message and an HTTP status that fits.
"""

import io
import json
import os
import sys
import unittest
import urllib.error
import urllib.request
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import RedlineClient, RedlineError, pb  # noqa: E402
from google.protobuf import json_format  # noqa: E402

SERVER = None
CLIENT = None
TMP = None
MAX_VERTICES = 1000
MAX_REQUEST_BYTES = 200_000


def setUpModule():
    global SERVER, CLIENT, TMP
    TMP = e2e.tempdir()
    web = os.path.join(TMP.name, "web")
    os.makedirs(web)
    with open(os.path.join(web, "index.html"), "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html><title>staff desk test page</title>")
    config = e2e.write_config(TMP.name, max_vertices=MAX_VERTICES,
                              max_request_bytes=MAX_REQUEST_BYTES)
    SERVER = e2e.Server(config, extra_args=["--http", "127.0.0.1:0", "--web_root", web])
    SERVER.__enter__()
    CLIENT = RedlineClient(SERVER.target, timeout=30)


def tearDownModule():
    try:
        CLIENT.close()
    finally:
        SERVER.__exit__(None, None, None)
        TMP.cleanup()


def request(method, path, body=None, headers=None):
    """(status, content type, body bytes) of one HTTP exchange."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    req = urllib.request.Request(SERVER.http_url + path, data=data, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def post_json(path, obj):
    status, ctype, body = request("POST", path, json.dumps(obj, ensure_ascii=False),
                                  {"Content-Type": "application/json"})
    return status, ctype, json.loads(body) if ctype.startswith("application/json") else body


def as_json(message):
    d = json_format.MessageToDict(message, including_default_value_fields=True)
    d.pop("checkedAt", None)
    return d


def strip_time(d):
    d = dict(d)
    d.pop("checkedAt", None)
    return d


def multipart(filename, content):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(filename, content):
    body, headers = multipart(filename, content)
    status, ctype, out = request("POST", "/v1/upload", body, headers)
    return status, json.loads(out)


# A 一级 water-source zone corner of the sample, and a point in open country.
KNOWN = e2e.known_points()
HIT_POINT = next((float(k[0]), float(k[1])) for k, v in KNOWN.items()
                 if any(layer == "water_source" for layer, _ in v))
NO_HIT = next((float(k[0]), float(k[1])) for k, v in KNOWN.items() if not v)


def bowtie_wkt(lon, lat, d=0.002):
    """A bow-tie centred on (lon, lat): its ring crosses itself there."""
    ring = [(lon - d, lat - d), (lon + d, lat + d), (lon + d, lat - d), (lon - d, lat + d),
            (lon - d, lat - d)]
    return "POLYGON ((" + ", ".join(f"{x:.6f} {y:.6f}" for x, y in ring) + "))"


class JsonMatchesGrpcTest(unittest.TestCase):
    def test_check_point_is_the_grpc_answer_in_json(self):
        lon, lat = HIT_POINT
        req = {"x": lon, "y": lat,
               "options": {"siting": {"purpose": "OUTFALL", "outfallType": "RIVER"}}}
        status, ctype, body = post_json("/v1/check-point", req)
        self.assertEqual(status, 200, body)
        self.assertTrue(ctype.startswith("application/json"), ctype)
        grpc_answer = CLIENT.check_point(lon, lat, purpose=pb.Siting.OUTFALL,
                                         outfall_type=pb.Siting.RIVER)
        self.assertEqual(strip_time(body), as_json(grpc_answer))
        self.assertEqual(body["verdict"], "PROHIBITED")
        self.assertTrue(body["hits"], body)
        # Zero values are printed: a client need not know proto3 defaults.
        self.assertIn("overlapAreaM2", body["hits"][0])

    def test_check_point_options_in_json(self):
        # One CheckOptions object for every request: hits_only and
        # include_intersection reach CheckPoint as they reach the others.
        lon, lat = HIT_POINT
        req = {"x": lon, "y": lat, "options": {"siting": {"purpose": "OUTFALL"},
                                               "hitsOnly": True, "includeIntersection": True}}
        status, _, body = post_json("/v1/check-point", req)
        self.assertEqual(status, 200, body)
        grpc_answer = CLIENT.check_point(lon, lat, purpose="outfall", hits_only=True,
                                         include_intersection=True)
        self.assertEqual(strip_time(body), as_json(grpc_answer))
        self.assertEqual(body["verdict"], "VERDICT_UNSPECIFIED")
        self.assertEqual(body["nearest"], [])
        self.assertTrue(body["hits"], body)
        self.assertTrue(all(h["intersectionWkb"] and not h["rules"] for h in body["hits"]), body)

    def test_check_geometry_is_the_grpc_answer_in_json(self):
        lon, lat = HIT_POINT
        wkt = e2e.box_wkt(lon, lat, 0.002)
        req = {"geometry": {"wkt": wkt}, "options": {"siting": {"purpose": "DISCHARGING_PROJECT"},
                                                     "includeIntersection": True}}
        status, _, body = post_json("/v1/check-geometry", req)
        self.assertEqual(status, 200, body)
        grpc_answer = CLIENT.check_geometry(wkt=wkt, purpose=pb.Siting.DISCHARGING_PROJECT,
                                            include_intersection=True)
        self.assertEqual(strip_time(body), as_json(grpc_answer))
        self.assertGreater(body["site"]["areaM2"], 0)

    def test_invalid_polygon_is_repaired_and_said_so(self):
        # A bow-tie on a water-source zone: made valid (structure method) by
        # default, as the loader makes zones valid, and the answer says so.
        lon, lat = HIT_POINT
        wkt = bowtie_wkt(lon, lat)
        req = {"geometry": {"wkt": wkt}, "options": {"siting": {"purpose": "DISCHARGING_PROJECT"}}}
        status, _, body = post_json("/v1/check-geometry", req)
        self.assertEqual(status, 200, body)
        self.assertEqual(strip_time(body), as_json(CLIENT.check_geometry(
            wkt=wkt, purpose=pb.Siting.DISCHARGING_PROJECT)))
        self.assertIs(body["site"]["geometryRepaired"], True)
        self.assertEqual(body["site"]["geometryType"], "MultiPolygon")
        notes = body["site"]["coordinates"]["notes"]
        self.assertTrue(any("Self-intersection at (" in n and "structure method" in n
                            for n in notes), notes)
        self.assertTrue(body["hits"], body)
        # A valid site says it was not repaired (zero values are printed).
        status, _, body = post_json("/v1/check-geometry",
                                    {"geometry": {"wkt": e2e.box_wkt(lon, lat, 0.002)}})
        self.assertEqual(status, 200, body)
        self.assertIs(body["site"]["geometryRepaired"], False)

    def test_site_and_zone_geometry_for_the_map(self):
        lon, lat = HIT_POINT
        status, _, body = post_json("/v1/check-geometry", {
            "geometry": {"wkt": e2e.box_wkt(lon, lat, 0.002)},
            "options": {"includeZoneGeometry": True}})
        self.assertEqual(status, 200, body)
        from osgeo import ogr
        site = ogr.CreateGeometryFromWkb(__import__("base64").b64decode(body["site"]["geometryWkb"]))
        self.assertEqual(site.GetGeometryName(), "POLYGON")
        minx, maxx, miny, maxy = site.GetEnvelope()
        self.assertAlmostEqual(minx, lon - 0.002, places=6)
        self.assertAlmostEqual(maxy, lat + 0.002, places=6)
        self.assertTrue(all(h["zoneGeometryWkb"] for h in body["hits"]), body["hits"])

    def test_survey_table_in_gauss_kruger_with_zone_detected(self):
        """A 界址点 table as surveys hand it over: X = northing first, the
        easting with zone prefix 40, crs just "GK". The server reads it as
        EPSG:4528, says so, and answers as for the same site in lon/lat."""
        from osgeo import osr
        lon, lat = HIT_POINT
        d = 0.002
        ll, gk = osr.SpatialReference(), osr.SpatialReference()
        ll.ImportFromEPSG(4490)
        gk.ImportFromEPSG(4528)
        for srs in (ll, gk):
            srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        to_gk = osr.CoordinateTransformation(ll, gk)
        corners = [(lon - d, lat - d), (lon + d, lat - d), (lon + d, lat + d), (lon - d, lat + d)]
        rows = ["点号,X,Y"]
        for i, (x, y) in enumerate(corners + corners[:1], 1):
            e, n, _ = to_gk.TransformPoint(x, y)
            rows.append(f"J{(i - 1) % 4 + 1},{n:.3f},{e:.3f}")  # J1 again closes the ring
        table = "\n".join(rows) + "\n"
        status, _, body = post_json("/v1/check-geometry", {
            "geometry": {"coordinateTable": table, "crs": "GK"},
            "options": {"siting": {"purpose": "DISCHARGING_PROJECT"}, "includeZoneGeometry": True}})
        self.assertEqual(status, 200, body)
        read = body["site"]["coordinates"]
        self.assertEqual(read["crs"], "EPSG:4528")
        self.assertTrue(read["zoneDetected"])
        self.assertTrue(read["axesSwapped"])
        self.assertEqual(len(read["notes"]), 2, read["notes"])
        self.assertEqual(body["site"]["geometryType"], "Polygon")
        # The same hits as the same site sent as a lon/lat polygon.
        wkt = "POLYGON((" + ",".join(f"{x} {y}" for x, y in corners + corners[:1]) + "))"
        _, _, direct = post_json("/v1/check-geometry", {
            "geometry": {"wkt": wkt}, "options": {"siting": {"purpose": "DISCHARGING_PROJECT"}}})
        self.assertEqual(sorted(h["zoneId"] for h in body["hits"]),
                         sorted(h["zoneId"] for h in direct["hits"]))
        self.assertEqual(body["verdict"], direct["verdict"])
        # The table's millimetre rounding moves the edges by up to 0.5 mm:
        # about 1 m² on a perimeter of 1.8 km.
        self.assertAlmostEqual(body["site"]["areaM2"], direct["site"]["areaM2"], delta=1.0)

    def test_table_errors_name_the_line(self):
        status, _, err = post_json("/v1/check-geometry", {
            "geometry": {"coordinateTable": "J1, 3349012.3, 40512345.6\nJ2, 3349012.3\n",
                         "crs": "GK"}})
        self.assertEqual(status, 400, err)
        self.assertIn("line 2", err["message"])

    def test_prefix_contradicting_the_code_is_refused_with_the_fix(self):
        status, _, err = post_json("/v1/check-point",
                                   {"x": 40512345.6, "y": 3349012.3, "crs": "EPSG:4549"})
        self.assertEqual(status, 400, err)
        self.assertEqual(err["message"], "easting 40512345.6 carries zone prefix 40: "
                                         "use EPSG:4528 or remove the prefix")

    def test_layers(self):
        status, _, body = request("GET", "/v1/layers")
        self.assertEqual(status, 200)
        body = json.loads(body)
        grpc_answer = CLIENT.list_layers()
        self.assertEqual(body["datasetVersion"], grpc_answer.dataset_version)
        self.assertEqual([l["name"] for l in body["layers"]],
                         [l.name for l in grpc_answer.layers])


class ZonesTest(unittest.TestCase):
    BBOX = "120.5,29.5,121.5,30.3"

    def zones(self, query):
        status, ctype, body = request("GET", "/v1/zones?" + query)
        return status, ctype, json.loads(body)

    @staticmethod
    def vertices(fc):
        def count(c):
            return 1 if isinstance(c[0], (int, float)) else sum(count(x) for x in c)
        return sum(count(f["geometry"]["coordinates"]) for f in fc["features"]
                   if f["geometry"]["coordinates"])

    def test_geojson_of_the_zones_in_a_box(self):
        status, ctype, fc = self.zones(f"bbox={self.BBOX}&resolution_m=0")
        self.assertEqual(status, 200, fc)
        self.assertIn("geo+json", ctype)
        self.assertEqual(fc["type"], "FeatureCollection")
        self.assertFalse(fc["truncated"])
        self.assertEqual(fc["datasetVersion"], CLIENT.list_layers().dataset_version)
        self.assertGreater(len(fc["features"]), 3)
        kinds = {f["properties"]["kind"] for f in fc["features"]}
        self.assertIn("WATER_SOURCE_PROTECTION", kinds)
        for f in fc["features"]:
            p = f["properties"]
            self.assertTrue(p["layer"] and p["zoneId"], p)
            self.assertIn(f["geometry"]["type"], ("Polygon", "MultiPolygon"))
        # The same zones as the gRPC GetZones call.
        stub = CLIENT._stub if hasattr(CLIENT, "_stub") else None
        if stub is not None and hasattr(stub, "GetZones"):
            r = stub.GetZones(pb.GetZonesRequest(
                bbox_lonlat=pb.Extent(min_x=120.5, min_y=29.5, max_x=121.5, max_y=30.3)))
            self.assertEqual(sorted(z.zone_id for z in r.zones),
                             sorted(f["properties"]["zoneId"] for f in fc["features"]))

    def test_coarser_resolution_means_fewer_vertices(self):
        _, _, full = self.zones(f"bbox={self.BBOX}&resolution_m=0")
        _, _, coarse = self.zones(f"bbox={self.BBOX}&resolution_m=200")
        self.assertLess(self.vertices(coarse), self.vertices(full) / 4)
        # Every zone stays on the map, however small.
        self.assertEqual(len(coarse["features"]), len(full["features"]))

    def test_max_zones_truncates(self):
        status, _, fc = self.zones(f"bbox={self.BBOX}&max_zones=2")
        self.assertEqual(status, 200, fc)
        self.assertTrue(fc["truncated"])
        self.assertEqual(len(fc["features"]), 2)

    def test_layer_filter(self):
        _, _, fc = self.zones(f"bbox={self.BBOX}&layers=water_source")
        self.assertTrue(fc["features"])
        self.assertEqual({f["properties"]["layer"] for f in fc["features"]}, {"water_source"})

    def test_bad_queries_say_what_is_wrong(self):
        for query, text in [("resolution_m=10", "bbox is missing"),
                            ("bbox=1,2,3", "four numbers"),
                            ("bbox=121,30,120,31", "not a box"),
                            (f"bbox={self.BBOX}&resolution_m=-1", "resolution_m"),
                            (f"bbox={self.BBOX}&layers=nope", "unknown layer 'nope'"),
                            (f"bbox={self.BBOX}&as_of=yesterday", "not a date")]:
            with self.subTest(query=query):
                status, _, err = self.zones(query)
                self.assertEqual(status, 400, err)
                self.assertEqual(err["status"], "INVALID_ARGUMENT")
                self.assertIn(text, err["message"])


class ErrorsTest(unittest.TestCase):
    def test_malformed_json(self):
        status, ctype, body = request("POST", "/v1/check-point", "{not json",
                                      {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        err = json.loads(body)
        self.assertEqual(err["code"], 3)
        self.assertIn("CheckPointRequest", err["message"])

    def test_misspelt_field_is_an_error(self):
        status, _, err = post_json("/v1/check-point", {"x": 120.1, "why": 30.2})
        self.assertEqual(status, 400)
        self.assertIn("why", err["message"])

    def test_same_message_as_grpc(self):
        req = {"x": 30.25, "y": 200.0}
        status, _, err = post_json("/v1/check-point", req)
        self.assertEqual(status, 400, err)
        with self.assertRaises(RedlineError) as grpc_err:
            CLIENT.check_point(30.25, 200.0)
        self.assertEqual(err["message"], grpc_err.exception.message)

    def test_strict_geometry_refuses_an_invalid_polygon(self):
        wkt = bowtie_wkt(*HIT_POINT)
        status, _, err = post_json("/v1/check-geometry", {"geometry": {"wkt": wkt},
                                                          "options": {"strictGeometry": True}})
        self.assertEqual(status, 400, err)
        self.assertEqual(err["code"], 3)
        self.assertRegex(err["message"], r"the polygon is invalid: Self-intersection at \(")
        with self.assertRaises(RedlineError) as grpc_err:
            CLIENT.check_geometry(wkt=wkt, strict_geometry=True)
        self.assertEqual(err["message"], grpc_err.exception.message)

    def test_too_many_vertices_is_413(self):
        wkt = e2e.circle_wkt(HIT_POINT[0], HIT_POINT[1], MAX_VERTICES + 10)
        status, _, err = post_json("/v1/check-geometry", {"geometry": {"wkt": wkt}})
        self.assertEqual(status, 413, err)
        self.assertEqual(err["status"], "RESOURCE_EXHAUSTED")
        self.assertIn(str(MAX_VERTICES), err["message"])

    def test_body_over_max_request_bytes_is_413(self):
        body = json.dumps({"geometry": {"wkt": "POINT(120 30)" + " " * MAX_REQUEST_BYTES}})
        status, ctype, out = request("POST", "/v1/check-geometry", body,
                                     {"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertIn("max_request_bytes", json.loads(out)["message"])

    def test_as_of_out_of_range_is_400(self):
        status, _, err = post_json("/v1/check-point",
                                   {"x": NO_HIT[0], "y": NO_HIT[1],
                                    "options": {"asOf": "1999-01-01"}})
        self.assertEqual(status, 400, err)
        self.assertEqual(err["status"], "OUT_OF_RANGE")

    def test_unknown_path_is_json_404(self):
        status, _, body = request("GET", "/v1/nothing-here")
        self.assertEqual(status, 404)
        self.assertIn("/v1/nothing-here", json.loads(body)["message"])

    def test_server_keeps_serving(self):
        status, _, body = post_json("/v1/check-point", {"x": NO_HIT[0], "y": NO_HIT[1]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["hits"], [])


class StartupTest(unittest.TestCase):
    def test_http_port_in_use_is_a_clear_failure(self):
        import socket
        import subprocess
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            p = subprocess.run(
                [e2e.REDLINED, "--config", e2e.SAMPLE_CONFIG, "--listen",
                 f"127.0.0.1:{e2e.free_port()}", "--http", f"127.0.0.1:{port}"],
                capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(f"cannot listen for HTTP on 127.0.0.1:{port}", p.stderr)

    def test_bad_http_flag(self):
        import subprocess
        p = subprocess.run([e2e.REDLINED, "--config", e2e.SAMPLE_CONFIG, "--listen",
                            f"127.0.0.1:{e2e.free_port()}", "--http", "localhost"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--http 'localhost' is not HOST:PORT (or off)", p.stderr)
        self.assertNotIn("loading", p.stderr, "refused before the data is loaded")


class PageTest(unittest.TestCase):
    def test_index_is_served_at_root(self):
        status, ctype, body = request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn("text/html", ctype)
        self.assertIn(b"staff desk test page", body)

    def test_no_escape_from_the_web_root(self):
        status, _, body = request("GET", "/../redline.yaml")
        self.assertNotEqual(status, 200)
        self.assertNotIn(b"layers", body)


class UploadTest(unittest.TestCase):
    def setUp(self):
        from osgeo import gdal
        gdal.UseExceptions()
        self.tmp = e2e.tempdir()
        self.addCleanup(self.tmp.cleanup)

    def write(self, driver, name, srs_epsg, wkt, options=(), fields=None):
        from osgeo import ogr, osr
        path = os.path.join(self.tmp.name, name)
        ds = ogr.GetDriverByName(driver).CreateDataSource(path)
        srs = None
        if srs_epsg:
            srs = osr.SpatialReference()
            srs.ImportFromEPSG(srs_epsg)
            srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        layer = ds.CreateLayer("site", srs, ogr.wkbUnknown, list(options))
        layer.CreateField(ogr.FieldDefn("名称", ogr.OFTString))
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("名称", (fields or {}).get("名称", "拟建污水处理厂"))
        f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(f)
        ds = None
        return path

    def test_geojson(self):
        lon, lat = HIT_POINT
        path = self.write("GeoJSON", "site.geojson", 4326, e2e.box_wkt(lon, lat))
        with open(path, "rb") as f:
            status, out = upload("site.geojson", f.read())
        self.assertEqual(status, 200, out)
        self.assertEqual(out["geometry"]["crs"], "EPSG:4490")
        self.assertEqual(out["featureCount"], 1)
        g = json.loads(out["geometry"]["geojson"])
        self.assertEqual(g["type"], "Polygon")
        self.assertAlmostEqual(g["coordinates"][0][0][0], lon - 0.0003, places=6)
        # The uploaded site checks like the same site sent directly.
        status, _, body = post_json("/v1/check-geometry", {"geometry": out["geometry"]})
        self.assertEqual(status, 200, body)
        self.assertTrue(body["hits"])

    def test_self_intersecting_polygons_upload_and_are_repaired(self):
        # GeoJSON and a zipped Shapefile holding a bow-tie: the upload says
        # it is invalid (in the file's own coordinates), and its check repairs it.
        lon, lat = HIT_POINT
        wkt = bowtie_wkt(lon, lat)
        geojson = self.write("GeoJSON", "bowtie.geojson", 4326, wkt)
        shp = self.write("ESRI Shapefile", "bowtie.shp", 4490, wkt)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for ext in ("shp", "shx", "dbf", "prj"):
                z.write(shp[:-3] + ext, f"bowtie.{ext}")
        with open(geojson, "rb") as f:
            files = [("bowtie.geojson", f.read()), ("bowtie.zip", buf.getvalue())]
        for name, content in files:
            with self.subTest(name):
                status, out = upload(name, content)
                self.assertEqual(status, 200, out)
                self.assertTrue(any(n.startswith("the polygon is invalid (Self-intersection at (")
                                    for n in out["notes"]), out["notes"])
                status, _, body = post_json("/v1/check-geometry", {"geometry": out["geometry"]})
                self.assertEqual(status, 200, body)
                self.assertIs(body["site"]["geometryRepaired"], True)
                self.assertTrue(any("structure method" in n
                                    for n in body["site"]["coordinates"]["notes"]))
                self.assertTrue(body["hits"], body)
                status, _, err = post_json("/v1/check-geometry",
                                           {"geometry": out["geometry"],
                                            "options": {"strictGeometry": True}})
                self.assertEqual(status, 400, err)
                self.assertIn("Self-intersection", err["message"])

    def test_zipped_gbk_shapefile_in_gauss_kruger(self):
        from osgeo import ogr, osr
        lon, lat = HIT_POINT
        wkt = e2e.box_wkt(lon, lat)
        # The site in EPSG:4549 (CGCS2000 GK CM 120E), attributes in GBK, no .cpg.
        geom = ogr.CreateGeometryFromWkt(wkt)
        src, dst = osr.SpatialReference(), osr.SpatialReference()
        src.ImportFromEPSG(4490)
        dst.ImportFromEPSG(4549)
        for s in (src, dst):
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        geom.Transform(osr.CoordinateTransformation(src, dst))
        path = self.write("ESRI Shapefile", "site.shp", 4549, geom.ExportToWkt(),
                          options=["ENCODING=GBK"])
        cpg = os.path.join(self.tmp.name, "site.cpg")
        if os.path.exists(cpg):
            os.remove(cpg)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for ext in ("shp", "shx", "dbf", "prj"):
                z.write(os.path.join(self.tmp.name, f"site.{ext}"), f"红线核查/site.{ext}")
        status, out = upload("项目用地.zip", buf.getvalue())
        self.assertEqual(status, 200, out)
        self.assertEqual(out["sourceCrs"], "EPSG:4549")
        self.assertEqual(out["geometry"]["crs"], "EPSG:4490")
        self.assertIn("名称=拟建污水处理厂", out["featureLabels"][0])
        self.assertTrue(any("GBK" in n for n in out["notes"]), out["notes"])
        g = json.loads(out["geometry"]["geojson"])
        self.assertAlmostEqual(g["coordinates"][0][0][0], lon - 0.0003, places=6)

    def test_kml_and_geopackage(self):
        lon, lat = HIT_POINT
        for driver, name in (("KML", "site.kml"), ("GPKG", "site.gpkg")):
            with self.subTest(driver=driver):
                path = self.write(driver, name, 4326, e2e.box_wkt(lon, lat))
                with open(path, "rb") as f:
                    status, out = upload(name, f.read())
                self.assertEqual(status, 200, out)
                self.assertEqual(out["geometry"]["crs"], "EPSG:4490")
                self.assertEqual(json.loads(out["geometry"]["geojson"])["type"], "Polygon")

    def test_file_without_crs_keeps_its_numbers(self):
        path = os.path.join(self.tmp.name, "metres.geojson")
        with open(path, "w") as f:
            json.dump({"type": "FeatureCollection", "features": [{
                "type": "Feature", "properties": {},
                "geometry": {"type": "Point", "coordinates": [512345.6, 3349012.3]}}]}, f)
        with open(path, "rb") as f:
            status, out = upload("metres.geojson", f.read())
        self.assertEqual(status, 200, out)
        self.assertEqual(out["geometry"]["crs"], "")
        self.assertEqual(json.loads(out["geometry"]["geojson"])["coordinates"],
                         [512345.6, 3349012.3])
        self.assertTrue(any("choose" in n for n in out["notes"]), out["notes"])

    def test_bad_uploads_say_what_is_wrong(self):
        cases = [("site.shp", b"\0" * 100, "zip the .shp"),
                 ("notes.zip", self.zip_of({"readme.txt": b"hello"}), "holds no Shapefile"),
                 ("broken.geojson", b"{\"type\": \"Feature", "cannot read"),
                 ("empty.geojson", b"", "empty")]
        for name, content, text in cases:
            with self.subTest(name=name):
                status, out = upload(name, content)
                self.assertEqual(status, 400, out)
                self.assertIn(text, out["message"])
        status, _, body = request("POST", "/v1/upload", "x=1",
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        # Not multipart: the wrong type of body for an upload (415), named.
        self.assertEqual(status, 415)
        self.assertIn("'file'", json.loads(body)["message"])

    @staticmethod
    def zip_of(files):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for n, c in files.items():
                z.writestr(n, c)
        return buf.getvalue()


class RecordTest(unittest.TestCase):
    def test_printable_record(self):
        lon, lat = HIT_POINT
        req = {"geometry": {"wkt": e2e.box_wkt(lon, lat, 0.002)},
               "options": {"siting": {"purpose": "DISCHARGING_PROJECT"}}}
        status, ctype, html = request("POST", "/v1/record", json.dumps(req),
                                      {"Content-Type": "application/json"})
        self.assertEqual(status, 200, html[:500])
        self.assertIn("text/html", ctype)
        html = html.decode("utf-8")
        version = CLIENT.list_layers().dataset_version
        self.assertIn(version, html)
        self.assertIn("禁止", html)
        self.assertIn("<svg", html)

    def test_record_from_a_form_post(self):
        lon, lat = NO_HIT
        form = urllib.parse.urlencode({"request": json.dumps(
            {"geometry": {"wkt": f"POINT({lon} {lat})"}})})
        status, ctype, html = request("POST", "/v1/record", form,
                                      {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, html[:500])
        self.assertIn("text/html", ctype)

    def test_record_errors_are_json(self):
        status, _, err = post_json("/v1/record", {"geometry": {"wkt": "POLYGON((1 2"}})
        self.assertEqual(status, 400, err)

    def test_record_refuses_hits_only(self):
        # A record states a verdict; a spatial join has none.
        lon, lat = HIT_POINT
        status, _, err = post_json("/v1/record", {
            "geometry": {"wkt": e2e.box_wkt(lon, lat, 0.002)}, "options": {"hitsOnly": True}})
        self.assertEqual(status, 400, err)
        self.assertEqual(err["status"], "INVALID_ARGUMENT")
        self.assertIn("hits_only", err["message"])
        self.assertIn("/v1/record", err["message"])


import urllib.parse  # noqa: E402

if __name__ == "__main__":
    unittest.main(verbosity=2)
