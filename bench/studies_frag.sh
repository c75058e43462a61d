#!/bin/sh
# GPU fragmentation at saturation on the Alibaba openb trace (Weng et al., ATC'23): every placer,
# several seeds, on the default pod list and two resampled ones. Writes the CSVs and PNGs under
# docs/img/saturation/ and regenerates the section "Simulator: GPU fragmentation at saturation
# (Alibaba openb trace)" of docs/performance.md. SEEDS (default 5) and VARIANT_SEEDS (default 3)
# set the number of seeds.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-"$root/build"}
data=${DATA_DIR:-"$root/../shared/data/alibaba-gpu-v2023/csv"}
out="$root/docs/img/saturation"
seeds=${SEEDS:-5}
variant_seeds=${VARIANT_SEEDS:-3}
policies="first_fit best_fit least_loaded dot_product gpu_packing fgd fgd_packing"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j 2 --target fulcrum >/dev/null

policy_list=$(echo $policies | tr ' ' ',')

run() {  # pod-list seeds
  "$build/fulcrum" sim cluster --mode saturation --nodes "$data/openb_node_list_all_node.csv" \
    --pods "$data/openb_pod_list_$1.csv" --placement "$policy_list" --seeds "$2" \
    --csv "$out/$1" --plots "$out/$1"
}

run default "$seeds"
run gpushare40 "$variant_seeds"
run multigpu50 "$variant_seeds"

python3 - "$root/docs/performance.md" "$out" "$seeds" "$variant_seeds" <<'PY'
import csv, statistics, sys
from collections import defaultdict

doc, out, seeds, variant_seeds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
heading = "## Simulator: GPU fragmentation at saturation (Alibaba openb trace)"
classic = ["first_fit", "best_fit", "least_loaded", "dot_product", "gpu_packing"]


def summary(pods):
    runs = defaultdict(list)
    with open(f"{out}/{pods}/saturation_summary.csv", newline="") as file:
        for row in csv.DictReader(file):
            runs[row["policy"]].append(row)
    return runs


def pct(x):
    return f"{100 * x:.2f}%"


def table(pods):
    runs = summary(pods)
    unalloc = {p: [float(r["unallocated_share"]) for r in rows] for p, rows in runs.items()}
    mean = {p: statistics.mean(v) for p, v in unalloc.items()}
    best_classic = min((p for p in classic if p in mean), key=lambda p: mean[p])
    lines = ["| placer | unallocated GPU at 130% arrivals (mean, min-max) | fragmented | "
             "unallocated at 1st failure | vs fgd | vs best_fit | vs " + best_classic + " |",
             "|---|---|---|---|---|---|---|"]
    for policy, values in unalloc.items():
        rows = runs[policy]
        frag = statistics.mean(float(r["fragmented_share"]) for r in rows)
        first = statistics.mean(float(r["first_failure_unallocated_share"]) for r in rows)
        lines.append(f"| {policy} | {pct(mean[policy])} ({pct(min(values))}-{pct(max(values))}) | "
                     f"{pct(frag)} | {pct(first)} | {mean[policy] / mean['fgd']:.3f}x | "
                     f"{mean[policy] / mean['best_fit']:.3f}x | "
                     f"{mean[policy] / mean[best_classic]:.3f}x |")
    return lines, mean, best_classic


parts = [heading, "",
         "`bench/studies_frag.sh` (`fulcrum sim cluster --mode saturation`, docs/simulator.md): the "
         "FGD paper's method. Tasks drawn at random (seeded, with replacement) from a pod list "
         "arrive on the empty 1,523-node cluster (`openb_node_list_all_node.csv`, 6,212 GPUs) "
         "and never leave; a task that does not fit is dropped; arrivals stop when their GPU "
         "demand reaches 130% of the GPU capacity. \"Unallocated\" is the share of GPU capacity "
         "left unallocated at the end, \"fragmented\" the part of it the trace's task shapes "
         "cannot use (F of the paper, CPU-only shapes counting all free GPU), \"at 1st failure\" "
         "the unallocated share when the first task did not fit. Data: Alibaba "
         "clusterdata cluster-trace-gpu-v2023 (Weng et al., ATC'23).", ""]
verdicts = []
for pods, n in (("default", seeds), ("gpushare40", variant_seeds), ("multigpu50", variant_seeds)):
    lines, mean, best_classic = table(pods)
    parts += [f"### Pod list `{pods}` ({n} seeds)", ""] + lines + [
        "", f"![unallocated GPU, {pods}](img/saturation/{pods}/saturation_unallocated.png)", ""]
    ours = min(("fgd_packing",), key=lambda p: mean[p])
    verdicts.append(
        f"- `{pods}`: fgd_packing leaves {mean[ours] / mean['fgd']:.3f}x fgd's unallocated "
        f"capacity (goal <= 0.95x: {'met' if mean[ours] / mean['fgd'] <= 0.95 else 'missed'}); "
        f"fgd leaves {mean['fgd'] / mean[best_classic]:.3f}x the best classic placer "
        f"({best_classic}), i.e. {100 * (1 - mean['fgd'] / mean[best_classic]):.0f}% less, and "
        f"{100 * (1 - mean['fgd'] / max(mean[p] for p in classic)):.0f}% less than the worst.")
parts += ["### Against the goals", ""] + verdicts + [
    "- The FGD paper reports up to 49% less unallocated capacity than the classic baselines; its "
    "expected results for the `default` list at 130% arrivals leave 4.61% unallocated under FGD, "
    "6.92% under best fit, 8.00% under GPU packing and 9.15% under dot product "
    "(hkust-adsl/kubernetes-scheduler-simulator, experiments/analysis/expected_results). Our fgd "
    "lands close to the paper's, but our classic placers are stronger than the paper's baselines: "
    "they put every GPU share on the fullest device that fits (core `GpuDevices::choose`), a "
    "fragmentation-aware device choice of its own, so the gap on `default` is smaller than the "
    "paper's; it opens up on `multigpu50` (see the verdicts above). Other differences from the "
    "paper's simulator are listed in docs/simulator.md.", ""]

text = open(doc).read()
section = "\n".join(parts)
if heading in text:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    text = text[:start] + section + ("" if end < 0 else text[end:])
else:
    text = text.rstrip("\n") + "\n\n" + section
open(doc, "w").write(text)
PY
echo "updated docs/performance.md"
