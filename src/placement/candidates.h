// The one test every placer applies to a node before considering it.
#pragma once

#include <cstddef>

#include "core/cluster.h"
#include "placement/placer.h"

namespace fulcrum {

// The node belongs to `pool` and can host one replica of `task` now.
inline bool can_take(const Cluster& cluster, size_t node_index, const Task& task, NodePool pool) {
  return in_pool(cluster.node(node_index), pool) && cluster.can_host(node_index, task);
}

}  // namespace fulcrum
