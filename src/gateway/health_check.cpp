#include "gateway/health_check.h"

#include <chrono>
#include <string_view>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/log.h"
#include "http/parser.h"

namespace fulcrum {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kMaxResponseHeadBytes = 16 * 1024;

// Connects, sends the request and reads the response head; no timeout of its own.
asio::awaitable<Result<int>> exchange(tcp::socket& socket, const Backend& backend,
                                      const HealthCheckConfig& config) {
  auto [connect_error] = co_await socket.async_connect(backend.endpoint, kNoThrow);
  if (connect_error) co_return unavailable("connect: " + connect_error.message());
  const std::string request = "GET " + config.path + " HTTP/1.1\r\nHost: " + backend.config.host +
                              ":" + std::to_string(backend.config.port) +
                              "\r\nUser-Agent: fulcrum-health-check\r\nConnection: close\r\n\r\n";
  auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(request), kNoThrow);
  if (write_error) co_return unavailable("send: " + write_error.message());
  std::string received(kMaxResponseHeadBytes, '\0');
  size_t filled = 0;
  http::ResponseHead head;
  for (;;) {
    auto [read_error, bytes] = co_await socket.async_read_some(
        asio::buffer(received.data() + filled, received.size() - filled), kNoThrow);
    if (read_error) co_return unavailable("no response: " + read_error.message());
    filled += bytes;
    http::ParseResult parsed =
        http::parse_response(std::string_view(received.data(), filled), false, head);
    if (parsed.complete()) co_return head.status_code;
    if (parsed.error()) {
      co_return unavailable("malformed response: " + std::string(parsed.error_reason));
    }
    if (filled == received.size()) co_return unavailable("response head too large");
  }
}

}  // namespace

HealthChecker::HealthChecker(BackendRegistry& registry) : registry_(registry) {}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::start(const HealthCheckConfig& config) {
  config_ = config;
  asio::co_spawn(context_, schedule_loop(), asio::detached);
  thread_ = std::thread([this] { context_.run(); });
}

void HealthChecker::update(const HealthCheckConfig& config) {
  asio::post(context_, [this, config] {
    const bool was_enabled = config_.enabled;
    config_ = config;
    if (was_enabled && !config.enabled) mark_all_up();
    interval_timer_.cancel();  // the loop starts a round under the new config now
  });
}

void HealthChecker::stop() {
  context_.stop();
  if (thread_.joinable()) thread_.join();
}

void HealthChecker::mark_all_up() {
  for (const auto& backend : *registry_.snapshot()) {
    backend->check_healthy.store(true, std::memory_order_relaxed);
  }
  states_.clear();
}

asio::awaitable<void> HealthChecker::schedule_loop() {
  for (;;) {
    if (config_.enabled) {
      auto backends = registry_.snapshot();
      std::unordered_set<uint32_t> present;
      for (const auto& backend : *backends) {
        present.insert(backend->id);
        ProbeState& state = states_[backend->id];
        if (state.in_progress) continue;
        state.in_progress = true;
        asio::co_spawn(context_, check(backend, config_), asio::detached);
      }
      std::erase_if(states_, [&present](const auto& entry) {
        return !present.contains(entry.first) && !entry.second.in_progress;
      });
    }
    const int64_t wait_ms = config_.enabled ? config_.interval_ms : 3600 * 1000;
    interval_timer_.expires_after(std::chrono::milliseconds(wait_ms));
    auto [error] = co_await interval_timer_.async_wait(kNoThrow);
    if (error && error != asio::error::operation_aborted) co_return;
  }
}

asio::awaitable<void> HealthChecker::check(std::shared_ptr<Backend> backend,
                                           HealthCheckConfig config) {
  Result<int> answer = co_await probe(*backend, config);
  states_[backend->id].in_progress = false;
  // A check that began under a config since replaced says nothing about the new one.
  if (config_.enabled && config_.path == config.path) record(*backend, config_, answer);
}

asio::awaitable<Result<int>> HealthChecker::probe(const Backend& backend,
                                                  const HealthCheckConfig& config) {
  tcp::socket socket(context_);
  asio::steady_timer deadline(context_);
  deadline.expires_after(std::chrono::milliseconds(config.timeout_ms));
  auto outcome = co_await (exchange(socket, backend, config) ||
                           deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (outcome.index() == 1) {
    co_return unavailable("no answer within " + std::to_string(config.timeout_ms) + "ms");
  }
  co_return std::get<0>(std::move(outcome));
}

void HealthChecker::record(Backend& backend, const HealthCheckConfig& config,
                           const Result<int>& answer) {
  ProbeState& state = states_[backend.id];
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

}  // namespace fulcrum
