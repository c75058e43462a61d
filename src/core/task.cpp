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
        return invalid_argument("task \"" + task.id + "\" depends on unknown task \"" +
                                dependency + "\"");
      }
    }
  }
  return index;
}

// Depth-first search for a back edge; returns the cycle as "A -> B -> A" or "".
std::string find_cycle(std::span<const Task> tasks, const IndexById& index) {
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> marks(tasks.size(), Mark::kNew);
  std::vector<size_t> path;
  std::string cycle;
  auto visit = [&](auto&& self, size_t current) -> bool {
    marks[current] = Mark::kOnPath;
    path.push_back(current);
    for (const std::string& dependency : tasks[current].depends_on) {
      size_t next = index.at(dependency);
      if (marks[next] == Mark::kOnPath) {
        auto start = std::find(path.begin(), path.end(), next);
        for (auto it = start; it != path.end(); ++it) cycle += tasks[*it].id + " -> ";
        cycle += tasks[next].id;
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
  return "";
}

}  // namespace

Status validate_task_graph(std::span<const Task> tasks) {
  auto index = index_tasks(tasks);
  if (!index.ok()) return index.status();
  std::string cycle = find_cycle(tasks, *index);
  if (!cycle.empty()) {
    return Status(ErrorCode::kFailedPrecondition, "dependency cycle: " + cycle);
  }
  return Status::ok_status();
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
