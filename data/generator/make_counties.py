#!/usr/bin/env python3
"""Writes data/sample/counties.geojson: a made-up "county boundaries" layer
for the sample config's context layer (kind: context).

SYNTHETIC, like every sample layer: a 10 x 9 grid of cells over the sample's
extent, its inner corners and edge midpoints moved at random (fixed seed), so
neighbouring "counties" share their edges exactly and none overlap. The names
(示例县01 ...) and codes (339001 ...) are made up; they are not Zhejiang's
real counties. Longitude/latitude (GeoJSON's order), as the other sample
GeoJSON; the file is written by this script, not by GDAL, so two runs are
byte-identical. Plain Python: no GDAL needed.

    python3 data/generator/make_counties.py [--out DIR]
"""

import argparse
import json
import os
import random

# The sample zones lie within about 118.2..122.8E, 27.3..31.1N; the grid
# covers a little more, so every zone lies in some county.
WEST, EAST, SOUTH, NORTH = 118.0, 123.0, 27.0, 31.3
COLUMNS, ROWS = 10, 9
JITTER = 0.25  # of a cell, for inner corners and edge midpoints


def grid(seed=23):
    rng = random.Random(seed)
    w, h = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS
    corner = {}
    for i in range(COLUMNS + 1):
        for j in range(ROWS + 1):
            x, y = WEST + i * w, SOUTH + j * h
            if 0 < i < COLUMNS and 0 < j < ROWS:
                x += (rng.random() - 0.5) * JITTER * w
                y += (rng.random() - 0.5) * JITTER * h
            corner[i, j] = (x, y)
    mid = {}  # keyed by the edge's two corners, in sorted order

    def midpoint(a, b):
        key = (min(a, b), max(a, b))
        if key not in mid:
            (x0, y0), (x1, y1) = corner[key[0]], corner[key[1]]
            x, y = (x0 + x1) / 2, (y0 + y1) / 2
            outer = (a[0] == b[0] and a[0] in (0, COLUMNS)) or (a[1] == b[1] and a[1] in (0, ROWS))
            if not outer:  # an edge between two counties: bend it
                x += (rng.random() - 0.5) * JITTER * w
                y += (rng.random() - 0.5) * JITTER * h
            mid[key] = (x, y)
        return mid[key]

    features = []
    for j in range(ROWS):
        for i in range(COLUMNS):
            loop = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]  # counter-clockwise
            ring = []
            for k, a in enumerate(loop):
                b = loop[(k + 1) % 4]
                ring += [corner[a], midpoint(a, b)]
            ring.append(ring[0])
            n = j * COLUMNS + i + 1
            features.append({
                "type": "Feature",
                "properties": {"code": f"339{n:03d}", "name": f"示例县{n:02d}"},
                "geometry": {"type": "Polygon",
                             "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]},
            })
    return features


def write(fh):
    """Writes the GeoJSON to `fh`; returns the number of counties."""
    features = grid()
    fh.write('{\n"type": "FeatureCollection",\n"name": "counties",\n"features": [\n')
    fh.write(",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":"))
                        for f in features))
    fh.write("\n]\n}\n")
    return len(features)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "sample"))
    args = parser.parse_args()
    path = os.path.join(args.out, "counties.geojson")
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        n = write(fh)
    print(f"{path}: {n} counties")


if __name__ == "__main__":
    main()
