// Runs no process: a task succeeds once its work has passed: its estimated duration times the
// speed factor (the service), or the run time the simulator gives it (start_run, virtual time).
// A preempted task keeps the work it did and resumes with the rest; a task stopped otherwise (its
// node was lost, it was cancelled) loses it and starts over. For demos, tests, load tests of the
// scheduler itself, and the simulator's replays.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "scheduler/executor.h"

namespace fulcrum {

class SimulatedExecutor final : public Executor {
 public:
  // speed_factor 0.001 turns a 40-minute estimate into 2.4 seconds; 0 completes at the next poll.
  explicit SimulatedExecutor(double speed_factor) : speed_factor_(speed_factor) {}

  std::string_view name() const override { return "simulated"; }
  Status start(const LaunchSpec& launch, int64_t now_ms) override;
  void stop(const std::string& task_id, int64_t now_ms) override;
  // Preemption: the work done so far is kept for the next start.
  void stop_with_grace(const std::string& task_id, int64_t now_ms, int64_t grace_ms) override;
  std::vector<TaskExit> poll(int64_t now_ms) override;
  size_t active() const override { return finish_by_task_.size(); }

  // Virtual time. Starts a run of `work` in all (less what a preempted run of the task did
  // already) and returns when it will end.
  Nanos start_run(const std::string& task_id, int attempt, Nanos work, Nanos now);
  // Ends the task's run; with `keep_progress` (preemption) the next start resumes the work.
  void stop_run(const std::string& task_id, Nanos now, bool keep_progress);
  // Runs that ended by `now`, in the order they ended (without a reason: poll gives one).
  std::vector<TaskExit> finished_by(Nanos now);

 private:
  struct Run {
    std::string task_id;
    int attempt = 1;
    Nanos started{0};
  };
  using Runs = std::multimap<Nanos, Run>;

  double speed_factor_;
  Runs runs_by_finish_;
  std::unordered_map<std::string_view, Runs::iterator> finish_by_task_;  // views the runs' ids
  std::unordered_map<std::string, Nanos> work_left_;  // preempted tasks: what their run still needs
};

}  // namespace fulcrum
