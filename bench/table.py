#!/usr/bin/python3
"""Prints the core benchmark results as one table, Redline beside GEOS."""
import json
import platform
import sys


def main(path):
    data = json.load(open(path))
    rows = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") not in (None, "median"):
            continue
        name = b["run_name"]
        rows[name] = b
    ctx = data["context"]
    cpu = ctx.get("num_cpus")
    mhz = ctx.get("mhz_per_cpu")
    print(f"machine: {platform.node()} — {cpu} CPUs @ {mhz} MHz, {platform.system()} {platform.release()}")
    print(f"{'workload':<34}{'threads':>8}{'Redline pts/s':>16}{'GEOS pts/s':>14}{'ratio':>8}")
    for workload in ("Uniform", "NearZones"):
        for threads in sorted({int(n.split("threads:")[1]) for n in rows if workload in n and "threads:" in n}):
            r = rows.get(f"BM_Redline_{workload}/real_time/threads:{threads}")
            g = rows.get(f"BM_Geos_{workload}/real_time/threads:{threads}")
            if not r or not g:
                continue
            rr, gg = r["items_per_second"], g["items_per_second"]
            label = {"Uniform": "points over the province", "NearZones": "points in zone bboxes"}[workload]
            print(f"{label:<34}{threads:>8}{rr:>16,.0f}{gg:>14,.0f}{rr / gg:>7.1f}x")
    one, batch = rows.get("BM_CheckPoint_Mix"), rows.get("BM_CheckPoints_Mix")
    if one and batch:
        o, b = one["items_per_second"], batch["items_per_second"]
        print(f"{'full point check, batches of 8192':<34}{1:>8}{b:>16,.0f}{o:>14,.0f}{b / o:>7.1f}x"
              "   (baseline: CheckPoint one at a time; hits, nearby zones, rules, verdict)")
    # 10x the sample (its zones tiled in space), beside the 1x figure above.
    tiled_any = None
    for workload, label in (("Uniform", "10x sample, over the extent"),
                            ("NearZones", "10x sample, in zone bboxes")):
        for threads in sorted({int(n.split("threads:")[1]) for n in rows
                               if f"BM_Tiled10x_{workload}Batch" in n and "threads:" in n}):
            batch = rows.get(f"BM_Tiled10x_{workload}Batch/real_time/threads:{threads}")
            point = rows.get(f"BM_Tiled10x_{workload}Point/real_time/threads:{threads}")
            base = rows.get(f"BM_Redline_{workload}/real_time/threads:{threads}")
            if not batch:
                continue
            tiled_any = batch
            bb = batch["items_per_second"]
            ratio = f"{bb / base['items_per_second']:>7.2f}x" if base else f"{'':>8}"
            latency = f"  ({point['real_time']:.0f} {point['time_unit']}/point alone)" if point else ""
            print(f"{label:<34}{threads:>8}{bb:>16,.0f}{'(vs 1x)':>14}{ratio}{latency}")
    if tiled_any:
        t = tiled_any
        print(f"10x sample index: {t['zones']:,.0f} zones, {t['vertices']:,.0f} vertices, built in "
              f"{t['build_ms']:.0f} ms (one thread); memory {t['bytes_per_vertex']:.1f} bytes/vertex "
              f"counted, {t['rss_bytes_per_vertex']:.1f} bytes/vertex resident")
    geom = rows.get("BM_CheckGeometry1000")
    if geom:
        join = rows.get("BM_CheckGeometry1000_HitsOnly")
        print(f"CheckGeometry in the core, 1,000-vertex site, overlaps and nearby zones: "
              f"{geom['real_time']:.0f} {geom['time_unit']} per site"
              + (f" (hits only: {join['real_time']:.0f} {join['time_unit']})" if join else ""))
    fast, geos = rows.get("BM_ReadWkt1000_Redline"), rows.get("BM_ReadWkt1000_Geos")
    if fast and geos:
        print(f"reading its WKT: {fast['real_time']:.0f} {fast['time_unit']} "
              f"(GEOS WKTReader: {geos['real_time']:.0f} {geos['time_unit']}, "
              f"{geos['real_time'] / fast['real_time']:.1f}x slower)")
    load = rows.get("BM_LoadSample/iterations:3")
    if load:
        print(f"sample load (all layers, parallel): {load['real_time']:.0f} ms for "
              f"{load['vertices']:,.0f} vertices; core memory {load['bytes_per_vertex']:.1f} bytes/vertex")


if __name__ == "__main__":
    main(sys.argv[1])
