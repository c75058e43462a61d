#!/bin/sh
# Study: cluster policies on the Alibaba GPU trace 2023 in time replay. Runs `fulcrum sim cluster`
# with every queue and placement side by side on an evenly spread share of the trace's nodes (the
# full 1,523-node cluster never queues: the trace's peak demand is 66 of its 6,212 GPUs), writes
# the CSV files and PNG plots under docs/studies/cluster/ and the table into docs/performance.md
# between its sim-cluster markers.
#   NODE_SAMPLE (default 0.01)  share of the nodes kept
#   QUEUES, PLACEMENTS          comma-separated lists (default: all the replay supports)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-"$root/build"}
node_sample=${NODE_SAMPLE:-0.01}
queues=${QUEUES:-fifo,priority,sef,easy_backfill,las}
placements=${PLACEMENTS:-first_fit,best_fit,least_loaded,weighted_rr}
out="$root/docs/studies/cluster"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j 2 --target fulcrum
cd "$root"
mkdir -p "$out"
"$build/fulcrum" sim cluster --trace alibaba --node-sample "$node_sample" \
  --queue "$queues" --placement "$placements" \
  --csv "$out/csv" --plots "$out" | tee "$out/table.txt"
# The markdown table for docs/performance.md, from summary.csv.
/usr/bin/env python3 - "$out/csv/summary.csv" "$root/docs/performance.md" "$node_sample" <<'PY'
import csv, sys
summary, doc, node_sample = sys.argv[1:4]
rows = list(csv.DictReader(open(summary)))
base = next((r for r in rows if r["queue"] == "fifo" and r["placement"] == "first_fit"), rows[0])
base_wait = float(base["avg_wait_s"])
def h(seconds):
    s = float(seconds)
    if s < 120: return f"{s:.1f} s"
    if s < 7200: return f"{s / 60:.1f} min"
    if s < 172800: return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"
lines = ["| queue | placement | finished | avg JCT | p99 JCT | avg wait | wait vs fifo+first_fit | "
         "p99 wait | makespan | GPU util | CPU util | preemptions |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    ratio = float(r["avg_wait_s"]) / base_wait if base_wait > 0 else float("nan")
    lines.append(f"| {r['queue']} | {r['placement']} | {r['finished']} | {h(r['avg_jct_s'])} | "
                 f"{h(r['p99_jct_s'])} | {h(r['avg_wait_s'])} | {ratio:.2f}x | {h(r['p99_wait_s'])} | "
                 f"{h(r['makespan_s'])} | {float(r['gpu_util']) * 100:.1f}% | "
                 f"{float(r['cpu_util']) * 100:.1f}% | {r['preemptions']} |")
best = min(rows, key=lambda r: float(r["avg_wait_s"]))
lines.append("")
lines.append(f"Best average queueing delay: {best['queue']} + {best['placement']}, "
             f"{h(best['avg_wait_s'])} = {float(best['avg_wait_s']) / base_wait:.2f}x fifo + first_fit "
             f"({h(base_wait)}); node sample {node_sample}.")
table = "\n".join(lines)
begin, end = "<!-- sim-cluster-table:begin -->", "<!-- sim-cluster-table:end -->"
text = open(doc).read()
if begin in text and end in text:
    text = text[: text.index(begin) + len(begin)] + "\n" + table + "\n" + text[text.index(end):]
    open(doc, "w").write(text)
print(table)
PY
