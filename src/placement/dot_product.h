// dot_product: Tetris-style alignment of the task's demand with the node's free resources.
#pragma once

#include "placement/placer.h"
#include "placement/registry.h"

namespace fulcrum {

class DotProductPlacer final : public Placer {
 public:
  std::string_view name() const override { return "dot_product"; }

  // sum over d in {cpu, memory, gpu} of (demand_d / capacity_d) * (free_d / capacity_d).
  static double alignment(const Node& node, const ResourceVector& demand);

 protected:
  std::optional<size_t> choose_node(const Cluster& cluster, const Task& task,
                                    NodePool pool) override;
};

PlacerEntry dot_product_entry();

}  // namespace fulcrum
