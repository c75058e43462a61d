// Saturation mode (the method of Weng et al., USENIX ATC'23): tasks sampled at random (seeded,
// with replacement) from a trace's pod list arrive one after another on an empty cluster and never
// leave; a task that does not fit is dropped and arrivals go on until their GPU demand reaches
// `arrival_ratio` times the cluster's GPU capacity. Along the way it records how much GPU capacity
// is allocated, unallocated, and unallocated but fragmented (F of gpu_fragmentation.h against the
// pod list's shapes), and the unallocated share when the first task failed to fit.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/cluster.h"
#include "core/status.h"
#include "core/task.h"
#include "placement/placer.h"

namespace fulcrum::sim {

struct SaturationOptions {
  uint64_t seed = 1;
  double arrival_ratio = 1.3;  // arrived GPU demand / cluster GPU capacity at the end
  double curve_step = 0.01;    // a curve point each time arrivals grow by this share
};

// Shares of the cluster's GPU capacity (0..1) after `arrived_share` of it was asked for.
struct SaturationPoint {
  double arrived_share = 0;
  double allocated_share = 0;
  double unallocated_share = 0;
  double fragmented_share = 0;  // unallocated and unusable by the workload's shapes (expected)
  int64_t tasks_arrived = 0;
  int64_t tasks_failed = 0;
};

struct SaturationResult {
  std::string placer;
  int64_t gpu_capacity_milli = 0;
  std::vector<SaturationPoint> curve;  // one point per curve_step of arrivals, then the end
  SaturationPoint final_point;
  // The state just before the first task that did not fit (nullopt: every task fit).
  std::optional<SaturationPoint> at_first_failure;
  std::string first_failed_task;  // its id and why it did not fit
};

// Runs one saturation experiment on a copy of `cluster` (its allocations are the starting point)
// with tasks drawn from `pods`. The placer is given the pods' shapes as its target workload.
// Fails when the cluster has no GPUs, no pod asks for a GPU, or an option is out of range.
Result<SaturationResult> run_saturation(const Cluster& cluster, std::span<const Task> pods,
                                        Placer& placer, const SaturationOptions& options);

// The share of the cluster's GPU capacity that is free but unusable by `profile`'s shapes:
// sum over nodes of F_n(M) / total GPU capacity.
double fragmented_gpu_share(const Cluster& cluster, const WorkloadProfile& profile);

}  // namespace fulcrum::sim
