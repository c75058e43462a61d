// The one test every placer applies to a node before considering it.
#pragma once

#include <cstddef>
#include <optional>

#include "core/cluster.h"
#include "placement/placer.h"

namespace fulcrum {

// The node belongs to `pool` and can host one replica of `task` now.
inline bool can_take(const Cluster& cluster, size_t node_index, const Task& task, NodePool pool) {
  return in_pool(cluster.node(node_index), pool) && cluster.can_host(node_index, task);
}

// The node of `pool` that can host `task` with the lowest score_of(node), ties to the earlier node.
template <typename ScoreOf>
std::optional<size_t> lowest_scoring_node(const Cluster& cluster, const Task& task, NodePool pool,
                                          ScoreOf score_of) {
  std::optional<size_t> best;
  decltype(score_of(cluster.node(0))) best_score{};
  for (size_t node_index = 0; node_index < cluster.size(); ++node_index) {
    if (!can_take(cluster, node_index, task, pool)) continue;
    auto score = score_of(cluster.node(node_index));
    if (!best || score < best_score) {
      best = node_index;
      best_score = score;
    }
  }
  return best;
}

}  // namespace fulcrum
