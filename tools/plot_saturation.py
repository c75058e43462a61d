#!/usr/bin/env python3
"""Plots of `fulcrum sim cluster --mode saturation`: unallocated and fragmented GPU share against
the arrived GPU demand, one line per policy (the mean over seeds at each curve step).

usage: plot_saturation.py saturation_curve.csv OUT_DIR
writes OUT_DIR/saturation_unallocated.png and OUT_DIR/saturation_fragmented.png
"""
import csv
import os
import sys
from collections import defaultdict

from plotting import pyplot

plt = pyplot()


def read_curves(path):
    """policy -> step -> list of (arrived, unallocated, fragmented) over seeds."""
    curves = defaultdict(lambda: defaultdict(list))
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            step = round(float(row["arrived_share"]) * 100)
            curves[row["policy"]][step].append(
                (float(row["arrived_share"]), float(row["unallocated_share"]),
                 float(row["fragmented_share"])))
    return curves


def plot(curves, column, ylabel, out_path, from_share):
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for policy, steps in curves.items():
        xs, ys = [], []
        for step in sorted(steps):
            points = steps[step]
            arrived = sum(p[0] for p in points) / len(points)
            if arrived < from_share:
                continue
            xs.append(100 * arrived)
            ys.append(100 * sum(p[column] for p in points) / len(points))
        axes.plot(xs, ys, label=policy, linewidth=1.5)
    axes.set_xlabel("arrived GPU demand (% of cluster GPU capacity)")
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(out_path, dpi=110)
    plt.close(figure)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    curves = read_curves(sys.argv[1])
    os.makedirs(sys.argv[2], exist_ok=True)
    plot(curves, 1, "unallocated GPU (% of capacity)",
         os.path.join(sys.argv[2], "saturation_unallocated.png"), 0.8)
    plot(curves, 2, "fragmented GPU (% of capacity)",
         os.path.join(sys.argv[2], "saturation_fragmented.png"), 0.0)


if __name__ == "__main__":
    main()
