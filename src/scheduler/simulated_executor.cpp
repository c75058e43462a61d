#include "scheduler/simulated_executor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <tuple>

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

uint32_t SimulatedExecutor::run_of(const std::string& task_id) {
  auto [found, added] = run_by_task_.try_emplace(task_id, task_of_run_.size());
  if (added) task_of_run_.push_back(task_id);
  return found->second;
}

Status SimulatedExecutor::start(const LaunchSpec& launch, int64_t now_ms) {
  std::chrono::milliseconds work(static_cast<int64_t>(
      std::llround(static_cast<double>(launch.estimated_duration_ms) * speed_factor_)));
  start_run(run_of(launch.task_id), launch.attempt, work, std::chrono::milliseconds(now_ms));
  return {};
}

void SimulatedExecutor::stop(const std::string& task_id, int64_t now_ms) {
  stop_run(run_of(task_id), std::chrono::milliseconds(now_ms), false);
}

void SimulatedExecutor::stop_with_grace(const std::string& task_id, int64_t now_ms,
                                        int64_t /*grace_ms*/) {
  stop_run(run_of(task_id), std::chrono::milliseconds(now_ms), true);
}

std::vector<TaskExit> SimulatedExecutor::poll(int64_t now_ms) {
  std::vector<TaskExit> exits;
  for (const RunEnd& ended : finished_by(std::chrono::milliseconds(now_ms))) {
    exits.push_back({task_of_run_[ended.run], ended.attempt, 0, "completed (simulated)"});
  }
  return exits;
}

Nanos SimulatedExecutor::start_run(uint32_t run, int attempt, Nanos work, Nanos now) {
  if (run >= slots_.size()) slots_.resize(run + 1);
  stop_run(run, now, true);
  Slot& slot = slots_[run];
  if (slot.work_left) work = *std::exchange(slot.work_left, std::nullopt);
  slot.running = true;
  slot.attempt = attempt;
  slot.started = now;
  slot.end = now + work;
  slot.start_sequence = next_sequence_++;
  endings_.push({slot.end, slot.start_sequence, run});
  ++running_;
  return slot.end;
}

void SimulatedExecutor::stop_run(uint32_t run, Nanos now, bool keep_progress) {
  if (run >= slots_.size()) return;
  Slot& slot = slots_[run];
  if (!slot.running) {
    if (!keep_progress) slot.work_left.reset();
    return;
  }
  slot.running = false;
  --running_;
  if (keep_progress) slot.work_left = slot.end - std::max(now, slot.started);
}

std::vector<SimulatedExecutor::RunEnd> SimulatedExecutor::finished_by(Nanos now) {
  std::vector<RunEnd> ended;
  while (!endings_.empty() && endings_.top().end <= now) {
    Ending ending = endings_.top();
    endings_.pop();
    Slot& slot = slots_[ending.run];
    if (!slot.running || slot.start_sequence != ending.start_sequence) continue;
    slot.running = false;
    --running_;
    ended.push_back({ending.run, slot.attempt});
  }
  return ended;
}

}  // namespace fulcrum
