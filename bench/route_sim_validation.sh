#!/usr/bin/env bash
# How close `fulcrum sim route` comes to the real thing (docs/simulator.md). A Mooncake slice runs
# through bench/llm_routing.sh (REPLICAS `fulcrum emulate` processes on a real clock, `fulcrum
# gateway`, build/llm_loadgen), and through the simulator with the same rate scale, fleet, profile
# and scrape settings, three ways:
#   trace order   requests picked and queued at their trace time, in trace order (no ingest model);
#   ingest model  --arrival-jitter-ms, --relay-us-per-token, --inspect-us-per-token fitted by
#                 bench/route_sim_calibrate.py on ANOTHER slice's real run (CALIBRATION_START_S),
#                 p50 as the median over SEEDS seeds (the model draws the order of simultaneous
#                 requests), with the least and the greatest;
#   engine replay build/engine_replay: the replica model fed the real run's own engine arrivals
#                 (the replicas' request logs), which isolates the engine model from the routing.
# Prints TTFT p50 of each against the load generator's and the difference.
#
#   bench/route_sim_validation.sh    (after `make build`; on an otherwise quiet machine: the
#                                     emulators keep time with the wall clock)
# INGEST="--arrival-jitter-ms ..." skips the calibration run and uses these flags.
set -euo pipefail

REPLICAS=${REPLICAS:-4}
SPEED=${SPEED:-2}
TRACE_START_S=${TRACE_START_S:-1800}
CALIBRATION_START_S=${CALIBRATION_START_S:-600}
TRACE_DURATION_S=${TRACE_DURATION_S:-60}
SEEDS=${SEEDS:-5}
POLICIES="round_robin prefix_aware"  # the calibration fits one of each kind of picker
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
out=${OUT:-$build/route_sim_validation}
profile=$root/examples/emulator/llama-3.1-8b-h100.yaml
mkdir -p "$out"
[[ -x $build/engine_replay ]] || { echo "missing $build/engine_replay: run make build" >&2; exit 2; }

real_run() {  # START DIR: the slice through the real processes; prints the rate scale
  REPLICAS=$REPLICAS SPEED=$SPEED TRACE_START_S=$1 TRACE_DURATION_S=$TRACE_DURATION_S \
    POLICIES=$POLICIES OUT="$2" BUILD_DIR="$build" bash "$root/bench/llm_routing.sh" trace \
    >"$2.log"
  sed -n 's/.*--rate-scale \([0-9.]*\).*/\1/p' "$2.log"
}

if [[ -z ${INGEST:-} ]]; then
  scale=$(real_run "$CALIBRATION_START_S" "$out/calibration")
  [[ -n $scale ]] || { echo "no rate scale in $out/calibration.log" >&2; exit 1; }
  INGEST=$(BUILD_DIR=$build /usr/bin/python3 "$root/bench/route_sim_calibrate.py" \
    "$out/calibration" "$CALIBRATION_START_S" "$TRACE_DURATION_S" "$scale" "$SPEED" 2>/dev/null)
fi
echo "ingest model (calibrated on ${CALIBRATION_START_S}s+${TRACE_DURATION_S}s): $INGEST"

scale=$(real_run "$TRACE_START_S" "$out/e2e")
[[ -n $scale ]] || { echo "no rate scale in $out/e2e.log" >&2; exit 1; }
echo "validation slice ${TRACE_START_S}s+${TRACE_DURATION_S}s at --rate-scale $scale"

# llm_routing.sh's gateway scrapes every 100 ms and trusts a report for 1 s of real time; the
# emulators run SPEED times faster, so in model time that is SPEED x as long.
sim_run() {  # DIR FLAGS...
  local dir=$1
  shift
  nice -n 19 "$build/fulcrum" sim route --trace mooncake --start-s "$TRACE_START_S" \
    --duration-s "$TRACE_DURATION_S" --rate-scale "$scale" --replicas "$REPLICAS" \
    --profile "$profile" --policy "$(echo "$POLICIES" | tr ' ' ,)" \
    --scrape-interval-ms $((100 * SPEED)) --stale-after-ms $((1000 * SPEED)) \
    --head-latency-ms "$SPEED" --csv "$dir" --quiet "$@" >/dev/null
}
sim_run "$out/sim-trace-order"
for ((seed = 1; seed <= SEEDS; ++seed)); do
  # shellcheck disable=SC2086 # INGEST is a list of flags
  sim_run "$out/sim-ingest-$seed" $INGEST --seed "$seed"
done
for policy in $POLICIES; do
  "$build/engine_replay" --logs "$out/e2e/logs/trace-$policy" --start-s "$TRACE_START_S" \
    --duration-s "$TRACE_DURATION_S" --rate-scale "$scale" --profile "$profile" \
    --csv "$out/engine-replay-$policy.csv"
done

/usr/bin/python3 - "$out" "$scale" $POLICIES <<'EOF_PY' | tee "$out/comparison.txt"
import collections, csv, glob, math, sys
out, scale, policies = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
def percentile(values, fraction):  # nearest rank
    values = sorted(values)
    return values[max(0, min(len(values), math.ceil(fraction * len(values))) - 1)] if values else 0
def rows(path, policy=None):
    with open(path, newline="") as handle:
        return [row for row in csv.DictReader(handle) if policy is None or row["policy"] == policy]
def sim_ttfts(path, policy):
    return [float(row["ttft_s"]) for row in rows(path, policy) if row["ok"] == "1"]
def diff(value, real):
    return f"{100 * (value - real) / real:+.1f}%"
print(f"{'policy':13} {'real_p50':>8} {'trace_order':>18} {'ingest_model (range)':>34} "
      f"{'engine_replay':>18}   p90 real/model/replay")
for policy in policies:
    real_rows = {int(r["index"]): r for r in rows(glob.glob(f"{out}/e2e/trace-{policy}-x*.csv")[0])}
    real = [float(r["ttft_s"]) for r in real_rows.values() if r["ok"] == "1"]
    r50 = percentile(real, 0.5)
    order = percentile(sim_ttfts(f"{out}/sim-trace-order/route_requests.csv", policy), 0.5)
    seeds = sorted(glob.glob(f"{out}/sim-ingest-*/route_requests.csv"))
    model = sorted(percentile(sim_ttfts(path, policy), 0.5) for path in seeds)
    model90 = sorted(percentile(sim_ttfts(path, policy), 0.9) for path in seeds)
    median = model[len(model) // 2]
    # The replay's first tokens are on each replica's clock; the send times on it are the trace's
    # model times plus an offset, taken as the least queueing delay on that replica.
    replay = rows(f"{out}/engine-replay-{policy}.csv")
    offset = collections.defaultdict(lambda: math.inf)
    for row in replay:
        sent = float(real_rows[int(row["index"])]["arrival_s"]) / scale
        offset[row["replica"]] = min(offset[row["replica"]], float(row["queued_s"]) - sent)
    replayed = [float(row["first_token_s"]) - offset[row["replica"]] -
                float(real_rows[int(row["index"])]["arrival_s"]) / scale for row in replay]
    p50 = percentile(replayed, 0.5)
    print(f"{policy:13} {r50:8.3f} {order:8.3f} ({diff(order, r50):>7}) {median:8.3f} ({diff(median, r50):>7}; "
          f"{diff(model[0], r50)} to {diff(model[-1], r50)}) {p50:8.3f} ({diff(p50, r50):>7})   "
          f"{percentile(real, 0.9):.3f}/{model90[len(model90) // 2]:.3f}/{percentile(replayed, 0.9):.3f}")
EOF_PY
