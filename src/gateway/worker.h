// One gateway thread: its own io_context, acceptors (SO_REUSEPORT), picker, pooled upstream
// connections and request buffers. Workers share only the BackendRegistry and atomic counters.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/random.h"
#include "gateway/access_log.h"
#include "gateway/backends.h"
#include "gateway/config.h"
#include "gateway/stats.h"
#include "policy/picker.h"

namespace fulcrum {

class ClientSession;
struct Exchange;

// A keep-alive connection to one backend, pooled by the worker between requests.
struct Upstream {
  explicit Upstream(boost::asio::io_context& context) : socket(context) {}
  boost::asio::ip::tcp::socket socket;
  std::shared_ptr<Backend> backend;
  int64_t idle_since_ns = 0;
  bool reused = false;  // it served a request before: a failure may be a stale keep-alive
};

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
  // Chooses a backend for the request, skipping `excluded`; nullptr with `reason` when none.
  // With `decision`, writes there how each candidate scored (for X-Fulcrum-Decision).
  std::shared_ptr<Backend> pick_backend(const RequestView& request,
                                        std::span<const uint32_t> excluded, std::string& reason,
                                        std::string* decision = nullptr);
  void observe(const Outcome& outcome) { picker_->observe(outcome); }
  void first_byte(uint64_t request_id, uint32_t backend_id) {
    picker_->first_byte(request_id, backend_id);
  }
  void request_finished(uint64_t request_id, uint32_t backend_id) {
    picker_->request_finished(request_id, backend_id);
  }
  // Whether requests to the OpenAI endpoints have their JSON body read before a backend is
  // picked: the policy needs it, or some backend has a `model` label to route by.
  bool routes_by_content();
  // False when backends carry `model` labels and none of them is `model`.
  bool serves_model(std::string_view model);
  // Passive health: failures in a row eject a backend for a back-off that doubles each time.
  void record_backend_result(Backend& backend, bool success);
  // The retry budget: retries stay under budget_ratio of requests (plus a small floor).
  bool retry_allowed() const;
  std::unique_ptr<Upstream> take_idle_upstream(const Backend& backend);
  void return_upstream(std::unique_ptr<Upstream> upstream);
  std::unique_ptr<Exchange> acquire_exchange();
  void release_exchange(std::unique_ptr<Exchange> exchange);
  // A connection was parked: its coroutine frame was freed (counted toward the next purge).
  void note_parked() { note_heap_frees(); }
  uint64_t next_request_number() { return ++request_counter_; }
  void add_session(ClientSession* session);
  void remove_session(ClientSession* session);

 private:
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor);
  boost::asio::awaitable<void> tick_loop();
  void refresh_backends();
  // The backend's scraped load, marked fresh only when newer than scrape.stale_after.
  void fill_reported_load(const Backend& backend, int64_t now_ns, LoadReport& load) const;
  // Counts the pick's predicted prefix hits and the picker's index size in the shared stats.
  void account_prefix_prediction(const RequestView& request, std::size_t chosen);
  // "policy -> name; name score (detail); ..." of the last pick, at most kMaxDecisionBytes.
  std::string describe_decision(std::size_t chosen) const;
  void log_decision(const RequestView& request, const std::string& decision) const;
  void expire_deadlines();
  void close_stale_upstreams();
  void trim_heap_after_burst();

  const int index_;
  std::shared_ptr<const GatewayConfig> config_;
  BackendRegistry& registry_;
  GatewayStats& stats_;
  std::unique_ptr<Picker> picker_;
  AccessLog access_log_;
  boost::asio::io_context context_{1};
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  boost::asio::steady_timer tick_timer_{context_};
  bool shutting_down_ = false;

  uint64_t backends_generation_ = 0;
  std::shared_ptr<const BackendList> backends_;
  std::vector<BackendView> views_;
  std::vector<std::string_view> view_models_;  // each backend's `model` label ("" without one)
  bool any_model_label_ = false;
  // Pooled keep-alive connections, indexed by Backend::id.
  std::vector<std::vector<std::unique_ptr<Upstream>>> idle_upstreams_;
  std::vector<std::unique_ptr<Exchange>> free_exchanges_;
  void note_heap_frees() {
    ++frees_since_trim_;
    last_free_ns_ = now_ns();
  }
  uint64_t frees_since_trim_ = 0;  // exchanges freed and connections parked since the last purge
  int64_t last_free_ns_ = 0;
  int64_t next_trim_ns_ = 0;
  std::vector<ClientSession*> sessions_;
  uint64_t request_counter_ = 0;
  std::vector<CandidateScore> scores_;   // of the last pick, reused
  std::size_t counted_index_bytes_ = 0;  // this worker's share of stats_.prefix_index_bytes
};

// The most bytes of an X-Fulcrum-Decision value; longer explanations end with "...".
inline constexpr std::size_t kMaxDecisionBytes = 1024;

}  // namespace fulcrum
