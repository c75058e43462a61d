// The common part of the placers that score each candidate (node, GPU devices) by how it changes
// the node's expected fragmentation (gpu_fragmentation.h): the target workload, given through
// set_target_workload or else learned from the tasks seen so far; the per-node F_n(M) cache; and
// the scan that keeps the lowest score (ties to the earlier node, then the lower device).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "placement/gpu_fragmentation.h"
#include "placement/placer.h"
#include "placement/workload_profile.h"

namespace fulcrum {

class FragmentationPlacer : public Placer {
 public:
  void set_target_workload(const WorkloadProfile& profile) override;

 protected:
  // Compared lexicographically, lower is better.
  using Score = std::array<double, 3>;
  virtual Score score(const Node& node, const Task& task, const DeviceChoice& choice) = 0;

  std::optional<size_t> choose_node(const Cluster& cluster, const Task& task, NodePool pool) final;
  std::optional<std::vector<int>> choose_gpu_devices(const Cluster& cluster, size_t node_index,
                                                     const Task& task) final;

  FragmentationMeter& meter() { return meter_; }

 private:
  struct Best {
    DeviceChoice choice;
    Score score{};
  };
  // Learns the task's shape when no workload was given, and brings the cache up to date.
  void prepare(const Cluster& cluster, const Task& task);
  std::optional<Best> best_on(const Cluster& cluster, size_t node_index, const Task& task);

  bool workload_given_ = false;
  bool meter_changed_ = true;
  WorkloadProfile learned_;
  std::string last_learned_task_;
  FragmentationMeter meter_;
  NodeFragmentationCache cache_;
};

}  // namespace fulcrum
