#!/usr/bin/env python3
"""End-to-end: /v1/upload of a real redlined cannot read the server's disk,
cannot make it connect anywhere, and cannot make it inflate a zip bomb
(issue 18, finding 2 and the zip part of finding 5).

On the code before the fix, an OGR VRT upload named as .geojson read the
zone GeoPackage and returned its zone names in featureLabels, a VRT naming a
/vsicurl/ URL (or a GeoJSON whose "crs" links to a URL) made the server send
HTTP requests, and a 1 MB zip of 1 GiB of whitespace GeoJSON took ~12 s.
The formats staff send (zipped Shapefile, GeoJSON, KML/KMZ, GeoPackage, DXF,
CSV) still read.

Needs Debian's /usr/bin/python3 (python3-gdal).
"""

import io
import json
import os
import socket
import sqlite3
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402

SERVER = None
TMP = None
CONFIG = None
ZONES_GPKG = os.path.join(e2e.SAMPLE_DIR, "water_source.gpkg")


def setUpModule():
    global SERVER, TMP, CONFIG
    TMP = e2e.tempdir()
    CONFIG = e2e.write_config(TMP.name)
    SERVER = e2e.Server(CONFIG, extra_args=["--http", "127.0.0.1:0"])
    SERVER.__enter__()
    SERVER.wait_http()


def tearDownModule():
    try:
        SERVER.__exit__(None, None, None)
    finally:
        TMP.cleanup()


def upload(filename, content, timeout=60):
    """(status, body text, seconds) of a multipart upload, sent as a
    same-origin browser would send it."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Origin": SERVER.http_url}
    req = urllib.request.Request(SERVER.http_url + "/v1/upload", data=body, method="POST",
                                 headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    start = time.monotonic()
    try:
        with opener.open(req, timeout=timeout) as r:
            status, text = r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", "replace")
    return status, text, time.monotonic() - start


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


def vrt(source, layer, sql=None):
    src = f"<SrcSQL>{sql}</SrcSQL>" if sql else f"<SrcLayer>{layer}</SrcLayer>"
    return (f"<OGRVRTDataSource><OGRVRTLayer name=\"site\"><SrcDataSource>{source}"
            f"</SrcDataSource>{src}</OGRVRTLayer></OGRVRTDataSource>").encode()


def disguises(content):
    """The same VRT as itself, named as other formats, and inside archives."""
    return [("site.vrt", content), ("site.geojson", content), ("site.kml", content),
            ("site.zip", zip_of({"site.geojson": content})),
            ("site.zip", zip_of({"红线/site.vrt": content})),
            ("site.kmz", zip_of({"doc.kml": content}))]


class Listener:
    """Counts TCP connections to a loopback port."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            with c:
                c.settimeout(1)
                try:
                    self.requests.append(c.recv(200))
                except OSError:
                    self.requests.append(b"")

    def close(self):
        time.sleep(0.3)
        self.stop = True
        self.thread.join()
        self.sock.close()


def zone_names():
    from osgeo import ogr
    ds = ogr.Open(ZONES_GPKG)
    layer = ds.GetLayer(0)
    names = set()
    for f in layer:
        for k, v in f.items().items():
            if isinstance(v, str) and len(v) >= 4:
                names.add(v)
    return names


def whitespace_bomb_zip(gib=1, declared=None):
    """A zip (about 1 MB per GiB) whose one member, site.geojson, is a
    FeatureCollection padded with `gib` GiB of spaces. Each MiB is deflated
    after a full flush, so the stream is built without compressing 1 GiB."""
    head, tail = b'{"type":"FeatureCollection","features":[', b"]}"
    mib = b" " * (1 << 20)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = z.compress(head) + z.flush(zlib.Z_FULL_FLUSH)
    block = z.compress(mib) + z.flush(zlib.Z_FULL_FLUSH)
    repeat = gib * 1024
    stream = first + block * repeat + z.compress(tail) + z.flush()
    size = len(head) + repeat * len(mib) + len(tail)
    crc = zlib.crc32(head)
    for _ in range(repeat):  # the whole's crc32, a MiB at a time
        crc = zlib.crc32(mib, crc)
    crc = zlib.crc32(tail, crc)
    size = min(size, 0xFFFFFFFE) if declared is None else declared
    name = b"site.geojson"
    local = (b"PK\x03\x04" + (20).to_bytes(2, "little") + b"\0\0" + (8).to_bytes(2, "little")
             + b"\0\0\0\0" + crc.to_bytes(4, "little") + len(stream).to_bytes(4, "little")
             + size.to_bytes(4, "little") + len(name).to_bytes(2, "little") + b"\0\0" + name)
    central = (b"PK\x01\x02" + (20).to_bytes(2, "little") + local[4:30] + b"\0" * 10
               + (0).to_bytes(4, "little") + name)
    offset = len(local) + len(stream)
    end = (b"PK\x05\x06" + b"\0" * 4 + (1).to_bytes(2, "little") * 2
           + len(central).to_bytes(4, "little") + offset.to_bytes(4, "little") + b"\0\0")
    return local + stream + central + end


