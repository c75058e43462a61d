// best_fit: among the nodes i of the pool that can host, minimise
//   leftover(i) = max over dimensions d with demand_d > 0 of (free_d(i) - demand_d) / capacity_d(i)
// (d: cpu, memory, GPU milli-units, each extended resource), ties to the earlier node.
// The largest remaining share is what decides whether a big task still fits later, so packing on
// it keeps whole nodes free for big tasks. O(n) per placement; a node whose leftover in any one
// dimension already reaches the best so far is passed over before the fit test (its maximum can
// only be as large), which leaves the choice unchanged and skips most work on a large cluster.
// No parameters.
#include "placement/best_fit.h"

#include <algorithm>
#include "placement/candidates.h"
#include "placement/placer_factory.h"

namespace fulcrum {

namespace {

// (free - demand) / capacity for one dimension; 0 when the task does not use it.
double leftover_in(int64_t capacity, int64_t allocated, int64_t demand) {
  if (demand <= 0 || capacity <= 0) return 0.0;
  return static_cast<double>(capacity - allocated - demand) / static_cast<double>(capacity);
}

}  // namespace

double BestFitPlacer::leftover_share(const Node& node, const ResourceVector& demand) {
  const ResourceVector& capacity = node.capacity;
  const ResourceVector& allocated = node.allocated;
  double leftover =
      std::max({leftover_in(capacity.cpu_millis, allocated.cpu_millis, demand.cpu_millis),
                leftover_in(capacity.memory_bytes, allocated.memory_bytes, demand.memory_bytes),
                leftover_in(capacity.gpu_milli, allocated.gpu_milli, demand.gpu_milli)});
  for (const auto& [name, amount] : demand.extended) {
    leftover = std::max(leftover, leftover_in(capacity.extended_amount(name),
                                              allocated.extended_amount(name), amount));
  }
  return leftover;
}

namespace {

// Whether leftover_share(node, demand) < bound, computing as few dimensions as needed (GPU first:
// it decides most GPU tasks). Each dimension's value is computed as in leftover_share, so the
// answer is exact.
bool leftover_below(const Node& node, const ResourceVector& demand, double bound) {
  const ResourceVector& capacity = node.capacity;
  const ResourceVector& allocated = node.allocated;
  if (leftover_in(capacity.gpu_milli, allocated.gpu_milli, demand.gpu_milli) >= bound) return false;
  if (leftover_in(capacity.cpu_millis, allocated.cpu_millis, demand.cpu_millis) >= bound) {
    return false;
  }
  if (leftover_in(capacity.memory_bytes, allocated.memory_bytes, demand.memory_bytes) >= bound) {
    return false;
  }
  for (const auto& [name, amount] : demand.extended) {
    if (leftover_in(capacity.extended_amount(name), allocated.extended_amount(name), amount) >=
        bound) {
      return false;
    }
  }
  return true;
}

}  // namespace

// The lowest leftover_share among the nodes that can take the task, ties to the earlier node: a
// node is tested for fit only when it would beat the best so far.
std::optional<size_t> BestFitPlacer::choose_node(const Cluster& cluster, const Task& task,
                                                 NodePool pool) {
  std::optional<size_t> best;
  double best_leftover = 0;
  for (size_t node_index = 0; node_index < cluster.size(); ++node_index) {
    const Node& node = cluster.node(node_index);
    if (best && !leftover_below(node, task.demand, best_leftover)) continue;
    if (!can_take(cluster, node_index, task, pool)) continue;
    best = node_index;
    best_leftover = leftover_share(node, task.demand);
  }
  return best;
}

PlacerEntry best_fit_entry() {
  return {"best_fit",
          "node left with the smallest largest-remaining-share after placement",
          {},
          create_placer<BestFitPlacer>};
}

}  // namespace fulcrum
