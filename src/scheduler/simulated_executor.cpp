#include "scheduler/simulated_executor.h"

#include <cmath>

namespace fulcrum {

Status SimulatedExecutor::start(const LaunchSpec& launch, int64_t now_ms) {
  stop(launch.task_id, now_ms);
  auto duration_ms = static_cast<int64_t>(
      std::llround(static_cast<double>(launch.estimated_duration_ms) * speed_factor_));
  auto run = runs_by_finish_.emplace(now_ms + duration_ms, Run{launch.task_id, launch.attempt});
  finish_by_task_[launch.task_id] = run;
  return {};
}

void SimulatedExecutor::stop(const std::string& task_id, int64_t /*now_ms*/) {
  auto found = finish_by_task_.find(task_id);
  if (found == finish_by_task_.end()) return;
  runs_by_finish_.erase(found->second);
  finish_by_task_.erase(found);
}

std::vector<TaskExit> SimulatedExecutor::poll(int64_t now_ms) {
  std::vector<TaskExit> exits;
  auto end = runs_by_finish_.upper_bound(now_ms);
  for (auto run = runs_by_finish_.begin(); run != end; ++run) {
    exits.push_back({run->second.task_id, run->second.attempt, 0, "completed (simulated)"});
    finish_by_task_.erase(run->second.task_id);
  }
  runs_by_finish_.erase(runs_by_finish_.begin(), end);
  return exits;
}

}  // namespace fulcrum
