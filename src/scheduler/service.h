// The scheduler service: the decision core with its store, executor, monitor loop and REST API,
// on an io_context the caller runs (one thread). Every change the core makes is committed to the
// store before the request that caused it is answered, then published to /v1/events.
//
//   auto service = SchedulerService::create(config, context);   // opens the store, restores
//   (*service)->start();                                         // listens, starts the loop
//   context.run();                                               // until stop()
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/server.h"
#include "milp/batch_solver.h"
#include "scheduler/executor.h"
#include "scheduler/scheduler_config.h"
#include "scheduler/scheduler_core.h"
#include "store/store.h"

namespace fulcrum {

class SchedulerService {
 public:
  // Opens (or creates) the store, restores tasks, nodes and events from it, adds the config's
  // nodes that are not known yet, and creates the executor. Does not listen yet.
  static Result<std::unique_ptr<SchedulerService>> create(SchedulerConfig config,
                                                          boost::asio::io_context& context);
  ~SchedulerService();
  SchedulerService(const SchedulerService&) = delete;
  SchedulerService& operator=(const SchedulerService&) = delete;

  // Binds the API (refused on a non-loopback address without a token) and starts the monitor
  // loop on the io_context.
  Status start();
  // The bound port; 0 before start().
  uint16_t port() const { return server_ ? server_->port() : 0; }
  // Stops the API and the loop; running processes of the local executor are killed.
  void stop();

  const SchedulerConfig& config() const { return config_; }
  const SchedulerCore& core() const { return *core_; }

  // Submits tasks from a file as one batch (`fulcrum serve`'s tasks:), skipping those whose id the
  // store already holds, so a restart submits nothing twice. Returns how many were submitted.
  // Call before the io_context runs or on its thread.
  Result<size_t> submit_initial_tasks(std::vector<Task> tasks);

  // Tasks restored in `placed` or `running` state: requeued at start (reported in the log).
  int64_t restored_tasks() const { return restored_tasks_; }

 private:
  enum class Access { kPublic, kRead, kWrite };

  SchedulerService(SchedulerConfig config, boost::asio::io_context& context);
  Status restore(int64_t now_ms);
  Status add_config_nodes(int64_t now_ms);
  static int64_t wall_now_ms();
  // Persists what the core changed, then starts and stops processes; repeats while that changes
  // more. An error (unavailable) means the store refused the write: the changes are held and
  // the next commit writes them first.
  Status commit(int64_t now_ms);
  StoreWrite store_write_of(const Outbox& outbox) const;
  void act_on(Outbox outbox, int64_t now_ms);
  bool store_failing() const { return !store_error_.empty(); }
  void launch(const std::string& task_id, int64_t now_ms);
  void launch_deferred(int64_t now_ms);
  void place_in_batches(int64_t now_ms);
  void run_scale_hook(const std::string& demand);
  void reap_hooks();
  void arm_monitor();
  void tick();

  // REST API (scheduler_api.cpp).
  void add_routes();
  void add_route(std::string_view method, std::string_view pattern, Access access,
                 http::Handler handler);
  std::optional<http::Response> refuse_access(const http::Request& request, Access access) const;
  std::optional<http::Response> refuse_while_store_fails(int64_t now_ms);
  http::Response committed(http::Response response, int64_t now_ms);
  http::Response submit_tasks(const http::Request& request);
  http::Response list_tasks(const http::Request& request) const;
  http::Response get_task(const http::Request& request);
  http::Response cancel_task(const http::Request& request);
  http::Response task_logs(const http::Request& request) const;
  http::Response register_node(const http::Request& request);
  http::Response list_nodes() const;
  http::Response get_node(const http::Request& request) const;
  http::Response get_node_response(const std::string& id) const;
  http::Response change_node(const http::Request& request, NodeState state,
                             std::string_view reason);
  http::Response remove_node(const http::Request& request);
  http::Response node_heartbeat(const http::Request& request);
  http::Response metrics() const;
  boost::asio::awaitable<void> stream_events(const http::Request& request,
                                             http::EventStream& stream);

  SchedulerConfig config_;
  boost::asio::io_context& context_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SchedulerCore> core_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<http::Server> server_;
  boost::asio::steady_timer monitor_timer_;
  // Open event streams, woken after each commit; shared with their coroutines.
  std::shared_ptr<std::set<http::EventStream*>> streams_;
  std::vector<pid_t> hook_processes_;
  // Preempting tasks placed but not started yet -> the victims whose processes must end first.
  std::map<std::string, std::vector<std::string>> deferred_launches_;
  // Changes the store has not written yet (its last write failed), with their launches and stops.
  Outbox unwritten_;
  std::string store_error_;  // the failed write's error while unwritten_ is held
  // placement: milp.
  std::unique_ptr<BackgroundBatchSolver> milp_solver_;
  int64_t batch_started_ms_ = 0;
  bool batch_abandoned_ = false;
  MilpPlacementMetrics milp_metrics_;
  bool stopped_ = false;
  int64_t restored_tasks_ = 0;
  int64_t last_event_seq_ = 0;
};

}  // namespace fulcrum
