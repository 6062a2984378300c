#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""Deterministic generator of SYNTHETIC sample layers for Redline.

    /usr/bin/python3 data/generator/make_sample.py [--out DIR]

Everything written here is made up: the outlines are random star-shaped
curves placed near real Zhejiang place names so that the data *looks*
plausible.  They are NOT legal boundaries and must never be used for a real
siting or permitting decision.

Needs Debian's /usr/bin/python3 (GDAL 3.6 Python bindings, numpy).  All
randomness comes from fixed seeds, so two runs give byte-identical .geojson,
.shp, .shx and .dbf files (the GeoPackage and FileGDB are made as
reproducible as GDAL allows, but may differ in internal metadata).

Outputs (in --out, default <repo>/data/sample):
  water_source.gpkg      layer water_source,   EPSG:4490, 饮用水水源保护区
  zero_discharge.shp     layer zero_discharge, EPSG:4549, GBK, 污水零直排区
  red_lines.geojson      layer red_lines,      EPSG:4326 (RFC 7946), 生态保护红线
  control_units.gdb      layer control_units,  EPSG:4490, 环境管控单元 (kind other)
  redline.yaml           server configuration for these layers
  known_points.csv       test points and the zones they must hit
and, by make_adjusted.py, the adjusted release in --adjusted-out.
"""

import argparse
import csv
import io
import math
import os
import random
import shutil
import struct
import sys

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

# Make the GeoPackage as reproducible as GDAL allows (gpkg_contents.last_change).
gdal.SetConfigOption("OGR_CURRENT_DATE", "2024-06-30T00:00:00.000Z")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DBF_DATE = "2024-06-30"          # fixed DBF "last update" header date => reproducible .dbf

# Province bounding box the brief asks every vertex to stay inside.
BOX = (118.02, 27.02, 122.98, 31.18)

# ---------------------------------------------------------------------------
# Geodesy helpers (CGCS2000 ellipsoid) — a local tangent-plane approximation.
# The metres -> degrees map is affine per feature, so it preserves simplicity
# and nesting of the rings built in metres.
# ---------------------------------------------------------------------------
A_ELL = 6378137.0
F_ELL = 1.0 / 298.257222101
E2 = F_ELL * (2.0 - F_ELL)


def _radii(lat_deg):
    s = math.sin(math.radians(lat_deg))
    w = math.sqrt(1.0 - E2 * s * s)
    return A_ELL * (1.0 - E2) / w ** 3, A_ELL / w      # meridian M, prime vertical N


class LocalFrame:
    """Local east/north metres around (lon0, lat0) <-> lon/lat degrees (affine)."""

    def __init__(self, lon0, lat0):
        self.lon0, self.lat0 = lon0, lat0
        m, n = _radii(lat0)
        self.ky = 180.0 / math.pi / m
        self.kx = 180.0 / math.pi / (n * math.cos(math.radians(lat0)))

    def to_lonlat(self, xy):
        out = np.empty_like(xy, dtype=float)
        out[:, 0] = self.lon0 + xy[:, 0] * self.kx
        out[:, 1] = self.lat0 + xy[:, 1] * self.ky
        return out

    def from_lonlat(self, lon, lat):
        return (lon - self.lon0) / self.kx, (lat - self.lat0) / self.ky


def dist_m(lon1, lat1, lon2, lat2):
    fr = LocalFrame((lon1 + lon2) / 2.0, (lat1 + lat2) / 2.0)
    x1, y1 = fr.from_lonlat(lon1, lat1)
    x2, y2 = fr.from_lonlat(lon2, lat2)
    return math.hypot(x2 - x1, y2 - y1)


def offset_lonlat(lon, lat, dx, dy):
    fr = LocalFrame(lon, lat)
    return lon + dx * fr.kx, lat + dy * fr.ky


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


# ---------------------------------------------------------------------------
# Shape synthesis
# ---------------------------------------------------------------------------
def loguniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def harmonics(rng, theta, kmax, amp, decay=0.8):
    """Low-frequency part: sum_k a_k sin(k θ + φ_k), with sum |a_k| == amp."""
    a = [rng.uniform(0.3, 1.0) / k ** decay for k in range(1, kmax + 1)]
    ph = [rng.uniform(0.0, 2.0 * math.pi) for _ in range(kmax)]
    s = sum(a)
    out = np.zeros_like(theta)
    for k in range(1, kmax + 1):
        out += (amp * a[k - 1] / s) * np.sin(k * theta + ph[k - 1])
    return out


def fractal_noise(rng, n, kmin, rms, beta=1.6, kmax=None):
    """Periodic fractal noise sampled at n equally spaced angles (spectral synthesis)."""
    kmax = min(n // 4, kmax or n // 4)
    if kmax < kmin or rms <= 0:
        return np.zeros(n)
    spec = np.zeros(n // 2 + 1, dtype=complex)
    for k in range(kmin, kmax + 1):
        phase = rng.uniform(0.0, 2.0 * math.pi)
        spec[k] = (k ** -beta) * complex(math.cos(phase), math.sin(phase))
    sig = np.fft.irfft(spec, n)
    sd = sig.std()
    if sd == 0:
        return np.zeros(n)
    sig *= rms / sd
    lim = 3.5 * rms
    return np.clip(sig, -lim, lim)


def lowpass(r, kcut):
    spec = np.fft.rfft(r)
    spec[kcut + 1:] = 0
    return np.fft.irfft(spec, len(r))


def star_radius(rng, theta, R, kmax=5, amp=0.35, noise=0.04, beta=1.6, kmin_noise=6):
    """r(θ) = R·(1 + Σ a_k sin(kθ+φ_k))·(1 + fractal noise), always > 0."""
    low = harmonics(rng, theta, kmax, amp)
    nz = fractal_noise(rng, len(theta), kmin_noise, noise, beta)
    r = R * (1.0 + low) * (1.0 + nz)
    return np.maximum(r, 0.12 * R)


def polar_xy(theta, r, sx=1.0, sy=1.0, rot=0.0, cx=0.0, cy=0.0):
    """Star-shaped ring (open, CCW) → affine stretch, rotation, translation."""
    x = r * np.cos(theta) * sx
    y = r * np.sin(theta) * sy
    c, s = math.cos(rot), math.sin(rot)
    return np.column_stack((cx + c * x - s * y, cy + s * x + c * y))


def close(ring):
    return np.vstack((ring, ring[:1]))


def reverse_closed(ring_closed):
    """Same vertices, opposite direction (hole ring sharing the inner zone's shell)."""
    return ring_closed[::-1].copy()


def theta_grid(n, offset=0.0):
    return offset + 2.0 * math.pi * np.arange(n) / n


def signed_area(ring):
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


# ---------------------------------------------------------------------------
# WKB / geometry helpers.  A "shape" is a list of polygons, a polygon a list of
# closed rings (N×2 float arrays).  One polygon → Polygon, more → MultiPolygon.
# ---------------------------------------------------------------------------
def _wkb_poly(rings):
    parts = [struct.pack("<BII", 1, 3, len(rings))]
    for r in rings:
        parts.append(struct.pack("<I", len(r)))
        parts.append(np.ascontiguousarray(r, dtype="<f8").tobytes())
    return b"".join(parts)


def shape_wkb(shape, force_multi=False):
    if len(shape) == 1 and not force_multi:
        return _wkb_poly(shape[0])
    return struct.pack("<BII", 1, 6, len(shape)) + b"".join(_wkb_poly(p) for p in shape)


def shape_geom(shape, force_multi=False):
    return ogr.CreateGeometryFromWkb(shape_wkb(shape, force_multi))


def shape_vertices(shape):
    return sum(len(r) for p in shape for r in p)


def round_shape(shape, nd):
    return [[np.round(r, nd) for r in p] for p in shape]


def shape_bbox(shape):
    pts = np.vstack([r for p in shape for r in p])
    return pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()


def in_box(shape):
    x0, y0, x1, y1 = shape_bbox(shape)
    return x0 >= BOX[0] and y0 >= BOX[1] and x1 <= BOX[2] and y1 <= BOX[3]


def to_lonlat_shape(shape, frame):
    return [[frame.to_lonlat(r) for r in p] for p in shape]


class Placer:
    """Greedy non-overlap placement with bounding circles (metres)."""

    def __init__(self, gap):
        self.gap = gap
        self.items = []

    def fits(self, lon, lat, radius):
        for lo, la, rr in self.items:
            if abs(lo - lon) > 1.0 or abs(la - lat) > 1.0:
                if dist_m(lon, lat, lo, la) > radius + rr + self.gap + 1.0:
                    continue
            if dist_m(lon, lat, lo, la) < radius + rr + self.gap:
                return False
        return True

    def add(self, lon, lat, radius):
        self.items.append((lon, lat, radius))


# ---------------------------------------------------------------------------
# 1. Drinking-water-source protection zones (饮用水水源保护区) — GeoPackage, EPSG:4490
# ---------------------------------------------------------------------------
# county, county code, source name, anchor lon, lat, source type
WATER_SOURCES = [
    ("余姚市", "330281", "四明湖水库", 121.07, 29.97, "水库"),
    ("余姚市", "330281", "梁辉水库", 121.20, 29.90, "水库"),
    ("余姚市", "330281", "陆埠水库", 121.27, 29.93, "水库"),
    ("慈溪市", "330282", "梅湖水库", 121.25, 30.12, "水库"),
    ("海曙区", "330203", "皎口水库", 121.33, 29.78, "水库"),
    ("海曙区", "330203", "周公宅水库", 121.20, 29.74, "水库"),
    ("奉化区", "330213", "横山水库", 121.30, 29.60, "水库"),
    ("奉化区", "330213", "亭下水库", 121.20, 29.60, "水库"),
    ("宁海县", "330226", "白溪水库", 121.30, 29.25, "水库"),
    ("象山县", "330225", "仓岙水库", 121.85, 29.45, "水库"),
    ("西湖区", "330106", "钱塘江珊瑚沙取水口", 120.12, 30.20, "河道"),
    ("余杭区", "330110", "闲林水库", 120.02, 30.27, "水库"),
    ("余杭区", "330110", "东苕溪瓶窑取水口", 119.97, 30.40, "河道"),
    ("临安区", "330112", "青山水库", 119.80, 30.25, "水库"),
    ("富阳区", "330111", "富春江东洲取水口", 119.95, 30.04, "河道"),
    ("桐庐县", "330122", "分水江取水口", 119.65, 29.85, "河道"),
    ("淳安县", "330127", "千岛湖", 119.04, 29.61, "水库"),
    ("建德市", "330182", "新安江洋溪取水口", 119.28, 29.45, "河道"),
    ("吴兴区", "330502", "老虎潭水库", 119.98, 30.78, "水库"),
    ("德清县", "330521", "对河口水库", 119.85, 30.55, "水库"),
    ("长兴县", "330522", "合溪水库", 119.75, 31.02, "水库"),
    ("安吉县", "330523", "赋石水库", 119.55, 30.55, "水库"),
    ("安吉县", "330523", "老石坎水库", 119.45, 30.45, "水库"),
    ("秀洲区", "330411", "石臼漾取水口", 120.70, 30.78, "河道"),
    ("南湖区", "330402", "贯泾港取水口", 120.82, 30.72, "河道"),
    ("海宁市", "330481", "长山河取水口", 120.62, 30.52, "河道"),
    ("嘉善县", "330421", "魏塘地下水", 120.93, 30.85, "地下水"),
    ("平湖市", "330482", "新埭地下水", 121.00, 30.75, "地下水"),
    ("上虞区", "330604", "汤浦水库", 120.80, 29.92, "水库"),
    ("越城区", "330602", "平水江水库", 120.63, 29.88, "水库"),
    ("嵊州市", "330683", "南山水库", 120.70, 29.50, "水库"),
    ("嵊州市", "330683", "剡溪取水口", 120.85, 29.63, "河道"),
    ("新昌县", "330624", "长诏水库", 121.00, 29.45, "水库"),
    ("新昌县", "330624", "钦寸水库", 120.95, 29.37, "水库"),
    ("诸暨市", "330681", "石壁水库", 120.18, 29.62, "水库"),
    ("诸暨市", "330681", "陈蔡水库", 120.35, 29.62, "水库"),
    ("婺城区", "330702", "沙畈水库", 119.50, 28.90, "水库"),
    ("婺城区", "330702", "安地水库", 119.65, 28.95, "水库"),
    ("义乌市", "330782", "八都水库", 120.02, 29.40, "水库"),
    ("东阳市", "330783", "横锦水库", 120.40, 29.20, "水库"),
    ("永康市", "330784", "杨溪水库", 120.10, 28.82, "水库"),
    ("浦江县", "330726", "通济桥水库", 119.88, 29.50, "水库"),
    ("兰溪市", "330781", "兰江取水口", 119.47, 29.22, "河道"),
    ("文成县", "330328", "珊溪水库", 119.95, 27.75, "水库"),
    ("瓯海区", "330304", "泽雅水库", 120.50, 28.02, "水库"),
    ("乐清市", "330382", "淡溪水库", 120.95, 28.22, "水库"),
    ("瑞安市", "330381", "飞云江赵山渡取水口", 120.35, 27.80, "河道"),
    ("黄岩区", "331003", "长潭水库", 121.10, 28.62, "水库"),
    ("临海市", "331082", "牛头山水库", 121.25, 28.92, "水库"),
    ("天台县", "331023", "里石门水库", 121.10, 29.10, "水库"),
    ("仙居县", "331024", "下岸水库", 120.63, 28.78, "水库"),
    ("温岭市", "331081", "湖漫水库", 121.30, 28.40, "水库"),
    ("玉环市", "331083", "里墩水库", 121.22, 28.18, "水库"),
    ("莲都区", "331102", "黄村水库", 119.85, 28.40, "水库"),
    ("莲都区", "331102", "瓯江开潭取水口", 119.97, 28.48, "河道"),
    ("龙泉市", "331181", "瑞垟水库", 119.10, 28.00, "水库"),
    ("衢江区", "330803", "湖南镇水库", 118.90, 28.75, "水库"),
    ("江山市", "330881", "峡口水库", 118.55, 28.55, "水库"),
    ("常山县", "330822", "芙蓉水库", 118.45, 28.95, "水库"),
    ("龙游县", "330825", "沐尘水库", 119.15, 28.85, "水库"),
    ("定海区", "330902", "虹桥水库", 122.05, 30.05, "水库"),
    ("定海区", "330902", "岑港水库", 121.98, 30.10, "水库"),
    ("普陀区", "330903", "勾山地下水", 122.25, 29.95, "地下水"),
]

LEVEL_STYLES = [
    ("一级保护区", "二级保护区", "准保护区"),
    ("一级", "二级", "准"),
    ("Ⅰ级", "Ⅱ级", "准保护区"),
    ("1", "2", "准"),
]


def county_short(county):
    if len(county) > 2 and county[-1] in "市县区":
        return county[:-1]
    return county


def make_water_sources():
    rng = random.Random(20240101)
    placer = Placer(gap=300.0)
    counties = sorted({s[0] for s in WATER_SOURCES})
    style_of = {c: LEVEL_STYLES[i % len(LEVEL_STYLES)] for i, c in enumerate(counties)}
    seq_of = {}
    features = []          # dicts: zone_code, zone_name, level, county, source_type, approved, shape, defect
    sources = []           # per-source info for known points and defects

    for idx, (county, code, sname, alon, alat, stype) in enumerate(WATER_SOURCES):
        seq_of[code] = seq_of.get(code, 0) + 1
        seq = seq_of[code]
        forced_ring = sname == "四明湖水库"
        forced_nested = sname == "千岛湖"
        if forced_ring:
            style = "ring"
        elif forced_nested:
            style = "nested"
        else:
            style = "ring" if rng.random() < 0.5 else "nested"
        has_zhun = forced_ring or forced_nested or rng.random() < 0.5
        split = forced_ring or (stype == "水库" and not forced_nested and rng.random() < 0.3)

        # --- radii in a base polar frame; every ring uses the same θ samples so
        #     r_outer(θ) > r_inner(θ) guarantees strict nesting.
        if stype == "水库":
            n = 3000 if sname == "千岛湖" else rng.randint(420, 1300)
            rw = 5200.0 if sname == "千岛湖" else loguniform(rng, 300.0, 1500.0)
            theta = theta_grid(n, rng.uniform(0, 2 * math.pi))
            r_w = star_radius(rng, theta, rw, kmax=8, amp=0.5, noise=0.06, beta=1.5)
            d_land = 200.0 * (1.0 + 0.25 * harmonics(rng, theta, 3, 1.0))
            r_1 = r_w + d_land
            d2 = rng.uniform(700.0, 2200.0)
            d3 = rng.uniform(900.0, 2600.0)
            sx, sy = rng.uniform(1.0, 1.7), 1.0
        elif stype == "河道":
            n = rng.randint(360, 800)
            theta = theta_grid(n, 0.0)
            r_w = None
            r_1 = star_radius(rng, theta, 1.0, kmax=3, amp=0.15, noise=0.02, beta=1.8)
            d2, d3 = rng.uniform(1.6, 2.4), rng.uniform(1.5, 2.5)
            half_len, half_wid = rng.uniform(600.0, 1100.0), rng.uniform(110.0, 220.0)
            sx, sy = half_len, half_wid
        else:  # 地下水
            n = rng.randint(120, 260)
            theta = theta_grid(n, 0.0)
            r_w = None
            r_1 = star_radius(rng, theta, rng.uniform(35.0, 80.0), kmax=3, amp=0.08, noise=0.01, beta=2.0)
            d2, d3 = rng.uniform(300.0, 700.0), rng.uniform(500.0, 900.0)
            sx, sy = 1.0, 1.0
        rot = rng.uniform(0, math.pi)

        def grow(r_in, d0):
            smooth = 1.0 + 0.3 * harmonics(rng, theta, 4, 1.0)
            nz = 1.0 + fractal_noise(rng, len(theta), 5, 0.03, 1.7)
            base = np.maximum(r_in, lowpass(r_in, 10))
            return base + np.maximum(d0 * smooth * nz, 0.3 * d0)

        r_2 = grow(r_1, d2)
        r_3 = grow(r_2, d3) if has_zhun else None
        r_x = None
        outer = r_3 if has_zhun else r_2

        ring_m = lambda r, th=theta, sx=sx, sy=sy, rot=rot: polar_xy(th, r, sx, sy, rot)
        outer_xy = ring_m(outer)
        radius = float(np.hypot(outer_xy[:, 0], outer_xy[:, 1]).max())

        # --- placement near the anchor, no overlap with other sources
        lon = lat = None
        for attempt in range(400):
            spread = 1500.0 + 120.0 * attempt
            ang = rng.uniform(0, 2 * math.pi)
            dd = 0.0 if attempt == 0 else rng.uniform(0, spread)
            clon, clat = offset_lonlat(alon, alat, dd * math.cos(ang), dd * math.sin(ang))
            frame = LocalFrame(clon, clat)
            bbox_shape = [[frame.to_lonlat(outer_xy)]]
            if in_box(bbox_shape) and placer.fits(clon, clat, radius):
                lon, lat = clon, clat
                break
        if lon is None:
            raise RuntimeError("could not place water source %s" % sname)
        placer.add(lon, lat, radius)
        frame = LocalFrame(lon, lat)

        def ring_ll(r):
            return np.round(close(frame.to_lonlat(ring_m(r))), 8)

        R1 = ring_ll(r_1)
        R2 = ring_ll(r_2)
        R3 = ring_ll(r_3) if has_zhun else None
        RW = ring_ll(r_w) if split else None

        l1, l2, lz = style_of[county]
        cshort = county_short(county)
        if stype == "地下水":
            zname = "%s%s饮用水水源保护区" % (county, sname)
        else:
            zname = "%s%s饮用水水源保护区" % (cshort, sname)
        approved = "%04d-%02d-%02d" % (rng.randint(2008, 2023), rng.randint(1, 12), rng.randint(1, 28))
        prefix = "WS-%s-%03d" % (code, seq)

        def feat(suffix, level, shape, part):
            f = dict(zone_code="%s-%s" % (prefix, suffix), zone_name=zname, level=level,
                     county=county, source_type=stype, approved=approved, shape=shape,
                     defect=None, part=part, source=sname, style=style)
            features.append(f)
            return f

        fs = {}
        if split:
            fs["1W"] = feat("1W", "一级水域", [[RW]], "1W")
            fs["1L"] = feat("1L", "一级陆域", [[R1, reverse_closed(RW)]], "1L")
        else:
            fs["1"] = feat("1", l1, [[R1]], "1")
        if style == "ring":
            fs["2"] = feat("2", l2, [[R2, reverse_closed(R1)]], "2")
            if has_zhun:
                fs["Z"] = feat("Z", lz, [[R3, reverse_closed(R2)]], "Z")
        else:
            fs["2"] = feat("2", l2, [[R2]], "2")
            if has_zhun:
                fs["Z"] = feat("Z", lz, [[R3]], "Z")
        sources.append(dict(name=sname, style=style, has_zhun=has_zhun, split=split, stype=stype,
                            frame=frame, lon=lon, lat=lat, feats=fs, theta=theta, r_1=r_1,
                            r_2=r_2, sx=sx, sy=sy, rot=rot, ring_m=ring_m, radius=radius))

    # --- the single feature with an unrecognisable level: a pending outer zone
    #     around a nested-style source that has no 准保护区 (nested polygon).
    cand = [s for s in sources if s["style"] == "nested" and not s["has_zhun"] and s["stype"] == "水库"]
    s = cand[0]
    d0 = 350.0
    r_x = np.maximum(s["r_2"], lowpass(s["r_2"], 6)) + d0
    xy = s["ring_m"](r_x)
    f2 = s["feats"]["2"]
    shape = [[np.round(close(s["frame"].to_lonlat(xy)), 8)]]
    fx = dict(f2)
    fx.update(zone_code=f2["zone_code"][:-2] + "-X", level="三级(待定)", shape=shape, part="X", defect=None)
    features.insert(features.index(f2) + 1, fx)
    s["feats"]["X"] = fx

    # --- deliberate defects on nested-style features (they share no edges).
    nested = [s for s in sources if s["style"] == "nested" and s["name"] != "千岛湖" and "X" not in s["feats"]]
    # (a) spike on a 二级 shell: P_i -> tip -> P_i
    s = [t for t in nested if t["stype"] == "水库"][0]
    f = s["feats"]["2"]
    xy = s["ring_m"](s["r_2"])
    i = len(xy) // 3
    p = xy[i]
    u = p / np.hypot(*p)
    spiked = np.vstack((xy[:i + 1], p + 260.0 * u, xy[i:]))
    f["shape"] = [[np.round(close(s["frame"].to_lonlat(spiked)), 8)]]
    f["defect"] = "spike: ring goes out to a tip and back to the same vertex"
    # (b) self-touching ring on a 一级 shell: a loop that returns to the same vertex
    s_spike = s
    s = [t for t in nested if t["stype"] == "水库" and "1" in t["feats"] and t is not s_spike][0]
    f = s["feats"]["1"]
    xy = s["ring_m"](s["r_1"])
    i = len(xy) // 2
    p = xy[i]
    u = p / np.hypot(*p)
    t_ = np.array([-u[1], u[0]])
    loop = np.array([p - 70.0 * u + 30.0 * t_, p - 70.0 * u - 30.0 * t_, p])
    touched = np.vstack((xy[:i + 1], loop, xy[i + 1:]))
    f["shape"] = [[np.round(close(s["frame"].to_lonlat(touched)), 8)]]
    f["defect"] = "self-touching ring: an inward loop returns to the same vertex (inverted hole)"
    # (c) duplicate consecutive points on a 准 shell (GEOS still calls this valid)
    s_touch = s
    s = [t for t in nested if t["has_zhun"] and t is not s_spike and t is not s_touch][0]
    f = s["feats"]["Z"]
    ring = f["shape"][0][0]
    idx_dup = list(range(5, len(ring) - 5, 37))
    dup = np.insert(ring, idx_dup, ring[idx_dup], axis=0)
    dup = np.insert(dup, [10, 10], dup[10], axis=0)      # one point three times
    f["shape"] = [[dup]]
    f["defect"] = "duplicate consecutive points (%d repeated vertices)" % (len(dup) - len(ring))
    return features, sources


def write_water_sources(path, features):
    drv = ogr.GetDriverByName("GPKG")
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    lyr = ds.CreateLayer("water_source", srs(4490), ogr.wkbPolygon,
                         options=["GEOMETRY_NAME=geom", "FID=fid", "SPATIAL_INDEX=YES",
                                  "DESCRIPTION=SYNTHETIC sample data - not legal boundaries"])
    for name, width in (("zone_code", 24), ("zone_name", 80), ("level", 16), ("county", 16),
                        ("source_type", 8), ("approved", 10)):
        fd = ogr.FieldDefn(name, ogr.OFTString)
        fd.SetWidth(width)
        lyr.CreateField(fd)
    lyr.StartTransaction()
    for i, f in enumerate(features):
        of = ogr.Feature(lyr.GetLayerDefn())
        of.SetFID(i + 1)
        for k in ("zone_code", "zone_name", "level", "county", "source_type", "approved"):
            of.SetField(k, f[k])
        of.SetGeometryDirectly(shape_geom(f["shape"]))
        lyr.CreateFeature(of)
    lyr.CommitTransaction()
    ds = None


# ---------------------------------------------------------------------------
# 2. 污水零直排区 — Shapefile, EPSG:4549, GBK
# ---------------------------------------------------------------------------
# county, code, seat lon, lat, number of zones, towns/streets
ZDZ_COUNTIES = [
    ("余姚市", "330281", 121.15, 30.04, 12, ["阳明街道", "梨洲街道", "凤山街道", "兰江街道", "泗门镇", "马渚镇", "陆埠镇"]),
    ("慈溪市", "330282", 121.27, 30.17, 7, ["浒山街道", "坎墩街道", "观海卫镇", "周巷镇"]),
    ("平湖市", "330482", 121.02, 30.68, 8, ["当湖街道", "钟埭街道", "乍浦镇", "独山港镇", "新埭镇"]),
    ("嵊州市", "330683", 120.82, 29.59, 10, ["剡湖街道", "三江街道", "鹿山街道", "甘霖镇", "长乐镇", "崇仁镇"]),
    ("西湖区", "330106", 120.13, 30.26, 9, ["西溪街道", "翠苑街道", "文新街道", "蒋村街道", "转塘街道"]),
    ("萧山区", "330109", 120.26, 30.18, 7, ["城厢街道", "北干街道", "新塘街道", "瓜沥镇"]),
    ("鄞州区", "330212", 121.55, 29.82, 9, ["钟公庙街道", "首南街道", "下应街道", "姜山镇", "五乡镇"]),
    ("越城区", "330602", 120.58, 30.00, 7, ["府山街道", "北海街道", "塔山街道", "东浦街道"]),
    ("柯桥区", "330603", 120.49, 30.08, 6, ["柯桥街道", "华舍街道", "钱清街道"]),
    ("上虞区", "330604", 120.87, 30.03, 5, ["百官街道", "曹娥街道", "道墟街道"]),
    ("吴兴区", "330502", 120.09, 30.89, 6, ["月河街道", "飞英街道", "织里镇", "八里店镇"]),
    ("海宁市", "330481", 120.68, 30.51, 5, ["海洲街道", "硖石街道", "长安镇", "许村镇"]),
    ("婺城区", "330702", 119.65, 29.08, 6, ["城中街道", "城西街道", "江南街道", "罗店镇"]),
    ("义乌市", "330782", 120.07, 29.31, 6, ["稠城街道", "稠江街道", "北苑街道", "佛堂镇"]),
    ("兰溪市", "330781", 119.46, 29.21, 4, ["兰江街道", "云山街道", "上华街道"]),
    ("鹿城区", "330302", 120.66, 28.02, 6, ["五马街道", "南汇街道", "七都街道", "滨江街道"]),
    ("龙湾区", "330303", 120.81, 27.93, 4, ["永中街道", "蒲州街道", "海城街道"]),
    ("椒江区", "331002", 121.44, 28.68, 5, ["海门街道", "白云街道", "葭沚街道"]),
    ("黄岩区", "331003", 121.26, 28.65, 4, ["东城街道", "西城街道", "江口街道"]),
    ("莲都区", "331102", 119.92, 28.45, 5, ["紫金街道", "万象街道", "岩泉街道", "碧湖镇"]),
    ("柯城区", "330802", 118.87, 28.94, 5, ["府山街道", "荷花街道", "花园街道", "航埠镇"]),
    ("淳安县", "330127", 119.04, 29.61, 3, ["千岛湖镇", "汾口镇"]),
    ("定海区", "330902", 122.11, 30.02, 5, ["昌国街道", "环南街道", "盐仓街道", "临城街道"]),
    ("普陀区", "330903", 122.30, 29.95, 3, ["沈家门街道", "东港街道"]),
]

# named industrial parks placed at fixed spots: name, county code, lon, lat, width, height, L-shape
ZDZ_PARKS = [
    ("嘉兴港区化工新材料园区", "330482", 121.08, 30.60, 1900.0, 1500.0, True),
    ("平湖独山港经济开发区", "330482", 121.17, 30.64, 1700.0, 1100.0, False),
    ("杭州湾上虞经济技术开发区", "330604", 120.88, 30.13, 1950.0, 1300.0, True),
    ("宁波石化经济技术开发区", "330212", 121.64, 29.99, 1800.0, 1200.0, True),
    ("余姚经济开发区", "330281", 121.20, 30.06, 1500.0, 1000.0, False),
    ("嵊州经济开发区", "330683", 120.86, 29.62, 1400.0, 900.0, True),
    ("衢州高新技术产业园区", "330802", 118.93, 28.99, 1800.0, 1400.0, True),
    ("兰溪经济开发区", "330781", 119.43, 29.23, 1200.0, 800.0, False),
    ("温州经济技术开发区", "330303", 120.83, 27.91, 1900.0, 1100.0, True),
    ("台州湾经济技术开发区", "331002", 121.49, 28.69, 1600.0, 1200.0, False),
    ("湖州经济技术开发区", "330502", 120.13, 30.86, 1500.0, 1300.0, True),
    ("金华经济技术开发区", "330702", 119.61, 29.05, 1700.0, 1000.0, False),
    ("柯桥经济技术开发区", "330603", 120.46, 30.11, 1400.0, 1100.0, True),
    ("义乌经济技术开发区", "330782", 120.04, 29.27, 1600.0, 900.0, False),
    ("丽水经济技术开发区", "331102", 119.87, 28.42, 1300.0, 1000.0, True),
    ("舟山经济开发区", "330902", 122.15, 30.00, 1200.0, 700.0, False),
]

RES_PREFIX = ["阳光", "翠苑", "金都", "锦绣", "和平", "东方", "紫金", "丽景", "绿城", "桂花", "香樟",
              "梅园", "湖滨", "江南", "金色", "春晓", "滨江", "新城", "世纪", "明珠", "嘉和", "华府",
              "青枫", "云栖", "凤凰", "龙湖", "银湖", "惠民", "安居", "康乐"]
RES_SUFFIX = ["花园", "家园", "小区", "苑", "公寓", "新村", "名邸", "华庭"]
IND_WORDS = ["工业园区", "工业功能区", "小微企业园", "高新技术产业园", "产业集聚区"]
OTHER_WORDS = ["农贸市场", "高教园区", "汽车城", "物流园", "商贸城", "文创园"]


def fillet_outline(rng, corners, rc, n_target, jitter):
    """Closed outline through `corners` (CCW) with rounded corners, densified."""
    m = len(corners)
    arcs = []
    for i in range(m):
        c = corners[i]
        prv, nxt = corners[i - 1], corners[(i + 1) % m]
        u = (c - prv) / np.hypot(*(c - prv))
        v = (nxt - c) / np.hypot(*(nxt - c))
        alpha = math.acos(max(-1.0, min(1.0, float(np.dot(-u, v)))))
        lim = 0.4 * min(np.hypot(*(c - prv)), np.hypot(*(nxt - c)))
        r = rc
        t = r / math.tan(alpha / 2.0)
        if t > lim:
            t = lim
            r = t * math.tan(alpha / 2.0)
        b = (v - u) / np.hypot(*(v - u))
        o = c + b * (r / math.sin(alpha / 2.0))
        t1, t2 = c - t * u, c + t * v
        a1 = math.atan2(t1[1] - o[1], t1[0] - o[0])
        a2 = math.atan2(t2[1] - o[1], t2[0] - o[0])
        sweep = (a2 - a1 + math.pi) % (2 * math.pi) - math.pi
        k = rng.randint(4, 7)
        ang = a1 + sweep * np.linspace(0.0, 1.0, k)
        arc = np.column_stack((o[0] + r * np.cos(ang), o[1] + r * np.sin(ang)))
        arc[0], arc[-1] = t1, t2
        arcs.append(arc)
    n_arc = sum(len(a) for a in arcs)
    edges = [(arcs[i][-1], arcs[(i + 1) % m][0]) for i in range(m)]
    lens = [float(np.hypot(*(b - a))) for a, b in edges]
    budget = max(n_target - n_arc, m)
    total = sum(lens)
    pts = []
    for i in range(m):
        pts.append(arcs[i])
        a, b = edges[i]
        k = max(1, int(round(budget * lens[i] / total)))
        if k > 1:
            t = np.arange(1, k) / k
            seg = a[None, :] + t[:, None] * (b - a)[None, :]
            d = (b - a) / lens[i]
            nrm = np.array([-d[1], d[0]])
            spacing = lens[i] / k
            amp = min(jitter, 0.12 * spacing)
            off = np.array([rng.uniform(-amp, amp) for _ in range(k - 1)])
            seg = seg + off[:, None] * nrm[None, :]
            pts.append(seg)
    ring = np.vstack(pts)
    return ring


def block_shape(rng, w, h, lshape, n_target):
    if lshape:
        w1, h1 = w * rng.uniform(0.4, 0.7), h * rng.uniform(0.4, 0.7)
        corners = [(0, 0), (w, 0), (w, h1), (w1, h1), (w1, h), (0, h)]
    else:
        corners = [(0, 0), (w, 0), (w, h), (0, h)]
    corners = np.array(corners, dtype=float) - np.array([w / 2.0, h / 2.0])
    j = 0.03 * min(w, h)
    corners = corners + np.array([[rng.uniform(-j, j), rng.uniform(-j, j)] for _ in corners])
    rc = min(40.0, max(2.0, rng.uniform(0.03, 0.1) * min(w, h)))
    ring = fillet_outline(rng, corners, rc, n_target, jitter=0.6)
    rot = rng.uniform(-0.6, 0.6)
    c, s = math.cos(rot), math.sin(rot)
    ring = ring @ np.array([[c, s], [-s, c]])
    across = float(max(np.ptp(ring[:, 0]), np.ptp(ring[:, 1])))
    if across > 1990.0:                      # keep every block 50–2000 m across
        ring = ring * (1990.0 / across)
    return ring


def make_zero_discharge():
    rng = random.Random(20240202)
    to4549 = osr.CoordinateTransformation(srs(4490), srs(4549))
    placer = Placer(gap=40.0)
    names = set()
    seq_of = {}
    feats = []

    def place_and_add(name, cat, code, county, alon, alat, ring_parts, spread0, fixed=False):
        # ring_parts: list of open rings in metres centred near (0, 0)
        pts = np.vstack(ring_parts)
        radius = float(np.hypot(pts[:, 0], pts[:, 1]).max())
        for attempt in range(600):
            if fixed and attempt == 0:
                dx = dy = 0.0
            else:
                ang = rng.uniform(0, 2 * math.pi)
                dd = rng.uniform(0, spread0 + 15.0 * attempt)
                dx, dy = dd * math.cos(ang), dd * math.sin(ang)
            lon, lat = offset_lonlat(alon, alat, dx, dy)
            if placer.fits(lon, lat, radius):
                break
        else:
            raise RuntimeError("could not place %s" % name)
        placer.add(lon, lat, radius)
        x0, y0, _ = to4549.TransformPoint(lon, lat)
        shape = [[np.round(close(r + np.array([x0, y0])), 3)] for r in ring_parts]
        seq_of[code] = seq_of.get(code, 0) + 1
        feats.append(dict(zdz_id="ZDZ-%s-%04d" % (code, seq_of[code]), name=name, category=cat,
                          county=county, accepted=rng.randint(2018, 2023), shape=shape,
                          lon=lon, lat=lat))

    county_of = {c[1]: c for c in ZDZ_COUNTIES}
    for pname, code, lon, lat, w, h, ls in ZDZ_PARKS:
        names.add(pname)
        n_target = rng.randint(220, 380)
        ring = block_shape(rng, w, h, ls, n_target)
        place_and_add(pname, "工业园区", code, county_of[code][0], lon, lat, [ring], 300.0, fixed=True)

    n_multi = 0
    for county, code, slon, slat, count, towns in ZDZ_COUNTIES:
        cshort = county_short(county)
        town_pool = list(towns)
        for k in range(count):
            roll = rng.random()
            if town_pool and (k % 4 == 1):
                cat = "镇街"
            elif roll < 0.38:
                cat = "工业园区"
            elif roll < 0.88:
                cat = "生活小区"
            else:
                cat = "其他"
            if cat == "镇街":
                town = town_pool.pop(0)
                name = "%s%s" % (county, town)
                w, h = rng.uniform(1200, 2000), rng.uniform(1000, 1900)
                n_target = rng.randint(200, 390)
                ls = rng.random() < 0.5
            elif cat == "工业园区":
                base = rng.choice(towns)
                base = base.replace("街道", "").replace("镇", "")
                name = "%s%s%s" % (cshort, base, rng.choice(IND_WORDS))
                w, h = rng.uniform(350, 1500), rng.uniform(300, 1200)
                n_target = rng.randint(90, 300)
                ls = rng.random() < 0.45
            elif cat == "生活小区":
                name = "%s%s%s" % (cshort, rng.choice(RES_PREFIX), rng.choice(RES_SUFFIX))
                if rng.random() < 0.06:
                    w, h = rng.uniform(50, 70), rng.uniform(45, 65)     # tiny block
                else:
                    w, h = rng.uniform(90, 520), rng.uniform(80, 450)
                n_target = rng.randint(48, 140)
                ls = rng.random() < 0.25
            else:
                base = rng.choice(towns).replace("街道", "").replace("镇", "")
                name = "%s%s%s" % (cshort, base, rng.choice(OTHER_WORDS))
                w, h = rng.uniform(120, 800), rng.uniform(100, 700)
                n_target = rng.randint(48, 200)
                ls = rng.random() < 0.3
            while name in names:
                name = name + "二期" if not name.endswith("期") else name[:-2] + "三期"
            names.add(name)
            multi = cat in ("工业园区", "其他") and n_multi < 7 and rng.random() < 0.3
            if multi:
                n_multi += 1
                r1 = block_shape(rng, w, h, ls, n_target // 2 + 20)
                w2, h2 = w * rng.uniform(0.35, 0.6), h * rng.uniform(0.35, 0.6)
                r2 = block_shape(rng, w2, h2, False, max(40, n_target // 2 - 20))
                rad1 = float(np.hypot(r1[:, 0], r1[:, 1]).max())
                rad2 = float(np.hypot(r2[:, 0], r2[:, 1]).max())
                ang = rng.uniform(0, 2 * math.pi)
                dd = rad1 + rad2 + rng.uniform(60, 300)
                r2 = r2 + np.array([dd * math.cos(ang), dd * math.sin(ang)])
                parts = [r1, r2]
            else:
                parts = [block_shape(rng, w, h, ls, n_target)]
            place_and_add(name, cat, code, county, slon, slat, parts, 2500.0)
    return feats


def write_zero_discharge(path, feats):
    drv = ogr.GetDriverByName("ESRI Shapefile")
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    lyr = ds.CreateLayer("zero_discharge", srs(4549), ogr.wkbPolygon,
                         options=["ENCODING=GBK", "DBF_DATE_LAST_UPDATE=" + DBF_DATE,
                                  "SPATIAL_INDEX=NO"])
    for name, typ, width in (("zdz_id", ogr.OFTString, 20), ("name", ogr.OFTString, 80),
                             ("category", ogr.OFTString, 12), ("county", ogr.OFTString, 16),
                             ("accepted", ogr.OFTInteger, 4)):
        fd = ogr.FieldDefn(name, typ)
        fd.SetWidth(width)
        lyr.CreateField(fd)
    for f in feats:
        of = ogr.Feature(lyr.GetLayerDefn())
        for k in ("zdz_id", "name", "category", "county", "accepted"):
            of.SetField(k, f[k])
        of.SetGeometryDirectly(shape_geom(f["shape"]))
        lyr.CreateFeature(of)
    ds = None


# ---------------------------------------------------------------------------
# 3. 生态保护红线 — GeoJSON (RFC 7946), EPSG:4326
# ---------------------------------------------------------------------------
# name, lon, lat, primary type, city code (4 digits), kind
RL_ANCHORS = [
    ("四明山", 121.02, 29.76, "水源涵养", "3302", "mountain"),
    ("天目山", 119.45, 30.35, "生物多样性维护", "3301", "mountain"),
    ("清凉峰", 118.90, 30.12, "生物多样性维护", "3301", "mountain"),
    ("千岛湖", 118.92, 29.50, "水源涵养", "3301", "lake"),
    ("龙门山", 119.95, 29.85, "水土保持", "3301", "mountain"),
    ("会稽山", 120.55, 29.80, "水源涵养", "3306", "mountain"),
    ("大盘山", 120.50, 29.00, "生物多样性维护", "3307", "mountain"),
    ("括苍山", 120.90, 28.75, "水源涵养", "3310", "mountain"),
    ("雁荡山", 121.05, 28.38, "生物多样性维护", "3303", "mountain"),
    ("百山祖", 119.20, 27.75, "生物多样性维护", "3311", "mountain"),
    ("九龙山", 118.85, 28.38, "生物多样性维护", "3311", "mountain"),
    ("仙霞岭", 118.60, 28.30, "水源涵养", "3308", "mountain"),
    ("洞宫山", 119.70, 27.85, "水源涵养", "3311", "mountain"),
    ("天台山", 121.00, 29.22, "水土保持", "3310", "mountain"),
    ("莫干山", 119.85, 30.60, "水源涵养", "3305", "mountain"),
    ("龙王山", 119.42, 30.45, "生物多样性维护", "3305", "mountain"),
    ("古田山", 118.20, 29.25, "生物多样性维护", "3308", "mountain"),
    ("钱江源", 118.30, 29.40, "水源涵养", "3308", "mountain"),
    ("金华北山", 119.65, 29.20, "水土保持", "3307", "mountain"),
    ("乌岩岭", 119.68, 27.65, "生物多样性维护", "3303", "mountain"),
    ("南田", 120.08, 27.90, "水土保持", "3303", "mountain"),
    ("东白山", 120.45, 29.45, "水源涵养", "3306", "mountain"),
    ("五泄", 120.05, 29.75, "水土保持", "3306", "mountain"),
    ("方岩", 120.20, 28.95, "水土保持", "3307", "mountain"),
    ("白云山", 119.90, 28.55, "水源涵养", "3311", "mountain"),
    ("凤阳山", 119.15, 27.95, "生物多样性维护", "3311", "mountain"),
    ("顾渚", 119.80, 31.05, "水土保持", "3305", "mountain"),
    ("西溪湿地", 120.07, 30.27, "生物多样性维护", "3301", "wetland"),
    ("杭州湾南岸湿地", 121.15, 30.30, "海岸生态稳定", "3302", "coast"),
    ("象山港", 121.70, 29.55, "海岸生态稳定", "3302", "coast"),
    ("三门湾", 121.60, 29.05, "海岸生态稳定", "3310", "coast"),
    ("乐清湾", 121.10, 28.15, "海岸生态稳定", "3303", "coast"),
    ("漩门湾湿地", 121.27, 28.22, "生物多样性维护", "3310", "wetland"),
    ("东海塘", 121.58, 28.42, "海岸生态稳定", "3310", "coast"),
    ("南麂列岛", 121.08, 27.46, "生物多样性维护", "3303", "island"),
    ("韭山列岛", 122.20, 29.42, "海岸生态稳定", "3302", "island"),
    ("渔山列岛", 122.25, 28.90, "海岸生态稳定", "3302", "island"),
    ("马鞍列岛", 122.70, 30.75, "海岸生态稳定", "3309", "island"),
    ("朱家尖", 122.40, 29.88, "防风固沙", "3309", "island"),
    ("岱山", 122.18, 30.30, "防风固沙", "3309", "island"),
    ("洞头", 121.15, 27.85, "海岸生态稳定", "3303", "island"),
    ("炎亭", 120.68, 27.40, "防风固沙", "3303", "coast"),
    ("长潭湖", 121.05, 28.58, "水源涵养", "3310", "lake"),
    ("珊溪", 119.90, 27.70, "水源涵养", "3303", "lake"),
]
HX_TYPES = ["水源涵养", "生物多样性维护", "水土保持", "海岸生态稳定", "防风固沙"]
DIRS = ["东", "东北", "北", "西北", "西", "西南", "南", "东南"]
CN_NUM = ["一", "二", "三", "四", "五", "六"]
CITY_NAMES = {"3301": "杭州", "3302": "宁波", "3303": "温州", "3304": "嘉兴", "3305": "湖州",
              "3306": "绍兴", "3307": "金华", "3308": "衢州", "3309": "舟山", "3310": "台州",
              "3311": "丽水"}


def star_polygon_m(rng, n, R, aspect, rot, kmax, amp, noise, cx=0.0, cy=0.0):
    theta = theta_grid(n, rng.uniform(0, 2 * math.pi))
    r = star_radius(rng, theta, R, kmax=kmax, amp=amp, noise=noise, beta=1.55)
    return theta, r, polar_xy(theta, r, aspect, 1.0, rot, cx, cy)


def red_line_shape(rng, kind, d_km, defect=None, first=True):
    """Returns (polygons, info); polygons in local metres, rings open."""
    n_total = int(min(7980, max(1010, 1000 + 250 * d_km + rng.uniform(-200, 500))))
    if kind == "island":
        # an archipelago (MultiPolygon) at the anchor, single islands further out
        k_parts = rng.randint(3, 6) if first else 1
        parts, placed = [], []
        cluster = d_km * 1000.0 / 2.0
        budget = n_total
        for j in range(k_parts):
            nj = budget // (k_parts - j)
            budget -= nj
            R = cluster * rng.uniform(0.12, 0.3)
            for _ in range(200):
                ang = rng.uniform(0, 2 * math.pi)
                dd = 0.0 if not placed else rng.uniform(0.0, cluster)
                cx, cy = dd * math.cos(ang), dd * math.sin(ang)
                aspect = rng.uniform(1.0, 2.2)
                _, _, xy = star_polygon_m(rng, nj, R, aspect, rng.uniform(0, math.pi), 5, 0.45, 0.06, cx, cy)
                rad = float(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy).max())
                if all(math.hypot(cx - px, cy - py) > rad + pr + 150.0 for px, py, pr in placed):
                    placed.append((cx, cy, rad))
                    parts.append([xy])
                    break
        return parts, {"multi": len(parts) > 1, "holes": 0}

    aspect = {"mountain": (1.4, 3.2), "wetland": (1.1, 2.0), "coast": (2.0, 4.0), "lake": (1.0, 1.8)}[kind]
    aspect = rng.uniform(*aspect)
    rot = rng.uniform(0, math.pi)
    R = d_km * 1000.0 / 2.0 / aspect
    want_multi = defect == "overlap" or rng.random() < 0.2
    want_holes = defect == "hole_outside" or rng.random() < 0.2
    n_main = int(n_total * (0.7 if want_multi else 1.0))
    n_holes = [rng.randint(90, 260) for _ in range(rng.randint(1, 3))] if want_holes else []
    n_main -= sum(n_holes)
    theta = theta_grid(n_main, rng.uniform(0, 2 * math.pi))
    amp = {"mountain": 0.4, "wetland": 0.35, "coast": 0.45, "lake": 0.55}[kind]
    r = star_radius(rng, theta, R, kmax=7, amp=amp, noise=0.05, beta=1.55)
    main = polar_xy(theta, r, aspect, 1.0, rot)
    poly = [main]
    info = {"multi": False, "holes": 0}
    # enclaves: star-shaped holes well inside the inscribed disc of the shell
    rmin = float(r.min()) * math.cos(math.pi / n_main)
    hole_discs = []
    for nh in n_holes:
        for _ in range(200):
            if defect == "hole_outside" and not hole_discs:
                # deliberately straddle the shell: centre on the shell curve itself
                j = rng.randrange(n_main)
                hr = 0.18 * R
                hc = (r[j] * math.cos(theta[j]), r[j] * math.sin(theta[j]))
            else:
                hr = rmin * rng.uniform(0.08, 0.18)
                d = rng.uniform(0.0, 0.75 * rmin - 1.3 * hr)
                if d < 0:
                    continue
                a = rng.uniform(0, 2 * math.pi)
                hc = (d * math.cos(a), d * math.sin(a))
                if any(math.hypot(hc[0] - p, hc[1] - q) < 1.3 * (hr + s) for p, q, s in hole_discs):
                    continue
            th = theta_grid(nh, 0.0)
            rh = star_radius(rng, th, hr, kmax=3, amp=0.2, noise=0.02)
            rh = np.minimum(rh, 1.25 * hr)
            hxy = polar_xy(th, rh, 1.0, 1.0, 0.0, hc[0], hc[1])
            # to the stretched/rotated frame of the shell (same affine => stays inside)
            c, s = math.cos(rot), math.sin(rot)
            x, y = hxy[:, 0] * aspect, hxy[:, 1]
            hxy = np.column_stack((c * x - s * y, s * x + c * y))[::-1]   # clockwise
            hole_discs.append((hc[0], hc[1], 1.25 * hr))
            poly.append(hxy)
            info["holes"] += 1
            break
    parts = [poly]
    if want_multi:
        rad_main = float(np.hypot(main[:, 0], main[:, 1]).max())
        n_rest = n_total - n_main - sum(n_holes)
        k_parts = rng.randint(1, 3)
        placed = [(0.0, 0.0, rad_main)]
        for j in range(k_parts):
            nj = max(120, n_rest // k_parts)
            Rj = R * rng.uniform(0.15, 0.35)
            for _ in range(300):
                ang = rng.uniform(0, 2 * math.pi)
                if defect == "overlap" and j == 0:
                    # centred on the main shell itself: the parts overlap partly
                    v = main[rng.randrange(len(main))]
                    dd, ang = math.hypot(v[0], v[1]), math.atan2(v[1], v[0])
                else:
                    dd = rng.uniform(rad_main, rad_main * 1.6)
                cx, cy = dd * math.cos(ang), dd * math.sin(ang)
                _, _, xy = star_polygon_m(rng, nj, Rj, rng.uniform(1.0, 2.0), rng.uniform(0, math.pi),
                                          5, 0.4, 0.05, cx, cy)
                rad = float(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy).max())
                ok = all(math.hypot(cx - px, cy - py) > rad + pr + 200.0 for px, py, pr in placed)
                if ok or (defect == "overlap" and j == 0):
                    placed.append((cx, cy, rad))
                    parts.append([xy])
                    break
        info["multi"] = len(parts) > 1
    return parts, info


def lemniscate_m(rng, n, a, b, rot):
    """Figure-of-eight ring (a bow-tie): crosses itself once, between two samples."""
    t = 2.0 * math.pi * (np.arange(n) + 0.5) / n
    nz = 1.0 + fractal_noise(rng, n, 4, 0.03, 1.6)
    x = a * np.sin(t) * nz
    y = b * np.sin(t) * np.cos(t) * nz
    c, s = math.cos(rot), math.sin(rot)
    return np.column_stack((c * x - s * y, s * x + c * y))


def make_red_lines():
    rng = random.Random(20240303)
    placer = Placer(gap=500.0)
    feats = []
    seq_of = {}
    names = set()
    # which zone gets which deliberate defect (by zone index)
    defect_at = {7: "overlap", 11: "hole_outside"}
    target = 104
    z = 0
    round_ = 0
    attempts = 0
    while len(feats) < target and attempts < 2000:
        attempts += 1
        aname, alon, alat, atype, city, kind = RL_ANCHORS[z % len(RL_ANCHORS)]
        round_ = z // len(RL_ANCHORS)
        z += 1
        if kind == "island":
            d_km = rng.uniform(6.0, 22.0) if round_ == 0 else rng.uniform(1.5, 6.0)
        elif kind == "wetland":
            d_km = loguniform(rng, 1.5, 9.0)
        elif round_ == 0:
            d_km = loguniform(rng, 6.0, 28.0)
        else:
            d_km = loguniform(rng, 1.2, 16.0)
        defect = defect_at.get(len(feats))
        if kind == "island" and defect:
            defect = None
        parts_m, info = red_line_shape(rng, kind, d_km, defect, first=(round_ == 0))
        pts = np.vstack([r for p in parts_m for r in p])
        across = max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1]))
        scale = 1.0
        if across > 29000.0:
            scale = 29000.0 / across
        elif across < 1200.0:
            scale = 1200.0 / across
        parts_m = [[r * scale for r in p] for p in parts_m]
        pts = pts * scale
        radius = float(np.hypot(pts[:, 0], pts[:, 1]).max())
        placed = None
        for attempt in range(120):
            if round_ == 0 and attempt < 30:
                dd = rng.uniform(0, 4000.0 + 300.0 * attempt)
            else:
                dd = rng.uniform(8000.0, 40000.0)
            ang = rng.uniform(0, 2 * math.pi)
            lon, lat = offset_lonlat(alon, alat, dd * math.cos(ang), dd * math.sin(ang))
            fr = LocalFrame(lon, lat)
            shape = to_lonlat_shape(parts_m, fr)
            if in_box(shape) and placer.fits(lon, lat, radius):
                placed = (lon, lat, ang, dd, shape)
                break
        if placed is None:
            continue
        lon, lat, ang, dd, shape = placed
        placer.add(lon, lat, radius)
        htype = atype
        if kind == "mountain" and round_ > 0 and rng.random() < 0.3:
            htype = rng.choice(["水源涵养", "生物多样性维护", "水土保持"])
        if round_ == 0 and dd < 5000.0:
            stem = aname
        else:
            bearing = (math.degrees(ang) + 22.5) % 360.0
            stem = aname + DIRS[int(bearing // 45.0)] + "片"
        name = "%s%s生态保护红线" % (stem, htype)
        k = 0
        while name in names:
            k += 1
            name = "%s%s区%s生态保护红线" % (stem, CN_NUM[k], htype)
        names.add(name)
        seq_of[city] = seq_of.get(city, 0) + 1
        core = "是" if (htype == "生物多样性维护" and rng.random() < 0.45) or rng.random() < 0.06 else "否"
        shape = [[close(r) for r in p] for p in shape]
        dtext = None
        if defect == "overlap":
            dtext = "overlapping parts of a multipolygon"
        elif defect == "hole_outside":
            dtext = "hole that pokes outside its shell"
        feats.append(dict(hx_id="HX-%s-%04d" % (city, seq_of[city]), hx_name=name, hx_type=htype,
                          in_reserve_core=core, shape=round_shape(shape, 8), defect=dtext,
                          lon=lon, lat=lat, radius=radius, info=info))

    # --- bow-tie (self-intersecting ring): a figure-of-eight marsh outline
    for attempt in range(500):
        lon, lat = offset_lonlat(120.30, 28.30, rng.uniform(-30000, 30000), rng.uniform(-30000, 30000))
        if placer.fits(lon, lat, 3200.0):
            break
    placer.add(lon, lat, 3200.0)
    ring = lemniscate_m(rng, 1400, 3000.0, 1800.0, rng.uniform(0, math.pi))
    shape = round_shape([[close(LocalFrame(lon, lat).to_lonlat(ring))]], 8)
    seq_of["3311"] = seq_of.get("3311", 0) + 1
    feats.append(dict(hx_id="HX-3311-%04d" % seq_of["3311"], hx_name="仙渡湿地生物多样性维护生态保护红线",
                      hx_type="生物多样性维护", in_reserve_core="否", shape=shape,
                      defect="bow-tie: figure-of-eight ring crossing itself", lon=lon, lat=lat,
                      radius=3200.0, info={}))

    # --- the one feature that cannot become a polygon: all points collinear.
    #     It lies on the meridian 120°E exactly, the central meridian of
    #     EPSG:4549, so it stays exactly collinear in lon/lat AND after
    #     projection to the working CRS (x = 500000 for every vertex).
    lon = 120.0
    for attempt in range(500):
        lat = round(28.55 + 0.01 * attempt, 2)
        if placer.fits(lon, lat, 1600.0):
            break
    placer.add(lon, lat, 1600.0)
    lats = np.round(lat - 0.012 + 0.0004 * np.arange(61), 8)
    line = np.column_stack((np.full(61, lon), lats))
    ring = np.vstack((line, line[:1]))          # up the meridian and straight back down
    shape = [[ring]]
    feats.append(dict(hx_id="HX-BROKEN-0001", hx_name="待核实界线生态保护红线(数字化错误)",
                      hx_type="水土保持", in_reserve_core="否", shape=shape,
                      defect="UNREPAIRABLE: all points collinear (zero-area ring)", lon=lon, lat=lat,
                      radius=1500.0, info={}))
    return feats


def _num(v):
    s = "%.8f" % v
    s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def write_red_lines_geojson(path, feats):
    out = io.StringIO()
    out.write('{\n"type": "FeatureCollection",\n"name": "red_lines",\n"features": [\n')
    for i, f in enumerate(feats):
        props = '{"hx_id": "%s", "hx_name": "%s", "hx_type": "%s", "in_reserve_core": "%s"}' % (
            f["hx_id"], f["hx_name"], f["hx_type"], f["in_reserve_core"])
        polys = []
        for p in f["shape"]:
            rings = []
            for r in p:
                rings.append("[" + ",".join("[%s,%s]" % (_num(x), _num(y)) for x, y in r) + "]")
            polys.append("[" + ",".join(rings) + "]")
        if len(polys) == 1:
            geom = '{"type": "Polygon", "coordinates": %s}' % polys[0]
        else:
            geom = '{"type": "MultiPolygon", "coordinates": [%s]}' % ",".join(polys)
        out.write('{"type": "Feature", "properties": %s, "geometry": %s}%s\n'
                  % (props, geom, "," if i < len(feats) - 1 else ""))
    out.write("]\n}\n")
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(out.getvalue())


# ---------------------------------------------------------------------------
# 4. 环境管控单元 (三线一单) — FileGDB, EPSG:4490, kind other
#    Each region is a jittered grid whose shared edges are generated once and
#    reused by both neighbouring cells: a clean partition.
# ---------------------------------------------------------------------------
CU_REGIONS = [
    # county, code, centre lon, lat, cols, rows, cell size (m)
    ("余姚市", "330281", 121.15, 30.04, 3, 3, 6500.0),
    ("嵊州市", "330683", 120.82, 29.59, 3, 3, 6000.0),
    ("平湖市", "330482", 121.06, 30.66, 3, 2, 6000.0),
    ("西湖区", "330106", 120.13, 30.25, 3, 3, 4500.0),
]
CU_LABELS3 = {(0, 0): "西南部", (1, 0): "南部", (2, 0): "东南部", (0, 1): "西部", (1, 1): "中心城区",
              (2, 1): "东部", (0, 2): "西北部", (1, 2): "北部", (2, 2): "东北部"}
CU_LABELS2 = {(0, 0): "西南部", (1, 0): "中心城区", (2, 0): "东南部", (0, 1): "西北部", (1, 1): "北部",
              (2, 1): "东北部"}
CU_TYPES = [("优先保护单元", "1"), ("重点管控单元", "2"), ("一般管控单元", "3")]


def noisy_edge(rng, a, b, m, amp):
    t = np.linspace(0.0, 1.0, m)
    off = np.zeros(m)
    for k in range(1, 40):
        off += rng.gauss(0.0, 1.0) * k ** -1.7 * np.sin(k * math.pi * t)
    mx = np.abs(off).max()
    if mx > 0:
        off *= amp / mx
    d = b - a
    L = math.hypot(*d)
    nrm = np.array([-d[1], d[0]]) / L
    pts = a[None, :] + t[:, None] * d[None, :] + off[:, None] * nrm[None, :]
    pts[0], pts[-1] = a, b          # exact shared nodes
    return pts


def make_control_units(protected=()):
    """`protected`: lon/lat geometries of water-source zones and red lines; a cell
    mostly covered by them becomes an 优先保护单元, as in real 三线一单 zoning."""
    rng = random.Random(20240404)
    feats = []
    for county, code, clon, clat, cols, rows, cell in CU_REGIONS:
        for attempt in range(50):
            nodes = {}
            for i in range(cols + 1):
                for j in range(rows + 1):
                    jit = 0.12 * cell
                    nodes[i, j] = np.array([(i - cols / 2.0) * cell + rng.uniform(-jit, jit),
                                            (j - rows / 2.0) * cell + rng.uniform(-jit, jit)])
            hed, ved = {}, {}
            for i in range(cols):
                for j in range(rows + 1):
                    hed[i, j] = noisy_edge(rng, nodes[i, j], nodes[i + 1, j], rng.randint(110, 200), 0.07 * cell)
            for i in range(cols + 1):
                for j in range(rows):
                    ved[i, j] = noisy_edge(rng, nodes[i, j], nodes[i, j + 1], rng.randint(110, 200), 0.07 * cell)
            frame = LocalFrame(clon, clat)
            hed = {k: np.round(frame.to_lonlat(v), 8) for k, v in hed.items()}
            ved = {k: np.round(frame.to_lonlat(v), 8) for k, v in ved.items()}
            cells = {}
            ok = True
            for i in range(cols):
                for j in range(rows):
                    ring = np.vstack((hed[i, j][:-1], ved[i + 1, j][:-1],
                                      hed[i, j + 1][::-1][:-1], ved[i, j][::-1]))
                    g = shape_geom([[ring]])
                    if not g.IsValid():
                        ok = False
                    cells[i, j] = ring
            if ok:
                union = None
                total = 0.0
                for ring in cells.values():
                    g = shape_geom([[ring]])
                    total += g.GetArea()
                    union = g if union is None else union.Union(g)
                if abs(union.GetArea() - total) > 1e-9 * total:
                    ok = False
            if ok:
                break
        else:
            raise RuntimeError("control unit grid for %s keeps failing" % county)
        labels = CU_LABELS3 if rows == 3 else CU_LABELS2
        seq = {}
        for j in range(rows):
            for i in range(cols):
                label = labels[i, j]
                cg = shape_geom([[cells[i, j]]])
                covered = sum(cg.Intersection(g).GetArea() for g in protected
                              if g.Intersects(cg)) / cg.GetArea()
                roll = rng.random()
                if label == "中心城区":
                    tname, tdig = CU_TYPES[1]
                elif covered > 0.12:
                    tname, tdig = CU_TYPES[0]
                else:
                    tname, tdig = CU_TYPES[1] if roll < 0.4 else CU_TYPES[2]
                seq[tdig] = seq.get(tdig, 0) + 1
                feats.append(dict(unit_code="ZH%s%s%04d" % (code, tdig, seq[tdig]),
                                  unit_name="%s%s%s" % (county, label, tname), unit_type=tname,
                                  county=county, shape=[[cells[i, j]]]))
    return feats


def write_control_units(path, feats):
    if os.path.isdir(path):
        shutil.rmtree(path)
    drv = ogr.GetDriverByName("OpenFileGDB")
    ds = drv.CreateDataSource(path)
    lyr = ds.CreateLayer("control_units", srs(4490), ogr.wkbMultiPolygon,
                         options=["GEOMETRY_NAME=SHAPE", "FID=OBJECTID",
                                  "DOCUMENTATION=<metadata>SYNTHETIC sample data - not legal boundaries</metadata>"])
    for name, width in (("unit_code", 16), ("unit_name", 60), ("unit_type", 12), ("county", 16)):
        fd = ogr.FieldDefn(name, ogr.OFTString)
        fd.SetWidth(width)
        lyr.CreateField(fd)
    for f in feats:
        of = ogr.Feature(lyr.GetLayerDefn())
        for k in ("unit_code", "unit_name", "unit_type", "county"):
            of.SetField(k, f[k])
        of.SetGeometryDirectly(shape_geom(f["shape"], force_multi=True))
        lyr.CreateFeature(of)
    ds = None


# ---------------------------------------------------------------------------
# Checks and reports (everything below re-reads the files from disk)
# ---------------------------------------------------------------------------
LAYERS = [
    # layer name, file, OGR layer name, id field
    ("water_source", "water_source.gpkg", "water_source", "zone_code"),
    ("zero_discharge", "zero_discharge.shp", "zero_discharge", "zdz_id"),
    ("red_lines", "red_lines.geojson", "red_lines", "hx_id"),
    ("control_units", "control_units.gdb", "control_units", "unit_code"),
]


class ErrCollector:
    def __init__(self):
        self.msgs = []

    def __call__(self, cls, no, msg):
        self.msgs.append(msg)


def load_all(out):
    """Every feature of every layer, geometry transformed to EPSG:4549."""
    target = srs(4549)
    feats = []
    for lname, fname, olayer, idf in LAYERS:
        ds = ogr.Open(os.path.join(out, fname))
        lyr = ds.GetLayerByName(olayer)
        s = lyr.GetSpatialRef().Clone()
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(s, target)
        for f in lyr:
            g = f.GetGeometryRef().Clone()
            nverts = count_vertices(g)
            coll = ErrCollector()
            gdal.PushErrorHandler(coll)
            valid = g.IsValid()
            gdal.PopErrorHandler()
            repaired = None
            if not valid:
                mv = g.MakeValid()
                repaired = mv.GetGeometryName() if mv is not None else "NULL"
            g.Transform(ct)
            feats.append(dict(layer=lname, id=f.GetField(idf), geom=g, env=g.GetEnvelope(),
                              valid=valid, reason="; ".join(coll.msgs), repaired=repaired,
                              nverts=nverts, fields=f.items()))
        ds = None
    return feats


def has_hole(g):
    if g.GetGeometryType() == ogr.wkbMultiPolygon:
        return any(g.GetGeometryRef(i).GetGeometryCount() > 1 for i in range(g.GetGeometryCount()))
    return g.GetGeometryCount() > 1


def count_vertices(g):
    n = g.GetPointCount()
    for i in range(g.GetGeometryCount()):
        n += count_vertices(g.GetGeometryRef(i))
    return n


def hits_at(all_feats, lon, lat, ct):
    x, y, _ = ct.TransformPoint(lon, lat)
    p = ogr.Geometry(ogr.wkbPoint)
    p.AddPoint_2D(x, y)
    hits, dmin, near_invalid = [], float("inf"), False
    for f in all_feats:
        e = f["env"]
        if x < e[0] - 200 or x > e[1] + 200 or y < e[2] - 200 or y > e[3] + 200:
            continue
        if not f["valid"]:
            near_invalid = True
            continue
        if f["geom"].Contains(p):
            hits.append(f)
        dmin = min(dmin, f["geom"].Boundary().Distance(p))
    return hits, dmin, near_invalid


def find_point_in(all_feats, target, ct_inv, ct, min_d=50.0, grid=14):
    """A point inside `target` far from every boundary of every layer."""
    g = target["geom"]
    e = g.GetEnvelope()
    best = None
    for a in range(grid):
        for b in range(grid):
            x = e[0] + (e[1] - e[0]) * (a + 0.5) / grid
            y = e[2] + (e[3] - e[2]) * (b + 0.5) / grid
            p = ogr.Geometry(ogr.wkbPoint)
            p.AddPoint_2D(x, y)
            if not g.Contains(p):
                continue
            lon, lat, _ = ct_inv.TransformPoint(x, y)
            lon, lat = round(lon, 6), round(lat, 6)
            hits, dmin, near_inv = hits_at(all_feats, lon, lat, ct)
            if near_inv or target not in hits:
                continue
            if best is None or dmin > best[0]:
                best = (dmin, lon, lat, hits)
    if best is None or best[0] < min_d:
        raise RuntimeError("no robust point in %s" % target["id"])
    return best


def known_points(out, all_feats, ws_sources):
    ct = osr.CoordinateTransformation(srs(4490), srs(4549))
    ct_inv = osr.CoordinateTransformation(srs(4549), srs(4490))
    by_id = {(f["layer"], f["id"]): f for f in all_feats}
    rows = []

    def add(label, target):
        d, lon, lat, hits = find_point_in(all_feats, target, ct_inv, ct)
        rows.append((label, lon, lat, hits, d))

    sm = [s for s in ws_sources if s["name"] == "四明湖水库"][0]
    qd = [s for s in ws_sources if s["name"] == "千岛湖"][0]
    add("四明湖 一级水域 (ring style)", by_id["water_source", sm["feats"]["1W"]["zone_code"]])
    add("四明湖 一级陆域 (ring style)", by_id["water_source", sm["feats"]["1L"]["zone_code"]])
    add("四明湖 二级 (ring with hole)", by_id["water_source", sm["feats"]["2"]["zone_code"]])
    add("四明湖 准保护区 (ring with hole)", by_id["water_source", sm["feats"]["Z"]["zone_code"]])
    qkey = "1" if "1" in qd["feats"] else "1W"
    add("千岛湖 一级 (nested style: also inside 二级 and 准)", by_id["water_source", qd["feats"][qkey]["zone_code"]])
    zdz = [f for f in all_feats if f["layer"] == "zero_discharge"]
    add("工业园区 嘉兴港区化工新材料园区", [f for f in zdz if f["fields"]["name"] == "嘉兴港区化工新材料园区"][0])
    res = [f for f in zdz if f["fields"]["category"] == "生活小区" and f["fields"]["county"] == "余姚市"]
    res.sort(key=lambda f: -f["geom"].GetArea())
    add("生活小区 (%s)" % res[0]["fields"]["name"], res[0])
    rl = [f for f in all_feats if f["layer"] == "red_lines"]
    add("红线 四明山水源涵养", [f for f in rl if f["fields"]["hx_name"] == "四明山水源涵养生态保护红线"][0])
    core = [f for f in rl if f["fields"]["in_reserve_core"] == "是" and f["valid"]]
    core.sort(key=lambda f: -f["geom"].GetArea())
    add("红线 in a nature-reserve core (%s)" % core[0]["fields"]["hx_name"], core[0])
    cu = [f for f in all_feats if f["layer"] == "control_units" and f["fields"]["unit_type"] == "一般管控单元"]
    add("管控单元 %s" % cu[0]["fields"]["unit_name"], cu[0])

    # no-hit points: the open sea, and a spot on land far from every zone
    for label, lon, lat in (("open sea east of 温州 (nothing)", 123.5, 27.5),):
        hits, d, _ = hits_at(all_feats, lon, lat, ct)
        assert not hits
        rows.append((label, lon, lat, hits, d))
    for k in range(400):
        ang = k * 2.399963
        rr = 500.0 * math.sqrt(k)
        lon, lat = offset_lonlat(119.65, 29.08, rr * math.cos(ang), rr * math.sin(ang))
        lon, lat = round(lon, 6), round(lat, 6)
        hits, d, near_inv = hits_at(all_feats, lon, lat, ct)
        x, y, _ = ct.TransformPoint(lon, lat)
        p = ogr.Geometry(ogr.wkbPoint)
        p.AddPoint_2D(x, y)
        dall = min(f["geom"].Distance(p) for f in all_feats)
        if not hits and dall > 1000.0:
            rows.append(("金华 land, >1 km from any zone (nothing)", lon, lat, [], dall))
            break

    with open(os.path.join(out, "known_points.csv"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write("lon,lat,expect_layer,expect_zone_id\n")
        for label, lon, lat, hits, d in rows:
            if not hits:
                fh.write("%.6f,%.6f,,\n" % (lon, lat))
            for h in sorted(hits, key=lambda f: (f["layer"], f["id"])):
                fh.write("%.6f,%.6f,%s,%s\n" % (lon, lat, h["layer"], h["id"]))
    print("\nKnown points (one CSV row per expected hit; min distance to any boundary):")
    for label, lon, lat, hits, d in rows:
        hs = ", ".join("%s:%s" % (h["layer"], h["id"]) for h in hits) or "(no hit)"
        print("  %.6f %.6f  %-48s -> %s   [%.0f m]" % (lon, lat, label, hs, d))
    return rows


def overlap_report(all_feats):
    """Count same-layer overlaps (water-source nesting is expected)."""
    print("\nSame-layer overlaps (area > 1 m², valid features only):")
    for lname in ("water_source", "zero_discharge", "red_lines", "control_units"):
        fs = [f for f in all_feats if f["layer"] == lname and f["valid"]]
        n_pairs = n_nest = 0
        for i in range(len(fs)):
            ei = fs[i]["env"]
            for j in range(i + 1, len(fs)):
                ej = fs[j]["env"]
                if ei[1] < ej[0] or ej[1] < ei[0] or ei[3] < ej[2] or ej[3] < ei[2]:
                    continue
                if not fs[i]["geom"].Intersects(fs[j]["geom"]):
                    continue
                inter = fs[i]["geom"].Intersection(fs[j]["geom"])
                a = inter.GetArea() if inter.GetGeometryType() in (
                    ogr.wkbPolygon, ogr.wkbMultiPolygon) else 0.0
                if a > 1.0:
                    if lname == "water_source" and fs[i]["id"].rsplit("-", 1)[0] == fs[j]["id"].rsplit("-", 1)[0]:
                        n_nest += 1
                    else:
                        n_pairs += 1
        extra = " (+ %d nested pairs within one source, by design)" % n_nest if lname == "water_source" else ""
        print("  %-15s %d overlapping pairs%s" % (lname, n_pairs, extra))


YAML = """# Redline sample configuration — synthetic data, see data/README.md
working_crs: EPSG:4549          # CGCS2000 / 3-degree Gauss-Kruger CM 120E
boundary_tolerance_m: 0.001
# The default rule set; a local bureau adds its own file after it.
rules:
  - ../rules
layers:
  - name: water_source
    kind: water_source_protection
    source: water_source.gpkg
    layer: water_source
    id_field: zone_code
    name_field: zone_name
    level_field: level
  - name: zero_discharge
    kind: zero_discharge_zone
    source: zero_discharge.shp
    id_field: zdz_id
    name_field: name
    level_field: category
    encoding: GBK
  - name: red_lines
    kind: ecological_red_line
    source: red_lines.geojson
    id_field: hx_id
    name_field: hx_name
    level_field: hx_type
  - name: control_units
    kind: other
    source: control_units.gdb
    layer: control_units
    id_field: unit_code
    name_field: unit_name
    level_field: unit_type
  # Context: drawn under the zones with its names, never checked.
  - name: counties
    kind: context
    source: counties.geojson
    id_field: code
    name_field: name
"""


def check_gbk(out):
    with open(os.path.join(out, "zero_discharge.cpg"), "rb") as fh:
        cpg = fh.read().decode("ascii").strip()
    with open(os.path.join(out, "zero_discharge.dbf"), "rb") as fh:
        dbf = fh.read()
    name = "嘉兴港区化工新材料园区"
    ok_gbk = name.encode("gbk") in dbf
    no_utf8 = name.encode("utf-8") not in dbf
    print("\nGBK check: .cpg = %r, GBK bytes of %s in .dbf: %s, UTF-8 bytes absent: %s"
          % (cpg, name, ok_gbk, no_utf8))
    if cpg.upper() != "GBK" or not ok_gbk or not no_utf8:
        raise RuntimeError("zero_discharge is not GBK-encoded as required")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "data", "sample"),
                    help="output directory (default: <repo>/data/sample)")
    ap.add_argument("--adjusted-out", default=os.path.join(REPO_ROOT, "data", "sample_adjusted"),
                    help="where the adjusted release goes (make_adjusted.py; default: "
                         "<repo>/data/sample_adjusted)")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    ws, ws_sources = make_water_sources()
    write_water_sources(os.path.join(out, "water_source.gpkg"), ws)
    zdz = make_zero_discharge()
    write_zero_discharge(os.path.join(out, "zero_discharge.shp"), zdz)
    rl = make_red_lines()
    write_red_lines_geojson(os.path.join(out, "red_lines.geojson"), rl)
    protected = [shape_geom(f["shape"]) for f in ws + rl if f["defect"] is None]
    cu = make_control_units([g for g in protected if g.IsValid()])
    write_control_units(os.path.join(out, "control_units.gdb"), cu)
    with open(os.path.join(out, "redline.yaml"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(YAML)
    # The context layer (made-up county boundaries): its own small script.
    import make_counties
    path = os.path.join(out, "counties.geojson")
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        make_counties.write(fh)

    # ---- re-read everything and report
    all_feats = load_all(out)
    print("%-15s %-20s %9s %10s  %s" % ("layer", "file", "features", "vertices", "CRS"))
    crs = {"water_source": "EPSG:4490", "zero_discharge": "EPSG:4549",
           "red_lines": "EPSG:4326 (CRS84 order)", "control_units": "EPSG:4490"}
    tf = tv = 0
    for lname, fname, _, _ in LAYERS:
        fs = [f for f in all_feats if f["layer"] == lname]
        nv = sum(f["nverts"] for f in fs)
        tf += len(fs)
        tv += nv
        print("%-15s %-20s %9d %10d  %s" % (lname, fname, len(fs), nv, crs[lname]))
    print("%-15s %-20s %9d %10d" % ("TOTAL", "", tf, tv))

    rlf = [f for f in all_feats if f["layer"] == "red_lines"]
    n_multi = sum(1 for f in rlf if f["geom"].GetGeometryType() == ogr.wkbMultiPolygon)
    n_holes = sum(1 for f in rlf if has_hole(f["geom"]))
    normal = [f["nverts"] for f in rlf if f["valid"]]
    print("red_lines: %d MultiPolygon, %d with holes, vertices per valid feature %d..%d"
          % (n_multi, n_holes, min(normal), max(normal)))
    zf = [f for f in all_feats if f["layer"] == "zero_discharge"]
    print("zero_discharge: %d MultiPolygon, vertices per feature %d..%d"
          % (sum(1 for f in zf if f["geom"].GetGeometryType() == ogr.wkbMultiPolygon),
             min(f["nverts"] for f in zf), max(f["nverts"] for f in zf)))
    levels = {}
    for f in all_feats:
        if f["layer"] == "water_source":
            levels[f["fields"]["level"]] = levels.get(f["fields"]["level"], 0) + 1
    print("water_source: %d sources (%d水库 %d河道 %d地下水): %d ring style, %d nested style, "
          "%d with 准保护区, %d with 一级 split into 水域/陆域"
          % (len(ws_sources), *[sum(1 for s in ws_sources if s["stype"] == t) for t in ("水库", "河道", "地下水")],
             sum(1 for s in ws_sources if s["style"] == "ring"),
             sum(1 for s in ws_sources if s["style"] == "nested"),
             sum(1 for s in ws_sources if s["has_zhun"]), sum(1 for s in ws_sources if s["split"])))
    print("water_source level values: %s" % ", ".join("%s×%d" % kv for kv in sorted(levels.items())))
    for f in all_feats:
        if f["layer"] == "water_source" and f["fields"]["level"] == "三级(待定)":
            print("water_source unrecognisable level: %s level=%s (%s)"
                  % (f["id"], f["fields"]["level"], f["fields"]["zone_name"]))

    print("\nValidity (ogr.Geometry.IsValid, GEOS):")
    defects = {f["zone_code"]: f["defect"] for f in ws if f["defect"]}
    defects.update({f["hx_id"]: f["defect"] for f in rl if f["defect"]})
    bad = [f for f in all_feats if not f["valid"]]
    for f in bad:
        print("  INVALID %-14s %-18s %s\n          GEOS: %s; MakeValid -> %s"
              % (f["layer"], f["id"], defects.get(f["id"], "UNEXPECTED"), f["reason"], f["repaired"]))
    for fid, d in sorted(defects.items()):
        if all(b["id"] != fid for b in bad):
            print("  valid   %-14s %-18s %s (GEOS accepts it)"
                  % ("water_source" if fid.startswith("WS") else "red_lines", fid, d))
    unexpected = [f["id"] for f in bad if f["id"] not in defects]
    print("  %d invalid features, %d unexpected" % (len(bad), len(unexpected)))
    if unexpected:
        raise RuntimeError("unexpected invalid features: %s" % unexpected)
    check_gbk(out)
    overlap_report(all_feats)
    known_points(out, all_feats, ws_sources)
    import make_adjusted  # the adjusted release of these very zones, for `redline compare`
    make_adjusted.write_adjusted(out, os.path.abspath(args.adjusted_out), ws, rl)
    if tf < 300 or tv < 300000:
        raise RuntimeError("totals below the required 300 zones / 300,000 vertices")


if __name__ == "__main__":
    main()
