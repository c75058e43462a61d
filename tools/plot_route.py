#!/usr/bin/env python3
"""TTFT CDF per routing policy from the per-request CSV of `fulcrum sim route --csv`.

    tools/plot_route.py REQUESTS_CSV OUT_PNG [--title TEXT]

One line per policy (the CSV's `policy` column), x = time to first token in seconds (log scale),
y = fraction of the successful requests at or below it. Needs python3-matplotlib.
"""
import argparse
import csv
import sys
from collections import OrderedDict

from plotting import pyplot


def read_ttfts(path):
    ttfts = OrderedDict()
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            values = ttfts.setdefault(row["policy"], [])
            if row["ok"] == "1":
                values.append(float(row["ttft_s"]))
    return ttfts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests_csv")
    parser.add_argument("out_png")
    parser.add_argument("--title", default="Time to first token, per routing policy")
    args = parser.parse_args()
    plt = pyplot()
    ttfts = read_ttfts(args.requests_csv)
    figure, axes = plt.subplots(figsize=(8, 5), dpi=110)
    for policy, values in ttfts.items():
        if not values:
            continue
        values.sort()
        count = len(values)
        axes.step(values, [(rank + 1) / count for rank in range(count)], where="post",
                  label=policy)
    axes.set_xscale("log")
    axes.set_xlabel("time to first token (s, model time)")
    axes.set_ylabel("fraction of requests")
    axes.set_ylim(0, 1.0)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    axes.set_title(args.title)
    figure.tight_layout()
    figure.savefig(args.out_png, metadata={"Software": None})
    return 0


if __name__ == "__main__":
    sys.exit(main())
