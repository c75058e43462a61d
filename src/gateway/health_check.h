// Active health checks (health_check: in the gateway config): a thread of its own sends
// `GET path` to every backend each interval and sets Backend::check_healthy from the answers,
// `fall` failures in a row to go down and `rise` passes in a row to come back. A backend that has
// not been checked yet goes down on its first failure. Changes are logged as backend_down /
// backend_up events.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/status.h"
#include "gateway/backends.h"
#include "gateway/config.h"

namespace fulcrum {

class HealthChecker {
 public:
  // Borrows the registry, which must outlive the checker.
  explicit HealthChecker(BackendRegistry& registry);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Starts the checking thread with `config`; a disabled config checks nothing until update().
  void start(const HealthCheckConfig& config);
  // Takes a new config (reload); disabling the checks marks every backend up. Thread-safe.
  void update(const HealthCheckConfig& config);
  // Stops the thread; checks in progress are abandoned. Idempotent.
  void stop();

 private:
  struct ProbeState {
    int passes_in_row = 0;
    int failures_in_row = 0;
    bool checked = false;
    bool in_progress = false;
  };

  boost::asio::awaitable<void> schedule_loop();
  boost::asio::awaitable<void> check(std::shared_ptr<Backend> backend, HealthCheckConfig config);
  // The status the backend answered, or an error saying what went wrong.
  boost::asio::awaitable<Result<int>> probe(const Backend& backend,
                                            const HealthCheckConfig& config);
  void record(Backend& backend, const HealthCheckConfig& config, const Result<int>& answer);
  void mark_all_up();

  BackendRegistry& registry_;
  boost::asio::io_context context_{1};
  boost::asio::steady_timer interval_timer_{context_};
  HealthCheckConfig config_;                         // used on the checker's thread only
  std::unordered_map<uint32_t, ProbeState> states_;  // by Backend::id
  std::thread thread_;
};

}  // namespace fulcrum
