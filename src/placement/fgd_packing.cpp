// fgd_packing: fgd's fragmentation delta, coarsened to buckets of `tolerance_milli` GPU
// milli-units, then packing. Over nodes n that can host and device choices g, minimise
//   ( floor(delta_F(n, g) / tolerance),  free_gpu_milli(n) - demand_gpu_milli )
// lexicographically, ties to the earlier node, then the lower device. fgd alone follows differences of a few milli-units
// in expected fragmentation and so spreads tasks over idle nodes; among choices that fragment
// about as much, filling the busiest node keeps whole nodes free for multi-GPU tasks. On the
// Alibaba openb trace this leaves less GPU capacity unallocated at saturation than fgd
// (docs/performance.md). Parameter: tolerance_milli (default 100, 1 to 1000000).
#include "placement/fgd_packing.h"

#include <cmath>

namespace fulcrum {

FragmentationPlacer::Score FgdPackingPlacer::score(const Node& node, const Task& task,
                                                   const DeviceChoice& choice) {
  double bucket = std::floor(choice.fragmentation_delta / tolerance_milli_);
  auto free_after = static_cast<double>(node.gpus.total_free_milli() - task.demand.gpu_milli);
  return {bucket, free_after, 0};
}

PlacerEntry fgd_packing_entry() {
  return {
      "fgd_packing",
      "fgd with near-equal fragmentation growth broken toward the node with fewest free GPUs",
      {{"tolerance_milli", "100",
        "fragmentation deltas (GPU milli-units) within one bucket of this size count as equal"}},
      [](const PolicyParams& params) -> Result<std::unique_ptr<Placer>> {
        auto tolerance = params.get_double_in("tolerance_milli",
                                              FgdPackingPlacer::kDefaultToleranceMilli, 1, 1e6);
        if (!tolerance.ok()) return tolerance.status();
        return std::unique_ptr<Placer>(std::make_unique<FgdPackingPlacer>(*tolerance));
      }};
}

}  // namespace fulcrum
