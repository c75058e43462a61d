// dot_product (Tetris, Grandl et al., SIGCOMM'14): among the nodes i of the pool that can host,
// maximise the alignment of the demand vector with the free vector, both normalised by the
// node's capacity:
//   score(i) = sum over d in {cpu, memory, gpu milli-units} of (demand_d / cap_d(i)) * (free_d(i) /
//   cap_d(i))
// (dimensions the node lacks count 0), ties to the earlier node. A task goes where the resources it
// needs most are most plentiful, which packs complementary tasks together. Devices as
// GpuDevices::choose (best fit for a share). O(n) per placement. No parameters.
#include "placement/dot_product.h"

#include "placement/candidates.h"
#include "placement/placer_factory.h"

namespace fulcrum {

namespace {

double aligned_share(int64_t capacity, int64_t allocated, int64_t demand) {
  if (capacity <= 0 || demand <= 0) return 0.0;
  auto total = static_cast<double>(capacity);
  return (static_cast<double>(demand) / total) *
         (static_cast<double>(capacity - allocated) / total);
}

}  // namespace

double DotProductPlacer::alignment(const Node& node, const ResourceVector& demand) {
  const ResourceVector& capacity = node.capacity;
  const ResourceVector& allocated = node.allocated;
  return aligned_share(capacity.cpu_millis, allocated.cpu_millis, demand.cpu_millis) +
         aligned_share(capacity.memory_bytes, allocated.memory_bytes, demand.memory_bytes) +
         aligned_share(capacity.gpu_milli, allocated.gpu_milli, demand.gpu_milli);
}

std::optional<size_t> DotProductPlacer::choose_node(const Cluster& cluster, const Task& task,
                                                    NodePool pool) {
  return lowest_scoring_node(cluster, task, pool,
                             [&task](const Node& node) { return -alignment(node, task.demand); });
}

PlacerEntry dot_product_entry() {
  return {"dot_product",
          "Tetris: node whose free resources align best with the demand (dot product)",
          {},
          create_placer<DotProductPlacer>};
}

}  // namespace fulcrum
