// The shapes of the tasks a cluster is expected to receive and how often each occurs: the
// "target workload" against which fragmentation is measured (Weng et al., ATC'23).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "core/task.h"

namespace fulcrum {

// What one replica of a task asks for, with the share of the workload that asks exactly that.
struct TaskShape {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int64_t gpu_milli = 0;  // as Task::demand.gpu_milli: a share below 1000 or whole GPUs x 1000
  std::string gpu_model;  // as Task::gpu_model: empty, one model or "A|B" alternatives
  double weight = 0;      // the shapes of a profile sum to 1
};

class WorkloadProfile {
 public:
  // Every distinct shape among `tasks` (a gang counts once per replica), weighted by frequency.
  static WorkloadProfile of_tasks(std::span<const Task> tasks);

  // Counts one more task of this shape (all its replicas).
  void add(const Task& task);
  bool empty() const { return total_count_ == 0; }
  // Shapes in a stable order (by GPU demand, model, CPU, memory), weights summing to 1.
  std::vector<TaskShape> shapes() const;
  int64_t task_count() const { return total_count_; }

 private:
  using Key = std::tuple<int64_t, std::string, int64_t, int64_t>;  // gpu, model, cpu, memory
  std::map<Key, int64_t> count_by_shape_;
  int64_t total_count_ = 0;
};

}  // namespace fulcrum
