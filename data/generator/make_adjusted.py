#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""The adjusted release of the SYNTHETIC sample: the same zones after a
round of 评估调整, for trying `redline compare`.

    /usr/bin/python3 data/generator/make_adjusted.py [--sample DIR] [--out DIR]

make_sample.py calls this after writing the sample; run alone, it rebuilds
only the adjusted release (the sample's features are regenerated in memory
from the same fixed seeds, and read back from --sample for the register).

The changes, all made here and listed in changes.json:
  red_lines    one zone withdrawn and a smaller one drawn in its place
               (removed + added), one new zone in open country (added), one
               zone moved 400 m east (reshaped: gains and loses), one shrunk
               to 85 % about its centre (reshaped: loses), one given a new
               code with the same outline (renamed)
  water_source one 二级保护区 raised to 一级保护区 (attributes: level)
zero_discharge, control_units and counties (context) are unchanged: the
adjusted redline.yaml points at the sample's files.

Outputs (in --out, default <repo>/data/sample_adjusted):
  red_lines.geojson, water_source.gpkg   the adjusted layers
  redline.yaml                           the adjusted release's config
  changes.json                           the changes made, machine-readable
  register.gpkg                          layer `register`: points, lines and
                                         polygons placed against the changes,
                                         with the verdict change each must
                                         show for --purpose non_discharging_project
"""

import argparse
import json
import os
import sys

from osgeo import gdal, ogr, osr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_sample as ms  # noqa: E402  (the same generator)

SHIFT_M = 400.0
SHRINK = 0.85
PURPOSE = "non_discharging_project"

YAML = """# Redline sample, adjusted release — synthetic data, see data/README.md
# Made by data/generator/make_adjusted.py from the sample (../sample): the
# changes are listed in changes.json. Unchanged layers are the sample's files.
working_crs: EPSG:4549
boundary_tolerance_m: 0.001
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
    source: ../sample/zero_discharge.shp
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
    source: ../sample/control_units.gdb
    layer: control_units
    id_field: unit_code
    name_field: unit_name
    level_field: unit_type
  # Context: the sample's counties; the comparison totals each region.
  - name: counties
    kind: context
    source: ../sample/counties.geojson
    id_field: code
    name_field: name
