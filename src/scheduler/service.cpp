#include "scheduler/service.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <utility>

#include "core/clock.h"
#include "http/json.h"
#include "milp/batch_solver.h"
#include "scheduler/records_json.h"
#include "scheduler/scheduler_parts.h"

namespace fulcrum {

namespace {

// `next` appended to `held`: the changes of a write that failed, and what came since.
void merge_outbox(Outbox& held, Outbox next) {
  if (held.empty()) {
    held = std::move(next);
    return;
  }
  auto append = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  append(held.events, next.events);
  held.changed_tasks.merge(next.changed_tasks);
  held.changed_nodes.merge(next.changed_nodes);
  append(held.removed_nodes, next.removed_nodes);
  append(held.launches, next.launches);
  append(held.stops, next.stops);
  append(held.preempted, next.preempted);
  for (auto& [task_id, victims] : next.launch_after)
    held.launch_after[task_id] = std::move(victims);
  if (next.scale_out_demand) held.scale_out_demand = std::move(next.scale_out_demand);
}

std::string with_origin(const std::string& origin, const std::string& message) {
  return origin.empty() ? message : origin + ": " + message;
}

}  // namespace

int64_t SchedulerService::wall_now_ms() { return to_millis(SystemClock().now()); }

SchedulerService::SchedulerService(SchedulerConfig config, boost::asio::io_context& context)
    : config_(std::move(config)),
      context_(context),
      monitor_timer_(context),
      streams_(std::make_shared<std::set<http::EventStream*>>()) {}

Result<std::unique_ptr<SchedulerService>> SchedulerService::create(
    SchedulerConfig config, boost::asio::io_context& context) {
  SchedulerParts parts;
  FULCRUM_ASSIGN_OR_RETURN(parts, make_scheduler_parts(config));
  if (Status prepared = parts.executor->prepare(); !prepared.ok()) {
    return invalid_argument(
        with_origin(config.executor.origin,
                    "executor \"" + config.executor.type + "\": " + prepared.message()));
  }
  std::unique_ptr<SchedulerService> service(
      new SchedulerService(std::move(config), context));  // NOLINT: private constructor
  const SchedulerConfig& settings = service->config_;
  service->core_ = std::make_unique<SchedulerCore>(std::move(parts.placer), std::move(parts.queue),
                                                   settings.heartbeat_timeout_ms);
  service->core_->configure_scaling(settings.scale_window_ms, settings.scale_low_utilization);
  service->core_->configure_preemption(settings.preemption);
  if (settings.milp) {
    service->milp_solver_ = std::make_unique<BackgroundBatchSolver>(settings.milp->batch);
    service->core_->configure_batching(settings.milp->window_ms, settings.milp->window_count);
  }
  service->executor_ = std::move(parts.executor);
  FULCRUM_ASSIGN_OR_RETURN(service->store_, Store::open(settings.store_path, settings.durability));
  int64_t now_ms = wall_now_ms();
  FULCRUM_RETURN_IF_ERROR(service->restore(now_ms));
  FULCRUM_RETURN_IF_ERROR(service->add_config_nodes(now_ms));
  FULCRUM_RETURN_IF_ERROR(service->commit(now_ms));
  return service;
}

SchedulerService::~SchedulerService() { stop(); }

Status SchedulerService::restore(int64_t now_ms) {
  std::vector<StoredNode> nodes;
  FULCRUM_ASSIGN_OR_RETURN(nodes, store_->load_nodes());
  for (const StoredNode& stored : nodes) {
    auto node = node_from_store_json(stored.record_json);
    if (!node.ok()) {
      return Status(ErrorCode::kInternal, "store: node " + stored.id + ": " + node.error_message());
    }
    FULCRUM_RETURN_IF_ERROR(core_->restore_node(std::move(node->first), node->second));
  }
  std::vector<StoredTask> stored_tasks;
  FULCRUM_ASSIGN_OR_RETURN(stored_tasks, store_->load_tasks());
  std::vector<TaskRecord> records;
  records.reserve(stored_tasks.size());
  for (const StoredTask& stored : stored_tasks) {
    auto record = task_record_from_json(stored.record_json);
    if (!record.ok()) {
      return Status(ErrorCode::kInternal,
                    "store: task " + stored.id + ": " + record.error_message());
    }
    if (holds_resources(record->state)) ++restored_tasks_;
    records.push_back(std::move(*record));
  }
  std::stable_sort(records.begin(), records.end(), [](const TaskRecord& a, const TaskRecord& b) {
    return a.submitted_ms < b.submitted_ms;
  });
  for (TaskRecord& record : records) core_->restore_task(std::move(record));
  FULCRUM_ASSIGN_OR_RETURN(last_event_seq_, store_->last_event_seq());
  core_->finish_restore(last_event_seq_, now_ms);
  return {};
}

Status SchedulerService::add_config_nodes(int64_t now_ms) {
  if (config_.cluster_file.empty()) return {};
  auto cluster = load_cluster_file(config_.cluster_file);
  if (!cluster.ok()) return cluster.status();
  for (const Node& node : cluster->nodes()) {
    if (core_->find_node(node.id) != nullptr) continue;
    FULCRUM_RETURN_IF_ERROR(core_->add_node(node, now_ms, "from " + config_.cluster_file));
  }
  return {};
}

// All or nothing: the changes are written first, and only a write that succeeded lets their
// launches and stops happen. A failed write keeps them (and what the core changes meanwhile) for
// the next commit, which every tick and every change request tries again.
Status SchedulerService::commit(int64_t now_ms) {
  for (;;) {
    merge_outbox(unwritten_, core_->take_outbox());
    if (unwritten_.empty()) return {};
    StoreWrite write = store_write_of(unwritten_);
    if (Status written = store_->write(write); !written.ok()) {
      if (store_error_ != written.message()) {
        std::cerr << "fulcrum scheduler: store write failed, changes held until it writes: "
                  << written.message() << '\n';
      }
      store_error_ = written.message();
      return unavailable("the store could not write (" + store_error_ +
                         "); the scheduler holds its changes in memory and accepts no new ones "
                         "until the store writes again");
    }
    if (!store_error_.empty()) std::cerr << "fulcrum scheduler: the store writes again\n";
    store_error_.clear();
    if (!write.events.empty()) {
      last_event_seq_ = write.events.back().seq;
      for (http::EventStream* stream : *streams_) stream->wake();
    }
    act_on(std::exchange(unwritten_, Outbox{}), now_ms);
  }
}

// The rows of what `outbox` says changed, as the core holds them now.
StoreWrite SchedulerService::store_write_of(const Outbox& outbox) const {
  StoreWrite write;
  write.tasks.reserve(outbox.changed_tasks.size());
  for (const std::string& task_id : outbox.changed_tasks) {
    const TaskRecord* record = core_->find_task(task_id);
    if (record == nullptr) continue;
    write.tasks.push_back({task_id, std::string(task_state_name(record->state)),
                           http::to_json_text(task_record_json(*record))});
  }
  for (const std::string& node_id : outbox.changed_nodes) {
    auto index = core_->cluster().find(node_id);
    const NodeRecord* record = core_->find_node(node_id);
    if (!index || record == nullptr) continue;
    write.nodes.push_back(
        {node_id, http::to_json_text(node_json(core_->cluster().node(*index), *record))});
  }
  // A node removed and added again while writes failed is written, not removed.
  for (const std::string& node_id : outbox.removed_nodes) {
    if (core_->find_node(node_id) == nullptr) write.removed_nodes.push_back(node_id);
  }
  write.events = outbox.events;
  return write;
}

// The launches, stops and hook of a written outbox.
void SchedulerService::act_on(Outbox outbox, int64_t now_ms) {
  if (outbox.scale_out_demand && !config_.scale_hook.empty()) {
    run_scale_hook(*outbox.scale_out_demand);
  }
  for (const std::string& task_id : outbox.stops) executor_->stop(task_id, now_ms);
  for (const std::string& task_id : outbox.preempted) {
    executor_->stop_with_grace(task_id, now_ms, config_.preemption_grace_ms);
  }
  for (auto& [task_id, victims] : outbox.launch_after) {
    deferred_launches_[task_id] = std::move(victims);
  }
  for (const std::string& task_id : outbox.launches) {
    if (!deferred_launches_.contains(task_id)) launch(task_id, now_ms);
  }
  launch_deferred(now_ms);
}

// A preemptor starts once its victims' processes have ended (after their grace at the latest).
void SchedulerService::launch_deferred(int64_t now_ms) {
  for (auto entry = deferred_launches_.begin(); entry != deferred_launches_.end();) {
    const auto& [task_id, victims] = *entry;
    bool waiting = std::any_of(victims.begin(), victims.end(), [this](const std::string& victim) {
      return executor_->stopping(victim);
    });
    if (waiting) {
      ++entry;
      continue;
    }
    std::string ready = task_id;
    entry = deferred_launches_.erase(entry);
    launch(ready, now_ms);
  }
}

void SchedulerService::launch(const std::string& task_id, int64_t now_ms) {
  const TaskRecord* record = core_->find_task(task_id);
  if (record == nullptr || record->state != TaskState::kPlaced) return;
  LaunchSpec launch;
  launch.task_id = task_id;
  launch.attempt = record->attempt;
  launch.command = record->spec.command;
  launch.memory_bytes = record->spec.demand.memory_bytes;
  launch.estimated_duration_ms = record->spec.estimated_duration_ms;
  for (const Assignment& assignment : record->assignments) {
    launch.replicas.push_back({assignment.replica, assignment.node_id, assignment.gpu_devices});
  }
  Status started = executor_->start(launch, now_ms);
  if (started.ok()) {
    core_->task_started(task_id, launch.attempt, now_ms);
  } else {
    core_->task_finished(task_id, launch.attempt, 127, "could not start: " + started.message(),
                         now_ms);
  }
}

Status SchedulerService::start() {
  http::ServerOptions options;
  options.address = config_.address;
  options.port = config_.port;
  options.max_body_bytes = size_t{1} << 20;
  server_ = std::make_unique<http::Server>(context_, options);
  add_routes();
  FULCRUM_RETURN_IF_ERROR(server_->start());
  stopped_ = false;
  arm_monitor();
  return {};
}

Result<size_t> SchedulerService::submit_initial_tasks(std::vector<Task> tasks) {
  std::erase_if(tasks, [this](const Task& task) { return core_->find_task(task.id) != nullptr; });
  if (tasks.empty()) return size_t{0};
  const size_t count = tasks.size();
  std::vector<int> max_attempts(count, config_.max_attempts);
  int64_t now_ms = wall_now_ms();
  if (auto refused = core_->submit(std::move(tasks), max_attempts, now_ms)) {
    return invalid_argument(refused->message);
  }
  FULCRUM_RETURN_IF_ERROR(commit(now_ms));
  return count;
}

void SchedulerService::stop() {
  if (stopped_) return;
  stopped_ = true;
  monitor_timer_.cancel();
  if (server_) server_->stop();
  streams_->clear();
}

// The hook runs detached from the loop; its exit is collected by reap_hooks.
void SchedulerService::run_scale_hook(const std::string& demand) {
  std::string variable = "FULCRUM_SCALE_DEMAND=" + demand;
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    putenv(variable.data());
    execl("/bin/sh", "sh", "-c", config_.scale_hook.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  if (pid > 0) hook_processes_.push_back(pid);
}

void SchedulerService::reap_hooks() {
  std::erase_if(hook_processes_, [](pid_t pid) { return waitpid(pid, nullptr, WNOHANG) != 0; });
}

void SchedulerService::arm_monitor() {
  monitor_timer_.expires_after(std::chrono::milliseconds(config_.monitor_interval_ms));
  monitor_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;  // cancelled: the service may be gone
    if (stopped_) return;
    tick();
    arm_monitor();
  });
}

