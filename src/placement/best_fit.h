// best_fit: the node left with the least room after the placement.
#pragma once

#include "placement/placer.h"
#include "placement/registry.h"

namespace fulcrum {

class BestFitPlacer final : public Placer {
 public:
  std::string_view name() const override { return "best_fit"; }

  // max over the dimensions d the task asks for of (free_d - demand_d) / capacity_d.
  static double leftover_share(const Node& node, const ResourceVector& demand);

 protected:
  std::optional<size_t> choose_node(const Cluster& cluster, const Task& task,
                                    NodePool pool) override;
};

PlacerEntry best_fit_entry();

}  // namespace fulcrum
