// gpu_packing: GPU work onto devices already in use, then onto the node with the fewest free GPUs.
#pragma once

#include <array>

#include "placement/placer.h"
#include "placement/registry.h"

namespace fulcrum {

class GpuPackingPlacer final : public Placer {
 public:
  std::string_view name() const override { return "gpu_packing"; }

  // (tier, free GPU milli-units, free CPU share) of a node for `task`, lower is better; tier 0: a
  // share fits on a partly used device, 1: the node has GPUs in use, 2: its GPUs are all idle.
  static std::array<double, 3> rank(const Node& node, const Task& task);

 protected:
  std::optional<size_t> choose_node(const Cluster& cluster, const Task& task,
                                    NodePool pool) override;
};

PlacerEntry gpu_packing_entry();

}  // namespace fulcrum
