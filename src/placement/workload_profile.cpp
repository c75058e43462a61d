#include "placement/workload_profile.h"

#include <algorithm>

namespace fulcrum {

WorkloadProfile WorkloadProfile::of_tasks(std::span<const Task> tasks) {
  WorkloadProfile profile;
  for (const Task& task : tasks) profile.add(task);
  return profile;
}

void WorkloadProfile::add(const Task& task) {
  int64_t replicas = std::max(task.replicas, 1);
  Key key{task.demand.gpu_milli, task.needs_gpu() ? task.gpu_model : std::string(),
          task.demand.cpu_millis, task.demand.memory_bytes};
  count_by_shape_[key] += replicas;
  total_count_ += replicas;
}

std::vector<TaskShape> WorkloadProfile::shapes() const {
  std::vector<TaskShape> shapes;
  shapes.reserve(count_by_shape_.size());
  for (const auto& [key, count] : count_by_shape_) {
    const auto& [gpu_milli, gpu_model, cpu_millis, memory_bytes] = key;
    shapes.push_back({cpu_millis, memory_bytes, gpu_milli, gpu_model,
                      static_cast<double>(count) / static_cast<double>(total_count_)});
  }
  return shapes;
}

}  // namespace fulcrum
