#!/usr/bin/env bash
# LLM routing end to end: REPLICAS `fulcrum emulate` processes (Llama 3.1 8B on one H100 each)
# behind `fulcrum gateway`, every routing policy on the same requests, fresh replicas per policy.
#
#   bench/llm_routing.sh [trace|tenants|all]      (after `make build`; docs/performance.md)
#
# trace:   a slice of the Mooncake conversation trace (TRACE_START_S, TRACE_DURATION_S). Capacity is
#          measured first: the slice offered at CAPACITY_SCALE times its rate through round_robin;
#          completed requests per modeled second at that overload are the fleet's capacity. The
#          slice is then replayed at LOAD_FRACTION (0.8) of that capacity for every policy.
# tenants: the llm-d benchmark's shape from llm_loadgen --trace tenants: TENANTS tenants, each with
#          a CONTEXT_TOKENS shared context, QUESTION_TOKENS questions, at each of RATES (requests per
#          modeled second) for TENANT_DURATION_S each, rates run in rising order on one fleet.
# Prints per policy TTFT p50/p90/p99, TPOT p50, e2e p99, output tokens/s, the prefix-cache hit rate
# from the replicas' own /metrics counters (delta over the run), failures, and ratios against
# round_robin and prefix_aware; writes the loadgen CSVs and a PNG of TTFT CDFs to OUT, and per run
# OUT/logs/RUN-POLICY/ with the gateway's access log and each replica's request log (when each
# request, by its X-Request-Id, the trace index, was queued: bench/route_sim_calibrate.py).
# Times are modeled seconds: the emulators run SPEED times faster than real time.
set -euo pipefail

mode=${1:-all}
REPLICAS=${REPLICAS:-4}
SPEED=${SPEED:-2}
POLICIES=${POLICIES:-"round_robin least_connections least_load prefix_aware scored kv_cost"}
TRACE_START_S=${TRACE_START_S:-600}
TRACE_DURATION_S=${TRACE_DURATION_S:-120}
CAPACITY_SCALE=${CAPACITY_SCALE:-8}
LOAD_FRACTION=${LOAD_FRACTION:-0.8}
TENANTS=${TENANTS:-150}
CONTEXT_TOKENS=${CONTEXT_TOKENS:-6144}
QUESTION_TOKENS=${QUESTION_TOKENS:-1200}
TENANT_OUTPUT_TOKENS=${TENANT_OUTPUT_TOKENS:-100}
RATES=${RATES:-"4 8 12 16 24"}
TENANT_DURATION_S=${TENANT_DURATION_S:-30}
BASE_PORT=${BASE_PORT:-19300}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
fulcrum=$build/fulcrum
loadgen=$build/llm_loadgen
profile=$root/examples/emulator/llama-3.1-8b-h100.yaml
out=${OUT:-$build/llm_routing}
work=$(mktemp -d /tmp/fulcrum-llm-routing.XXXXXX)
gateway_port=$BASE_PORT
admin_port=$((BASE_PORT + 1))
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for binary in "$fulcrum" "$loadgen"; do
  [[ -x $binary ]] || { echo "missing $binary: run make build" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "missing curl" >&2; exit 2; }
mkdir -p "$out"
cd "$root"  # the loadgen reads the traces at ../shared/data from here

replica_port() { echo $((BASE_PORT + 10 + $1)); }

wait_for() {  # URL: until it answers 200, at most 10 s
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  exit 1
}

stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

