#!/bin/sh
# Builds and runs the simulator speed benchmark: events per second of the engine, and the replay
# time of 100,000 jobs (the Alibaba 2023 pod list repeated) per queue + placement. Arguments go to
# sim_speed (--events N, --pending N, --jobs N, --node-sample F, --queue LIST, --placement LIST).
# Run from anywhere; the trace is read from ../shared/data relative to the project root.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-"$root/build"}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j 2 --target sim_speed
cd "$root"
"$build/sim_speed" "$@"
