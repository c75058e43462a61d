// weighted_round_robin: smooth weighted round robin over the nodes that can host the task.
#pragma once

#include <cstdint>
#include <vector>

#include "placement/placer.h"
#include "placement/registry.h"

namespace fulcrum {

class WeightedRoundRobinPlacer final : public Placer {
 public:
  std::string_view name() const override { return "weighted_round_robin"; }

 protected:
  std::optional<size_t> choose_node(const Cluster& cluster, const Task& task,
                                    NodePool pool) override;

 private:
  std::vector<int64_t> current_weight_;  // by node index, carried from one choice to the next
};

PlacerEntry weighted_rr_placer_entry();

}  // namespace fulcrum
