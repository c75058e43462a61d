#include "gateway/backend_monitor.h"

#include <chrono>
#include <string_view>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.h"
#include "http/client.h"
#include "llm/load_metrics.h"

namespace fulcrum {

namespace asio = boost::asio;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr int64_t kDisabledWaitMs = 3600 * 1000;  // update() wakes the loop earlier

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

http::GetRequest probe_request(const Backend& backend, const std::string& path,
                               int64_t timeout_ms) {
  http::GetRequest request;
  request.path = path;
  request.host = backend.config.host + ":" + std::to_string(backend.config.port);
  request.timeout = std::chrono::milliseconds(timeout_ms);
  return request;
}

}  // namespace

BackendMonitor::BackendMonitor(BackendRegistry& registry) : registry_(registry) {}

BackendMonitor::~BackendMonitor() { stop(); }

void BackendMonitor::start(const HealthCheckConfig& health_check, const ScrapeConfig& scrape) {
  health_check_ = health_check;
  scrape_ = scrape;
  asio::co_spawn(
      context_,
      probe_loop(
          check_timer_, check_states_, [this] { return health_check_.enabled; },
          [this] { return health_check_.interval_ms; },
          [this](std::shared_ptr<Backend> backend) { return check(backend, health_check_); }),
      asio::detached);
  asio::co_spawn(
      context_,
      probe_loop(
          scrape_timer_, scrape_states_, [this] { return scrape_.enabled; },
          [this] { return scrape_.interval_ms; },
          [this](std::shared_ptr<Backend> backend) { return this->scrape(backend, scrape_); }),
      asio::detached);
  thread_ = std::thread([this] { context_.run(); });
}

void BackendMonitor::update(const HealthCheckConfig& health_check, const ScrapeConfig& scrape) {
  asio::post(context_, [this, health_check, scrape] {
    const bool checks_were_on = health_check_.enabled;
    health_check_ = health_check;
    scrape_ = scrape;
    if (checks_were_on && !health_check.enabled) mark_all_up();
    check_timer_.cancel();  // both loops start a round under the new settings now
    scrape_timer_.cancel();
  });
}

void BackendMonitor::stop() {
  context_.stop();
  if (thread_.joinable()) thread_.join();
}

template <typename State, typename Enabled, typename Interval, typename Probe>
asio::awaitable<void> BackendMonitor::probe_loop(asio::steady_timer& timer,
                                                 std::unordered_map<uint32_t, State>& states,
                                                 Enabled enabled, Interval interval_ms,
                                                 Probe probe) {
  for (;;) {
    const bool on = enabled();
    if (on) {
      std::unordered_set<uint32_t> present;
      for (const auto& backend : *registry_.snapshot()) {
        present.insert(backend->id);
        State& state = states[backend->id];
        if (state.in_progress) continue;
        state.in_progress = true;
        asio::co_spawn(context_, probe(backend), asio::detached);
      }
      std::erase_if(states, [&present](const auto& entry) {
        return !present.contains(entry.first) && !entry.second.in_progress;
      });
    }
    timer.expires_after(std::chrono::milliseconds(on ? interval_ms() : kDisabledWaitMs));
    auto [error] = co_await timer.async_wait(kNoThrow);
    if (error && error != asio::error::operation_aborted) co_return;
  }
}

void BackendMonitor::mark_all_up() {
  for (const auto& backend : *registry_.snapshot()) {
    backend->check_healthy.store(true, std::memory_order_relaxed);
  }
  check_states_.clear();
}

asio::awaitable<void> BackendMonitor::check(std::shared_ptr<Backend> backend,
                                            HealthCheckConfig config) {
  Result<int> answer = co_await probe_health(*backend, config);
  check_states_[backend->id].in_progress = false;
  // A check that began under settings since replaced says nothing about the new ones.
  if (health_check_.enabled && health_check_.path == config.path) {
    record_check(*backend, health_check_, answer);
  }
}