# Fresh replicas (empty KV caches) and a gateway with POLICY in front of them, logging to
# OUT/logs/RUN-POLICY.
start_fleet() {
  local policy=$1 run=$2 config=$work/gateway-$1.yaml port logs=$out/logs/$2-$1
  rm -rf "$logs" && mkdir -p "$logs"
  for port in $gateway_port $admin_port $(for ((r = 0; r < REPLICAS; ++r)); do replica_port $r; done); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
      echo "port $port is taken (another run?): set BASE_PORT" >&2
      exit 1
    fi
  done
  for ((replica = 0; replica < REPLICAS; ++replica)); do
    "$fulcrum" emulate --port "$(replica_port $replica)" --profile "$profile" --speed "$SPEED" \
      --model llama --request-log "$logs/requests-r$replica.jsonl" \
      >"$work/emulator-$replica.log" 2>&1 &
    pids+=($!)
  done
  {
    echo "gateway:"
    echo "  listen: 127.0.0.1:$gateway_port"
    echo "  workers: 1"
    echo "  policy: {policy: $policy}"
    echo "  backends:"
    for ((replica = 0; replica < REPLICAS; ++replica)); do
      echo "    - {name: r$replica, url: \"http://127.0.0.1:$(replica_port $replica)\"}"
    done
    # Scrapes every 100 ms real, i.e. every SPEED/10 modeled seconds.
    echo "  scrape: {path: /metrics, interval: 100ms, timeout: 100ms, stale_after: 1s}"
    echo "  timeouts: {first_byte: 600s, idle: 600s}"
    echo "  limits: {connections: 100000}"
    echo "  admin: {listen: 127.0.0.1:$admin_port}"
    echo "  access_log: $logs/access.jsonl"
  } >"$config"
  "$fulcrum" gateway --config "$config" >"$work/gateway.log" 2>&1 &
  pids+=($!)
  for ((replica = 0; replica < REPLICAS; ++replica)); do
    wait_for "http://127.0.0.1:$(replica_port $replica)/health"
  done
  wait_for "http://127.0.0.1:$admin_port/healthz"
  sleep 0.3  # a first scrape of every replica
}

# "hits queries" summed over the replicas' vllm:prefix_cache_{hits,queries}_total (tokens).
prefix_counters() {
  local hits=0 queries=0 replica line
  for ((replica = 0; replica < REPLICAS; ++replica)); do
    while read -r line; do
      case $line in
        vllm:prefix_cache_hits_total*) hits=$(awk -v a="$hits" -v b="${line##* }" 'BEGIN{print a+b}') ;;
        vllm:prefix_cache_queries_total*) queries=$(awk -v a="$queries" -v b="${line##* }" 'BEGIN{print a+b}') ;;
      esac
    done < <(curl -fsS "http://127.0.0.1:$(replica_port $replica)/metrics")
  done
  echo "$hits $queries"
}

summary_field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1"; }

# One loadgen run against the gateway; appends "policy label SUMMARY... hit_rate_metrics=H" to
# $work/results-<workload>.txt.
run_load() {
  local workload=$1 policy=$2 label=$3
  shift 3
  local before after log=$work/$workload-$policy-$label.log
  before=$(prefix_counters)
  "$loadgen" --target "127.0.0.1:$gateway_port" --speed "$SPEED" --model llama \
    --csv "$out/$workload-$policy-$label.csv" "$@" >"$log" 2>&1 || true
  after=$(prefix_counters)
  local rate
  rate=$(awk -v b="$before" -v a="$after" 'BEGIN{split(b,x," "); split(a,y," ");
    q=y[2]-x[2]; printf "%.4f", (q > 0 ? (y[1]-x[1])/q : 0)}')
  echo "$policy $label $(grep '^SUMMARY' "$log" | cut -d' ' -f2-) metrics_hit_rate=$rate" \
    >>"$work/results-$workload.txt"
}

print_table() {  # results file
  awk '
    function field(line, key,   parts, i) {
      n = split(line, parts, " ")
      for (i = 3; i <= n; ++i) if (index(parts[i], key "=") == 1) return substr(parts[i], length(key) + 2)
      return 0
    }
    { policy[NR] = $1; label[NR] = $2; line[NR] = $0
      if ($1 == "round_robin") rr[$2] = NR
      if ($1 == "prefix_aware") pa[$2] = NR }
    END {
      printf "%-18s %-6s %8s %8s %8s %7s %8s %9s %6s %6s %9s %9s %9s\n", "policy", "run",
        "ttft_p50", "ttft_p90", "ttft_p99", "tpot", "e2e_p99", "tokens/s", "hit", "failed",
        "p99/rr", "p99/pa", "hit/rr"
      for (i = 1; i <= NR; ++i) {
        p99 = field(line[i], "ttft_p99"); hit = field(line[i], "metrics_hit_rate")
        rr_p99 = field(line[rr[label[i]]], "ttft_p99"); pa_p99 = field(line[pa[label[i]]], "ttft_p99")
        rr_hit = field(line[rr[label[i]]], "metrics_hit_rate")
        printf "%-18s %-6s %8.2f %8.2f %8.2f %7.3f %8.1f %9.0f %6.3f %6d %9s %9s %9s\n", policy[i],
          label[i], field(line[i], "ttft_p50"), field(line[i], "ttft_p90"), p99,
          field(line[i], "tpot_p50"), field(line[i], "e2e_p99"), field(line[i], "tokens_per_s"),
          hit, field(line[i], "failed"),
          (rr_p99 > 0 ? sprintf("%.2f", p99 / rr_p99) : "-"),
          (pa_p99 > 0 ? sprintf("%.2f", p99 / pa_p99) : "-"),
          (rr_hit > 0 ? sprintf("%.2f", hit / rr_hit) : "-")
      }
    }' "$1"
}

