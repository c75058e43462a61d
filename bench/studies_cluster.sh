#!/bin/sh
# Study: cluster policies on the Alibaba GPU trace 2023 in time replay. Runs `fulcrum sim cluster`
# with every queue and placement side by side on evenly spread shares of the trace's nodes (the
# full 1,523-node cluster never queues: the trace's peak demand is 66 of its 6,212 GPUs), plus the
# MILP batch placer with the queues it works with, writes the CSV files and PNG plots under
# docs/img/cluster/SAMPLE/ and the tables into docs/performance.md between its sim-cluster markers.
#   NODE_SAMPLES (default "0.005 0.01")  shares of the nodes kept, one table each
#   QUEUES, PLACEMENTS                   comma-separated lists (default: all the replay supports)
#   MILP_QUEUES (default fifo)           queues the milp placement runs with ("" to skip it)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-"$root/build"}
node_samples=${NODE_SAMPLES:-"0.005 0.01"}
queues=${QUEUES:-fifo,priority,sef,easy_backfill,las}
placements=${PLACEMENTS:-first_fit,best_fit,least_loaded,weighted_round_robin,dot_product,gpu_packing,fgd,fgd_packing}
milp_queues=${MILP_QUEUES-fifo}
out="$root/docs/img/cluster"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j 2 --target fulcrum
cd "$root"
for sample in $node_samples; do
  mkdir -p "$out/$sample/milp"
  "$build/fulcrum" sim cluster --trace alibaba --node-sample "$sample" \
    --queue "$queues" --placement "$placements" \
    --csv "$out/$sample/csv" --plots "$out/$sample" | tee "$out/$sample/table.txt"
  if [ -n "$milp_queues" ]; then
    "$build/fulcrum" sim cluster --trace alibaba --node-sample "$sample" \
      --queue "$milp_queues" --placement milp \
      --csv "$out/$sample/milp/csv" --plots "$out/$sample/milp" | tee "$out/$sample/milp/table.txt"
  fi
done
# The markdown tables for docs/performance.md, from the summary.csv files.
/usr/bin/env python3 - "$root/docs/performance.md" "$out" $node_samples <<'PY'
import csv, os, re, sys
doc, out, samples = sys.argv[1], sys.argv[2], sys.argv[3:]
def h(seconds):
    s = float(seconds)
    if s < 120: return f"{s:.1f} s"
    if s < 7200: return f"{s / 60:.1f} min"
    if s < 172800: return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"
def rows_of(path):
    return list(csv.DictReader(open(path))) if os.path.exists(path) else []
def milp_note(path):
    if not os.path.exists(path): return []
    return [line.strip() for line in open(path) if "batches," in line]
parts = []
for sample in samples:
    rows = rows_of(f"{out}/{sample}/csv/summary.csv") + rows_of(f"{out}/{sample}/milp/csv/summary.csv")
    nodes = re.search(r"cluster: (\d+) nodes", open(f"{out}/{sample}/table.txt").read()).group(1)
    base = next((r for r in rows if r["queue"] == "fifo" and r["placement"] == "first_fit"), rows[0])
    base_wait = float(base["avg_wait_s"])
    lines = [f"#### Node sample {sample} ({nodes} nodes)", "",
             "| queue | placement | finished | avg JCT | p99 JCT | avg wait | wait vs fifo+first_fit | "
             "p99 wait | makespan | GPU util | CPU util | preemptions |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = float(r["avg_wait_s"]) / base_wait if base_wait > 0 else float("nan")
        lines.append(f"| {r['queue']} | {r['placement']} | {r['finished']} | {h(r['avg_jct_s'])} | "
                     f"{h(r['p99_jct_s'])} | {h(r['avg_wait_s'])} | {ratio:.2f}x | {h(r['p99_wait_s'])} | "
                     f"{h(r['makespan_s'])} | {float(r['gpu_util']) * 100:.1f}% | "
                     f"{float(r['cpu_util']) * 100:.1f}% | {r['preemptions']} |")
    best = min(rows, key=lambda r: float(r["avg_wait_s"]))
    ratio = float(best["avg_wait_s"]) / base_wait if base_wait > 0 else float("nan")
    lines += ["", f"Best average queueing delay: {best['queue']} + {best['placement']}, "
              f"{h(best['avg_wait_s'])} = {ratio:.2f}x fifo + first_fit ({h(base_wait)}); goal "
              f"<= 0.5x: {'met' if ratio <= 0.5 else 'missed'}."]
    notes = milp_note(f"{out}/{sample}/milp/table.txt")
    if notes:
        lines += ["", "MILP batches (solve time is wall clock on the shared machine): " +
                  "; ".join(notes) + "."]
    lines += ["", f"![JCT CDF, node sample {sample}](img/cluster/{sample}/jct_cdf.png)",
              f"![GPU utilization, node sample {sample}](img/cluster/{sample}/utilization.png)",
              f"![queue length, node sample {sample}](img/cluster/{sample}/queue_length.png)", ""]
    parts += lines
table = "\n".join(parts).rstrip("\n")
begin, end = "<!-- sim-cluster-table:begin -->", "<!-- sim-cluster-table:end -->"
text = open(doc).read()
if begin in text and end in text:
    text = text[: text.index(begin) + len(begin)] + "\n" + table + "\n" + text[text.index(end):]
    open(doc, "w").write(text)
print(table)
PY
