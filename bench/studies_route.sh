#!/usr/bin/env bash
# Simulator study: every routing policy side by side on the Mooncake and Azure LLM traces, with
# `fulcrum sim route` (virtual time, the emulator's engine model, the gateway's pickers). Regenerates
# the "Simulator: routing policies on the Mooncake and Azure traces" section of docs/performance.md
# and its TTFT CDF plots in docs/img/.
#
#   bench/studies_route.sh        (after `make build`; needs python3-matplotlib for the plots)
#   SECTION_ONLY=1 bench/studies_route.sh   rewrites the section from the last run's files in OUT
#
# Load follows bench/llm_routing.sh: the fleet's capacity is measured first (the trace offered at
# CAPACITY_SCALE times its rate through round_robin: completed requests per second), then the trace
# is replayed at LOAD_FRACTION of that capacity for every policy. Load scrapes as in that benchmark
# (every SCRAPE_MS modeled milliseconds). The autoscaling table runs AUTOSCALE_POLICIES on the
# first AUTOSCALE_DURATION_S seconds of Mooncake with an autoscaled fleet against fixed fleets
# (each fixed fleet searched is a whole run, and the small ones are overloaded and slow).
set -euo pipefail

REPLICAS=${REPLICAS:-4}
CAPACITY_SCALE=${CAPACITY_SCALE:-8}
LOAD_FRACTION=${LOAD_FRACTION:-0.8}
SCRAPE_MS=${SCRAPE_MS:-500}
STALE_MS=${STALE_MS:-5000}
SEED=${SEED:-1}
AUTOSCALE_POLICIES=${AUTOSCALE_POLICIES:-"kv_cost"}
AUTOSCALE_DURATION_S=${AUTOSCALE_DURATION_S:-900}
AUTOSCALE_FLAGS=${AUTOSCALE_FLAGS:-"--autoscale-signal kv --scale-out-above 0.35 --scale-in-below 0.15 --window-s 30 --cooldown-s 60 --startup-s 60 --autoscale-interval-s 10 --min-replicas 2 --max-replicas 8"}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
fulcrum=$build/fulcrum
out=${OUT:-$build/studies_route}
profile=examples/emulator/llama-3.1-8b-h100.yaml
doc=$root/docs/performance.md
images=$root/docs/img

[[ -x $fulcrum ]] || { echo "missing $fulcrum: run make build" >&2; exit 2; }
mkdir -p "$out" "$images"
cd "$root"  # the traces are read at ../shared/data from here

fleet=(--replicas "$REPLICAS")
common=(--profile "$profile" --scrape-interval-ms "$SCRAPE_MS"
        --stale-after-ms "$STALE_MS" --seed "$SEED" --quiet)

field() {  # CSV HEADER_NAME ROW_NUMBER(1-based, after the header)
  awk -F, -v name="$2" -v row="$3" 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == name) c = i }
    NR == row + 1 { print $c }' "$1"
}

# Requests per second the trace offers, and the fleet's capacity: completions per second of
# round_robin with the trace CAPACITY_SCALE times faster.
rate_scale_for() {  # TRACE
  local trace=$1 dir=$out/$1-capacity
  "$fulcrum" sim route --trace "$trace" "${common[@]}" "${fleet[@]}" --policy round_robin --csv "$dir" \
    --rate-scale "$CAPACITY_SCALE" >"$dir.log"
  awk -F, -v scale="$CAPACITY_SCALE" -v load="$LOAD_FRACTION" '
    NR == 1 { for (i = 1; i <= NF; ++i) column[$i] = i; next }
    $column["ok"] == 1 {
      ++done
      end = $column["arrival_s"] + $column["e2e_s"]
      if (end > last) last = end
      if ($column["arrival_s"] > last_arrival) last_arrival = $column["arrival_s"]
    }
    END {
      capacity = done / last                       # requests per second at overload
      offered = NR - 1                             # requests in the trace ...
      native = offered / (last_arrival * scale)    # ... per second of the trace itself
      printf "%.4f %.4f %.4f\n", load * capacity / native, capacity, native
    }' "$dir/route_requests.csv"
}

run_trace() {  # TRACE -> $out/TRACE/{route_summary.csv,...}, $images/sim_route_TRACE_ttft_cdf.png
  local trace=$1
  read -r scale capacity native < <(rate_scale_for "$trace")
  echo "$trace: capacity $capacity requests/s, trace $native requests/s, rate scale $scale" >&2
  "$fulcrum" sim route --trace "$trace" "${common[@]}" "${fleet[@]}" --rate-scale "$scale" \
    --csv "$out/$trace" --plots "$out/$trace" >"$out/$trace.log"
  cp "$out/$trace/route_ttft_cdf.png" "$images/sim_route_${trace}_ttft_cdf.png"
  echo "$scale $capacity $native" >"$out/$trace.load"
}

