#!/usr/bin/python3
"""Example: check an outfall and a site polygon against a running Redline server.

    make serve                                   # in one terminal
    /usr/bin/python3 clients/python/example.py --server 127.0.0.1:50051

Uses the first point with a hit in data/sample/known_points.csv as the
outfall, and a small square (about 60 m x 65 m) around it as a project site;
then overlays every point of the file as a river outfall in one stream.
Exit status: 0 ok, 1 when the server cannot be reached or refuses a call.
"""

import argparse
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from redline_client import RedlineClient, RedlineError, pb  # noqa: E402

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def first_known_hit(path):
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["expect_zone_id"]:
                return float(row["lon"]), float(row["lat"])
    raise SystemExit(f"no point with a hit in {path}")


def known_points(path):
    """The distinct points of the file, in file order, as (lon, lat)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [(float(row["lon"]), float(row["lat"])) for row in csv.DictReader(f)]
    return list(dict.fromkeys(rows))


def show(title, response):
    print(f"== {title}")
    print(f"verdict  {pb.Verdict.Name(response.verdict)}: {response.verdict_reason}")
    if not response.hits:
        print("hits     none")
    for h in response.hits:
        extra = ""
        if h.overlap_area_m2 > 0:
            extra = f", overlap {h.overlap_area_m2:.1f} m² ({100 * h.overlap_ratio:.1f}%)"
        print(f"hit      {h.layer} {h.zone_id} {h.zone_name} [{h.level}] "
              f"{pb.ZoneHit.Relation.Name(h.relation)}{extra}")
        for r in h.rules:
            print(f"         -> {pb.Verdict.Name(r.verdict)} {r.rule_id}: "
                  f"{r.basis.law} {r.basis.article}")
    for n in response.nearest:
        print(f"near     {n.layer} {n.zone_id} at {n.distance_m:.1f} m")
    print(f"dataset  {response.dataset_version}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051", help="HOST:PORT")
    parser.add_argument("--points", default=os.path.join(REPO, "data", "sample", "known_points.csv"))
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()

    lon, lat = first_known_hit(args.points)
    d = 0.0003  # degrees: about 29 m east-west and 33 m north-south here
    site = (f"POLYGON(({lon - d} {lat - d}, {lon + d} {lat - d}, {lon + d} {lat + d}, "
            f"{lon - d} {lat + d}, {lon - d} {lat - d}))")
    try:
        with RedlineClient(args.server, timeout=args.timeout) as client:
            show(f"outfall (river) at {lon}E {lat}N",
                 client.check_point(lon, lat, purpose="outfall", outfall_type="river"))
            show("discharging project site", client.check_geometry(
                wkt=site, purpose="discharging_project"))
            points = known_points(args.points)
            print(f"== overlay: {len(points)} points as river outfalls")
            for r in client.overlay_points(points, purpose="outfall", outfall_type="river"):
                zones = " ".join(h.zone_id for h in r.hits) or "-"
                answer = r.error or f"{pb.Verdict.Name(r.verdict):13s} {zones}"
                print(f"{r.index:3d} {r.x:.6f} {r.y:.6f} {answer}")
    except RedlineError as e:
        print(f"example: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
