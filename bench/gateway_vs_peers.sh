#!/usr/bin/env bash
# Fulcrum's gateway against HAProxy and nginx, measured in the same run on this machine.
#
#   bench/gateway_vs_peers.sh [throughput|idle|accept|all]
#
# Throughput: two nginx backends (1 worker each, tiny body); HAProxy (nbthread 1, leastconn,
# keep-alive to backends), nginx as proxy (1 worker, least_conn, upstream keepalive) and Fulcrum
# (1 worker, least_connections). Each proxy runs on core 0; load generator and backends on core 1.
# wrk -t1 -c32 for DURATION seconds per proxy, ROUNDS rounds interleaved, plus the direct-to-backend
# figure as the limit. Idle: opens IDLE_CONNECTIONS keep-alive connections to each proxy and reports
# the RSS each one grew by (8,000 by default: with an open-file limit of 20,000, HAProxy reserves
# two descriptors per connection and cannot be given maxconn 10,000).
# Accept: two Fulcrum gateways with `workers: 2`, one per accept mode (SO_REUSEPORT sockets per
# worker, or one listening socket shared by both workers), unpinned, wrk -t2 -c$((2 * 32)) against
# each in turn; prints req/s and how the worker threads split the CPU (the busier one's share).
# BASELINE=PATH adds another fulcrum binary (an earlier build) to the throughput rounds, on the same
# core with the same config, and prints fulcrum/baseline: a change's cost measured in one run.
set -euo pipefail

mode=${1:-all}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-8000}
root=$(cd "$(dirname "$0")/.." && pwd)
fulcrum=${FULCRUM:-$root/build/fulcrum}
baseline=${BASELINE:-}
work=$(mktemp -d /tmp/fulcrum-bench.XXXXXX)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in nginx haproxy wrk taskset python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh bench" >&2; exit 2; }
done
[[ -x $fulcrum ]] || { echo "missing $fulcrum: run make build" >&2; exit 2; }
[[ -z $baseline || -x $baseline ]] || { echo "BASELINE=$baseline is not an executable" >&2; exit 2; }

cores=$(nproc)
proxy_core=0
load_core=$((cores > 1 ? 1 : 0))

backend_ports=(19001 19002)
declare -A proxy_port=([direct]=19001 [haproxy]=19100 [nginx]=19101 [fulcrum]=19102
                       [reuseport]=19103 [shared]=19104 [baseline]=19105)
declare -A proxy_pid

# The settings every nginx here shares: one process in the foreground, no logging, long keep-alive.
nginx_preamble() {
  local dir=$1
  cat <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log crit;
events { worker_connections 20000; }
CONF
}

start_nginx_backend() {
  local port=$1 dir=$work/backend-$1
  mkdir -p "$dir"
  { nginx_preamble "$dir"; cat <<CONF
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port reuseport backlog=4096;
    location / { return 200 "ok\n"; }
  }
}
CONF
  } > "$dir/nginx.conf"
  taskset -c "$load_core" nginx -c "$dir/nginx.conf" -p "$dir" &
  pids+=($!)
}

start_haproxy() {
  local dir=$work/haproxy
  mkdir -p "$dir"
  cat > "$dir/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 9000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend bench
  bind 127.0.0.1:${proxy_port[haproxy]}
  default_backend models
backend models
  balance leastconn
  server a 127.0.0.1:${backend_ports[0]}
  server b 127.0.0.1:${backend_ports[1]}
CONF
  taskset -c "$proxy_core" haproxy -f "$dir/haproxy.cfg" -db &
  proxy_pid[haproxy]=$!
  pids+=($!)
}

