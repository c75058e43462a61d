// Watches the backends from a thread of its own, so that probes never slow the proxy workers:
//   - active health checks (health_check:): `GET path` on every backend each interval; `fall`
//     failures in a row take a backend out (Backend::check_healthy), `rise` passes bring it back.
//     A backend not checked yet goes down on its first failure. Logged as backend_down/backend_up.
//   - load scrapes (scrape:): `GET /metrics` on every backend each interval; the queue, running
//     requests and KV-cache use it reports (vLLM's or SGLang's names) go into Backend::reported_*,
//     which the LLM-aware pickers read. A failed scrape leaves the old values to go stale.
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

class BackendMonitor {
 public:
  // Borrows the registry, which must outlive the monitor.
  explicit BackendMonitor(BackendRegistry& registry);
  ~BackendMonitor();
  BackendMonitor(const BackendMonitor&) = delete;
  BackendMonitor& operator=(const BackendMonitor&) = delete;

  // Starts the thread; disabled sections probe nothing until update() enables them.
  void start(const HealthCheckConfig& health_check, const ScrapeConfig& scrape);
  // Takes new settings (reload); disabling the health checks marks every backend up. Thread-safe.
  void update(const HealthCheckConfig& health_check, const ScrapeConfig& scrape);
  // Stops the thread; probes in progress are abandoned. Idempotent.
  void stop();

 private:
  struct CheckState {
    int passes_in_row = 0;
    int failures_in_row = 0;
    bool checked = false;
    bool in_progress = false;
  };
  struct ScrapeState {
    bool in_progress = false;
    double last_prefix_queries = -1;  // counters at the previous scrape, for the hit rate
    double last_prefix_hits = -1;
  };

  // Every `interval_ms` while `enabled()`, starts `probe(backend)` on each backend whose previous
  // probe has finished.
  template <typename State, typename Enabled, typename Interval, typename Probe>
  boost::asio::awaitable<void> probe_loop(boost::asio::steady_timer& timer,
                                          std::unordered_map<uint32_t, State>& states,
                                          Enabled enabled, Interval interval_ms, Probe probe);

  boost::asio::awaitable<void> check(std::shared_ptr<Backend> backend, HealthCheckConfig config);
  boost::asio::awaitable<Result<int>> probe_health(const Backend& backend,
                                                   const HealthCheckConfig& config);
  void record_check(Backend& backend, const HealthCheckConfig& config, const Result<int>& answer);
  void mark_all_up();

  boost::asio::awaitable<void> scrape(std::shared_ptr<Backend> backend, ScrapeConfig config);
  void record_scrape(Backend& backend, const std::string& exposition);

  BackendRegistry& registry_;
  boost::asio::io_context context_{1};
  boost::asio::steady_timer check_timer_{context_};
  boost::asio::steady_timer scrape_timer_{context_};
  // Used on the monitor's thread only.
  HealthCheckConfig health_check_;
  ScrapeConfig scrape_;
  std::unordered_map<uint32_t, CheckState> check_states_;  // by Backend::id
  std::unordered_map<uint32_t, ScrapeState> scrape_states_;
  std::thread thread_;
};

}  // namespace fulcrum