class UploadCannotReadTheServerTest(unittest.TestCase):
    def test_vrt_naming_the_zone_geopackage_leaks_no_zone(self):
        names = zone_names()
        self.assertTrue(names)
        for filename, content in disguises(
                vrt(ZONES_GPKG, "water_source", "SELECT * FROM water_source LIMIT 3")):
            with self.subTest(filename=filename):
                status, text, _ = upload(filename, content)
                self.assertEqual(status, 400, text[:2000])
                leaked = [n for n in names if n in text]
                self.assertEqual(leaked, [], text)
                self.assertNotIn(e2e.SAMPLE_DIR, text)
                self.assertNotIn("/vsimem", text)

    def test_vrt_naming_the_config_file_leaks_nothing(self):
        with open(CONFIG, encoding="utf-8") as f:
            config_lines = [line.strip() for line in f if len(line.strip()) > 8]
        for filename, content in disguises(vrt(CONFIG, "redline")):
            with self.subTest(filename=filename):
                status, text, _ = upload(filename, content)
                self.assertEqual(status, 400, text)
                self.assertNotIn(CONFIG, text)
                self.assertNotIn(TMP.name, text)
                for line in config_lines:
                    self.assertNotIn(line, text)
        status, text, _ = upload("site.geojson", vrt(CONFIG, "redline"))
        self.assertIn("OGR VRT", json.loads(text)["message"])


class UploadCannotConnectTest(unittest.TestCase):
    def test_no_upload_makes_the_server_connect(self):
        listener = Listener()
        try:
            url = f"http://127.0.0.1:{listener.port}/zones.geojson"
            for filename, content in disguises(vrt("/vsicurl/" + url, "zones")):
                with self.subTest(filename=filename):
                    status, text, _ = upload(filename, content)
                    self.assertEqual(status, 400, text)
            # A GeoJSON whose "crs" links to a URL: GDAL's GeoJSON driver
            # fetches it. The site is read; the link is not followed.
            linked = {"type": "FeatureCollection",
                      "crs": {"type": "link", "properties": {"href": url, "type": "ogcwkt"}},
                      "features": [{"type": "Feature", "properties": {},
                                    "geometry": e2e.box_geojson(120.1, 30.2)}]}
            status, text, _ = upload("linked.geojson", json.dumps(linked).encode())
            self.assertEqual(status, 200, text)
        finally:
            listener.close()
        self.assertEqual(listener.requests, [], "the server connected to the test's port")


