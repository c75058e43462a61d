#include "placement/gpu_fragmentation.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace fulcrum {

namespace {

struct GpuNeed {
  int64_t per_device_milli = 0;
  int64_t devices = 0;
};

GpuNeed gpu_need_of(int64_t gpu_milli) {
  GpuShape shape = GpuShape::of(gpu_milli);
  if (shape.whole > 0) return {kGpuMilliPerDevice, shape.whole};
  return {shape.share_milli, 1};
}

// Devices with room for `per_device_milli`, and the free milli-units on the others.
struct DeviceSplit {
  int64_t fitting = 0;
  int64_t stranded_milli = 0;
};

DeviceSplit split_devices(const std::vector<int64_t>& free_milli, int64_t per_device_milli) {
  DeviceSplit split;
  for (int64_t free : free_milli) {
    if (free >= per_device_milli) {
      ++split.fitting;
    } else {
      split.stranded_milli += free;
    }
  }
  return split;
}

}  // namespace

FreeResources FreeResources::of(const Node& node) {
  FreeResources free;
  free.cpu_millis = node.capacity.cpu_millis - node.allocated.cpu_millis;
  free.memory_bytes = node.capacity.memory_bytes - node.allocated.memory_bytes;
  free.gpu_free_milli.resize(static_cast<size_t>(node.gpus.count()));
  for (int device = 0; device < node.gpus.count(); ++device) {
    free.gpu_free_milli[device] = node.gpus.free_milli(device);
  }
  return free;
}

int64_t FreeResources::total_gpu_free_milli() const {
  return std::accumulate(gpu_free_milli.begin(), gpu_free_milli.end(), int64_t{0});
}

void FreeResources::take(const ResourceVector& demand, const std::vector<int>& devices) {
  cpu_millis -= demand.cpu_millis;
  memory_bytes -= demand.memory_bytes;
  int64_t each = devices.size() <= 1 ? demand.gpu_milli : kGpuMilliPerDevice;
  for (int device : devices) gpu_free_milli[device] -= each;
}

int64_t shape_fragmentation_milli(const FreeResources& free, std::string_view gpu_model,
                                  const TaskShape& shape) {
  int64_t total = free.total_gpu_free_milli();
  if (shape.gpu_milli <= 0) return total;
  if (free.cpu_millis < shape.cpu_millis || free.memory_bytes < shape.memory_bytes ||
      !gpu_model_accepts(shape.gpu_model, gpu_model)) {
    return total;
  }
  GpuNeed need = gpu_need_of(shape.gpu_milli);
  DeviceSplit split = split_devices(free.gpu_free_milli, need.per_device_milli);
  return split.fitting >= need.devices ? split.stranded_milli : total;
}

FragmentationMeter::FragmentationMeter(std::span<const TaskShape> shapes) {
  std::map<std::tuple<int64_t, int64_t, std::string>, GpuGroup> by_gpu_part;
  for (const TaskShape& shape : shapes) {
    if (shape.gpu_milli <= 0) {
      no_gpu_weight_ += shape.weight;
      continue;
    }
    GpuNeed need = gpu_need_of(shape.gpu_milli);
    GpuGroup& group = by_gpu_part[{need.per_device_milli, need.devices, shape.gpu_model}];
    group.per_device_milli = need.per_device_milli;
    group.devices = need.devices;
    group.gpu_model = shape.gpu_model;
    group.weight += shape.weight;
    group.members.push_back({shape.cpu_millis, shape.memory_bytes, shape.weight});
  }
  for (auto& [key, group] : by_gpu_part) groups_.push_back(std::move(group));
}

const std::vector<char>& FragmentationMeter::groups_accepting(std::string_view gpu_model) {
  auto it = accepted_by_model_.find(gpu_model);
  if (it != accepted_by_model_.end()) return it->second;
  std::vector<char> accepted;
  for (const GpuGroup& group : groups_) {
    accepted.push_back(gpu_model_accepts(group.gpu_model, gpu_model) ? 1 : 0);
  }
  return accepted_by_model_.emplace(std::string(gpu_model), std::move(accepted)).first->second;
}

double FragmentationMeter::measure(const FreeResources& free, std::string_view gpu_model) {
  auto total = static_cast<double>(free.total_gpu_free_milli());
  if (total <= 0) return 0;
  double fragmentation = no_gpu_weight_ * total;
  const std::vector<char>& accepted = groups_accepting(gpu_model);
  for (size_t index = 0; index < groups_.size(); ++index) {
    const GpuGroup& group = groups_[index];
    DeviceSplit split = accepted[index] ? split_devices(free.gpu_free_milli, group.per_device_milli)
                                        : DeviceSplit{};
    if (split.fitting < group.devices) {
      fragmentation += group.weight * total;
      continue;
    }
    double fitting_weight = 0;
    for (const CpuMemory& member : group.members) {
      if (member.cpu_millis <= free.cpu_millis && member.memory_bytes <= free.memory_bytes) {
        fitting_weight += member.weight;
      }
    }
    fragmentation += fitting_weight * static_cast<double>(split.stranded_milli) +
                     (group.weight - fitting_weight) * total;
  }
  return fragmentation;
}

std::vector<DeviceChoice> device_choices(const Node& node, const Task& task,
                                         FragmentationMeter& meter, double before) {
  std::vector<std::vector<int>> candidates;
  GpuShape shape = GpuShape::of(task.demand.gpu_milli);
  if (task.demand.gpu_milli > 0 && shape.whole == 0) {
    for (int device = 0; device < node.gpus.count(); ++device) {
      int64_t free = node.gpus.free_milli(device);
      bool seen = false;
      for (const std::vector<int>& earlier : candidates) {
        seen = seen || node.gpus.free_milli(earlier.front()) == free;
      }
      if (free >= shape.share_milli && !seen) candidates.push_back({device});
    }
  } else if (auto devices = node.gpus.choose(task.demand.gpu_milli)) {
    candidates.push_back(std::move(*devices));
  }
  std::vector<DeviceChoice> choices;
  FreeResources free = FreeResources::of(node);
  for (std::vector<int>& devices : candidates) {
    FreeResources after = free;
    after.take(task.demand, devices);
    double delta = meter.measure(after, node.gpu_model) - before;
    choices.push_back({std::move(devices), delta});
  }
  return choices;
}

void NodeFragmentationCache::sync(const Cluster& cluster, FragmentationMeter& meter,
                                  bool meter_changed) {
  auto changes = !meter_changed && cluster.instance_id() == synced_instance_ &&
                         fragmentation_.size() == cluster.size()
                     ? cluster.changes_since(synced_sequence_)
                     : std::nullopt;
  if (changes) {
    for (uint32_t node_index : *changes) {
      fragmentation_[node_index] = meter.measure(cluster.node(node_index));
    }
  } else {
    fragmentation_.resize(cluster.size());
    for (size_t node_index = 0; node_index < cluster.size(); ++node_index) {
      fragmentation_[node_index] = meter.measure(cluster.node(node_index));
    }
  }
  synced_instance_ = cluster.instance_id();
  synced_sequence_ = cluster.change_sequence();
}

}  // namespace fulcrum
