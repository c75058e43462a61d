// Runs no process: a task succeeds once its estimated duration times the speed factor has passed.
// For demos, tests and load tests of the scheduler itself.
#pragma once

#include <map>
#include <unordered_map>

#include "scheduler/executor_registry.h"

namespace fulcrum {

class SimulatedExecutor final : public Executor {
 public:
  // speed_factor 0.001 turns a 40-minute estimate into 2.4 seconds; 0 completes at the next poll.
  explicit SimulatedExecutor(double speed_factor) : speed_factor_(speed_factor) {}

  std::string_view name() const override { return "simulated"; }
  Status start(const LaunchSpec& launch, int64_t now_ms) override;
  void stop(const std::string& task_id, int64_t now_ms) override;
  std::vector<TaskExit> poll(int64_t now_ms) override;
  size_t active() const override { return finish_by_task_.size(); }

 private:
  struct Run {
    std::string task_id;
    int attempt = 1;
  };
  double speed_factor_;
  std::multimap<int64_t, Run> runs_by_finish_;
  std::unordered_map<std::string, std::multimap<int64_t, Run>::iterator> finish_by_task_;
};

// `executor: {type: simulated, speed_factor: 0.001}`
ExecutorEntry simulated_executor_entry();

}  // namespace fulcrum