class UploadLimitsTest(unittest.TestCase):
    def test_zip_of_a_gib_of_whitespace_is_refused_fast(self):
        bomb = whitespace_bomb_zip()
        self.assertLess(len(bomb), 2 << 20)
        status, text, seconds = upload("bomb.zip", bomb)
        self.assertNotEqual(status, 200, text)
        self.assertLess(status, 500, text)
        self.assertIn("max_zip_member_bytes", json.loads(text)["message"])
        self.assertLess(seconds, 2.0)

    def test_lying_sizes_stop_inflation(self):
        status, text, seconds = upload("liar.zip", whitespace_bomb_zip(declared=1 << 20))
        self.assertNotEqual(status, 200, text)
        self.assertIn("inflates", json.loads(text)["message"])
        self.assertLess(seconds, 2.0)

    def test_traversal_names_are_refused(self):
        site = json.dumps(e2e.box_geojson(120.1, 30.2)).encode()
        for member in ("../../etc/site.geojson", "/etc/site.geojson"):
            with self.subTest(member=member):
                status, text, _ = upload("site.zip", zip_of({member: site}))
                self.assertEqual(status, 400, text)
                self.assertIn("outside the archive", json.loads(text)["message"])

    def test_geopackage_with_a_foreign_virtual_table_is_refused(self):
        from osgeo import ogr, osr
        path = os.path.join(TMP.name, "vt.gpkg")
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(4326)
        layer = ds.CreateLayer("site", srs, ogr.wkbPolygon)
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(e2e.box_wkt(120.1, 30.2)))
        layer.CreateFeature(f)
        ds = None
        db = sqlite3.connect(path)
        db.execute("PRAGMA writable_schema=ON")
        db.execute("INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql) VALUES"
                   "('table','leak','leak',0,'CREATE VIRTUAL TABLE leak USING "
                   f"VirtualOGR(''{CONFIG}'')')")
        db.commit()
        db.close()
        with open(path, "rb") as fh:
            status, text, _ = upload("site.gpkg", fh.read())
        self.assertEqual(status, 400, text)
        self.assertIn("virtual table", json.loads(text)["message"])
        self.assertNotIn(CONFIG, text)


class FormatsStillReadTest(unittest.TestCase):
    def write(self, driver, name, options=()):
        from osgeo import ogr, osr
        folder = os.path.join(TMP.name, uuid.uuid4().hex)
        os.makedirs(folder)
        path = os.path.join(folder, name)
        ds = ogr.GetDriverByName(driver).CreateDataSource(path)
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(4326)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        layer = ds.CreateLayer("site", None if driver == "DXF" else srs, ogr.wkbUnknown,
                               list(options))
        if driver != "DXF":
            layer.CreateField(ogr.FieldDefn("名称", ogr.OFTString))
        f = ogr.Feature(layer.GetLayerDefn())
        if driver != "DXF":
            f.SetField("名称", "拟建污水处理厂")
        f.SetGeometry(ogr.CreateGeometryFromWkt(e2e.box_wkt(120.1, 30.2)))
        layer.CreateFeature(f)
        ds = None
        return folder, path

    def read(self, path):
        with open(path, "rb") as fh:
            return fh.read()

    def test_formats(self):
        _, kml = self.write("KML", "site.kml")
        _, gpkg = self.write("GPKG", "site.gpkg")
        _, dxf = self.write("DXF", "site.dxf")
        folder, _ = self.write("ESRI Shapefile", "site.shp", ["ENCODING=GBK"])
        shp = {f"项目/site.{ext}": self.read(os.path.join(folder, f"site.{ext}"))
               for ext in ("shp", "shx", "dbf", "prj")}
        corners = "点号,X,Y\nJ1,3345123.1,40512345.2\nJ2,3345123.1,40512445.2\n" \
                  "J3,3345223.1,40512445.2\nJ4,3345223.1,40512345.2\n"
        cases = [
            ("site.kml", self.read(kml), "KML", "Polygon"),
            ("site.kmz", zip_of({"doc.kml": self.read(kml)}), "KML", "Polygon"),
            ("site.gpkg", self.read(gpkg), "GPKG", "Polygon"),
            ("site.dxf", self.read(dxf), "DXF", None),
            ("项目用地.zip", zip_of(shp), "ESRI Shapefile", "Polygon"),
            ("site.geojson", json.dumps(e2e.box_geojson(120.1, 30.2)).encode(), "GeoJSON", "Polygon"),
            ("site.csv", f"名称,WKT\n拟建,\"{e2e.box_wkt(120.1, 30.2)}\"\n".encode(), "CSV",
             "Polygon"),
            ("界址点.csv", corners.encode("gbk"), "CSV", "Polygon"),
        ]
        for filename, content, driver, geometry_type in cases:
            with self.subTest(filename=filename):
                status, text, _ = upload(filename, content)
                self.assertEqual(status, 200, text)
                out = json.loads(text)
                self.assertEqual(out["driver"], driver)
                if geometry_type:
                    self.assertEqual(json.loads(out["geometry"]["geojson"])["type"],
                                     geometry_type)
        status, text, _ = upload("项目用地.zip", zip_of(shp))
        self.assertIn("名称=拟建污水处理厂", json.loads(text)["featureLabels"][0])


if __name__ == "__main__":
    unittest.main()
