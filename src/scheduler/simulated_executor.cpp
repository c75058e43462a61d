#include "scheduler/simulated_executor.h"

#include <chrono>
#include <cmath>

namespace fulcrum {

Status SimulatedExecutor::start(const LaunchSpec& launch, int64_t now_ms) {
  std::chrono::milliseconds work(static_cast<int64_t>(
      std::llround(static_cast<double>(launch.estimated_duration_ms) * speed_factor_)));
  start_run(launch.task_id, launch.attempt, work, std::chrono::milliseconds(now_ms));
  return {};
}

void SimulatedExecutor::stop(const std::string& task_id, int64_t now_ms) {
  stop_run(task_id, std::chrono::milliseconds(now_ms), false);
}

void SimulatedExecutor::stop_with_grace(const std::string& task_id, int64_t now_ms,
                                        int64_t /*grace_ms*/) {
  stop_run(task_id, std::chrono::milliseconds(now_ms), true);
}

std::vector<TaskExit> SimulatedExecutor::poll(int64_t now_ms) {
  std::vector<TaskExit> exits = finished_by(std::chrono::milliseconds(now_ms));
  for (TaskExit& exit : exits) exit.reason = "completed (simulated)";
  return exits;
}

Nanos SimulatedExecutor::start_run(const std::string& task_id, int attempt, Nanos work, Nanos now) {
  stop_run(task_id, now, true);
  if (auto left = work_left_.find(task_id); left != work_left_.end()) {
    work = left->second;
    work_left_.erase(left);
  }
  auto run = runs_by_finish_.emplace(now + work, Run{task_id, attempt, now});
  finish_by_task_[run->second.task_id] = run;
  return now + work;
}

void SimulatedExecutor::stop_run(const std::string& task_id, Nanos now, bool keep_progress) {
  auto found = finish_by_task_.find(std::string_view(task_id));
  if (found == finish_by_task_.end()) {
    if (!keep_progress) work_left_.erase(task_id);
    return;
  }
  auto run = found->second;
  if (keep_progress) work_left_[task_id] = run->first - std::max(now, run->second.started);
  finish_by_task_.erase(found);
  runs_by_finish_.erase(run);
}

std::vector<TaskExit> SimulatedExecutor::finished_by(Nanos now) {
  std::vector<TaskExit> exits;
  auto end = runs_by_finish_.upper_bound(now);
  for (auto run = runs_by_finish_.begin(); run != end; ++run) {
    finish_by_task_.erase(run->second.task_id);
    exits.push_back({std::move(run->second.task_id), run->second.attempt, 0, {}});
  }
  runs_by_finish_.erase(runs_by_finish_.begin(), end);
  return exits;
}

}  // namespace fulcrum
