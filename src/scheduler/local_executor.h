// Runs each replica of a task as `/bin/sh -c COMMAND` in its own process group on this machine
// (nodes in local mode are virtual slices of it), with FULCRUM_TASK_ID, FULCRUM_NODE,
// FULCRUM_REPLICA, FULCRUM_ATTEMPT and CUDA_VISIBLE_DEVICES (the GPU indices the replica got) in
// its environment, stdout and stderr appended to LOG_DIR/TASK.stdout and .stderr, the task's
// memory demand as its address-space limit (RLIMIT_AS), and, when the scheduler runs as root, the
// configured unprivileged user. A stop sends SIGTERM to the group, then SIGKILL after the grace.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "scheduler/executor_registry.h"

namespace fulcrum {

struct LocalExecutorOptions {
  std::string log_dir = "fulcrum-logs";
  int64_t kill_grace_ms = 5000;
  std::optional<uid_t> run_as_uid;
  std::optional<gid_t> run_as_gid;
  bool limit_memory = true;
};

class LocalExecutor final : public Executor {
 public:
  // Refuses to run as root without a user to switch to; prepare() then creates the log folder.
  static Result<std::unique_ptr<LocalExecutor>> create(LocalExecutorOptions options);
  explicit LocalExecutor(LocalExecutorOptions options) : options_(std::move(options)) {}
  // Kills every process still running.
  ~LocalExecutor() override;
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  std::string_view name() const override { return "local"; }
  Status prepare() override;
  Status start(const LaunchSpec& launch, int64_t now_ms) override;
  void stop(const std::string& task_id, int64_t now_ms) override;
  void stop_with_grace(const std::string& task_id, int64_t now_ms, int64_t grace_ms) override;
  bool stopping(const std::string& task_id) const override;
  std::vector<TaskExit> poll(int64_t now_ms) override;
  size_t active() const override { return processes_.size(); }
  std::optional<std::string> log_path(const std::string& task_id,
                                      std::string_view stream) const override;

 private:
  struct Process {
    std::string task_id;
    int attempt = 1;
    bool stopping = false;
    int64_t kill_at_ms = 0;
  };
  struct Run {
    int attempt = 1;
    int replicas_left = 0;
    std::optional<TaskExit> first_failure;
  };

  Result<pid_t> spawn(const LaunchSpec& launch, const LaunchSpec::Replica& replica);

  LocalExecutorOptions options_;
  std::map<pid_t, Process> processes_;
  std::unordered_map<std::string, Run> runs_;  // by task id, for runs not being stopped
};

// `executor: {type: local, log_dir: DIR, run_as: USER, kill_grace: 5s, memory_limit: true}`
ExecutorEntry local_executor_entry();

}  // namespace fulcrum
