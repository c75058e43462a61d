#!/usr/bin/env python3
"""PNG plots of simulator runs, drawn from the CSV files `fulcrum sim` writes.

    sim_plots.py cluster CSV_DIR OUT_DIR

cluster: CSV_DIR holds summary.csv and one folder per policy (QUEUE+PLACEMENT) with jobs.csv and
util.csv. Draws jct_cdf.png (job completion time CDF per policy), utilization.png (GPU
utilization over time) and queue_length.png (queued jobs over time); with more than 8 policies,
one panel per queue.
"""
import csv
import os
import sys

from plotting import pyplot

plt = pyplot()


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def policies(csv_dir):
    labels = []
    for row in read_rows(os.path.join(csv_dir, "summary.csv")):
        labels.append(row["queue"] + "+" + row["placement"])
    return labels


def save(figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    print("wrote", path)


def panels(labels):
    """(title, [(label, legend name)]) per panel: one panel for up to 8 policies, else one per queue
    with its placers, so that a study of every queue x placer stays readable."""
    if len(labels) <= 8:
        return [("", [(label, label) for label in labels])]
    groups = {}
    for label in labels:
        queue, _, placement = label.partition("+")
        groups.setdefault(queue, []).append((label, placement))
    return [(f"queue {queue}", members) for queue, members in groups.items()]


def panel_figure(count, height):
    columns = 1 if count == 1 else 2
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(8 if columns == 1 else 13, height * rows),
                                squeeze=False)
    flat = [axis for row in axes for axis in row]
    for axis in flat[count:]:
        axis.set_visible(False)
    return figure, flat[:count]


def plot_cluster(csv_dir, out_dir):
    groups = panels(policies(csv_dir))
    os.makedirs(out_dir, exist_ok=True)

    figure, all_axes = panel_figure(len(groups), 5 if len(groups) == 1 else 3.6)
    for axes, (title, members) in zip(all_axes, groups):
        for label, name in members:
            jobs = read_rows(os.path.join(csv_dir, label, "jobs.csv"))
            jct_h = sorted(float(job["jct_s"]) / 3600 for job in jobs if job["state"] == "finished")
            if not jct_h:
                continue
            fractions = [(index + 1) / len(jct_h) for index in range(len(jct_h))]
            axes.step(jct_h, fractions, where="post", label=name)
        axes.set_xscale("log")
        axes.set_xlabel("job completion time (hours, log scale)")
        axes.set_ylabel("fraction of jobs")
        axes.set_title("JCT CDF per policy" + (f", {title}" if title else ""))
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize="small")
    save(figure, os.path.join(out_dir, "jct_cdf.png"))

    for column, name, ylabel, scale in (
        ("gpu_util", "utilization.png", "GPU allocated (%)", 100.0),
        ("queued", "queue_length.png", "queued jobs", 1.0),
    ):
        figure, all_axes = panel_figure(len(groups), 4.5 if len(groups) == 1 else 3.4)
        for axes, (title, members) in zip(all_axes, groups):
            for label, legend in members:
                samples = read_rows(os.path.join(csv_dir, label, "util.csv"))
                hours = [float(sample["time_s"]) / 3600 for sample in samples]
                values = [float(sample[column]) * scale for sample in samples]
                axes.plot(hours, values, label=legend, linewidth=0.9)
            axes.set_xlabel("trace time (hours)")
            axes.set_ylabel(ylabel)
            if title:
                axes.set_title(title)
            axes.grid(True, alpha=0.3)
            axes.legend(fontsize="small")
        save(figure, os.path.join(out_dir, name))


def main(argv):
    if len(argv) != 4 or argv[1] not in ("cluster",):
        sys.stderr.write(__doc__)
        return 2
    plot_cluster(argv[2], argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
