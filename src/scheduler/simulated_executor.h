// Runs no process: a task succeeds once its work has passed: its estimated duration times the
// speed factor (the service), or the run time the simulator gives it (start_run, virtual time).
// A preempted task keeps the work it did and resumes with the rest; a task stopped otherwise (its
// node was lost, it was cancelled) loses it and starts over. For demos, tests, load tests of the
// scheduler itself, and the simulator's replays.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "scheduler/executor.h"
#include "scheduler/executor_registry.h"

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
  size_t active() const override { return running_; }

  // Virtual time, with runs named by a number the caller picks (the simulator: the core's index
  // of the task). Starts a run of `work` in all (less what a preempted run of it did already) and
  // returns when it will end.
  Nanos start_run(uint32_t run, int attempt, Nanos work, Nanos now);
  // Ends the run; with `keep_progress` (preemption) the next start resumes the work.
  void stop_run(uint32_t run, Nanos now, bool keep_progress);
  struct RunEnd {
    uint32_t run = 0;
    int attempt = 1;
  };
  // Runs that ended by `now`, in the order they ended (ties: in the order they started).
  std::vector<RunEnd> finished_by(Nanos now);

 private:
  struct Slot {
    bool running = false;
    int attempt = 1;
    Nanos started{0};
    Nanos end{0};
    uint64_t start_sequence = 0;
    std::optional<Nanos> work_left;  // preempted: what the run still needs
  };
  struct Ending {
    Nanos end;
    uint64_t start_sequence;
    uint32_t run;
    bool operator>(const Ending& other) const {
      return std::tie(end, start_sequence) > std::tie(other.end, other.start_sequence);
    }
  };
  // The service names tasks by id: each gets a run number.
  uint32_t run_of(const std::string& task_id);

  double speed_factor_;
  std::vector<Slot> slots_;
  // Every start's end; entries of runs stopped since are skipped when they come up.
  std::priority_queue<Ending, std::vector<Ending>, std::greater<>> endings_;
  uint64_t next_sequence_ = 0;
  size_t running_ = 0;
  std::unordered_map<std::string, uint32_t> run_by_task_;
  std::vector<std::string> task_of_run_;
};

// `executor: {type: simulated, speed_factor: 0.001}`
ExecutorEntry simulated_executor_entry();

}  // namespace fulcrum
