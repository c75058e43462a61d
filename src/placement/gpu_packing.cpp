// gpu_packing (the "GPU packing" baseline of Weng et al., ATC'23): among the nodes i of the pool
// that can host, minimise lexicographically
//   (tier(i), free_gpu_milli(i), free_cpu(i) / cap_cpu(i))
//   tier 0: the task is a share and fits on a device of i that is partly used;
//   tier 1: some device of i is in use;  tier 2: every device of i is idle (CPU-only nodes too)
// ties to the earlier node. Shares then go to the fullest device that fits (GpuDevices::choose),
// whole GPUs to the lowest free devices: occupied devices fill up first, idle nodes stay idle for
// multi-GPU tasks. O(n · d) per placement. No parameters.
#include "placement/gpu_packing.h"

#include "placement/candidates.h"
#include "placement/placer_factory.h"

namespace fulcrum {

namespace {

int packing_tier(const Node& node, const Task& task) {
  GpuShape shape = GpuShape::of(task.demand.gpu_milli);
  bool share = task.needs_gpu() && shape.whole == 0;
  bool in_use = false;
  for (int device = 0; device < node.gpus.count(); ++device) {
    int64_t used = node.gpus.used_milli(device);
    if (share && used > 0 && node.gpus.free_milli(device) >= shape.share_milli) return 0;
    in_use = in_use || used > 0;
  }
  return in_use ? 1 : 2;
}

}  // namespace

std::array<double, 3> GpuPackingPlacer::rank(const Node& node, const Task& task) {
  double cpu_free_share =
      node.capacity.cpu_millis > 0
          ? static_cast<double>(node.capacity.cpu_millis - node.allocated.cpu_millis) /
                static_cast<double>(node.capacity.cpu_millis)
          : 0.0;
  return {static_cast<double>(packing_tier(node, task)),
          static_cast<double>(node.gpus.total_free_milli()), cpu_free_share};
}

std::optional<size_t> GpuPackingPlacer::choose_node(const Cluster& cluster, const Task& task,
                                                    NodePool pool) {
  return lowest_scoring_node(cluster, task, pool,
                             [&task](const Node& node) { return rank(node, task); });
}

PlacerEntry gpu_packing_entry() {
  return {"gpu_packing",
          "GPU work onto partly used devices, then the node with the fewest free GPUs",
          {},
          create_placer<GpuPackingPlacer>};
}

}  // namespace fulcrum