// placement: milp. A batch's answer is applied when it comes; an overdue solve (solve_overdue) is
// left to finish in the background (its answer is dropped) while the fallback heuristic places
// what is queued, so the loop never waits for the solver.
void SchedulerService::place_in_batches(int64_t now_ms) {
  if (auto finished = milp_solver_->take_finished()) {
    milp_metrics_.record(finished->decision);
    if (batch_abandoned_) {
      ++milp_metrics_.late_answers;
    } else {
      if (finished->decision.fallback_reason) {
        std::cerr << "fulcrum scheduler: batch of " << finished->tasks.size() << " tasks placed by "
                  << finished->decision.placed_by << ": " << *finished->decision.fallback_reason
                  << '\n';
      }
      std::string placed_by = finished->decision.fallback_reason
                                  ? finished->decision.placed_by + " (milp fallback)"
                                  : finished->decision.placed_by;
      core_->apply_batch(finished->tasks, finished->decision.placement, placed_by, now_ms);
    }
    batch_abandoned_ = false;
  }
  if (milp_solver_->busy()) {
    if (!batch_abandoned_ && solve_overdue(batch_started_ms_, now_ms, milp_solver_->options())) {
      batch_abandoned_ = true;
      ++milp_metrics_.fallbacks;
      std::cerr << "fulcrum scheduler: the milp solve of a batch ran past its time limit; "
                << milp_solver_->options().fallback_placer << " places the queued tasks\n";
      core_->request_placement_pass();
    }
    if (batch_abandoned_) core_->schedule(now_ms);
    return;
  }
  if (auto batch = core_->take_batch(now_ms)) {
    batch_started_ms_ = now_ms;
    milp_solver_->start(std::move(*batch));
  }
}

void SchedulerService::tick() {
  int64_t now_ms = wall_now_ms();
  for (const TaskExit& exit : executor_->poll(now_ms)) {
    core_->task_finished(exit.task_id, exit.attempt, exit.exit_code, exit.reason, now_ms);
  }
  launch_deferred(now_ms);
  core_->check_heartbeats(now_ms);
  if (milp_solver_) {
    place_in_batches(now_ms);
  } else {
    core_->schedule(now_ms);
  }
  core_->check_scaling(now_ms);
  reap_hooks();
  static_cast<void>(commit(now_ms));  // a failure is logged by commit and retried next tick
}

}  // namespace fulcrum
