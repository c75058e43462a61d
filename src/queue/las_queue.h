// Tiresias-style discretized two-dimensional least-attained-service (Gu et al., NSDI'19). A job's
// attained service is its size times the time it has run (GPU-seconds); queues 0..K-1 are split at
// ascending thresholds and a job sits in the first queue whose threshold exceeds its service. Lower
// queues run first, first-come first-served inside a queue, and a waiting job preempts running
// jobs of later queues when that makes room for it. New jobs start in queue 0, so short jobs finish
// fast without knowing durations in advance.
#pragma once

#include <vector>

#include "core/params.h"
#include "core/status.h"
#include "core/task.h"

namespace fulcrum {

class LasLevels {
 public:
  static constexpr const char* kDefaultThresholds = "3600:36000";

  explicit LasLevels(std::vector<double> thresholds_gpu_s);
  // Reads `thresholds` (ascending GPU-seconds separated by ':', e.g. "3600:36000").
  static Result<LasLevels> from_params(const PolicyParams& params);
  static std::vector<ParamSpec> param_specs();

  int levels() const { return static_cast<int>(thresholds_.size()) + 1; }
  int level_of(double attained_gpu_s) const;
  // Service still to attain before leaving the level `attained_gpu_s` is in (infinite on the last).
  double service_to_next_level(double attained_gpu_s) const;

  // The size service is counted in: GPUs (gpu_milli / 1000 per replica), or for a CPU-only task its
  // cores / 16 (a GPU's share of the host on a 128-core, 8-GPU node).
  static double size_of(const Task& task);

 private:
  std::vector<double> thresholds_;
};

}  // namespace fulcrum
