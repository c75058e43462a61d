#!/bin/sh
# Builds and runs the optimizer benchmark: generated DAG and batch instances of 20..1000 tasks on
# 5..200 nodes, every planner side by side in the same run. Arguments go to optimizer_bench
# (--seeds N, --sizes 20x5,100x20, --contended-sizes 20x2,100x5, --milp-time S,
# --large-milp-time S); a second DAG table runs the contended family (a quarter of the nodes).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-"$root/build"}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j 2 --target optimizer_bench
"$build/optimizer_bench" "$@"
