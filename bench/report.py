#!/usr/bin/env python3
"""Prints bench/validate.sh's table from its runs TSV (tool, dataset, file, output, /usr/bin/time -v file, exit status).

MB are 10^6 bytes of the input file; seconds are wall-clock (measured in ns around the run, which
includes /usr/bin/time's own fork: about a millisecond); peak RSS is time -v's "Maximum resident set size".
"""

import json
import os
import re
import sys


def parse_time(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return seconds, rss_kb / 1024


def error_count(tool, output):
    try:
        data = json.load(open(output, encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if tool == "csv-baseline":
        return None
    if tool.startswith("socle"):
        stats = data.get("stats", {})
        return stats.get("errors", len(data.get("errors", [])))
    # frictionless: report-level errors plus every task's errors
    return len(data.get("errors", [])) + sum(len(t.get("errors", [])) for t in data.get("tasks", []))


def main():
    tsv, rows = sys.argv[1], int(sys.argv[2])
    runs = []
    for line in open(tsv, encoding="utf-8"):
        tool, ds, path, output, timefile, status, wall_ns = line.rstrip("\n").split("\t")
        _, rss = parse_time(timefile)
        seconds = int(wall_ns) / 1e9
        mb = os.path.getsize(path) / 1e6
        runs.append(dict(tool=tool, ds=ds, file=os.path.basename(path), mb=mb, s=seconds, rss=rss,
                         errors=error_count(tool, output), status=int(status)))
    order = {"csv-baseline": 0, "socle-1t": 1, "socle": 2, "frictionless": 3}
    datasets = list(dict.fromkeys(r["ds"] for r in runs))
    runs.sort(key=lambda r: (datasets.index(r["ds"]), order.get(r["tool"], 9)))
    header = ["tool", "file", "MB", "seconds", "MB/s", "rows/s", "peak RSS MB", "errors", "exit"]
    table = [[r["tool"], r["file"], f"{r['mb']:.1f}", f"{r['s']:.3f}", f"{r['mb'] / r['s']:.1f}" if r["s"] else "-",
              f"{rows / r['s']:,.0f}" if r["s"] else "-", f"{r['rss']:.0f}",
              "-" if r["errors"] is None else str(r["errors"]), str(r["status"])] for r in runs]
    widths = [max(len(x) for x in col) for col in zip(header, *table)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for row in table:
        print(fmt(row))
    print()
    by = {(r["tool"], r["ds"]): r for r in runs}
    for ds in dict.fromkeys(r["ds"] for r in runs):
        fl = by.get(("frictionless", ds))
        base = by.get(("csv-baseline", ds))
        for tool, label in (("socle-1t", "1 thread"), ("socle", "all threads")):
            s = by.get((tool, ds))
            if s and fl:
                print(f"{ds}: socle/frictionless throughput, {label}: {fl['s'] / s['s']:.1f}x")
            if s and base:
                print(f"{ds}: socle/csv-baseline throughput, {label}: {base['s'] / s['s']:.2f}x")
        if fl and base and not by.get(("socle", ds)):
            print(f"{ds}: frictionless/csv-baseline throughput: {base['s'] / fl['s']:.3f}x (socle not measured)")


if __name__ == "__main__":
    main()