run_trace() {
  local slice=(--trace mooncake --start-s "$TRACE_START_S" --duration-s "$TRACE_DURATION_S")
  : >"$work/results-capacity.txt"
  start_fleet round_robin capacity
  run_load capacity round_robin x$CAPACITY_SCALE "${slice[@]}" --rate-scale "$CAPACITY_SCALE"
  stop_all
  local ok makespan requests_per_s trace_rate scale
  ok=$(summary_field "$work/results-capacity.txt" ok)
  makespan=$(summary_field "$work/results-capacity.txt" makespan_s)
  requests_per_s=$(awk -v n="$ok" -v t="$makespan" 'BEGIN{printf "%.3f", n / t}')
  trace_rate=$(awk -v n="$(summary_field "$work/results-capacity.txt" requests)" \
    -v t="$TRACE_DURATION_S" 'BEGIN{printf "%.3f", n / t}')
  scale=$(awk -v c="$requests_per_s" -v f="$LOAD_FRACTION" -v r="$trace_rate" \
    'BEGIN{printf "%.3f", c * f / r}')
  echo "Mooncake slice ${TRACE_START_S}s+${TRACE_DURATION_S}s: $trace_rate requests/s; fleet" \
    "capacity (round_robin at ${CAPACITY_SCALE}x): $requests_per_s requests/s;" \
    "replay at ${LOAD_FRACTION} of it: --rate-scale $scale"
  : >"$work/results-trace.txt"
  for policy in $POLICIES; do
    start_fleet "$policy" trace
    run_load trace "$policy" "x$scale" "${slice[@]}" --rate-scale "$scale"
    stop_all
  done
  print_table "$work/results-trace.txt" | tee "$out/trace-table.txt"
}

run_tenants() {
  : >"$work/results-tenants.txt"
  for policy in $POLICIES; do
    start_fleet "$policy" tenants
    local seed=1
    for rate in $RATES; do
      run_load tenants "$policy" "r$rate" --trace tenants --tenants "$TENANTS" \
        --context-tokens "$CONTEXT_TOKENS" --question-tokens "$QUESTION_TOKENS" \
        --output-tokens "$TENANT_OUTPUT_TOKENS" --rate "$rate" \
        --duration-s "$TENANT_DURATION_S" --seed "$seed"
      seed=$((seed + 1))
    done
    stop_all
  done
  echo "llm-d shape: $TENANTS tenants x $CONTEXT_TOKENS-token context, $QUESTION_TOKENS-token" \
    "questions, $TENANT_OUTPUT_TOKENS output tokens, rates (requests/s): $RATES"
  sort -s -k2,2V "$work/results-tenants.txt" >"$work/results-tenants-sorted.txt"
  print_table "$work/results-tenants-sorted.txt" | tee "$out/tenants-table.txt"
}

echo "$REPLICAS replicas of $(basename "$profile") at --speed $SPEED; times in modeled seconds"
case $mode in
  trace) run_trace ;;
  tenants) run_tenants ;;
  all) run_trace; run_tenants ;;
  *) echo "usage: $0 [trace|tenants|all]" >&2; exit 2 ;;
esac
if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  /usr/bin/python3 "$root/bench/plot_ttft_cdf.py" "$out" && echo "plots: $out/*.png"
fi
