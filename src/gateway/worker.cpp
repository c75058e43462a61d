#include "gateway/worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/heap.h"
#include "core/log.h"
#include "core/resources.h"
#include "gateway/session.h"

namespace fulcrum {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kTickInterval = std::chrono::milliseconds(100);
constexpr uint64_t kRetryBudgetFloor = 10;
// Buffers kept for reuse; more would only pin memory after a burst.
constexpr size_t kMaxPooledExchanges = 32;
constexpr uint64_t kTrimAfterFrees = 64;  // exchanges (32 KiB of buffers each) or parked frames
constexpr int64_t kTrimIntervalNs = 250'000'000;
// Fewer frees than kTrimAfterFrees are purged too once no more came for this long.
constexpr int64_t kTrimSettledNs = 1'000'000'000;

}  // namespace

Worker::Worker(int index, std::shared_ptr<const GatewayConfig> config, BackendRegistry& registry,
               GatewayStats& stats, std::unique_ptr<Picker> picker)
    : index_(index),
      config_(std::move(config)),
      registry_(registry),
      stats_(stats),
      picker_(std::move(picker)) {}

Worker::~Worker() = default;

int64_t Worker::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status Worker::listen(const std::vector<ListenAddress>& listeners, bool reuse_port) {
  for (const ListenAddress& listen : listeners) {
    boost::system::error_code error;
    auto address = asio::ip::make_address(listen.address, error);
    if (error)
      return invalid_argument("listen address \"" + listen.address + "\": " + error.message());
    tcp::endpoint endpoint(address, listen.port);
    auto acceptor = std::make_unique<tcp::acceptor>(context_);
    acceptor->open(endpoint.protocol(), error);
    if (!error) acceptor->set_option(tcp::acceptor::reuse_address(true), error);
    if (!error && reuse_port) {
      int enable = 1;
      if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &enable,
                       sizeof enable) != 0) {
        error = boost::system::error_code(errno, boost::system::system_category());
      }
    }
    if (!error) acceptor->bind(endpoint, error);
    if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return Status(ErrorCode::kUnavailable, "cannot listen on " + listen.address + ":" +
                                                 std::to_string(listen.port) + ": " +
                                                 error.message());
    }
    acceptors_.push_back(std::move(acceptor));
  }
  return Status::ok_status();
}

Status Worker::share_listeners(const Worker& first) {
  for (const auto& listening : first.acceptors_) {
    const int duplicate = ::fcntl(listening->native_handle(), F_DUPFD_CLOEXEC, 0);
    if (duplicate < 0) {
      return Status(ErrorCode::kUnavailable,
                    std::string("cannot share a listening socket: ") + std::strerror(errno));
    }
    auto acceptor = std::make_unique<tcp::acceptor>(context_);
    boost::system::error_code error;
    acceptor->assign(listening->local_endpoint().protocol(), duplicate, error);
    if (error) {
      ::close(duplicate);
      return Status(ErrorCode::kUnavailable, "cannot share a listening socket: " + error.message());
    }
    acceptors_.push_back(std::move(acceptor));
  }
  return Status::ok_status();
}

Status Worker::open_access_log() { return access_log_.open(config_->access_log); }

void Worker::apply(std::shared_ptr<const GatewayConfig> config, std::unique_ptr<Picker> picker) {
  // Handlers must be copyable; the picker travels in a shared_ptr.
  auto new_picker = std::make_shared<std::unique_ptr<Picker>>(std::move(picker));
  asio::post(context_, [this, config = std::move(config), new_picker] {
    config_ = config;
    if (*new_picker) {
      picker_ = std::move(*new_picker);
      backends_generation_ = 0;  // the new picker learns the backends on its first pick
    }
    if (Status reopened = access_log_.open(config_->access_log); !reopened.ok()) {
      log_event(LogLevel::kError, "access_log_unavailable", {{"reason", reopened.message()}});
    }
  });
}

void Worker::run() {
  for (auto& acceptor : acceptors_) {
    asio::co_spawn(context_, accept_loop(*acceptor), asio::detached);
  }
  asio::co_spawn(context_, tick_loop(), asio::detached);
  context_.run();
}