# The same load on so many replicas that nothing queues: each request's TTFT is its own prefill,
# the floor no routing policy of a REPLICAS fleet can go under.
run_floor() {  # TRACE
  local trace=$1 scale
  read -r scale _ < "$out/$trace.load"
  "$fulcrum" sim route --trace "$trace" "${common[@]}" --replicas 64 \
    --rate-scale "$scale" --policy least_connections --csv "$out/$trace-floor" >"$out/$trace-floor.log"
}

# "best policy, its p99, p99 / round_robin, p99 / prefix_aware" from a summary CSV.
goal_line() {  # CSV
  awk -F, '
    NR == 1 { for (i = 1; i <= NF; ++i) c[$i] = i; next }
    { p99[$c["policy"]] = $c["ttft_p99_s"]
      if (best == "" || $c["ttft_p99_s"] < p99[best]) best = $c["policy"] }
    END { printf "%s %.3f %.3f %.3f\n", best, p99[best], p99[best] / p99["round_robin"],
          p99[best] / p99["prefix_aware"] }' "$1"
}

run_autoscale() {
  local scale
  read -r scale _ < "$out/mooncake.load"
  # shellcheck disable=SC2086 # AUTOSCALE_FLAGS is a list of flags
  "$fulcrum" sim route --trace mooncake --duration-s "$AUTOSCALE_DURATION_S" "${common[@]}" \
    "${fleet[@]}" --rate-scale "$scale" --policy "$(echo "$AUTOSCALE_POLICIES" | tr ' ' ,)" --autoscale $AUTOSCALE_FLAGS \
    --csv "$out/autoscale" >"$out/autoscale.log"
}

# The summary CSV as a markdown table, with p99 TTFT ratios against round_robin and prefix_aware.
summary_table() {  # CSV
  awk -F, '
    NR == 1 { for (i = 1; i <= NF; ++i) c[$i] = i; next }
    { row[NR] = $0; policy[NR] = $c["policy"]; p99[$c["policy"]] = $c["ttft_p99_s"] }
    END {
      print "| policy | TTFT p50 s | p90 s | p99 s | TPOT p50 s | p99 s | e2e p50 s | p99 s | output tok/s | prefix hit | imbalance req / tok | p99 TTFT / round_robin | / prefix_aware |"
      print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
      for (r = 2; r <= NR; ++r) {
        split(row[r], f, ",")
        printf "| %s | %.3f | %.3f | %.3f | %.4f | %.4f | %.2f | %.2f | %.0f | %.3f | %.2f / %.2f | %.2f | %.2f |\n",
          f[c["policy"]], f[c["ttft_p50_s"]], f[c["ttft_p90_s"]], f[c["ttft_p99_s"]],
          f[c["tpot_p50_s"]], f[c["tpot_p99_s"]], f[c["e2e_p50_s"]], f[c["e2e_p99_s"]],
          f[c["output_tokens_per_s"]], f[c["prefix_hit_rate"]], f[c["request_imbalance"]],
          f[c["token_imbalance"]], f[c["ttft_p99_s"]] / p99["round_robin"],
          f[c["ttft_p99_s"]] / p99["prefix_aware"]
      }
    }' "$1"
}

autoscale_table() {  # CSV
  awk -F, '
    NR == 1 { for (i = 1; i <= NF; ++i) c[$i] = i; next }
    {
      policy = $c["policy"]; fleet = $c["fleet"]
      if (fleet == "auto") { auto_p99[policy] = $c["ttft_p99_s"]; auto_h[policy] = $c["replica_hours"]; auto_n[policy] = $c["replicas"]; order[++n] = policy }
      if (fleet == "fixed") { fixed_p99[policy] = $c["ttft_p99_s"]; fixed_h[policy] = $c["replica_hours"]; fixed_n[policy] = $c["replicas"] }
      if (fleet == "search" && $c["matches_autoscaled"] == 1) { match_n[policy] = $c["replicas"]; match_p99[policy] = $c["ttft_p99_s"]; match_h[policy] = $c["replica_hours"] }
    }
    END {
      print "| policy | autoscaled p99 TTFT s | replica-hours (most replicas) | fixed fleet of " fixed_n[order[1]] ": p99 s | replica-hours | smallest fixed fleet with p99 <= autoscaled | its p99 s | its replica-hours | replica-hours saved |"
      print "|---|---|---|---|---|---|---|---|---|"
      for (i = 1; i <= n; ++i) {
        p = order[i]
        if (p in match_n)
          printf "| %s | %.2f | %.2f (%d) | %.2f | %.2f | %d | %.2f | %.2f | %.2f (%.0f%%) |\n", p, auto_p99[p], auto_h[p], auto_n[p], fixed_p99[p], fixed_h[p], match_n[p], match_p99[p], match_h[p], match_h[p] - auto_h[p], 100 * (match_h[p] - auto_h[p]) / match_h[p]
        else
          printf "| %s | %.2f | %.2f (%d) | %.2f | %.2f | none up to max_replicas | - | - | - |\n", p, auto_p99[p], auto_h[p], auto_n[p], fixed_p99[p], fixed_h[p]
      }
    }' "$1"
}

