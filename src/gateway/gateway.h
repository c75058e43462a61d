// The gateway body: a set of workers sharing one backend registry, the active health checker,
// and the admin API when the config has an admin: section.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "gateway/backend_monitor.h"
#include "gateway/backends.h"
#include "gateway/config.h"
#include "gateway/live_config.h"
#include "gateway/stats.h"
#include "gateway/worker.h"

namespace fulcrum {

class AdminService;

// What a reload did: `applied` lists the changes now in effect, `needs_restart` the settings that
// differ but are only read at start (listeners, workers, admin).
struct ReloadSummary {
  std::vector<std::string> applied;
  std::vector<std::string> needs_restart;
};

class Gateway {
 public:
  explicit Gateway(GatewayConfig config);
  ~Gateway();

  // Resolves backends, creates the workers and binds every listener (the admin one too); nothing
  // runs yet.
  Status start();
  // Runs the workers (and the admin API on a thread of its own) until stop() or a completed
  // shutdown; blocks.
  void run();
  // Stops accepting, lets in-flight requests finish, then stops (thread-safe, signal-safe path).
  void shutdown();
  void stop();
  // Applies `next` without closing a connection: the backends are made to match it (unchanged
  // ones keep their state), and the policy, timeouts, limits, retries, passive and active health
  // checks and the access log take effect for requests that start afterwards. Thread-safe. An
  // error (a backend host that does not resolve) leaves everything as it was.
  Result<ReloadSummary> reload(GatewayConfig next);

  BackendRegistry& backends() { return registry_; }
  GatewayStats& stats() { return stats_; }
  std::shared_ptr<const GatewayConfig> config() const { return live_config_.current(); }
  const LiveConfig& live_config() const { return live_config_; }

 private:
  LiveConfig live_config_;
  BackendRegistry registry_;
  GatewayStats stats_;
  BackendMonitor monitor_{registry_};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<AdminService> admin_;  // null without an admin: section
  std::mutex reload_mutex_;
};

// SIGHUP: applies `next` (read again from `file`) and logs what changed as a `reloaded` event, or
// logs `reload_rejected` with the reason and changes nothing.
void reload_and_log(Gateway& gateway, Result<GatewayConfig> next, const std::string& file);

}  // namespace fulcrum
