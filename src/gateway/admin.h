// The gateway's admin API (/admin/backends: list, add, remove, drain, weight), /metrics and
// /healthz, served on the admin listener by a thread and io_context of their own, so that neither
// slows the proxy workers nor stops answering when they are busy. docs/api.md lists the endpoints.
#pragma once

#include <cstdint>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "core/status.h"
#include "gateway/backends.h"
#include "gateway/config.h"
#include "gateway/live_config.h"
#include "gateway/stats.h"
#include "http/server.h"

namespace fulcrum {

class AdminService {
 public:
  // Borrows the registry and the counters, which must outlive the service.
  AdminService(const LiveConfig& config, BackendRegistry& registry, GatewayStats& stats);
  ~AdminService();
  AdminService(const AdminService&) = delete;
  AdminService& operator=(const AdminService&) = delete;

  // Binds the admin listener; nothing is served before run_in_background().
  Status listen();
  void run_in_background();
  // Closes the listener and the connections and joins the thread. Idempotent.
  void stop();
  uint16_t port() const { return server_.port(); }

 private:
  void add_routes();

  const LiveConfig& config_;
  BackendRegistry& registry_;
  GatewayStats& stats_;
  boost::asio::io_context context_{1};
  http::Server server_;  // after context_: goes first, while the context it posts to still exists
  std::thread thread_;
};

}  // namespace fulcrum
