// The scheduler's configuration: the `scheduler:` section of a config file (docs/scheduler.md).
// Every error names file, line and key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "core/yaml_reader.h"
#include "milp/batch_solver.h"
#include "scheduler/executor.h"
#include "store/store.h"

namespace fulcrum {

// `executor: {type: local, log_dir: logs}`: the type and every other key as its parameters.
struct ExecutorChoice {
  std::string type = "simulated";
  ExecutorParams params;
  std::string origin;  // "s.yaml:7: scheduler.executor", to prefix errors found later
};

struct SchedulerConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 8470;      // 0: any free port (printed at start)
  std::string cluster_file;  // nodes to add at start (cluster file format); optional
  std::string store_path = "fulcrum-scheduler.db";
  Store::Durability durability = Store::Durability::kFull;
  PolicyChoice placement{"least_loaded", {}, ""};
  std::optional<MilpPlacementSettings> milp;  // read from placement's params with policy milp
  PolicyChoice queue{"priority", {}, ""};
  ExecutorChoice executor;  // its parameters are checked when the scheduler is made
  int64_t monitor_interval_ms = 100;
  int64_t heartbeat_timeout_ms = 15000;
  int max_attempts = 3;
  int64_t scale_window_ms = 0;  // 0: no scale_out / scale_in advice
  double scale_low_utilization = 0.2;
  std::string scale_hook;   // run with /bin/sh -c on scale_out, FULCRUM_SCALE_DEMAND in its env
  bool preemption = false;  // higher priority may evict lower priority (docs/scheduler.md)
  int64_t preemption_grace_ms = 30000;  // between SIGTERM and SIGKILL for an evicted task
  std::string token;       // required on mutating endpoints when set (FULCRUM_TOKEN if empty)
  std::string read_token;  // accepted on read-only endpoints
};

// Reads the `scheduler:` section; relative paths are resolved against `file_name`'s folder.
Result<SchedulerConfig> read_scheduler_section(const YamlValue& section);
// A whole file whose only top-level key is `scheduler:`.
Result<SchedulerConfig> parse_scheduler_config(std::string_view yaml_text,
                                               const std::string& file_name);
Result<SchedulerConfig> load_scheduler_config(const std::string& path);

}  // namespace fulcrum
