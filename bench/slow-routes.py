#!/usr/bin/env python3
"""Where a run's slow answers were, by route, from two scrapes of the server's /metrics.

    bench/slow-routes.py bench/out/sqlite-1000000-mixed-before.prom bench/out/sqlite-1000000-mixed-after.prom

Prints, for each route, the requests answered between the two scrapes and how many took
longer than 25, 100, 250 and 500 ms inside the server (the metrics layer wraps every
other layer), busiest route first.
"""
import collections
import re
import sys

LIMITS = ["0.025", "0.1", "0.25", "0.5"]


def buckets(path):
    by_route = collections.defaultdict(dict)
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"http_request_duration_seconds_bucket\{(.*)\} (\S+)", line)
            if not m:
                continue
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            by_route[(labels.get("site", ""), labels.get("route", ""))][labels["le"]] = float(m.group(2))
    return by_route


def main(before_path, after_path):
    before, after = buckets(before_path), buckets(after_path)
    rows = []
    for route, counts in after.items():
        was = before.get(route, {})
        diff = {le: n - was.get(le, 0) for le, n in counts.items()}
        total = diff.get("+Inf", 0)
        if total > 0:
            rows.append((total, route, [total - diff.get(le, 0) for le in LIMITS]))
    rows.sort(key=lambda r: -r[0])
    print("| site | route | requests | > 25 ms | > 100 ms | > 250 ms | > 500 ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for total, (site, route), over in rows:
        print(f"| {site} | {route} | {int(total)} | " + " | ".join(str(int(n)) for n in over) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
