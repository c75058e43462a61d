// Small builders for placement tests: nodes, tasks and random clusters with fixed seeds.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/cluster.h"
#include "core/random.h"
#include "core/task.h"
#include "placement/placer.h"

namespace fulcrum {

// Readable failure messages for resource vectors ("cpu=2 mem=8Gi").
inline void PrintTo(const ResourceVector& vector, std::ostream* out) { *out << vector.to_string(); }

}  // namespace fulcrum

namespace fulcrum::testing {

inline constexpr int64_t kGi = int64_t{1} << 30;

inline ResourceVector cores_and_memory(int64_t cores, int64_t memory_gi) {
  ResourceVector vector;
  vector.cpu_millis = cores * 1000;
  vector.memory_bytes = memory_gi * kGi;
  return vector;
}

inline Node cpu_node(std::string id, int64_t cores, int64_t memory_gi) {
  return Node::with_capacity(std::move(id), cores_and_memory(cores, memory_gi));
}

inline Node gpu_node(std::string id, int64_t cores, int64_t memory_gi, int gpus,
                     std::string model) {
  return Node::with_capacity(std::move(id), cores_and_memory(cores, memory_gi), gpus,
                             std::move(model));
}

inline Task make_task(std::string id, int64_t cpu_millis, int64_t memory_gi, int64_t gpu_milli = 0,
                      std::string gpu_model = "", int replicas = 1) {
  Task task;
  task.id = std::move(id);
  task.demand.cpu_millis = cpu_millis;
  task.demand.memory_bytes = memory_gi * kGi;
  task.demand.gpu_milli = gpu_milli;
  task.gpu_model = std::move(gpu_model);
  task.replicas = replicas;
  return task;
}

inline Cluster cluster_of(std::vector<Node> nodes) {
  Cluster cluster;
  for (Node& node : nodes) {
    Status status = cluster.add_node(std::move(node));
    EXPECT_TRUE(status.ok()) << status.to_string();
  }
  return cluster;
}

inline std::vector<std::string> node_ids_of(const Placement& placement) {
  std::vector<std::string> ids;
  for (const Assignment& assignment : placement.assignments) ids.push_back(assignment.node_id);
  return ids;
}

// Brute force: some node of the cluster can host one replica of `task`.
inline bool any_node_can_host(const Cluster& cluster, const Task& task) {
  for (size_t node_index = 0; node_index < cluster.size(); ++node_index) {
    if (cluster.can_host(node_index, task)) return true;
  }
  return false;
}

inline const char* const kGpuModels[] = {"A100", "V100"};

// A node with random capacity: CPU-only or 1-8 GPUs of one of two models, sometimes an "rdma"
// extended resource, sometimes not up.
inline Node random_node(Rng& rng, int number) {
  int64_t cores = 2 + static_cast<int64_t>(rng.uniform(63));
  int64_t memory_gi = 4 + static_cast<int64_t>(rng.uniform(253));
  std::string id = "n" + std::to_string(number);
  Node node = rng.uniform(3) == 0
                  ? cpu_node(id, cores, memory_gi)
                  : gpu_node(id, cores, memory_gi, 1 + static_cast<int>(rng.uniform(8)),
                             kGpuModels[rng.uniform(2)]);
  if (rng.uniform(4) == 0) {
    node.capacity.extended["rdma"] = 1 + static_cast<int64_t>(rng.uniform(4));
  }
  if (rng.uniform(10) == 0) node.state = NodeState::kCordoned;
  node.weight = 1 + static_cast<int>(rng.uniform(3));
  return node;
}

inline Cluster random_cluster(Rng& rng, int node_count) {
  std::vector<Node> nodes;
  for (int number = 0; number < node_count; ++number) nodes.push_back(random_node(rng, number));
  return cluster_of(std::move(nodes));
}

// A task that is CPU-only, a GPU share, or whole GPUs; sometimes a gang, sometimes pinned to a
// GPU model, sometimes asking for "rdma".
inline Task random_task(Rng& rng, int number) {
  int64_t gpu_milli = 0;
  switch (rng.uniform(3)) {
    case 0: break;
    case 1: gpu_milli = 100 * (1 + static_cast<int64_t>(rng.uniform(9))); break;
    default: gpu_milli = 1000 * (1 + static_cast<int64_t>(rng.uniform(4))); break;
  }
  Task task =
      make_task("t" + std::to_string(number), 250 * (1 + static_cast<int64_t>(rng.uniform(64))),
                1 + static_cast<int64_t>(rng.uniform(64)), gpu_milli);
  if (gpu_milli > 0 && rng.uniform(2) == 0) task.gpu_model = kGpuModels[rng.uniform(2)];
  if (rng.uniform(4) == 0) task.replicas = 2 + static_cast<int>(rng.uniform(3));
  if (rng.uniform(6) == 0) task.demand.extended["rdma"] = 1 + static_cast<int64_t>(rng.uniform(2));
  return task;
}

inline std::vector<Task> random_tasks(Rng& rng, int task_count) {
  std::vector<Task> tasks;
  for (int number = 0; number < task_count; ++number) tasks.push_back(random_task(rng, number));
  return tasks;
}

// heft_planner_test's hand-worked graph: two one-GPU nodes, the A100 twice as fast;
// A (10 min) -> {B, C} (20 min each) -> D (10 min), and E (10 min) on its own.
struct HeftHandWorked {
  static constexpr int64_t kMinute = 60'000;
  Cluster cluster =
      cluster_of({gpu_node("fast", 4, 16, 1, "A100"), gpu_node("slow", 4, 16, 1, "V100")});
  std::vector<Task> tasks;
  HeftHandWorked() {
    auto add = [this](const std::string& id, int64_t minutes, std::vector<std::string> after) {
      Task task = make_task(id, 1000, 1, 1000);
      task.estimated_duration_ms = minutes * kMinute;
      task.speed = {{"A100", 2.0}};
      task.depends_on = std::move(after);
      tasks.push_back(task);
    };
    add("A", 10, {});
    add("B", 20, {"A"});
    add("C", 20, {"A"});
    add("D", 10, {"B", "C"});
    add("E", 10, {});
  }
};

}  // namespace fulcrum::testing
