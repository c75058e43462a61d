// Executors run placed tasks: `simulated` only lets time pass, `local` runs the command as child
// processes of the scheduler. The service starts and stops tasks and polls for the ones that
// ended; the executor never calls back into the scheduler. Executors are made by name from the
// `executor:` section through executor_registry.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/params.h"
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

// An executor's parameters: every key of the `executor:` section but `type`, with the config file
// they came from so that relative paths resolve against its folder.
class ExecutorParams : public PolicyParams {
 public:
  using PolicyParams::PolicyParams;
  void set_config_file(std::string config_file) { config_file_ = std::move(config_file); }

  // A path; a relative one is resolved against the config file's folder.
  Result<std::string> get_path(const std::string& name, const std::string& fallback) const;
  // "1500ms", "90s", "30m", "2h"; the error names the parameter and the value.
  Result<int64_t> get_duration_ms(const std::string& name, int64_t fallback) const;
  Result<bool> get_bool(const std::string& name, bool fallback) const;

 private:
  std::string config_file_;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string_view name() const = 0;
  // Makes what the executor needs on this machine (folders, connections) before the first start.
  // Creating an executor has no such effect, so that a config check can create one and drop it.
  virtual Status prepare() { return {}; }
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
