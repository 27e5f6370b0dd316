#!/usr/bin/env python3
"""Median [min-max] over the interleaved runs of bench --log with the pool on /dev/shm (shm) and on hugetlbfs (huge)."""
import glob, json, os, statistics, sys

here = os.path.dirname(os.path.abspath(__file__))
metrics = [("fwd", "forward"), ("filter", "filterOnly"), ("zero-copy", "zeroCopy"), ("copy", "copy")]
rows = {}
loads = {}
for f in sorted(glob.glob(os.path.join(here, "run*-*.json"))):
    place = os.path.basename(f).split("-")[1].split(".")[0]
    d = json.load(open(f))
    loads.setdefault(place, []).append(d.get("loadAverageAtStart", "?"))
    for g in d["groups"]:
        key = (g["frameSize"], g["matchPercent"])
        for label, m in metrics:
            r = rows.setdefault(key, {}).setdefault(label, {}).setdefault(place, {"ns": [], "mpps": []})
            r["ns"].append(g[m + "CycleNsPerFrame"]["median"])
            r["mpps"].append(g[m + "Mpps"]["median"])
    rows.setdefault("_runs", {}).setdefault(place, 0)
    rows["_runs"][place] += 1

def spread(v, fmt):
    return (fmt + " [" + fmt + "–" + fmt + "]") % (statistics.median(v), min(v), max(v))

print("runs:", rows.pop("_runs"))
for place, l in loads.items():
    print("load average at start (%s): %s" % (place, "; ".join(l)))
print("| size | match | variant | cycle ns/frame, /dev/shm (4 KiB) | cycle ns/frame, hugetlbfs (2 MiB) | Mpps, /dev/shm | Mpps, hugetlbfs |")
print("|---|---|---|---|---|---|---|")
for (size, match), by in sorted(rows.items()):
    for label, _ in metrics:
        p = by[label]
        s, h = p.get("shm"), p.get("huge")
        print("| %d | %d %% | %s | %s | %s | %s | %s |" % (size, match, label,
              spread(s["ns"], "%.0f") if s else "-", spread(h["ns"], "%.0f") if h else "-",
              spread(s["mpps"], "%.2f") if s else "-", spread(h["mpps"], "%.2f") if h else "-"))
