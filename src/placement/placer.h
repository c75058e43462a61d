// Task placement: a Placer puts tasks on the nodes of a Cluster. Placers are pure (no I/O, no
// clock, no globals); the shared rules live here so that every policy honours them:
//   - every resource dimension and the GPU-model constraint (Cluster::can_host);
//   - gangs (replicas > 1) are placed all replicas or none;
//   - CPU-only tasks go to CPU-only nodes while one can hold them, so GPU nodes stay free for GPU
//     work, and spill over to GPU nodes only when no CPU-only node fits;
//   - every task left unplaced gets a reason a person can act on.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/cluster.h"
#include "core/task.h"
#include "placement/workload_profile.h"

namespace fulcrum {

struct UnplacedTask {
  std::string task_id;
  std::string reason;  // e.g. "needs 4 GPUs of model A100; largest free: 2"
};

struct Placement {
  std::vector<Assignment> assignments;
  std::vector<UnplacedTask> unplaced;
  bool all_placed() const { return unplaced.empty(); }
};

// Which nodes a single choice may consider.
enum class NodePool { kCpuOnly, kGpu };

inline bool in_pool(const Node& node, NodePool pool) {
  return node.has_gpus() == (pool == NodePool::kGpu);
}

class Placer {
 public:
  virtual ~Placer() = default;
  virtual std::string_view name() const = 0;

  // Places `tasks` in the given order, allocating on `cluster` (pass a copy to plan without
  // committing). Returns what went where and why the rest did not.
  Placement place(Cluster& cluster, std::span<const Task> tasks);

  // The task shapes to expect (for example a trace's pod list). Placers that weigh future tasks
  // (fgd and its variants) score with it; the others ignore it.
  virtual void set_target_workload(const WorkloadProfile& /*profile*/) {}

 protected:
  // A node of `pool` where cluster.can_host(node, task) holds, or nullopt if there is none.
  virtual std::optional<size_t> choose_node(const Cluster& cluster, const Task& task,
                                            NodePool pool) = 0;
  // The GPU devices of the chosen node for one replica; the default is GpuDevices::choose (whole
  // GPUs: the lowest free indices; a share: the fullest device that fits). Placers that choose
  // devices themselves override it and must return a placement GpuDevices::fits_on accepts.
  virtual std::optional<std::vector<int>> choose_gpu_devices(const Cluster& cluster,
                                                             size_t node_index, const Task& task);

 private:
  std::optional<size_t> choose_for_replica(const Cluster& cluster, const Task& task);
};

// Why no node can take `task` now, naming the dimension that is short and the best on offer.
std::string explain_unplaceable(const Cluster& cluster, const Task& task);

}  // namespace fulcrum
