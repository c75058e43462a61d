// weighted_round_robin (smooth, as nginx): for each choice, over the nodes i of the pool that can
// host and have weight w_i > 0:  current_i += w_i;  pick the largest current_i (ties to the
// earlier node);  current_pick -= sum of those w_i.
// Over any window each node gets work in proportion to its weight, interleaved (5:1:1 gives
// a a b a c a a). Weight 0 nodes never take work. O(n) per placement. No parameters.
#include "placement/weighted_rr_placer.h"

#include "placement/candidates.h"
#include "placement/placer_factory.h"

namespace fulcrum {

std::optional<size_t> WeightedRoundRobinPlacer::choose_node(const Cluster& cluster,
                                                            const Task& task, NodePool pool) {
  if (current_weight_.size() < cluster.size()) current_weight_.resize(cluster.size(), 0);
  std::optional<size_t> chosen;
  int64_t total_weight = 0;
  for (size_t node_index = 0; node_index < cluster.size(); ++node_index) {
    int64_t weight = cluster.node(node_index).weight;
    if (weight <= 0 || !can_take(cluster, node_index, task, pool)) continue;
    current_weight_[node_index] += weight;
    total_weight += weight;
    if (!chosen || current_weight_[node_index] > current_weight_[*chosen]) chosen = node_index;
  }
  if (chosen) current_weight_[*chosen] -= total_weight;
  return chosen;
}

PlacerEntry weighted_rr_placer_entry() {
  return {"weighted_round_robin",
          "smooth weighted round robin (nginx) over nodes that can host; weight 0 takes none",
          {},
          create_placer<WeightedRoundRobinPlacer>};
}

}  // namespace fulcrum
