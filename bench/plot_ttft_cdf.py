#!/usr/bin/python3
"""TTFT CDFs per routing policy from bench/llm_routing.sh's loadgen CSVs.

    plot_ttft_cdf.py DIR

Reads DIR/<workload>-<policy>-<run>.csv (llm_loadgen --csv) and writes DIR/ttft_cdf_<workload>.png:
one panel per run (the trace slice; each request rate of the tenants workload), one line per policy.
"""
import csv
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tools"))
from plotting import pyplot  # noqa: E402

plt = pyplot()

POLICIES = ["round_robin", "least_connections", "least_load", "prefix_aware", "scored", "kv_cost"]


def ttfts(path):
    with open(path, newline="") as file:
        return sorted(float(row["ttft_s"]) for row in csv.DictReader(file) if row["ok"] == "1")


def run_key(run):
    digits = "".join(c for c in run if c.isdigit() or c == ".")
    return float(digits) if digits else 0.0


def main(directory):
    runs = {}  # workload -> run -> policy -> path
    for path in pathlib.Path(directory).glob("*.csv"):
        workload, rest = path.stem.split("-", 1)
        policy, run = rest.rsplit("-", 1)
        if workload == "capacity":
            continue
        runs.setdefault(workload, {}).setdefault(run, {})[policy] = path
    for workload, by_run in runs.items():
        ordered = sorted(by_run, key=run_key)
        figure, axes = plt.subplots(1, len(ordered), figsize=(5 * len(ordered), 4), squeeze=False)
        for axis, run in zip(axes[0], ordered):
            for policy in POLICIES:
                if policy not in by_run[run]:
                    continue
                values = ttfts(by_run[run][policy])
                if not values:
                    continue
                fractions = [(index + 1) / len(values) for index in range(len(values))]
                axis.step(values, fractions, where="post", label=policy)
            axis.set_xscale("log")
            axis.set_xlabel("time to first token (modeled s, log)")
            axis.set_ylabel("fraction of requests")
            axis.set_title(f"{workload} {run}")
            axis.grid(True, which="both", alpha=0.3)
        axes[0][0].legend(loc="lower right", fontsize="small")
        figure.tight_layout()
        figure.savefig(pathlib.Path(directory) / f"ttft_cdf_{workload}.png", dpi=90)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
