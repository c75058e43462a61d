// One gateway thread: its own io_context, acceptors (SO_REUSEPORT), picker and its snapshot of the
// backends, pooled upstream connections and request buffers. Workers share only the
// BackendRegistry and atomic counters. Sessions (session.h) serve the connections it accepts.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/access_log.h"
#include "gateway/backends.h"
#include "gateway/config.h"
#include "gateway/exchange.h"
#include "gateway/stats.h"
#include "gateway/upstream_pool.h"
#include "policy/picker.h"

namespace fulcrum {

class ClientSession;

class Worker {
 public:
  Worker(int index, std::shared_ptr<const GatewayConfig> config, BackendRegistry& registry,
         GatewayStats& stats, std::unique_ptr<Picker> picker);
  ~Worker();

  // Binds every listener on a socket of this worker's own; `reuse_port` lets the other workers
  // bind the same addresses (accept: reuseport).
  Status listen(const std::vector<ListenAddress>& listeners, bool reuse_port);
  // accept: shared — waits on duplicates of `first`'s listening sockets instead of binding.
  Status share_listeners(const Worker& first);
  Status open_access_log();
  // Reload: requests that start from now on use `config`; a non-null `picker` replaces the
  // routing policy. The access log is reopened (log rotation). Thread-safe.
  void apply(std::shared_ptr<const GatewayConfig> config, std::unique_ptr<Picker> picker);
  void run();
  // Stops accepting; idle connections close; the rest finish their request. Thread-safe.
  void begin_shutdown();
  // Stops the event loop now. Thread-safe.
  void stop();
  boost::asio::io_context& context() { return context_; }

  // Used by sessions.
  // The config requests starting now use; a reference stays valid across reloads (LiveConfig).
  const GatewayConfig& config() const { return *config_; }
  GatewayStats& stats() { return stats_; }
  AccessLog& access_log() { return access_log_; }
  int64_t now_ns() const;
  bool shutting_down() const { return shutting_down_; }
  // Chooses a backend for the request among those that serve its model, skipping `excluded`;
  // nullptr with `reason` when none. With `decision`, writes there how each candidate scored.
  std::shared_ptr<Backend> pick_backend(const RequestView& request,
                                        std::span<const uint32_t> excluded, std::string& reason,
                                        std::string* decision = nullptr);
  // The current picker, through the slot a reload replaces it in (AttemptFeedback reads it).
  const std::unique_ptr<Picker>& picker() const { return picker_; }
  // Whether requests to the OpenAI endpoints have their JSON body read before a backend is
  // picked: the policy needs it, or some backend has a `model` label to route by.
  bool routes_by_content();
  // False when backends carry `model` labels and none of them is `model`.
  bool serves_model(std::string_view model);
  // The backends a request could go to now (healthy, not draining, weight above 0).
  std::vector<std::shared_ptr<Backend>> eligible_backends();
  UpstreamPool& upstreams() { return upstreams_; }
  std::unique_ptr<Exchange> acquire_exchange();
  void release_exchange(std::unique_ptr<Exchange> exchange);
  // A connection was parked (its coroutine frame freed, counted toward the next heap purge) or
  // woke up again.
  void note_parked();
  void note_unparked();
  uint64_t next_request_number() { return ++request_counter_; }
  void add_session(ClientSession* session);
  void remove_session(ClientSession* session);

 private:
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor);
  boost::asio::awaitable<void> tick_loop();
  void refresh_backends();
  // Points candidates_ at the live state of the backends that serve the request's model.
  void gather_candidates(const RequestView& request, std::span<const uint32_t> excluded);
  void fill_live_state(BackendView& view, const Backend& backend, int64_t now_ns,
                       std::span<const uint32_t> excluded) const;
  // The backend's scraped load, marked fresh only when newer than scrape.stale_after.
  void fill_reported_load(const Backend& backend, int64_t now_ns, LoadReport& load) const;
  // Counts the pick's predicted prefix hits and the picker's index size in the shared stats.
  void account_prefix_prediction(const RequestView& request, std::size_t chosen);
  void explain_decision(const RequestView& request, std::size_t chosen, std::string* decision);
  void expire_deadlines();

  const int index_;
  std::shared_ptr<const GatewayConfig> config_;
  BackendRegistry& registry_;
  GatewayStats& stats_;
  std::unique_ptr<Picker> picker_;
  AccessLog access_log_;
  // Declared before the io_context so that they outlive it: destroying the context destroys the
  // pending handlers, whose sessions give their exchange back and leave sessions_ on the way. The
  // pooled upstream sockets need the context, so ~Worker closes them first.
  HeapTrimmer heap_trimmer_;
  ExchangePool exchanges_{heap_trimmer_};
  std::vector<ClientSession*> sessions_;
  UpstreamPool upstreams_;
  boost::asio::io_context context_{1};
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  boost::asio::steady_timer tick_timer_{context_};
  bool shutting_down_ = false;

  // The snapshot of the backends the picker knows, refreshed when the registry changes.
  uint64_t backends_generation_ = 0;
  std::shared_ptr<const BackendList> backends_;
  std::vector<BackendView> views_;             // every backend, for on_backends_changed
  std::vector<std::string_view> view_models_;  // each backend's `model` label ("" without one)
  bool any_model_label_ = false;
  // What one pick chooses from: views_ itself, or with a model to route by, the views of that
  // model's backends and their indexes in backends_ (reused: a pick allocates nothing once they
  // have grown).
  std::span<const BackendView> candidates_;
  bool filtered_by_model_ = false;
  std::vector<BackendView> model_views_;
  std::vector<std::size_t> model_indexes_;
  std::vector<CandidateScore> scores_;   // of the last pick, reused
  std::size_t counted_index_bytes_ = 0;  // this worker's share of stats_.prefix_index_bytes

  uint64_t request_counter_ = 0;
};

}  // namespace fulcrum
