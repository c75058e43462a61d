#!/usr/bin/env bash
# How close `fulcrum sim route` comes to the real thing: the same Mooncake slice through
# bench/llm_routing.sh (REPLICAS `fulcrum emulate` processes on a real clock, `fulcrum gateway`,
# build/llm_loadgen) and through the simulator with the same rate scale, fleet, profile and scrape
# settings; prints TTFT p50/p90/p99 of both per policy and the p50 difference (docs/simulator.md).
#
#   bench/route_sim_validation.sh       (after `make build`; run it on an otherwise quiet machine:
#                                        the emulators keep time with the wall clock)
set -euo pipefail

REPLICAS=${REPLICAS:-4}
SPEED=${SPEED:-2}
TRACE_START_S=${TRACE_START_S:-600}
TRACE_DURATION_S=${TRACE_DURATION_S:-60}
POLICIES=${POLICIES:-"round_robin prefix_aware"}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
out=${OUT:-$build/route_sim_validation}
mkdir -p "$out"

REPLICAS=$REPLICAS SPEED=$SPEED TRACE_START_S=$TRACE_START_S TRACE_DURATION_S=$TRACE_DURATION_S \
  POLICIES=$POLICIES OUT="$out/e2e" BUILD_DIR="$build" bash "$root/bench/llm_routing.sh" trace \
  | tee "$out/e2e.log"
scale=$(sed -n 's/.*--rate-scale \([0-9.]*\).*/\1/p' "$out/e2e.log")
[[ -n $scale ]] || { echo "no rate scale in $out/e2e.log" >&2; exit 1; }

# llm_routing.sh's gateway scrapes every 100 ms and trusts a report for 1 s of real time; the
# emulators run SPEED times faster, so in model time that is SPEED x as long.
cd "$root"
nice -n 19 "$build/fulcrum" sim route --trace mooncake --start-s "$TRACE_START_S" \
  --duration-s "$TRACE_DURATION_S" --rate-scale "$scale" --replicas "$REPLICAS" \
  --profile examples/emulator/llama-3.1-8b-h100.yaml --policy "$(echo "$POLICIES" | tr ' ' ,)" \
  --scrape-interval-ms $((100 * SPEED)) --stale-after-ms $((1000 * SPEED)) \
  --head-latency-ms "$SPEED" --csv "$out/sim" --quiet | tee "$out/sim.log"

# Nearest-rank percentiles of the successful requests' TTFT, from the load generator's CSV of each
# policy (llm_routing.sh names them trace-POLICY-xSCALE.csv) and from the simulator's.
python3 - "$out" "$scale" $POLICIES <<'EOF_PY' | tee "$out/comparison.txt"
import csv, math, sys
out, scale, policies = sys.argv[1], sys.argv[2], sys.argv[3:]
def percentile(values, fraction):
    values = sorted(values)
    return values[max(0, min(len(values), math.ceil(fraction * len(values))) - 1)] if values else 0
def ttfts(path, policy=None):
    with open(path, newline="") as handle:
        return [float(row["ttft_s"]) for row in csv.DictReader(handle)
                if row["ok"] == "1" and (policy is None or row["policy"] == policy)]
print(f"{'policy':14} {'requests':>8} {'e2e_p50':>8} {'sim_p50':>8} {'p50_diff':>8} "
      f"{'e2e_p90':>8} {'sim_p90':>8} {'e2e_p99':>8} {'sim_p99':>8}")
for policy in policies:
    real = ttfts(f"{out}/e2e/trace-{policy}-x{scale}.csv")
    sim = ttfts(f"{out}/sim/route_requests.csv", policy)
    r50, s50 = percentile(real, 0.5), percentile(sim, 0.5)
    print(f"{policy:14} {len(real):>4}/{len(sim):<3} {r50:8.3f} {s50:8.3f} "
          f"{100 * (s50 - r50) / r50:+7.1f}% {percentile(real, 0.9):8.3f} {percentile(sim, 0.9):8.3f} "
          f"{percentile(real, 0.99):8.3f} {percentile(sim, 0.99):8.3f}")
EOF_PY
