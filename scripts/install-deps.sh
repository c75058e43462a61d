#!/usr/bin/env bash
# Installs the Debian 12 packages Fulcrum needs. Idempotent: when everything is present it only
# checks, and it runs `apt-get update` only when something is missing.
#   scripts/install-deps.sh          build and test dependencies
#   scripts/install-deps.sh bench    also the peers the benchmarks run (HAProxy, nginx, wrk) and
#                                    matplotlib for the plots of the studies
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  clang-format clang-tidy clang libclang-rt-14-dev
  libboost1.81-dev libcli11-dev libyaml-cpp-dev libspdlog-dev libsqlite3-dev
  coinor-libcbc-dev glpk-utils libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ ${1:-} == bench ]]; then
  packages+=(haproxy nginx-light wrk bc python3 python3-matplotlib curl util-linux)
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
