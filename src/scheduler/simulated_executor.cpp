#include "scheduler/simulated_executor.h"

#include <cmath>

namespace fulcrum {

namespace {

constexpr double kMaxSpeedFactor = 1e6;

Result<std::unique_ptr<Executor>> create_simulated(const ExecutorParams& params) {
  double speed_factor = 1.0;
  FULCRUM_ASSIGN_OR_RETURN(speed_factor,
                           params.get_double_in("speed_factor", 1.0, 0, kMaxSpeedFactor));
  return std::unique_ptr<Executor>(std::make_unique<SimulatedExecutor>(speed_factor));
}

}  // namespace

ExecutorEntry simulated_executor_entry() {
  return {"simulated",
          "runs no process: a task succeeds once its estimated duration x speed_factor has passed",
          {{"speed_factor", "1", "run time = estimated duration x this; 0 ends at the next poll"}},
          create_simulated};
}

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
