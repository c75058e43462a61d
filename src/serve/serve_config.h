// The `fulcrum serve` config: one file that starts the bodies it names. Sections:
//   emulators: emulated model-server replicas (the engine of `fulcrum emulate`), in process;
//   gateway:   the reverse proxy (the `fulcrum gateway` section); the emulators join its backends;
//   scheduler: the task scheduler (the `fulcrum scheduler` section); `tasks:` is submitted to it;
// and, with none of these, the planning printout of `cluster:` + `tasks:` with `placement:`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"
#include "gateway/config.h"
#include "scheduler/scheduler_config.h"

namespace fulcrum {

struct EmulatorFleetConfig {
  std::string profile_file;
  int replicas = 2;
  std::string address = "127.0.0.1";
  uint16_t base_port = 8001;  // replica i listens on base_port + i; 0: free ports
  double speed = 1.0;         // modeled seconds per real second
  std::string model;          // served model name; empty: the profile's
};

struct ServeConfig {
  std::string file;          // the config file itself, for reloads
  std::string cluster_file;  // the scheduler's nodes unless scheduler.cluster is set
  std::string tasks_file;    // submitted to the scheduler at start, or planned without one
  PolicyChoice placement{"least_loaded", {}, ""};  // the plan printout's placer
  PolicyChoice routing{"round_robin", {}, ""};     // checked only; the gateway has its own
  std::optional<EmulatorFleetConfig> emulators;
  std::optional<GatewayConfig> gateway;
  std::optional<SchedulerConfig> scheduler;

  bool starts_services() const { return emulators || gateway || scheduler; }
};

// Paths are resolved relative to the config file's folder. Errors name file, line and key.
Result<ServeConfig> parse_serve_config(std::string_view yaml_text, const std::string& file_name);
Result<ServeConfig> load_serve_config(const std::string& path);

}  // namespace fulcrum