asio::awaitable<Result<int>> BackendMonitor::probe_health(const Backend& backend,
                                                          const HealthCheckConfig& config) {
  http::GetRequest request = probe_request(backend, config.path, config.timeout_ms);
  request.read_body = false;
  auto response = co_await http::http_get(backend.endpoint, request);
  if (!response.ok()) co_return response.status();
  co_return response->status;
}

void BackendMonitor::record_check(Backend& backend, const HealthCheckConfig& config,
                                  const Result<int>& answer) {
  CheckState& state = check_states_[backend.id];
  const bool first_check = !state.checked;
  state.checked = true;
  const bool passed =
      answer.ok() && *answer >= config.expect_status_min && *answer <= config.expect_status_max;
  const bool healthy = backend.check_healthy.load(std::memory_order_relaxed);
  if (passed) {
    state.failures_in_row = 0;
    ++state.passes_in_row;
    if (!healthy && state.passes_in_row >= config.rise) {
      backend.check_healthy.store(true, std::memory_order_relaxed);
      log_event(
          LogLevel::kInfo, "backend_up",
          {{"backend", backend.config.name}, log_number("passes_in_row", state.passes_in_row)});
    }
    return;
  }
  state.passes_in_row = 0;
  ++state.failures_in_row;
  backend.health_check_failures.fetch_add(1, std::memory_order_relaxed);
  if (!healthy || (state.failures_in_row < config.fall && !first_check)) return;
  backend.check_healthy.store(false, std::memory_order_relaxed);
  const std::string reason = answer.ok() ? "status " + std::to_string(*answer) + " (expected " +
                                               std::to_string(config.expect_status_min) + "-" +
                                               std::to_string(config.expect_status_max) + ")"
                                         : answer.error_message();
  log_event(LogLevel::kWarn, "backend_down",
            {{"backend", backend.config.name},
             {"path", config.path},
             {"reason", reason},
             log_number("failures_in_row", state.failures_in_row)});
}

asio::awaitable<void> BackendMonitor::scrape(std::shared_ptr<Backend> backend,
                                             ScrapeConfig config) {
  auto response = co_await http::http_get(backend->endpoint,
                                          probe_request(*backend, config.path, config.timeout_ms));
  scrape_states_[backend->id].in_progress = false;
  if (response.ok() && response->status == 200) {
    record_scrape(*backend, response->body);
  } else {
    backend->scrape_failures.fetch_add(1, std::memory_order_relaxed);
  }
}

void BackendMonitor::record_scrape(Backend& backend, const std::string& exposition) {
  const ScrapedLoad load = parse_load_metrics(exposition);
  if (!load.has_load()) {  // not a model server's metrics, or garbage: nothing to trust
    backend.scrape_failures.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  constexpr auto kRelaxed = std::memory_order_relaxed;
  backend.reported_queue_depth.store(load.queue_depth.value_or(0), kRelaxed);
  backend.reported_running.store(load.running.value_or(0), kRelaxed);
  backend.reported_kv_cache_usage.store(load.kv_cache_usage.value_or(0), kRelaxed);
  backend.reported_kv_blocks_total.store(load.kv_blocks_total.value_or(0), kRelaxed);
  ScrapeState& state = scrape_states_[backend.id];
  if (load.prefix_queries && load.prefix_hits) {
    backend.reported_prefix_queries.store(*load.prefix_queries, kRelaxed);
    backend.reported_prefix_hits.store(*load.prefix_hits, kRelaxed);
  }
  if (load.prefix_hit_rate) {
    backend.reported_prefix_hit_rate.store(*load.prefix_hit_rate, kRelaxed);
  } else if (load.prefix_queries && load.prefix_hits) {
    // The rate over the last interval, from the counters' growth.
    const double queries = *load.prefix_queries - state.last_prefix_queries;
    const double hits = *load.prefix_hits - state.last_prefix_hits;
    if (state.last_prefix_queries >= 0 && queries > 0) {
      backend.reported_prefix_hit_rate.store(hits / queries, kRelaxed);
    }
    state.last_prefix_queries = *load.prefix_queries;
    state.last_prefix_hits = *load.prefix_hits;
  }
  backend.reported_at_ns.store(steady_now_ns(), std::memory_order_release);
}

}  // namespace fulcrum