"""


def simple_red_lines(rl):
    """Valid one-polygon red lines without holes: safe to edit."""
    return [f for f in rl if f["defect"] is None and len(f["shape"]) == 1 and len(f["shape"][0]) == 1]


def moved(shape, lon, lat, dx, dy):
    lon2, lat2 = ms.offset_lonlat(lon, lat, dx, dy)
    return [[(r + [lon2 - lon, lat2 - lat]) for r in p] for p in shape]


def scaled(shape, lon, lat, k):
    return [[(r - [lon, lat]) * k + [lon, lat] for r in p] for p in shape]


def lonlat_geom(shape):
    return ms.shape_geom(shape)


def adjust_red_lines(rl, ws_geoms):
    """The red lines after adjustment, and the changes made to them."""
    cand = simple_red_lines(rl)
    withdrawn, shifted, shrunk, renamed = cand[3], cand[5], cand[8], cand[10]
    out, changes = [], []
    for f in rl:
        g = dict(f)
        if f is withdrawn:
            changes.append(dict(layer="red_lines", id=f["hx_id"], kind="removed"))
            continue
        if f is shifted:
            g["shape"] = ms.round_shape(moved(f["shape"], f["lon"], f["lat"], SHIFT_M, 0.0), 8)
            changes.append(dict(layer="red_lines", id=f["hx_id"], kind="reshaped",
                                changed_fields=["shape"]))
        elif f is shrunk:
            g["shape"] = ms.round_shape(scaled(f["shape"], f["lon"], f["lat"], SHRINK), 8)
            changes.append(dict(layer="red_lines", id=f["hx_id"], kind="reshaped",
                                changed_fields=["shape"]))
        elif f is renamed:
            g["hx_id"] = f["hx_id"].replace("HX-", "HX-R")
            changes.append(dict(layer="red_lines", id=g["hx_id"], kind="renamed",
                                previous_id=f["hx_id"]))
        out.append(g)
    # The withdrawn zone redrawn smaller, under a new code.
    redrawn = dict(withdrawn, hx_id=withdrawn["hx_id"] + "-A",
                   hx_name=withdrawn["hx_name"].replace("生态保护红线", "(调整后)生态保护红线"),
                   shape=ms.round_shape(scaled(withdrawn["shape"], withdrawn["lon"],
                                               withdrawn["lat"], 0.4), 8))
    out.append(redrawn)
    changes.append(dict(layer="red_lines", id=redrawn["hx_id"], kind="added"))
    new = new_red_line(rl, ws_geoms)
    out.append(new)
    changes.append(dict(layer="red_lines", id=new["hx_id"], kind="added"))
    roles = dict(withdrawn=withdrawn, redrawn=redrawn, shifted=shifted, shrunk=shrunk,
                 renamed=renamed, new=new)
    return out, changes, roles


def new_red_line(rl, ws_geoms):
    """A new 1.5 km-radius wetland red line where no zone lies within 3 km."""
    taken = [lonlat_geom(f["shape"]) for f in rl if f["defect"] is None] + ws_geoms
    for i in range(132):
        lon = 118.6 + 0.37 * (i % 11)
        lat = 27.6 + 0.29 * (i // 11)
        frame = ms.LocalFrame(lon, lat)
        disc = ms.polar_xy(ms.theta_grid(240), 1500.0)
        probe = ms.polar_xy(ms.theta_grid(64), 3000.0)
        shape = ms.round_shape([[ms.close(frame.to_lonlat(disc))]], 8)
        if not ms.in_box(shape):
            continue
        probe_g = lonlat_geom([[ms.close(frame.to_lonlat(probe))]])
        if all(not probe_g.Intersects(t) for t in taken):
            return dict(hx_id="HX-3399-0001", hx_name="新划湿地生物多样性维护生态保护红线",
                        hx_type="生物多样性维护", in_reserve_core="否", shape=shape, defect=None,
                        lon=lon, lat=lat, radius=1500.0, info={})
    raise RuntimeError("no open place for the new red line")


def adjust_water_sources(ws):
    """One 二级保护区 raised to 一级保护区."""
    out, changes = [], []
    plain = ("一级保护区", "二级保护区", "准保护区")

    def ordinary(f):  # a clean 二级 zone of a source whose levels all read plainly
        source = f["zone_code"].rsplit("-", 1)[0] + "-"
        siblings = [g for g in ws if g["zone_code"].startswith(source)]
        return (f["level"] == "二级保护区" and
                all(g["defect"] is None and g["level"] in plain for g in siblings))
    target = next(f for f in ws if ordinary(f))
    for f in ws:
        g = dict(f)
        if f is target:
            g["level"] = "一级保护区"
            changes.append(dict(layer="water_source", id=f["zone_code"], kind="attributes",
                                changed_fields=["level"]))
        out.append(g)
    return out, changes, target


# ---------------------------------------------------------------------------
# The register: sites placed against the changes, each touching only the
# zones it is meant to (checked against every protected zone of both
# versions), with what `redline compare --purpose non_discharging_project`
# must report for it.
# ---------------------------------------------------------------------------
PROTECTED = ("water_source", "zero_discharge", "red_lines")


def read_layer(path, olayer, idf, target):
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # the sample's deliberate defects
    try:
        return _read_layer(path, olayer, idf, target)
    finally:
        gdal.PopErrorHandler()


def _read_layer(path, olayer, idf, target):
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName(olayer) if olayer else ds.GetLayer(0)
    s = lyr.GetSpatialRef().Clone()
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(s, target)
    out = {}
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        if not g.IsValid():
            g = g.MakeValid()
        g.Transform(ct)
        out[f.GetField(idf)] = g
    return out


def version_zones(sample, adjusted):
    """Protected zones of both versions in EPSG:4549: {(layer, id): geom}."""
    target = ms.srs(4549)
    before, after = {}, {}
    for lname, fname, olayer, idf in ms.LAYERS:
        if lname not in PROTECTED:
            continue
        for zones, folder in ((before, sample), (after, adjusted)):
            path = os.path.join(folder, fname)
            if not os.path.exists(path):
                path = os.path.join(sample, fname)
            for zid, g in read_layer(path, olayer, idf, target).items():
                zones[(lname, zid)] = g
    return before, after


def free_region(part, allowed, before, after):
    """`part` less every other protected zone of either version."""
    region = part.Clone()
    for zones in (before, after):
        for key, g in zones.items():
            if key not in allowed and region.Intersects(g):
                region = region.Difference(g)
    return region


def site(kind, region):
    """A point, a short line or a small square well inside `region`."""
    if region.IsEmpty() or region.GetArea() < 1.0:
        raise RuntimeError("no room for a %s: every part is taken by other zones" % kind)
    p = region.PointOnSurface()
    x, y = p.GetX(), p.GetY()
    for half in (20.0, 10.0, 5.0, 2.0, 1.0):
        if kind == "point":
            return p
        if kind == "line":
            g = ogr.CreateGeometryFromWkt("LINESTRING (%r %r, %r %r)" % (x - half, y, x + half, y))
        else:
            g = ogr.CreateGeometryFromWkt("POLYGON ((%r %r, %r %r, %r %r, %r %r, %r %r))" % (
                x - half, y - half, x + half, y - half, x + half, y + half, x - half, y + half,
                x - half, y - half))
        if g.Within(region):
            return g
    raise RuntimeError("no room for a %s" % kind)


def make_register(sample, adjusted, roles, ws_target, ws_all):
    before, after = version_zones(sample, adjusted)
    rl = lambda f: ("red_lines", f["hx_id"])  # noqa: E731
    w, r, sh, sk, rn, nw = (roles[k] for k in ("withdrawn", "redrawn", "shifted", "shrunk",
                                                "renamed", "new"))
    ren_new = ("red_lines", rn["hx_id"].replace("HX-", "HX-R"))
    wsk = ("water_source", ws_target["zone_code"])
    # The 准保护区 around the raised zone: no rule for this purpose there.
    source = ws_target["zone_code"].rsplit("-", 1)[0] + "-"
    quasi = {("water_source", f["zone_code"]) for f in ws_all
             if f["zone_code"].startswith(source) and f["level"] == "准保护区"}
    # site id, kind, region, zones it may touch, expected (what, before, after, causes)
    plans = [
        ("P-WITHDRAWN", "point", before[rl(w)].Difference(after[rl(r)]), {rl(w)},
         (["verdict", "zones"], "PROHIBITED", "CLEAR", [rl(w)[1]])),
        ("P-REDRAWN", "point", after[rl(r)], {rl(w), rl(r)},
         (["zones"], "PROHIBITED", "PROHIBITED", sorted([rl(w)[1], rl(r)[1]]))),
        ("P-NEW", "point", after[rl(nw)], {rl(nw)},
         (["verdict", "zones"], "CLEAR", "PROHIBITED", [rl(nw)[1]])),
        ("L-GAINED", "line", after[rl(sh)].Difference(before[rl(sh)]), {rl(sh)},
         (["verdict", "zones"], "CLEAR", "PROHIBITED", [rl(sh)[1]])),
        ("A-LOST", "polygon", before[rl(sh)].Difference(after[rl(sh)]), {rl(sh)},
         (["verdict", "zones"], "PROHIBITED", "CLEAR", [rl(sh)[1]])),
        ("A-SHRUNK", "polygon", before[rl(sk)].Difference(after[rl(sk)]), {rl(sk)},
         (["verdict", "zones"], "PROHIBITED", "CLEAR", [rl(sk)[1]])),
        ("P-LEVEL", "point", after[wsk], {wsk} | quasi,
         (["verdict"], "CONDITIONAL", "PROHIBITED", [wsk[1]])),
        ("P-RENAMED", "point", after[ren_new], {rl(rn), ren_new}, None),
        ("L-KEPT", "line", after[rl(sh)].Intersection(before[rl(sh)]), {rl(sh)}, None),
    ]
    sites, expected = [], []
    for sid, kind, part, allowed, expect in plans:
        g = site(kind, free_region(part, allowed, before, after))
        sites.append((sid, g))
        if expect is not None:
            what, vb, va, causes = expect
            expected.append(dict(id=sid, what=what, verdict_before=vb, verdict_after=va,
                                 causes=causes))
    # Far from every zone: unchanged.
    far = ogr.CreateGeometryFromWkt("POINT (300000 3100000)")
    sites.append(("P-FAR", far))
    return sites, expected


def write_register(path, sites):
    drv = ogr.GetDriverByName("GPKG")
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    to4490 = osr.CoordinateTransformation(ms.srs(4549), ms.srs(4490))
    lyr = ds.CreateLayer("register", ms.srs(4490), ogr.wkbUnknown,
                         options=["GEOMETRY_NAME=geom", "FID=fid",
                                  "DESCRIPTION=SYNTHETIC register for redline compare"])
    lyr.CreateField(ogr.FieldDefn("site_id", ogr.OFTString))
    lyr.StartTransaction()
    for i, (sid, g) in enumerate(sites):
        g = g.Clone()
        g.Transform(to4490)
        of = ogr.Feature(lyr.GetLayerDefn())
        of.SetFID(i + 1)
        of.SetField("site_id", sid)
        of.SetGeometry(g)
        lyr.CreateFeature(of)
    lyr.CommitTransaction()
    ds = None


def write_adjusted(sample, out, ws, rl):
    os.makedirs(out, exist_ok=True)
    ws_geoms = [lonlat_geom(f["shape"]) for f in ws if f["defect"] is None]
    rl2, rl_changes, roles = adjust_red_lines(rl, ws_geoms)
    ws2, ws_changes, ws_target = adjust_water_sources(ws)
    ms.write_water_sources(os.path.join(out, "water_source.gpkg"), ws2)
    ms.write_red_lines_geojson(os.path.join(out, "red_lines.geojson"), rl2)
    with open(os.path.join(out, "redline.yaml"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(YAML)
    sites, expected = make_register(sample, out, roles, ws_target, ws)
    write_register(os.path.join(out, "register.gpkg"), sites)
    changes = ws_changes + rl_changes
    for c in changes:
        c.setdefault("previous_id", "")
        c.setdefault("changed_fields", [])
    changes.sort(key=lambda c: ([l[0] for l in ms.LAYERS].index(c["layer"]), c["id"]))
    doc = dict(
        note="SYNTHETIC: the changes make_adjusted.py made to the sample",
        from_config="../sample/redline.yaml", to_config="redline.yaml",
        changes=changes,
        register=dict(file="register.gpkg", layer="register", id_field="site_id",
                      purpose=PURPOSE, features=len(sites), changed=expected))
    with open(os.path.join(out, "changes.json"), "w", encoding="utf-8", newline="\n") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    print("adjusted release: %d zone changes, register of %d sites (%d to change) in %s"
          % (len(changes), len(sites), len(expected), out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", default=os.path.join(ms.REPO_ROOT, "data", "sample"))
    ap.add_argument("--out", default=os.path.join(ms.REPO_ROOT, "data", "sample_adjusted"))
    args = ap.parse_args()
    ws, _ = ms.make_water_sources()
    rl = ms.make_red_lines()
    write_adjusted(os.path.abspath(args.sample), os.path.abspath(args.out), ws, rl)


if __name__ == "__main__":
    main()