void Worker::begin_shutdown() {
  asio::post(context_, [this] {
    shutting_down_ = true;
    for (auto& acceptor : acceptors_) {
      boost::system::error_code ignored;
      acceptor->close(ignored);
    }
    for (ClientSession* session : sessions_) session->close_if_idle();
  });
}

void Worker::stop() { context_.stop(); }

asio::awaitable<void> Worker::accept_loop(tcp::acceptor& acceptor) {
  while (acceptor.is_open()) {
    auto [error, socket] = co_await acceptor.async_accept(kNoThrow);
    if (error) {
      if (error == asio::error::operation_aborted || !acceptor.is_open()) break;
      continue;  // EMFILE and friends: keep serving the connections we have
    }
    if (stats_.connections_open.load(std::memory_order_relaxed) >=
        static_cast<uint64_t>(config_->limits.connections)) {
      bump(stats_.connections_refused);
      continue;  // the socket closes as it goes out of scope
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    bump(stats_.connections_accepted);
    std::make_shared<ClientSession>(*this, std::move(socket))->start();
  }
}

asio::awaitable<void> Worker::tick_loop() {
  for (;;) {
    tick_timer_.expires_after(kTickInterval);
    auto [error] = co_await tick_timer_.async_wait(kNoThrow);
    if (error) co_return;
    expire_deadlines();
    close_stale_upstreams();
    trim_heap_after_burst();
    access_log_.flush();
    if (shutting_down_ && sessions_.empty()) co_return;
  }
}

void Worker::expire_deadlines() {
  const int64_t now = now_ns();
  // A session may end while being expired; iterate over a copy.
  std::vector<ClientSession*> sessions = sessions_;
  for (ClientSession* session : sessions) session->expire_if_due(now);
}

void Worker::close_stale_upstreams() {
  const int64_t oldest_allowed = now_ns() - config_->timeouts.idle_ms * 1000000;
  for (auto& pool : idle_upstreams_) {
    std::erase_if(pool, [oldest_allowed](const std::unique_ptr<Upstream>& upstream) {
      return upstream->idle_since_ns < oldest_allowed;
    });
  }
}

void Worker::refresh_backends() {
  uint64_t generation = registry_.generation();
  if (generation == backends_generation_) return;
  backends_ = registry_.snapshot();
  backends_generation_ = generation;
  views_.assign(backends_->size(), BackendView{});
  view_models_.assign(backends_->size(), std::string_view{});
  any_model_label_ = false;
  for (size_t index = 0; index < backends_->size(); ++index) {
    const Backend& backend = *(*backends_)[index];
    views_[index].id = backend.id;
    views_[index].name = backend.config.name;
    if (auto label = backend.config.labels.find("model"); label != backend.config.labels.end()) {
      view_models_[index] = label->second;
      any_model_label_ = true;
    }
  }
  picker_->on_backends_changed(views_);
}

void Worker::fill_reported_load(const Backend& backend, int64_t now_ns, LoadReport& load) const {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  const int64_t reported_at = backend.reported_at_ns.load(std::memory_order_acquire);
  load.fresh = reported_at != 0 && now_ns - reported_at <= config_->scrape.stale_after_ms * 1000000;
  if (!load.fresh) return;
  load.queue_depth = backend.reported_queue_depth.load(kRelaxed);
  load.running = backend.reported_running.load(kRelaxed);
  load.kv_cache_usage = backend.reported_kv_cache_usage.load(kRelaxed);
  load.kv_blocks_total = backend.reported_kv_blocks_total.load(kRelaxed);
  load.prefix_cache_hit_rate = backend.reported_prefix_hit_rate.load(kRelaxed);
}

std::shared_ptr<Backend> Worker::pick_backend(const RequestView& request,
                                              std::span<const uint32_t> excluded,
                                              std::string& reason, std::string* decision) {
  refresh_backends();
  const int64_t now = now_ns();
  for (size_t index = 0; index < views_.size(); ++index) {
    const Backend& backend = *(*backends_)[index];
    BackendView& view = views_[index];
    view.weight = backend.weight.load(std::memory_order_relaxed);
    view.draining = backend.draining.load(std::memory_order_relaxed);
    // Another model's backend counts as unhealthy for this request.
    const bool other_model =
        !request.model.empty() && any_model_label_ && view_models_[index] != request.model;
    view.healthy = backend.healthy_at(now) && !other_model &&
                   std::find(excluded.begin(), excluded.end(), backend.id) == excluded.end();
    view.in_flight = backend.in_flight.load(std::memory_order_relaxed);
    fill_reported_load(backend, now, view.load);
  }
  // Pickers with a prefix index score every candidate anyway; the others add no scores.
  scores_.clear();
  PickResult picked = picker_->pick_explained(request, views_, scores_);
  if (!picked.ok()) {
    reason = picked.error_message();
    return nullptr;
  }
  account_prefix_prediction(request, *picked);
  if (decision != nullptr || config_->log_decisions) {
    std::string described = describe_decision(*picked);
    if (config_->log_decisions) log_decision(request, described);
    if (decision != nullptr) *decision = std::move(described);
  }
  return (*backends_)[*picked];
}

void Worker::account_prefix_prediction(const RequestView& request, std::size_t chosen) {
  if (!request.prefix_blocks.empty()) {
    stats_.prefix_query_blocks.fetch_add(request.prefix_blocks.size(), std::memory_order_relaxed);
    const uint32_t chosen_id = views_[chosen].id;
    for (const CandidateScore& score : scores_) {
      if (score.backend_id != chosen_id) continue;
      stats_.prefix_predicted_blocks.fetch_add(score.matched_blocks, std::memory_order_relaxed);
    }
  }
  const std::size_t index_bytes = picker_->prefix_index_bytes();
  if (index_bytes != counted_index_bytes_) {
    stats_.prefix_index_bytes.fetch_add(
        static_cast<int64_t>(index_bytes) - static_cast<int64_t>(counted_index_bytes_),
        std::memory_order_relaxed);
    counted_index_bytes_ = index_bytes;
  }
}

namespace {

// Header values must not carry control characters; backend names come from config.
void append_printable(std::string& out, std::string_view text) {
  for (char c : text) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
}

}  // namespace

std::string Worker::describe_decision(std::size_t chosen) const {
  std::string text(picker_->name());
  text += " -> ";
  append_printable(text, views_[chosen].name);
  for (const CandidateScore& score : scores_) {
    auto view = std::find_if(views_.begin(), views_.end(), [&score](const BackendView& each) {
      return each.id == score.backend_id;
    });
    text += "; ";
    append_printable(text, view == views_.end() ? std::string_view("?") : view->name);
    text += ' ';
    text += format_number(std::round(score.score * 1000) / 1000);
    text += " (";
    append_printable(text, score.detail);
    text += ')';
    if (text.size() > kMaxDecisionBytes) break;
  }
  if (text.size() > kMaxDecisionBytes) {
    text.resize(kMaxDecisionBytes - 3);
    text += "...";
  }
  return text;
}

void Worker::log_decision(const RequestView& request, const std::string& decision) const {
  log_event(LogLevel::kInfo, "routing_decision",
            {log_number("request", static_cast<double>(request.request_id)),
             {"policy", std::string(picker_->name())},
             {"decision", decision}});
}

bool Worker::routes_by_content() {
  refresh_backends();
  return any_model_label_ || picker_->needs_request_body();
}

bool Worker::serves_model(std::string_view model) {
  refresh_backends();
  if (!any_model_label_) return true;
  return std::find(view_models_.begin(), view_models_.end(), model) != view_models_.end();
}

void Worker::record_backend_result(Backend& backend, bool success) {
  if (success) {
    backend.consecutive_failures.store(0, std::memory_order_relaxed);
    return;
  }
  const PassiveHealthConfig& passive = config_->passive_health;
  if (passive.consecutive_failures == 0) return;
  uint32_t failures = backend.consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < static_cast<uint32_t>(passive.consecutive_failures)) return;
  backend.consecutive_failures.store(0, std::memory_order_relaxed);
  uint32_t previous = backend.ejections.fetch_add(1, std::memory_order_relaxed);
  int64_t ejection_ms = passive.base_ejection_ms << std::min<uint32_t>(previous, 20);
  ejection_ms = std::min(ejection_ms, passive.max_ejection_ms);
  backend.ejected_until_ns.store(now_ns() + ejection_ms * 1000000, std::memory_order_relaxed);
  bump(stats_.ejections);
  log_event(LogLevel::kWarn, "backend_ejected",
            {{"backend", backend.config.name},
             log_number("failures_in_row", passive.consecutive_failures),
             log_number("ejection_ms", static_cast<double>(ejection_ms))});
}

