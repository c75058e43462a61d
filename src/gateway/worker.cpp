#include "gateway/worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.h"
#include "gateway/decision_text.h"
#include "gateway/session.h"

namespace fulcrum {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kTickInterval = std::chrono::milliseconds(100);

}  // namespace

Worker::Worker(int index, std::shared_ptr<const GatewayConfig> config, BackendRegistry& registry,
               GatewayStats& stats, std::unique_ptr<Picker> picker)
    : index_(index),
      config_(std::move(config)),
      registry_(registry),
      stats_(stats),
      picker_(std::move(picker)) {}

Worker::~Worker() { upstreams_.close_all(); }

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
    upstreams_.close_idle_since(now_ns() - config_->timeouts.idle_ms * 1000000);
    heap_trimmer_.trim_if_due(now_ns());
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

void Worker::fill_live_state(BackendView& view, const Backend& backend, int64_t now_ns,
                             std::span<const uint32_t> excluded) const {
  view.weight = backend.weight.load(std::memory_order_relaxed);
  view.draining = backend.draining.load(std::memory_order_relaxed);
  view.healthy = backend.healthy_at(now_ns) &&
                 std::find(excluded.begin(), excluded.end(), backend.id) == excluded.end();
  view.in_flight = backend.in_flight.load(std::memory_order_relaxed);
  fill_reported_load(backend, now_ns, view.load);
}

void Worker::gather_candidates(const RequestView& request, std::span<const uint32_t> excluded) {
  const int64_t now = now_ns();
  // Routing by model is a filter: other models' backends are no candidates at all.
  filtered_by_model_ = !request.model.empty() && any_model_label_;
  if (!filtered_by_model_) {
    for (size_t index = 0; index < views_.size(); ++index) {
      fill_live_state(views_[index], *(*backends_)[index], now, excluded);
    }
    candidates_ = views_;
    return;
  }
  model_views_.clear();
  model_indexes_.clear();
  for (size_t index = 0; index < views_.size(); ++index) {
    if (view_models_[index] != request.model) continue;
    fill_live_state(model_views_.emplace_back(views_[index]), *(*backends_)[index], now, excluded);
    model_indexes_.push_back(index);
  }
  candidates_ = model_views_;
}

std::shared_ptr<Backend> Worker::pick_backend(const RequestView& request,
                                              std::span<const uint32_t> excluded,
                                              std::string& reason, std::string* decision) {
  refresh_backends();
  gather_candidates(request, excluded);
  // Pickers with a prefix index score every candidate anyway; the others add no scores.
  scores_.clear();
  PickResult picked = picker_->pick_explained(request, candidates_, scores_);
  if (!picked.ok()) {
    reason = picked.error_message();
    return nullptr;
  }
  account_prefix_prediction(request, *picked);
  explain_decision(request, *picked, decision);
  return (*backends_)[filtered_by_model_ ? model_indexes_[*picked] : *picked];
}

void Worker::account_prefix_prediction(const RequestView& request, std::size_t chosen) {
  if (!request.prefix_blocks.empty()) {
    stats_.prefix_query_blocks.fetch_add(request.prefix_blocks.size(), std::memory_order_relaxed);
    const uint32_t chosen_id = candidates_[chosen].id;
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

void Worker::explain_decision(const RequestView& request, std::size_t chosen,
                              std::string* decision) {
  if (decision == nullptr && !config_->log_decisions) return;
  std::string described = describe_decision(picker_->name(), candidates_, chosen, scores_);
  if (config_->log_decisions) {
    log_event(LogLevel::kInfo, "routing_decision",
              {log_number("request", static_cast<double>(request.request_id)),
               {"policy", std::string(picker_->name())},
               {"decision", described}});
  }
  if (decision != nullptr) *decision = std::move(described);
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

std::vector<std::shared_ptr<Backend>> Worker::eligible_backends() {
  refresh_backends();
  const int64_t now = now_ns();
  std::vector<std::shared_ptr<Backend>> eligible;
  for (const std::shared_ptr<Backend>& backend : *backends_) {
    const bool draining = backend->draining.load(std::memory_order_relaxed);
    const bool weighted = backend->weight.load(std::memory_order_relaxed) > 0;
    if (backend->healthy_at(now) && !draining && weighted) eligible.push_back(backend);
  }
  return eligible;
}

std::unique_ptr<Exchange> Worker::acquire_exchange() {
  return exchanges_.acquire(static_cast<size_t>(config_->limits.header_bytes));
}

void Worker::release_exchange(std::unique_ptr<Exchange> exchange) {
  exchanges_.release(std::move(exchange), static_cast<size_t>(config_->limits.header_bytes),
                     now_ns());
}

void Worker::note_parked() {
  heap_trimmer_.note_free(now_ns());
  stats_.connections_parked.fetch_add(1, std::memory_order_relaxed);
}

void Worker::note_unparked() { stats_.connections_parked.fetch_sub(1, std::memory_order_relaxed); }

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
