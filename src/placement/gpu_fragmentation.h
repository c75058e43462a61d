// GPU fragmentation measured against a target workload (Weng et al., "Beware of Fragmentation",
// USENIX ATC'23). For a node n and a task shape m, F_n(m) is the free GPU capacity of n that m
// cannot use:
//   - m asks for no GPU, or n cannot host m at all (CPU, memory, GPU model, or fewer than k_m
//     devices with room u_m): every free milli-unit of n;
//   - otherwise the free milli-units of the devices whose free room is below u_m,
// where a share asks for u_m = gpu_milli on one device and whole GPUs for u_m = 1000 on k_m
// devices. F_n(M) = sum over shapes m of p_m * F_n(m) is the node's expected fragmentation.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/cluster.h"
#include "core/node.h"
#include "core/task.h"
#include "placement/workload_profile.h"

namespace fulcrum {

// What a node has free: the input of the measure (a node now, or after a placement it considers).
struct FreeResources {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  std::vector<int64_t> gpu_free_milli;  // per device

  static FreeResources of(const Node& node);
  int64_t total_gpu_free_milli() const;
  // Takes one replica of `demand` on `devices` (as Cluster::allocate_on would).
  void take(const ResourceVector& demand, const std::vector<int>& devices);
};

// F_n(m) of one shape on a node of `gpu_model` with `free` resources, in GPU milli-units.
int64_t shape_fragmentation_milli(const FreeResources& free, std::string_view gpu_model,
                                  const TaskShape& shape);

// F_n(M) for one workload, evaluated fast enough to score every candidate of every node: shapes
// are grouped by their GPU part, so the device scan is done once per group.
class FragmentationMeter {
 public:
  FragmentationMeter() = default;
  explicit FragmentationMeter(std::span<const TaskShape> shapes);

  // Expected fragmentation sum_m p_m F(m), in GPU milli-units.
  double measure(const FreeResources& free, std::string_view gpu_model);
  double measure(const Node& node) { return measure(FreeResources::of(node), node.gpu_model); }
  bool empty() const { return groups_.empty() && no_gpu_weight_ == 0; }

 private:
  struct CpuMemory {
    int64_t cpu_millis = 0;
    int64_t memory_bytes = 0;
    double weight = 0;
  };
  // Shapes with the same GPU demand and model constraint.
  struct GpuGroup {
    int64_t per_device_milli = 0;
    int64_t devices = 0;
    std::string gpu_model;
    double weight = 0;
    std::vector<CpuMemory> members;
  };
  // Which groups a node model may host (cached per model: constraint parsing is not free).
  const std::vector<char>& groups_accepting(std::string_view gpu_model);

  double no_gpu_weight_ = 0;
  std::vector<GpuGroup> groups_;
  std::map<std::string, std::vector<char>, std::less<>> accepted_by_model_;
};

// One way to put a replica on a node and the change in the node's F_n(M) it causes.
struct DeviceChoice {
  std::vector<int> devices;
  double fragmentation_delta = 0;
};

// The distinct device choices for one replica of `task` on `node` (devices with equal free room
// are interchangeable: the lowest index stands for them), each with F(after) - `before`.
// Empty when the node's devices cannot take the demand.
std::vector<DeviceChoice> device_choices(const Node& node, const Task& task,
                                         FragmentationMeter& meter, double before);

// F_n(M) of every node of a cluster, kept current from the cluster's change journal.
class NodeFragmentationCache {
 public:
  // Brings the cache up to date with `cluster` (all nodes again when `meter` changed: pass
  // meter_changed = true).
  void sync(const Cluster& cluster, FragmentationMeter& meter, bool meter_changed);
  double of(size_t node_index) const { return fragmentation_[node_index]; }

 private:
  uint64_t synced_instance_ = 0;
  uint64_t synced_sequence_ = 0;
  std::vector<double> fragmentation_;
};

}  // namespace fulcrum