bool Worker::retry_allowed() const {
  const uint64_t requests = stats_.requests.load(std::memory_order_relaxed);
  const uint64_t retries = stats_.retries.load(std::memory_order_relaxed);
  return static_cast<double>(retries) <
         config_->retries.budget_ratio * static_cast<double>(requests) + kRetryBudgetFloor;
}

std::unique_ptr<Upstream> Worker::take_idle_upstream(const Backend& backend) {
  if (backend.id >= idle_upstreams_.size()) return nullptr;
  auto& pool = idle_upstreams_[backend.id];
  while (!pool.empty()) {
    std::unique_ptr<Upstream> upstream = std::move(pool.back());
    pool.pop_back();
    if (upstream->backend.get() == &backend && upstream->socket.is_open()) return upstream;
  }
  return nullptr;
}

void Worker::return_upstream(std::unique_ptr<Upstream> upstream) {
  if (!upstream || shutting_down_) return;
  const uint32_t id = upstream->backend->id;
  if (id >= idle_upstreams_.size()) idle_upstreams_.resize(id + 1);
  auto& pool = idle_upstreams_[id];
  if (pool.size() >= static_cast<size_t>(config_->limits.upstream_idle_per_backend)) return;
  upstream->idle_since_ns = now_ns();
  upstream->reused = true;
  pool.push_back(std::move(upstream));
}

