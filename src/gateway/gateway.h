// The gateway body: a set of workers sharing one backend registry, and the admin API when the
// config has an admin: section.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "core/status.h"
#include "gateway/backends.h"
#include "gateway/config.h"
#include "gateway/stats.h"
#include "gateway/worker.h"

namespace fulcrum {

class AdminService;

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

  BackendRegistry& backends() { return registry_; }
  GatewayStats& stats() { return stats_; }
  const GatewayConfig& config() const { return config_; }

 private:
  GatewayConfig config_;
  BackendRegistry registry_;
  GatewayStats stats_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<AdminService> admin_;  // null without an admin: section
};

}  // namespace fulcrum