start_nginx_proxy() {
  local dir=$work/nginx-proxy
  mkdir -p "$dir"
  { nginx_preamble "$dir"; cat <<CONF
http {
  access_log off;
  keepalive_requests 1000000;
  upstream models {
    least_conn;
    server 127.0.0.1:${backend_ports[0]};
    server 127.0.0.1:${backend_ports[1]};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${proxy_port[nginx]} backlog=4096;
    location / {
      proxy_pass http://models;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
  } > "$dir/nginx.conf"
  taskset -c "$proxy_core" nginx -c "$dir/nginx.conf" -p "$dir" &
  proxy_pid[nginx]=$!
  pids+=($!)
}

# start_fulcrum [NAME WORKERS ACCEPT CORES BINARY]: the Fulcrum gateway under test (by default the
# one pinned to the proxy core with one worker).
start_fulcrum() {
  local name=${1:-fulcrum} workers=${2:-1} accept=${3:-reuseport} cores=${4:-$proxy_core}
  local binary=${5:-$fulcrum}
  cat > "$work/$name.yaml" <<CONF
gateway:
  listen: 127.0.0.1:${proxy_port[$name]}
  workers: $workers
  accept: $accept
  policy: {policy: least_connections}
  limits: {connections: 40000}
  backends:
    - http://127.0.0.1:${backend_ports[0]}
    - http://127.0.0.1:${backend_ports[1]}
CONF
  taskset -c "$cores" "$binary" gateway --config "$work/$name.yaml" 2>"$work/$name.log" &
  proxy_pid[$name]=$!
  pids+=($!)
}

wait_for_port() {
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
    sleep 0.05
  done
  echo "nothing answers on port $1" >&2
  exit 1
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# run_wrk PORT [THREADS CONNECTIONS CORES]: prints "rps p50_ms p99_ms" for one wrk run (by
# default the pinned single-thread load of the throughput table).
run_wrk() {
  local threads=${2:-1} connections=${3:-$CONNECTIONS} cores=${4:-$load_core}
  taskset -c "$cores" wrk -t"$threads" -c"$connections" -d"${DURATION}s" --latency \
    "http://127.0.0.1:$1/" |
    awk '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
      /Requests\/sec/ { rps = $2 }
      $1 == "50%" { p50 = ms($2) }
      $1 == "99%" { p99 = ms($2) }
      END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }'
}

throughput() {
  declare -A total_rps total_p50 total_p99
  local names=(direct haproxy nginx fulcrum)
  [[ -n $baseline ]] && names+=(baseline)
  for name in "${names[@]}"; do total_rps[$name]=0; total_p50[$name]=0; total_p99[$name]=0; done
  for round in $(seq 1 "$ROUNDS"); do
    for name in "${names[@]}"; do
      read -r rps p50 p99 < <(run_wrk "${proxy_port[$name]}")
      echo "round $round $name: $rps req/s, p50 $p50 ms, p99 $p99 ms" >&2
      total_rps[$name]=$(echo "${total_rps[$name]} + $rps" | bc -l)
      total_p50[$name]=$(echo "${total_p50[$name]} + $p50" | bc -l)
      total_p99[$name]=$(echo "${total_p99[$name]} + $p99" | bc -l)
    done
  done
  echo
  printf "%-10s %12s %10s %10s %10s\n" proxy "req/s" "p50 ms" "p99 ms" "RSS KiB"
  for name in "${names[@]}"; do
    local rss="-"
    [[ $name != direct ]] && rss=$(rss_kb "${proxy_pid[$name]}")
    printf "%-10s %12.0f %10.3f %10.3f %10s\n" "$name" \
      "$(echo "${total_rps[$name]} / $ROUNDS" | bc -l)" \
      "$(echo "${total_p50[$name]} / $ROUNDS" | bc -l)" \
      "$(echo "${total_p99[$name]} / $ROUNDS" | bc -l)" "$rss"
  done
  echo
  printf "fulcrum/haproxy rps: %.2f   fulcrum/nginx rps: %.2f   fulcrum/direct rps: %.2f\n" \
    "$(echo "${total_rps[fulcrum]} / ${total_rps[haproxy]}" | bc -l)" \
    "$(echo "${total_rps[fulcrum]} / ${total_rps[nginx]}" | bc -l)" \
    "$(echo "${total_rps[fulcrum]} / ${total_rps[direct]}" | bc -l)"
  printf "fulcrum/haproxy p99: %.2f   fulcrum/nginx p99: %.2f\n" \
    "$(echo "${total_p99[fulcrum]} / ${total_p99[haproxy]}" | bc -l)" \
    "$(echo "${total_p99[fulcrum]} / ${total_p99[nginx]}" | bc -l)"
  if [[ -n $baseline ]]; then
    printf "fulcrum/baseline rps: %.3f   fulcrum/baseline p99: %.3f   (baseline: %s)\n" \
      "$(echo "${total_rps[fulcrum]} / ${total_rps[baseline]}" | bc -l)" \
      "$(echo "${total_p99[fulcrum]} / ${total_p99[baseline]}" | bc -l)" "$baseline"
  fi
}

# "TID TICKS" for every thread of process $1 (user + system clock ticks).
thread_ticks() {
  for stat in /proc/"$1"/task/*/stat; do
    awk '{ sub(/^.*\) /, ""); print FILENAME, $12 + $13 }' "$stat" 2>/dev/null
  done
}

accept_modes() {
  local all_cores="0-$((cores - 1))" name
  start_fulcrum reuseport 2 reuseport "$all_cores"
  start_fulcrum shared 2 shared "$all_cores"
  wait_for_port "${proxy_port[reuseport]}"
  wait_for_port "${proxy_port[shared]}"
  declare -A total_rps total_share
  for name in reuseport shared; do total_rps[$name]=0; total_share[$name]=0; done
  for round in $(seq 1 "$ROUNDS"); do
    for name in reuseport shared; do
      thread_ticks "${proxy_pid[$name]}" | sort > "$work/ticks-before"
      local rps p50 p99 share
      read -r rps p50 p99 < <(run_wrk "${proxy_port[$name]}" 2 $((2 * CONNECTIONS)) "$all_cores")
      thread_ticks "${proxy_pid[$name]}" | sort > "$work/ticks-after"
      # The two busiest threads are the workers; the busier one's share of their CPU.
      share=$(join "$work/ticks-before" "$work/ticks-after" | awk '{ print $3 - $2 }' |
        sort -rn | head -2 | awk '{ t[NR] = $1 } END { s = t[1] + t[2]; printf "%.3f\n", (s > 0 ? t[1] / s : 0) }')
      echo "round $round $name: $rps req/s, p50 $p50 ms, p99 $p99 ms, busier worker $share of worker CPU" >&2
      total_rps[$name]=$(echo "${total_rps[$name]} + $rps" | bc -l)
      total_share[$name]=$(echo "${total_share[$name]} + $share" | bc -l)
    done
  done
  echo
  printf "%-10s %12s %22s\n" accept "req/s" "busier worker share"
  for name in reuseport shared; do
    printf "%-10s %12.0f %22.3f\n" "$name" "$(echo "${total_rps[$name]} / $ROUNDS" | bc -l)" \
      "$(echo "${total_share[$name]} / $ROUNDS" | bc -l)"
  done
  printf "shared/reuseport rps: %.2f\n" "$(echo "${total_rps[shared]} / ${total_rps[reuseport]}" | bc -l)"
}

idle() {
  echo
  printf "%-10s %14s %14s %18s\n" proxy "RSS before KiB" "RSS after KiB" "bytes/connection"
  for name in haproxy nginx fulcrum; do
    local pid=${proxy_pid[$name]} before after
    before=$(rss_kb "$pid")
    python3 "$root/bench/idle_connections.py" "${proxy_port[$name]}" "$IDLE_CONNECTIONS" "$pid" \
      > "$work/idle-$name.txt"
    after=$(cat "$work/idle-$name.txt")
    printf "%-10s %14s %14s %18.0f\n" "$name" "$before" "$after" \
      "$(echo "($after - $before) * 1024 / $IDLE_CONNECTIONS" | bc -l)"
  done
}

ulimit -n 65536 2>/dev/null || true
for port in "${backend_ports[@]}"; do start_nginx_backend "$port"; done
start_haproxy
start_nginx_proxy
start_fulcrum
[[ -n $baseline ]] && start_fulcrum baseline 1 reuseport "$proxy_core" "$baseline"
for port in "${backend_ports[@]}" "${proxy_port[haproxy]}" "${proxy_port[nginx]}" "${proxy_port[fulcrum]}"; do
  wait_for_port "$port"
done
[[ -n $baseline ]] && wait_for_port "${proxy_port[baseline]}"
echo "proxy on core $proxy_core; wrk and backends on core $load_core; ${DURATION}s x ${ROUNDS} rounds, wrk -t1 -c$CONNECTIONS"
case $mode in
  throughput) throughput ;;
  idle) idle ;;
  accept) accept_modes ;;
  all) throughput; idle; accept_modes ;;
  *) echo "usage: $0 [throughput|idle|accept|all]" >&2; exit 2 ;;
esac
