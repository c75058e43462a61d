// A unit of work to place: what it needs, how important it is, what it waits for.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/resources.h"
#include "core/status.h"

namespace fulcrum {

enum class TaskType { kTraining, kInference, kData };

std::string_view task_type_name(TaskType type);
std::optional<TaskType> parse_task_type(std::string_view name);

// True when a GPU-model constraint `wanted` admits `node_model`: `wanted` is empty (any model), one
// model, or alternatives separated by '|' ("V100M16|V100M32", as the Alibaba GPU trace writes them).
bool gpu_model_accepts(std::string_view wanted, std::string_view node_model);

struct Task {
  std::string id;
  TaskType type = TaskType::kData;
  int priority = 0;  // higher runs first
  int64_t estimated_duration_ms = 0;
  ResourceVector demand;  // per replica; gpu_milli is whole GPUs x 1000 or a share below 1000
  std::string gpu_model;  // required GPU model, or alternatives "V100M16|V100M32"; empty accepts any
  std::vector<std::string> depends_on;
  int replicas = 1;  // > 1: a gang, placed all replicas or none
  std::string command;
  // Relative speed on a node class (a GPU model such as "A100", or "cpu" for CPU-only nodes):
  // the task takes estimated_duration_ms / speed there. Classes not listed run at speed 1.
  std::map<std::string, double> speed;

  bool needs_gpu() const { return demand.gpu_milli > 0; }
  // The node's GPU model satisfies this task's constraint (gpu_model_accepts).
  bool accepts_gpu_model(std::string_view node_model) const {
    return gpu_model_accepts(gpu_model, node_model);
  }
};

// Checks ids are unique, dependencies name tasks in the set, and there is no cycle. The error
// names the offending task, e.g. `dependency cycle: T1 -> T5 -> T1`.
Status validate_task_graph(std::span<const Task> tasks);

// Indices of the tasks on one dependency cycle, in dependency order (empty when there is none).
// Dependencies that name no task in the set are ignored here.
std::vector<size_t> find_dependency_cycle(std::span<const Task> tasks);

// Tasks grouped into waves: wave 0 depends on nothing, wave k only on earlier waves.
// Indices refer to `tasks`. Fails as validate_task_graph does.
Result<std::vector<std::vector<size_t>>> dependency_waves(std::span<const Task> tasks);

}  // namespace fulcrum
