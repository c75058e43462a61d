#!/usr/bin/env python3
"""Does `placement: milp` keep the scheduler's API responsive while CBC solves a batch?

Starts `fulcrum scheduler` (simulated executor) with placement: milp, registers NODES nodes of 8
cores, submits TASKS tasks of 1-6 cores in one batch (so every batch of window_count tasks is a
real model for CBC), and while batches are being solved sends GET /healthz and GET /v1/tasks?limit=1
back to back from one client, recording each request's latency. Prints the latency percentiles,
the solve times from /metrics and how many requests were served while a solve ran.

usage: scheduler_milp_latency.py FULCRUM [NODES [TASKS [TIME_LIMIT]]]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request


def call(port, method, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=body.encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    fulcrum = sys.argv[1]
    nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    tasks = int(sys.argv[3]) if len(sys.argv) > 3 else 600
    time_limit = float(sys.argv[4]) if len(sys.argv) > 4 else 2
    folder = tempfile.mkdtemp(prefix="milp-latency-")
    config = os.path.join(folder, "scheduler.yaml")
    with open(config, "w") as out:
        out.write(f"""scheduler:
  listen: {{address: 127.0.0.1, port: 0}}
  store: {{path: {folder}/s.db, synchronous: normal}}
  monitor: {{interval: 20ms}}
  executor: {{type: simulated, speed_factor: 1}}
  placement:
    policy: milp
    params: {{window: 100ms, window_count: 100, time_limit: {time_limit}, gap: 0.0001}}
""")
    process = subprocess.Popen([fulcrum, "scheduler", "--config", config],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        port = int(line.split("listening on 127.0.0.1:")[1].split()[0])
        for index in range(nodes):
            call(port, "POST", "/v1/nodes",
                 json.dumps({"id": f"n{index}", "cpu": 8, "memory": "64Gi"}))
        rng = random.Random(7)
        batch = [{"id": f"t{index}", "cpu": rng.randint(1, 6), "memory": "1Gi",
                  "priority": rng.randint(0, 9), "duration_ms": rng.randint(60000, 600000)}
                 for index in range(tasks)]
        call(port, "POST", "/v1/tasks", json.dumps({"tasks": batch}))
        latencies = []
        started = time.monotonic()
        while time.monotonic() - started < 3 * time_limit + 2:
            for path in ("/healthz", "/v1/tasks?limit=1"):
                begin = time.monotonic()
                call(port, "GET", path)
                latencies.append((time.monotonic() - begin) * 1000)
        metrics = call(port, "GET", "/metrics")
    finally:
        process.terminate()
        process.wait()
    solve_lines = [line for line in metrics.splitlines()
                   if line.startswith("fulcrum_scheduler_milp") and "_bucket" not in line]
    print(f"{nodes} nodes, {tasks} tasks, window_count 100, time_limit {time_limit} s")
    print(f"API requests during the solves: {len(latencies)}, latency ms p50 "
          f"{percentile(latencies, 0.5):.2f}, p99 {percentile(latencies, 0.99):.2f}, "
          f"max {max(latencies):.2f}")
    for line in solve_lines:
        print(line)


if __name__ == "__main__":
    main()
