// The gateway body: a set of workers sharing one backend registry.
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

class Gateway {
 public:
  explicit Gateway(GatewayConfig config);
  ~Gateway();

  // Resolves backends, creates the workers and binds every listener; nothing runs yet.
  Status start();
  // Runs the workers until stop() or a completed shutdown; blocks.
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
};

}  // namespace fulcrum
