#include "core/task.h"

#include <algorithm>
#include <unordered_map>

namespace fulcrum {

std::string_view task_type_name(TaskType type) {
  switch (type) {
    case TaskType::kTraining: return "training";
    case TaskType::kInference: return "inference";
    case TaskType::kData: return "data";
  }
  return "unknown";
}

std::optional<TaskType> parse_task_type(std::string_view name) {
  for (TaskType type : {TaskType::kTraining, TaskType::kInference, TaskType::kData}) {
    if (task_type_name(type) == name) return type;
  }
  return std::nullopt;
}

bool gpu_model_accepts(std::string_view wanted, std::string_view node_model) {
  if (wanted.empty() || wanted == node_model) return true;
  while (!wanted.empty()) {
    size_t bar = wanted.find('|');
    if (wanted.substr(0, bar) == node_model) return true;
    if (bar == std::string_view::npos) break;
    wanted.remove_prefix(bar + 1);
  }
  return false;
}

namespace {

using IndexById = std::unordered_map<std::string_view, size_t>;

Result<IndexById> index_tasks(std::span<const Task> tasks) {
  IndexById index;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!index.emplace(tasks[i].id, i).second) {
      return Status(ErrorCode::kAlreadyExists, "duplicate task id \"" + tasks[i].id + "\"");
    }
  }
  for (const Task& task : tasks) {
    for (const std::string& dependency : task.depends_on) {
      if (!index.contains(dependency)) {
        return invalid_argument("task \"" + task.id + "\" depends on unknown task \"" + dependency +
                                "\"");
      }
    }
  }
  return index;
}

}  // namespace

std::vector<size_t> find_dependency_cycle(std::span<const Task> tasks) {
  IndexById index;
  for (size_t i = 0; i < tasks.size(); ++i) index.emplace(tasks[i].id, i);
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> marks(tasks.size(), Mark::kNew);
  std::vector<size_t> path;
  std::vector<size_t> cycle;
  // Depth-first search; a dependency that is still on the path closes a cycle.
  auto visit = [&](auto&& self, size_t current) -> bool {
    marks[current] = Mark::kOnPath;
    path.push_back(current);
    for (const std::string& dependency : tasks[current].depends_on) {
      auto found = index.find(dependency);
      if (found == index.end()) continue;
      size_t next = found->second;
      if (marks[next] == Mark::kOnPath) {
        cycle.assign(std::find(path.begin(), path.end(), next), path.end());
        return true;
      }
      if (marks[next] == Mark::kNew && self(self, next)) return true;
    }
    path.pop_back();
    marks[current] = Mark::kDone;
    return false;
  };
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (marks[i] == Mark::kNew && visit(visit, i)) return cycle;
  }
  return {};
}

Status validate_task_graph(std::span<const Task> tasks) {
  auto index = index_tasks(tasks);
  if (!index.ok()) return index.status();
  std::vector<size_t> cycle = find_dependency_cycle(tasks);
  if (cycle.empty()) return Status::ok_status();
  std::string text;
  for (size_t task_index : cycle) text += tasks[task_index].id + " -> ";
  text += tasks[cycle.front()].id;
  return Status(ErrorCode::kFailedPrecondition, "dependency cycle: " + text);
}

Result<std::vector<std::vector<size_t>>> dependency_waves(std::span<const Task> tasks) {
  if (Status status = validate_task_graph(tasks); !status.ok()) return status;
  auto index = index_tasks(tasks);
  std::vector<size_t> wave_of(tasks.size(), 0);
  std::vector<bool> known(tasks.size(), false);
  auto wave = [&](auto&& self, size_t current) -> size_t {
    if (known[current]) return wave_of[current];
    size_t level = 0;
    for (const std::string& dependency : tasks[current].depends_on) {
      level = std::max(level, self(self, index->at(dependency)) + 1);
    }
    known[current] = true;
    return wave_of[current] = level;
  };
  std::vector<std::vector<size_t>> waves;
  for (size_t i = 0; i < tasks.size(); ++i) {
    size_t level = wave(wave, i);
    if (waves.size() <= level) waves.resize(level + 1);
  }
  for (size_t i = 0; i < tasks.size(); ++i) waves[wave_of[i]].push_back(i);
  return waves;
}

}  // namespace fulcrum
