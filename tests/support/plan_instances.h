// Random planning instances of realistic shape for tests and benchmarks: a cluster of CPU-only
// nodes and GPU nodes of two models (A100, V100), and jobs that are small DAGs — a CPU data step
// fanning out to GPU training steps (faster on A100) that join into an evaluation step and an
// inference step. Durations are whole minutes; the same shape and seed give the same instance.
#pragma once

#include <cstdint>
#include <vector>

#include "core/cluster.h"
#include "core/task.h"

namespace fulcrum {

struct InstanceShape {
  size_t tasks = 20;
  size_t nodes = 5;
  uint64_t seed = 1;
  int max_replicas = 1;      // > 1: some training steps are gangs of up to this many replicas
  bool dependencies = true;  // false: independent tasks (batch placement)
  bool small_nodes = false;  // 2-GPU / 8-core nodes, for tiny instances with contention
  // 1-GPU / 4-core nodes and tasks of 3 cores (and 1 GPU when they need one), no gangs: every
  // node runs one task at a time (the case the disjunctive formulation is exact for).
  bool unary_nodes = false;
};

struct PlanInstance {
  Cluster cluster;
  std::vector<Task> tasks;
};

PlanInstance generate_plan_instance(const InstanceShape& shape);

}  // namespace fulcrum
