#!/usr/bin/env python3
"""Gantt chart of a plan from the CSV `fulcrum plan --gantt out.png` writes.

    tools/plot_gantt.py PLAN_CSV OUT_PNG [--title TEXT]

PLAN_CSV has the columns node,task,start_min,end_min. Rows come first for every node (with an
empty task) in the order the chart lists them, then one row per replica. One chart row per node;
replicas that overlap on a node (it runs several at once) are drawn in stacked lanes of the row.
Needs python3-matplotlib.
"""
import argparse
import csv
import sys

from plotting import pyplot


def read_plan(path):
    nodes, bars = [], []
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["node"] not in nodes:
                nodes.append(row["node"])
            if row["task"]:
                bars.append((row["node"], row["task"], float(row["start_min"]),
                             float(row["end_min"])))
    return nodes, bars


def lanes(bars):
    """Lane of each bar within its node: the first lane free at its start (interval colouring)."""
    ends = {}  # node -> end of the last bar in each lane
    result = []
    for node, _, start, end in bars:
        lane_ends = ends.setdefault(node, [])
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        result.append(lane)
    return result, {node: max(1, len(lane_ends)) for node, lane_ends in ends.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan_csv")
    parser.add_argument("out_png")
    parser.add_argument("--title", default="fulcrum plan")
    args = parser.parse_args()
    plt = pyplot()
    nodes, bars = read_plan(args.plan_csv)
    bars.sort(key=lambda bar: (bar[0], bar[2], bar[3], bar[1]))
    lane_of, lane_count = lanes(bars)
    palette = plt.get_cmap("tab10").colors
    tasks = sorted({bar[1].split("/")[0] for bar in bars})
    colour = {task: palette[index % len(palette)] for index, task in enumerate(tasks)}
    row = {node: index for index, node in enumerate(nodes)}
    figure, axes = plt.subplots(figsize=(10, 1 + 0.45 * max(1, len(nodes))))
    for (node, task, start, end), lane in zip(bars, lane_of):
        lanes_here = lane_count.get(node, 1)
        height = 0.8 / lanes_here
        bottom = row[node] - 0.4 + lane * height
        axes.barh(bottom, end - start, left=start, height=height, align="edge",
                  color=colour[task.split("/")[0]], edgecolor="#333333", linewidth=0.5)
        if len(bars) <= 200:
            axes.text(start + (end - start) / 2, bottom + height / 2, task, ha="center",
                      va="center", fontsize=7, color="white", clip_on=True)
    axes.set_yticks(range(len(nodes)))
    axes.set_yticklabels(nodes, fontsize=8)
    axes.set_ylim(len(nodes) - 0.5, -0.5)
    axes.set_xlabel("minutes")
    axes.set_title(args.title, fontsize=10)
    axes.grid(axis="x", color="#dddddd")
    axes.set_axisbelow(True)
    figure.tight_layout()
    figure.savefig(args.out_png, dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
