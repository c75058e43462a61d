// place() for every registered placer at 100 and 10,000 nodes, in steady state: each iteration
// places one task on a partly loaded cluster and releases it again, so it includes least_loaded's
// index sync from the cluster journal. Time per iteration = ns per placement.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/random.h"
#include "placement/registry.h"

namespace fulcrum {
namespace {

constexpr int64_t kGi = int64_t{1} << 30;

enum class TaskKind { kCpu, kGpu };

const char* kind_name(TaskKind kind) { return kind == TaskKind::kCpu ? "cpu" : "gpu"; }

ResourceVector cores_and_memory(int64_t cores, int64_t memory_gi) {
  ResourceVector vector;
  vector.cpu_millis = cores * 1000;
  vector.memory_bytes = memory_gi * kGi;
  return vector;
}

// A quarter CPU-only nodes, the rest 8-GPU nodes of two models.
Node bench_node(int number) {
  std::string id = "n" + std::to_string(number);
  if (number % 4 == 0) return Node::with_capacity(id, cores_and_memory(32, 128));
  return Node::with_capacity(id, cores_and_memory(64, 512), 8, number % 2 == 0 ? "A100" : "V100");
}

// Work already running: up to 60% of each node's cpu and memory, up to half its GPUs.
Task filler_for(const Node& node, Rng& rng) {
  Task filler;
  filler.id = "filler-" + node.id;
  filler.demand.cpu_millis = static_cast<int64_t>(rng.uniform01() * 0.6 * node.capacity.cpu_millis);
  filler.demand.memory_bytes =
      static_cast<int64_t>(rng.uniform01() * 0.6 * node.capacity.memory_bytes);
  filler.demand.gpu_milli =
      kGpuMilliPerDevice * static_cast<int64_t>(rng.uniform(node.gpus.count() / 2 + 1));
  return filler;
}

Cluster partly_loaded_cluster(int node_count) {
  Cluster cluster;
  Rng rng(42);
  for (int number = 0; number < node_count; ++number) {
    if (!cluster.add_node(bench_node(number)).ok()) return cluster;
    const Node& node = cluster.node(cluster.size() - 1);
    (void)cluster.allocate(cluster.size() - 1, filler_for(node, rng));
  }
  return cluster;
}

Task bench_task(TaskKind kind) {
  Task task;
  task.id = "bench";
  task.demand = kind == TaskKind::kCpu ? cores_and_memory(2, 8) : cores_and_memory(4, 32);
  if (kind == TaskKind::kGpu) {
    task.demand.gpu_milli = kGpuMilliPerDevice;
    task.gpu_model = "A100";
  }
  return task;
}

// Places the task and releases what it got; false when it could not be placed.
bool place_and_release(Placer& placer, Cluster& cluster, const std::vector<Task>& tasks) {
  Placement placement = placer.place(cluster, tasks);
  for (const Assignment& assignment : placement.assignments) cluster.release(assignment);
  return placement.all_placed();
}

void bm_place(benchmark::State& state, const std::string& policy, int node_count, TaskKind kind) {
  auto placer = make_placer(policy);
  if (!placer.ok()) {
    state.SkipWithError(placer.error_message().c_str());
    return;
  }
  Cluster cluster = partly_loaded_cluster(node_count);
  std::vector<Task> tasks = {bench_task(kind)};
  if (!place_and_release(**placer, cluster, tasks)) {  // warm-up: builds indexes
    state.SkipWithError("the benchmark task does not fit");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(place_and_release(**placer, cluster, tasks));
  }
}

const bool kRegistered = [] {
  for (const PlacerEntry& entry : placer_registry()) {
    for (int node_count : {100, 10000}) {
      for (TaskKind kind : {TaskKind::kCpu, TaskKind::kGpu}) {
        std::string name =
            "place/" + entry.name + "/" + kind_name(kind) + "/nodes:" + std::to_string(node_count);
        benchmark::RegisterBenchmark(name.c_str(), bm_place, entry.name, node_count, kind);
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace fulcrum
