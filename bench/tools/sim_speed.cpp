// sim_speed: how fast the simulator runs.
//   1. the event engine alone: a steady heap of pending events, each handled event scheduling
//      the next (events per second);
//   2. a cluster replay of at least 100,000 jobs: the Alibaba 2023 pod list repeated back to back
//      (each copy shifted by the trace's span) on its node list, per queue + placement.
//
//   sim_speed [--events N] [--pending N] [--jobs N] [--node-sample F] [--queue LIST]
//             [--placement LIST]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/random.h"
#include "sim/alibaba_trace.h"
#include "sim/cluster_replay.h"
#include "sim/event_queue.h"

namespace {

using WallClock = std::chrono::steady_clock;

// Wall time, and this process's CPU time: the machine is shared, so CPU time is the steadier
// measure of the simulator's own cost.
struct Stopwatch {
  WallClock::time_point wall_start = WallClock::now();
  std::clock_t cpu_start = std::clock();
  double wall_s() const {
    return std::chrono::duration<double>(WallClock::now() - wall_start).count();
  }
  double cpu_s() const {
    return static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  }
};

void engine_speed(int64_t events, int64_t pending) {
  fulcrum::Rng rng(1);
  fulcrum::sim::Simulation simulation;
  for (int64_t i = 0; i < pending; ++i) {
    simulation.at(fulcrum::Nanos(static_cast<int64_t>(rng.uniform(1000000))), 0,
                  static_cast<uint64_t>(i));
  }
  int64_t handled = 0;
  uint64_t checksum = 0;
  Stopwatch watch;
  simulation.run([&](const fulcrum::sim::Event& event) {
    checksum += event.subject;
    if (++handled + pending <= events) {
      simulation.after(fulcrum::Nanos(1 + static_cast<int64_t>(rng.uniform(1000000))), 0,
                       event.subject);
    }
  });
  double cpu = watch.cpu_s();
  double wall = watch.wall_s();
  std::printf(
      "engine: %lld events, %lld pending: %.3f s CPU (%.2f M events/s), %.3f s wall (%.2f M/s) "
      "[checksum %llu]\n",
      static_cast<long long>(handled), static_cast<long long>(pending), cpu,
      static_cast<double>(handled) / cpu / 1e6, wall, static_cast<double>(handled) / wall / 1e6,
      static_cast<unsigned long long>(checksum));
}

// The pod list repeated until it has `jobs` jobs, each copy after the previous one's last arrival.
std::vector<fulcrum::sim::SimJob> repeated_trace(const std::vector<fulcrum::sim::SimJob>& trace,
                                                 int64_t jobs) {
  fulcrum::Nanos span{0};
  for (const auto& job : trace) span = std::max(span, job.arrival);
  span += std::chrono::seconds(1);
  std::vector<fulcrum::sim::SimJob> repeated;
  repeated.reserve(static_cast<size_t>(jobs));
  for (int64_t copy = 0; static_cast<int64_t>(repeated.size()) < jobs; ++copy) {
    for (const auto& job : trace) {
      if (static_cast<int64_t>(repeated.size()) >= jobs) break;
      fulcrum::sim::SimJob shifted = job;
      shifted.task.id += "-r" + std::to_string(copy);
      shifted.arrival += span * copy;
      repeated.push_back(std::move(shifted));
    }
  }
  return repeated;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t events = 10'000'000;
  int64_t pending = 10'000;
  int64_t jobs = 100'000;
  double node_sample = 1.0;
  std::string queues = "fifo,easy_backfill,las";
  std::string placements = "first_fit,best_fit,least_loaded";
  std::string data = "../shared/data/alibaba-gpu-v2023/csv/";
  CLI::App app("Simulator speed: engine events/s and a 100,000-job replay");
  app.add_option("--events", events, "Events to handle in the engine test")->capture_default_str();
  app.add_option("--pending", pending, "Events pending at any time")->capture_default_str();
  app.add_option("--jobs", jobs, "Jobs in the replay (the Alibaba pod list repeated)")
      ->capture_default_str();
  app.add_option("--node-sample", node_sample, "Replay on this evenly spread share of the nodes")
      ->capture_default_str();
  app.add_option("--queue", queues, "Queues to time")->capture_default_str();
  app.add_option("--placement", placements, "Placers to time")->capture_default_str();
  app.add_option("--data", data, "Folder of the Alibaba trace CSV files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  engine_speed(events, pending);

  auto cluster = fulcrum::sim::load_alibaba_cluster(data + "openb_node_list_all_node.csv");
  auto trace = fulcrum::sim::load_alibaba_jobs(data + "openb_pod_list_default.csv");
  if (!cluster.ok() || !trace.ok()) {
    std::cerr << "error: " << (cluster.ok() ? trace.error_message() : cluster.error_message())
              << '\n';
    return 2;
  }
  fulcrum::Cluster nodes = fulcrum::sim::sample_nodes(*cluster, node_sample);
  std::vector<fulcrum::sim::SimJob> replayed = repeated_trace(*trace, jobs);
  std::printf("replay: %zu jobs (Alibaba 2023 pod list repeated) on %zu nodes\n", replayed.size(),
              nodes.size());
  for (const std::string& queue : fulcrum::sim::split_policy_list(queues)) {
    for (const std::string& placement : fulcrum::sim::split_policy_list(placements)) {
      fulcrum::sim::ReplayOptions options;
      options.policy.queue = queue;
      options.policy.placement = placement;
      Stopwatch watch;
      auto result = fulcrum::sim::replay_cluster(nodes, replayed, options);
      double cpu = watch.cpu_s();
      double wall = watch.wall_s();
      if (!result.ok()) {
        std::cerr << "error: " << result.error_message() << '\n';
        return 1;
      }
      std::printf("  %-28s %8.3f s CPU %8.3f s wall %10lld events  %lld finished\n",
                  result->policy.label().c_str(), cpu, wall,
                  static_cast<long long>(result->summary.events),
                  static_cast<long long>(result->summary.finished));
    }
  }
  return 0;
}
