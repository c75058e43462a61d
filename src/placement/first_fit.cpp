// first_fit: scan the nodes of the pool in cluster order and take the first i with
//   can_host(i, task).
// Cheapest rule there is (O(position of the first fit)); packs the front of the cluster and leaves
// the tail empty, which suits clusters that scale down from the back. No parameters.
#include "placement/first_fit.h"

#include "placement/candidates.h"
#include "placement/placer_factory.h"

namespace fulcrum {

std::optional<size_t> FirstFitPlacer::choose_node(const Cluster& cluster, const Task& task,
                                                  NodePool pool) {
  for (size_t node_index = 0; node_index < cluster.size(); ++node_index) {
    if (can_take(cluster, node_index, task, pool)) return node_index;
  }
  return std::nullopt;
}

PlacerEntry first_fit_entry() {
  return {"first_fit",
          "first node in cluster order that can host the task",
          {},
          create_placer<FirstFitPlacer>};
}

}  // namespace fulcrum