std::unique_ptr<Exchange> Worker::acquire_exchange() {
  if (free_exchanges_.empty()) {
    return std::make_unique<Exchange>(static_cast<size_t>(config_->limits.header_bytes));
  }
  std::unique_ptr<Exchange> exchange = std::move(free_exchanges_.back());
  free_exchanges_.pop_back();
  return exchange;
}

void Worker::release_exchange(std::unique_ptr<Exchange> exchange) {
  exchange->client_filled = 0;
  exchange->upstream_filled = 0;
  exchange->out.clear();
  exchange->log_line.clear();
  // After a reload that changed limits.header_bytes, buffers of the old size are not reused.
  const bool current_size = exchange->capacity == static_cast<size_t>(config_->limits.header_bytes);
  if (current_size && free_exchanges_.size() < kMaxPooledExchanges) {
    free_exchanges_.push_back(std::move(exchange));
  } else {
    note_heap_frees();
  }
}

// Buffers and coroutine frames freed after a burst leave free pages among the live connection
// objects that the allocator keeps by default; a purge hands them back to the kernel (as HAProxy
// does after releasing pools). At most once per kTrimIntervalNs, during a burst of frees or once
// it has settled.
void Worker::trim_heap_after_burst() {
  if (frees_since_trim_ == 0) return;
  const int64_t now = now_ns();
  const bool burst = frees_since_trim_ >= kTrimAfterFrees;
  const bool settled = now - last_free_ns_ >= kTrimSettledNs;
  if ((!burst && !settled) || now < next_trim_ns_) return;
  frees_since_trim_ = 0;
  next_trim_ns_ = now + kTrimIntervalNs;
  release_free_heap_memory();
}

void Worker::add_session(ClientSession* session) {
  sessions_.push_back(session);
  stats_.connections_open.fetch_add(1, std::memory_order_relaxed);
}

void Worker::remove_session(ClientSession* session) {
  auto it = std::find(sessions_.begin(), sessions_.end(), session);
  if (it != sessions_.end()) {
    *it = sessions_.back();
    sessions_.pop_back();
  }
  stats_.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace fulcrum