if [[ -z ${SECTION_ONLY:-} ]]; then
  run_trace mooncake
  run_trace azure
  run_floor mooncake
  run_autoscale
fi

section=$out/section.md
{
  echo "## Simulator: routing policies on the Mooncake and Azure traces"
  echo
  echo "\`bench/studies_route.sh\` (\`make studies\`): \`fulcrum sim route\` replays each whole trace on"
  echo "$REPLICAS emulated replicas of \`$profile\` (the emulator's engine model in virtual time)"
  echo "with every routing policy of the gateway's registry, fed as the gateway feeds it (in-flight"
  echo "counts, \`/metrics\` scraped every $SCRAPE_MS ms of model time, the load generator's prompt"
  echo "text). As in \`bench/llm_routing.sh\`, the fleet's capacity is measured first (round_robin with"
  echo "the trace ${CAPACITY_SCALE}x faster) and the trace is replayed at ${LOAD_FRACTION} of it."
  echo "Times are model seconds; seed $SEED. Requests that share a timestamp (all of Mooncake's come"
  echo "in bursts on 1,180 timestamps) reach a replica in trace order. How close the simulator is to"
  echo "the real processes, and how much that order matters: docs/simulator.md."
  for trace in mooncake azure; do
    read -r scale capacity native < "$out/$trace.load"
    local_name=$([[ $trace == mooncake ]] && echo "Mooncake conversation trace (FAST'25, 1 hour, 12,031 requests)" || echo "Azure LLM inference trace 2023, conversation (Splitwise, ~1 hour, 19,366 requests)")
    echo
    echo "### $local_name"
    echo
    printf 'Capacity %.2f requests/s; the trace offers %.2f/s; replayed at rate x%.3f.\n\n' \
      "$capacity" "$native" "$scale"
    summary_table "$out/$trace/route_summary.csv"
    echo
    echo "![TTFT CDF per routing policy, $trace](img/sim_route_${trace}_ttft_cdf.png)"
    if [[ $trace == mooncake ]]; then
      read -r best best_p99 versus_rr versus_pa < <(goal_line "$out/$trace/route_summary.csv")
      floor_p99=$(field "$out/mooncake-floor/route_summary.csv" ttft_p99_s 1)
      echo
      printf '**Goal** (p99 TTFT <= 0.5x round_robin and <= 0.85x prefix_aware): the best policy,\n'
      printf '%s, has p99 TTFT %.2f s = %.2fx round_robin (%s) and %.2fx prefix_aware (%s).\n' \
        "$best" "$best_p99" "$versus_rr" "$(awk -v r="$versus_rr" 'BEGIN{print r <= 0.5 ? "met" : "missed"}')" \
        "$versus_pa" "$(awk -v r="$versus_pa" 'BEGIN{print r <= 0.85 ? "met" : "missed"}')"
      floor_ratio=$(awk -v f="$floor_p99" -v b="$best_p99" -v r="$versus_rr" 'BEGIN{printf "%.2f", f / (b / r)}')
      echo "The same requests on 64 replicas, where nothing queues, have p99 TTFT $(printf %.2f "$floor_p99") s"
      echo "(${floor_ratio}x round_robin): the prefill of the longest prompts alone. The rest of a policy's"
      echo "p99 is waiting behind other prompts' prefills on $REPLICAS replicas, which is where the policies"
      echo "differ; prefix-cache hits stay few (each replica's KV cache holds about 430k tokens, less than"
      echo "the conversations put through it between two turns)."
    fi
  done
  echo
  echo "### Autoscaling on the first $AUTOSCALE_DURATION_S s of the Mooncake trace"
  echo
  echo "Monitor loop: \`$AUTOSCALE_FLAGS\` (docs/simulator.md). The fixed fleets are searched from"
  echo "min_replicas up for the first whose p99 TTFT is no worse than the autoscaled fleet's."
  echo
  autoscale_table "$out/autoscale/route_autoscale.csv"
} >"$section"

python3 - "$doc" "$section" <<'EOF'
import sys
doc_path, section_path = sys.argv[1], sys.argv[2]
doc = open(doc_path).read()
section = open(section_path).read().rstrip("\n") + "\n"
heading = "## Simulator: routing policies on the Mooncake and Azure traces"
start = doc.find(heading)
if start < 0:
    doc = doc.rstrip("\n") + "\n\n" + section
else:
    end = doc.find("\n## ", start + len(heading))
    rest = doc[end + 1:] if end >= 0 else ""
    doc = doc[:start] + section + ("\n" + rest if rest else "")
open(doc_path, "w").write(doc)
EOF
echo "updated $doc ($out)" >&2
