// Executors run placed tasks: `simulated` only lets time pass, `local` runs the command as child
// processes of the scheduler. The service starts and stops tasks and polls for the ones that
// ended; the executor never calls back into the scheduler.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace fulcrum {

struct LaunchSpec {
  struct Replica {
    int replica = 0;
    std::string node_id;
    std::vector<int> gpu_devices;
  };
  std::string task_id;
  int attempt = 1;
  std::string command;
  int64_t memory_bytes = 0;  // per replica; a limit where the executor can enforce one
  int64_t estimated_duration_ms = 0;
  std::vector<Replica> replicas;
};

struct TaskExit {
  std::string task_id;
  int attempt = 1;
  int exit_code = 0;   // 128 + signal when a signal ended it
  std::string reason;  // "exit code 0", "killed by signal 9"
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string_view name() const = 0;
  // Starts every replica; an error means none runs.
  virtual Status start(const LaunchSpec& launch, int64_t now_ms) = 0;
  // Ends the task's current run (SIGTERM, then SIGKILL after the grace period); its end is not
  // reported by poll, since the scheduler has moved the task on already.
  virtual void stop(const std::string& task_id, int64_t now_ms) = 0;
  // stop with the given grace between SIGTERM and SIGKILL (preemption); immediate by default.
  virtual void stop_with_grace(const std::string& task_id, int64_t now_ms, int64_t /*grace_ms*/) {
    stop(task_id, now_ms);
  }
  // A stopped run of the task still has processes that have not ended.
  virtual bool stopping(const std::string& /*task_id*/) const { return false; }
  // Tasks whose every replica has ended since the last poll.
  virtual std::vector<TaskExit> poll(int64_t now_ms) = 0;
  // Runs (or processes being stopped) still tracked.
  virtual size_t active() const = 0;
  // Where the task's "stdout" or "stderr" is written; nullopt when this executor keeps no logs.
  virtual std::optional<std::string> log_path(const std::string& /*task_id*/,
                                              std::string_view /*stream*/) const {
    return std::nullopt;
  }
};

}  // namespace fulcrum
