"""Writes 89 "county" polygons over Zhejiang, each invalid as real published
boundaries are: the ring runs out round a small loop and back through the
point it left from (a figure-8), which GEOS reports as "Ring
Self-intersection". Written at test time (never committed as a binary).

Needs GDAL's Python bindings (Debian's python3-gdal, /usr/bin/python3).
"""

import math
import random

# The sample zones lie within about 118.2..122.8E, 27.3..31.1N
# (data/sample); a 10 x 9 grid of cells over that box, less one cell, gives
# 89 counties, many over zones and some in open country.
WEST, EAST, SOUTH, NORTH = 118.2, 122.8, 27.3, 31.1
COLUMNS, ROWS = 10, 9
COUNT = 89
VERTICES = 48  # of each county's outline, before its loop


def county_ring(lon0, lat0, radius, rng):
    """A closed counter-clockwise ring around (lon0, lat0), with a figure-8
    loop outside its first edge, touching the ring at that edge's midpoint."""
    ring = []
    for i in range(VERTICES):
        a = 2 * math.pi * i / VERTICES
        r = radius * (0.8 + 0.2 * rng.random())
        ring.append((lon0 + r * math.cos(a), lat0 + r * math.sin(a)))
    (x0, y0), (x1, y1) = ring[0], ring[1]
    px, py = (x0 + x1) / 2, (y0 + y1) / 2
    length = math.hypot(x1 - x0, y1 - y0)
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    nx, ny = dy, -dx  # to the right of the edge: outside a counter-clockwise ring
    e = length / 4
    loop = [(px, py), (px + e * (nx + dx), py + e * (ny + dy)),
            (px + e * (nx - dx), py + e * (ny - dy)), (px, py)]
    return ring[:1] + loop + ring[1:] + ring[:1]


def county_wkts(seed=20):
    """[(code, name, wkt)] of the 89 counties, longitude/latitude."""
    rng = random.Random(seed)
    width, height = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS
    out = []
    for k in range(COUNT):
        row, col = divmod(k, COLUMNS)
        lon0 = WEST + (col + 0.5) * width
        lat0 = SOUTH + (row + 0.5) * height
        ring = county_ring(lon0, lat0, 0.35 * min(width, height), rng)
        wkt = "POLYGON ((" + ", ".join(f"{x:.7f} {y:.7f}" for x, y in ring) + "))"
        out.append((f"33{k:04d}", f"县{k + 1:02d}", wkt))
    return out


def write_counties(path, seed=20):
    """Writes the counties to a GeoPackage at `path` (EPSG:4490, layer
    "counties", fields code and name); returns [(code, name, wkt)]."""
    from osgeo import ogr, osr
    ogr.UseExceptions()
    counties = county_wkts(seed)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4490)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = ds.CreateLayer("counties", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("code", ogr.OFTString))
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    for code, name, wkt in counties:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("code", code)
        f.SetField("name", name)
        f.SetGeometryDirectly(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(f)
    ds = None
    return counties
