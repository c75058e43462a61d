#!/usr/bin/python3
"""Fits `fulcrum sim route`'s ingest model (docs/simulator.md) to a real run's logs.

    bench/route_sim_calibrate.py E2E_DIR START_S DURATION_S RATE_SCALE [SPEED]

E2E_DIR is bench/llm_routing.sh's output of a `trace` run (route_sim_validation.sh keeps it in
OUT/e2e): the load generator's CSV per policy and logs/trace-POLICY/ with the gateway's access log
and each replica's request log. Prints the flags:
  --arrival-jitter-ms   from the spread of request heads in the gateway's access log within each
                        burst of requests sharing a timestamp (uniform spread: range x (n+1)/(n-1));
  --relay-us-per-token  the grid value whose simulated queue times, relative to the first of their
                        burst, are nearest (mean absolute difference over 3 seeds) to the replicas'
                        logged ones under round_robin;
  --inspect-us-per-token the same for prefix_aware, given the relay.
"""
import collections
import csv
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fulcrum = os.path.join(os.environ.get("BUILD_DIR", os.path.join(root, "build")), "fulcrum")
e2e, start, duration, scale = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
speed = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
profile = os.path.join(root, "examples/emulator/llama-3.1-8b-h100.yaml")
relay_grid = [0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.20]
inspect_grid = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]


def arrivals(policy):
    path = glob.glob(f"{e2e}/trace-{policy}-x*.csv")[0]
    with open(path, newline="") as handle:
        return {int(row["index"]): float(row["arrival_s"]) for row in csv.DictReader(handle)}


def bursts(arrival):
    groups = collections.defaultdict(list)
    for index, at in arrival.items():
        groups[at].append(index)
    return list(groups.values())


def relative(delays, groups):
    """Each request's delay after the least delayed of its burst, in milliseconds."""
    out = {}
    for group in groups:
        least = min(delays[index] for index in group)
        for index in group:
            out[index] = (delays[index] - least) * 1000
    return out


def logged_delays(policy, arrival):
    queued = {}
    replica_of = {}
    for path in glob.glob(f"{e2e}/logs/trace-{policy}/requests-r*.jsonl"):
        with open(path) as handle:
            for line in handle:
                record = json.loads(line)
                index = int(record["request_id"])
                queued[index] = record["queued_s"]
                replica_of[index] = path
    # Each replica's clock starts when it was launched: on each, the send times are the trace's
    # model times plus an offset, taken as the least delay on that replica (its fastest request).
    offsets = collections.defaultdict(lambda: float("inf"))
    for index, path in replica_of.items():
        offsets[path] = min(offsets[path], queued[index] - arrival[index] / scale)
    return {index: queued[index] - arrival[index] / scale - offsets[replica_of[index]]
            for index in arrival}


def head_jitter_ms(policy, arrival):
    heads = {}
    with open(f"{e2e}/logs/trace-{policy}/access.jsonl") as handle:
        for line in handle:
            record = json.loads(line)
            when = datetime.datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
            heads[int(record["request_id"])] = when.timestamp() * speed  # model seconds
    estimates = []
    for group in bursts(arrival):
        if len(group) > 2:
            spread = max(heads[i] for i in group) - min(heads[i] for i in group)
            estimates.append(spread * (len(group) + 1) / (len(group) - 1) * 1000)
    return sum(estimates) / len(estimates)


def simulated_delays(policy, flags, seed, out):
    subprocess.run([fulcrum, "sim", "route", "--trace", "mooncake", "--start-s", start,
                    "--duration-s", duration, "--rate-scale", str(scale), "--replicas", "4",
                    "--profile", profile, "--policy", policy, "--csv", out, "--quiet",
                    "--seed", str(seed)] + flags, check=True, stdout=subprocess.DEVNULL)
    with open(f"{out}/route_requests.csv", newline="") as handle:
        return {int(row["index"]): float(row["queued_s"]) - float(row["arrival_s"])
                for row in csv.DictReader(handle)}


def fit(policy, flag, grid, fixed, out):
    arrival = arrivals(policy)
    groups = bursts(arrival)
    real = relative(logged_delays(policy, arrival), groups)
    best = None
    for value in grid:
        flags = fixed + [flag, str(value)]
        error = 0.0
        for seed in (1, 2, 3):
            sim = relative(simulated_delays(policy, flags, seed, out), groups)
            error += sum(abs(sim[i] - real[i]) for i in real) / len(real) / 3
        print(f"  {policy} {flag} {value}: mean |difference| {error:.2f} ms", file=sys.stderr)
        if best is None or error < best[1]:
            best = (value, error)
    return best[0]


with tempfile.TemporaryDirectory() as out:
    jitter = round(head_jitter_ms("round_robin", arrivals("round_robin")), 1)
    relay = fit("round_robin", "--relay-us-per-token", relay_grid,
                ["--arrival-jitter-ms", str(jitter)], out)
    inspect = fit("prefix_aware", "--inspect-us-per-token", inspect_grid,
                  ["--arrival-jitter-ms", str(jitter), "--relay-us-per-token", str(relay)], out)
print(f"--arrival-jitter-ms {jitter} --relay-us-per-token {relay} --inspect-us-per-token {inspect}")
