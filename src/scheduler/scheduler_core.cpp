#include "scheduler/scheduler_core.h"

#include "core/yaml_reader.h"
#include "milp/batch_solver.h"
#include "queue/backfill.h"
#include "scheduler/placement_pass.h"
#include "scheduler/preemption.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <type_traits>
#include <utility>

namespace fulcrum {

namespace {

constexpr size_t kMaxTaskIdBytes = 128;

bool is_id_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// Task ids name log files and appear in URLs: plain characters, never "." or "..".
bool is_plain_id(const std::string& id) {
  return !id.empty() && id.size() <= kMaxTaskIdBytes && id.front() != '.' &&
         std::all_of(id.begin(), id.end(), is_id_character);
}

std::string gpu_text(int64_t gpu_milli, const std::string& model) {
  std::string text = gpu_milli % kGpuMilliPerDevice == 0
                         ? std::to_string(gpu_milli / kGpuMilliPerDevice) + " GPUs"
                         : format_gpu_milli(gpu_milli) + " of a GPU";
  if (!model.empty()) text += " of model " + model;
  return text;
}

bool gpus_could_fit(const Node& node, const Task& task) {
  if (!task.gpu_model.empty() && node.gpu_model != task.gpu_model) return false;
  GpuShape shape = GpuShape::of(task.demand.gpu_milli);
  if (shape.share_milli > 0) return node.gpus.count() > 0;
  return shape.whole <= node.gpus.count();
}

}  // namespace

std::optional<std::string> explain_never_fits(const Cluster& cluster, const Task& task) {
  const Node* largest_gpu_node = nullptr;
  int64_t most_cpu = 0;
  int64_t most_memory = 0;
  bool gpu_ok = !task.needs_gpu();
  bool cpu_ok = false;
  bool memory_ok = false;
  for (const Node& node : cluster.nodes()) {
    if (largest_gpu_node == nullptr || node.gpus.count() > largest_gpu_node->gpus.count()) {
      largest_gpu_node = &node;
    }
    most_cpu = std::max(most_cpu, node.capacity.cpu_millis);
    most_memory = std::max(most_memory, node.capacity.memory_bytes);
    gpu_ok = gpu_ok || gpus_could_fit(node, task);
    cpu_ok = cpu_ok || task.demand.cpu_millis <= node.capacity.cpu_millis;
    memory_ok = memory_ok || task.demand.memory_bytes <= node.capacity.memory_bytes;
    ResourceVector empty_capacity = node.capacity;
    if (task.demand.fits_in(empty_capacity) && gpus_could_fit(node, task)) return std::nullopt;
  }
  if (!gpu_ok) {
    std::string largest = largest_gpu_node == nullptr || largest_gpu_node->gpus.count() == 0
                              ? "no node has GPUs"
                              : "largest node has " +
                                    std::to_string(largest_gpu_node->gpus.count()) + " " +
                                    largest_gpu_node->gpu_model;
    return "needs " + gpu_text(task.demand.gpu_milli, task.gpu_model) + ", " + largest;
  }
  if (!cpu_ok) {
    return "needs " + format_cpu_millis(task.demand.cpu_millis) + " CPUs, largest node has " +
           format_cpu_millis(most_cpu);
  }
  if (!memory_ok) {
    return "needs " + format_bytes(task.demand.memory_bytes) + " memory, largest node has " +
           format_bytes(most_memory);
  }
  return "needs " + task.demand.to_string() +
         (task.gpu_model.empty() ? "" : " on " + task.gpu_model) + ", which no single node has";
}

SchedulerCore::SchedulerCore(std::unique_ptr<Placer> placer, std::unique_ptr<ReadyQueue> queue,
                             int64_t heartbeat_timeout_ms)
    : placer_(std::move(placer)),
      queue_(std::move(queue)),
      heartbeat_timeout_ms_(heartbeat_timeout_ms) {}

TaskRecord* SchedulerCore::task(std::string_view task_id) {
  auto found = index_of_.find(task_id);
  return found == index_of_.end() ? nullptr : &tasks_[found->second];
}

const TaskRecord* SchedulerCore::find_task(std::string_view task_id) const {
  auto found = index_of_.find(task_id);
  return found == index_of_.end() ? nullptr : &tasks_[found->second];
}

const NodeRecord* SchedulerCore::find_node(std::string_view node_id) const {
  auto found = nodes_.find(std::string(node_id));
  return found == nodes_.end() ? nullptr : &found->second;
}

std::vector<std::string> SchedulerCore::task_ids() const {
  std::vector<std::string> ids;
  ids.reserve(tasks_.size());
  for (const TaskRecord& record : tasks_) ids.push_back(record.spec.id);
  return ids;
}

Outbox SchedulerCore::take_outbox() { return std::exchange(outbox_, Outbox{}); }

void SchedulerCore::take_outbox(Outbox& into) {
  into.clear();
  if (outbox_.empty()) return;
  using std::swap;
  swap(into.events, outbox_.events);
  swap(into.changed_tasks, outbox_.changed_tasks);
  swap(into.changed_nodes, outbox_.changed_nodes);
  swap(into.removed_nodes, outbox_.removed_nodes);
  swap(into.launches, outbox_.launches);
  swap(into.stops, outbox_.stops);
  swap(into.preempted, outbox_.preempted);
  swap(into.launch_after, outbox_.launch_after);
  swap(into.scale_out_demand, outbox_.scale_out_demand);
}

Event* SchedulerCore::emit(std::string kind, CallTime now) {
  if (!keep_history_) return nullptr;
  Event& event = outbox_.events.emplace_back();
  event.seq = next_event_seq_++;
  event.time_ms = now.ms();
  event.kind = std::move(kind);
  return &event;
}

void SchedulerCore::mark_node_changed(const std::string& node_id) {
  if (keep_history_) outbox_.changed_nodes.insert(node_id);
}

namespace {

template <typename Reason>
std::string reason_text(Reason&& reason) {
  if constexpr (std::is_invocable_v<Reason>) {
    return reason();
  } else {
    return std::string(std::forward<Reason>(reason));
  }
}

}  // namespace

template <typename Reason>
void SchedulerCore::transition(TaskRecord& record, TaskState to, Reason&& reason, CallTime now) {
  if (record.state == TaskState::kQueued) record.totals.queued += now.ns() - record.state_since;
  if (record.state == TaskState::kRunning) {
    record.totals.ran += now.ns() - record.state_since;
    queue_->run_stopped(record.core_index, now.ns());
  }
  if (to == TaskState::kRunning) queue_->run_started(record.spec, record.core_index, now.ns());
  if (keep_history_) {
    std::string text = reason_text(std::forward<Reason>(reason));
    Event* event = emit("task", now);
    event->task_id = record.spec.id;
    if (!record.assignments.empty()) event->node_id = record.assignments.front().node_id;
    event->from_state = task_state_name(record.state);
    event->to_state = task_state_name(to);
    event->reason = text;
    event->attempt = record.attempt;
    record.reason = std::move(text);
    outbox_.changed_tasks.insert(record.spec.id);
  }
  --counters_.tasks_by_state[static_cast<size_t>(record.state)];
  ++counters_.tasks_by_state[static_cast<size_t>(to)];
  record.state = to;
  record.state_since = now.ns();
  record.updated_ms = now.ms();
  if (to == TaskState::kRunning) record.started_ms = now.ms();
  if (is_terminal(to)) record.finished_ms = now.ms();
}

void SchedulerCore::node_event(const Node& node, NodeState from, std::string reason, CallTime now) {
  mark_node_changed(node.id);
  Event* event = emit("node", now);
  if (event == nullptr) return;
  event->node_id = node.id;
  event->from_state = node_state_name(from);
  event->to_state = node_state_name(node.state);
  event->reason = std::move(reason);
}

// --- nodes -------------------------------------------------------------------------------

Status SchedulerCore::add_node(Node node, CallTime now, std::string_view reason) {
  if (!is_plain_id(node.id)) {
    return invalid_argument("id: expected 1 to 128 letters, digits or - . _, got \"" + node.id +
                            "\"");
  }
  if (cluster_.find(node.id)) {
    return {ErrorCode::kAlreadyExists, "node \"" + node.id + "\" exists already"};
  }
  node.allocated = {};
  node.gpus = GpuDevices(node.gpus.count());
  NodeState state = node.state;
  std::string id = node.id;
  FULCRUM_RETURN_IF_ERROR(cluster_.add_node(std::move(node)));
  tasks_on_node_.resize(cluster_.size());
  never_fits_by_shape_.clear();
  nodes_[id].registered_ms = now.ms();
  mark_node_changed(id);
  if (Event* event = emit("node", now)) {
    event->node_id = id;
    event->to_state = node_state_name(state);
    event->reason = std::string(reason);
  }
  placement_dirty_ = true;
  return {};
}

Status SchedulerCore::set_node_state(std::string_view node_id, NodeState state,
                                     std::string_view reason, CallTime now) {
  auto index = cluster_.find(node_id);
  if (!index) return not_found("no node named \"" + std::string(node_id) + "\"");
  NodeState from = cluster_.node(*index).state;
  if (from == state) return {};
  cluster_.set_state(*index, state);
  NodeRecord& record = nodes_[std::string(node_id)];
  if (state != NodeState::kDown) record.down_by_timeout = false;
  node_event(cluster_.node(*index), from, std::string(reason), now);
  std::string id(node_id);
  if (state == NodeState::kDown) {
    evict_node_tasks(id, "node " + id + " down: " + std::string(reason), true, now);
  } else if (state == NodeState::kDraining) {
    evict_node_tasks(id, "node " + id + " draining", false, now);
  }
  placement_dirty_ = true;
  return {};
}

Status SchedulerCore::remove_node(std::string_view node_id, CallTime now) {
  auto index = cluster_.find(node_id);
  if (!index) return not_found("no node named \"" + std::string(node_id) + "\"");
  std::string id(node_id);
  evict_node_tasks(id, "node " + id + " removed", true, now);
  // Cluster has no removal: rebuild it without the node (assignments keep node ids).
  Cluster rebuilt;
  for (const Node& node : cluster_.nodes()) {
    if (node.id != id) FULCRUM_RETURN_IF_ERROR(rebuilt.add_node(node));
  }
  cluster_ = std::move(rebuilt);
  reindex_assignments();
  never_fits_by_shape_.clear();
  nodes_.erase(id);
  if (Event* event = emit("node", now)) {
    event->node_id = id;
    event->to_state = "removed";
    event->reason = "removed through the API";
  }
  outbox_.removed_nodes.push_back(id);
  outbox_.changed_nodes.erase(id);
  return {};
}

void SchedulerCore::reindex_assignments() {
  tasks_on_node_.assign(cluster_.size(), {});
  for (TaskRecord& record : tasks_) {
    for (Assignment& assignment : record.assignments) {
      auto index = cluster_.find(assignment.node_id);
      if (!index) continue;
      assignment.node_index = *index;
      hold_on_node(*index, record.core_index);
    }
  }
}

void SchedulerCore::hold_on_node(size_t node_index, TaskIndex index) {
  std::vector<TaskIndex>& on_node = tasks_on_node_[node_index];
  auto position = std::lower_bound(on_node.begin(), on_node.end(), index);
  if (position == on_node.end() || *position != index) on_node.insert(position, index);
}

void SchedulerCore::leave_node(size_t node_index, TaskIndex index) {
  std::vector<TaskIndex>& on_node = tasks_on_node_[node_index];
  auto position = std::lower_bound(on_node.begin(), on_node.end(), index);
  if (position != on_node.end() && *position == index) on_node.erase(position);
}

Status SchedulerCore::heartbeat(std::string_view node_id, std::optional<Utilization> utilization,
                                CallTime now) {
  auto index = cluster_.find(node_id);
  if (!index) return not_found("no node named \"" + std::string(node_id) + "\"");
  NodeRecord& record = nodes_[std::string(node_id)];
  record.last_heartbeat_ms = now.ms();
  if (utilization) record.utilization = utilization;
  mark_node_changed(std::string(node_id));
  if (record.down_by_timeout && cluster_.node(*index).state == NodeState::kDown) {
    FULCRUM_RETURN_IF_ERROR(set_node_state(node_id, NodeState::kUp, "heartbeat resumed", now));
  }
  return {};
}

void SchedulerCore::check_heartbeats(CallTime now) {
  std::vector<std::string> late;
  for (const Node& node : cluster_.nodes()) {
    const NodeRecord& record = nodes_[node.id];
    if (!record.last_heartbeat_ms || node.state == NodeState::kDown) continue;
    if (now.ms() - *record.last_heartbeat_ms > heartbeat_timeout_ms_) late.push_back(node.id);
  }
  for (const std::string& id : late) {
    int64_t silent_ms = now.ms() - *nodes_[id].last_heartbeat_ms;
    (void)set_node_state(id, NodeState::kDown,
                         "no heartbeat for " + std::to_string(silent_ms) + " ms (timeout " +
                             std::to_string(heartbeat_timeout_ms_) + " ms)",
                         now);
    nodes_[id].down_by_timeout = true;
  }
}

void SchedulerCore::evict_node_tasks(const std::string& node_id, const std::string& reason,
                                     bool count_attempt, CallTime now) {
  auto node_index = cluster_.find(node_id);
  if (!node_index) return;
  std::vector<TaskIndex> evicted = tasks_on_node_[*node_index];
  for (TaskIndex index : evicted) requeue(tasks_[index], reason, count_attempt, now);
}

// --- tasks -------------------------------------------------------------------------------

std::optional<std::string> SchedulerCore::never_fits(const Task& task) const {
  auto shape = std::tie(task.demand.cpu_millis, task.demand.memory_bytes, task.demand.gpu_milli,
                        task.gpu_model, task.demand.extended);
  auto found = never_fits_by_shape_.find(shape);
  if (found != never_fits_by_shape_.end()) return found->second;
  std::optional<std::string> why = explain_never_fits(cluster_, task);
  never_fits_by_shape_.emplace(Shape(shape), why);
  return why;
}

std::optional<SubmitError> SchedulerCore::check_submission(std::span<const Task> tasks) const {
  // A batch of one (every submission of the simulator) needs no map of its ids.
  std::unordered_map<std::string_view, size_t> batch;
  auto in_batch = [&](std::string_view id) {
    return tasks.size() == 1 ? id == tasks.front().id : batch.contains(id);
  };
  auto at = [](size_t index) { return "tasks[" + std::to_string(index) + "]"; };
  for (size_t i = 0; i < tasks.size(); ++i) {
    const Task& spec = tasks[i];
    if (!is_plain_id(spec.id)) {
      return SubmitError{SubmitErrorKind::kInvalid,
                         at(i) +
                             ".id: expected 1 to 128 letters, digits or - . _ (not starting "
                             "with .), got \"" +
                             spec.id + "\""};
    }
    bool repeated = tasks.size() > 1 && !batch.emplace(spec.id, i).second;
    if (repeated || index_of_.contains(spec.id)) {
      return SubmitError{SubmitErrorKind::kDuplicate,
                         at(i) + ".id: task \"" + spec.id + "\" exists already"};
    }
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (const std::string& dependency : tasks[i].depends_on) {
      if (!in_batch(dependency) && !index_of_.contains(dependency)) {
        return SubmitError{SubmitErrorKind::kUnknownDependency,
                           at(i) + ".depends_on: unknown task \"" + dependency + "\""};
      }
    }
  }
  bool has_dependencies = std::any_of(tasks.begin(), tasks.end(),
                                      [](const Task& task) { return !task.depends_on.empty(); });
  std::vector<size_t> cycle;
  if (has_dependencies) cycle = find_dependency_cycle(tasks);
  if (!cycle.empty()) {
    std::string path;
    for (size_t index : cycle) path += tasks[index].id + " -> ";
    path += tasks[cycle.front()].id;
    return SubmitError{SubmitErrorKind::kCycle, "dependency cycle: " + path};
  }
  if (accept_unschedulable_) return std::nullopt;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (auto why = never_fits(tasks[i])) {
      return SubmitError{SubmitErrorKind::kUnschedulable, at(i) + ": unschedulable: " + *why};
    }
  }
  return std::nullopt;
}

std::optional<SubmitError> SchedulerCore::submit(std::vector<Task> tasks,
                                                 const std::vector<int>& max_attempts,
                                                 CallTime now) {
  if (auto refused = check_submission(tasks)) return refused;
  auto first = static_cast<TaskIndex>(tasks_.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    TaskRecord record;
    record.max_attempts = max_attempts[i];
    record.submitted_ms = now.ms();
    record.updated_ms = now.ms();
    record.state_since = now.ns();
    record.spec = std::move(tasks[i]);
    if (Event* event = emit("task", now)) {
      event->task_id = record.spec.id;
      event->to_state = "pending";
      event->reason = "submitted";
      event->attempt = 1;
      outbox_.changed_tasks.insert(record.spec.id);
    }
    remember(std::move(record));
  }
  // Dependencies inside the batch may come later in it: link and evaluate once all are known.
  auto end = static_cast<TaskIndex>(tasks_.size());
  for (TaskIndex index = first; index < end; ++index) link_dependencies(index);
  for (TaskIndex index = first; index < end; ++index) {
    TaskRecord& record = tasks_[index];
    if (is_terminal(record.state)) continue;  // cancelled with an unschedulable dependency
    std::optional<std::string> why;
    if (accept_unschedulable_) why = never_fits(record.spec);
    if (!why) {
      enqueue_or_wait(record, now);
      continue;
    }
    record.unschedulable = *why;
    finish_failed(record, TaskState::kFailed, "unschedulable: " + *why, now);
  }
  return std::nullopt;
}

// A task whose dependencies all succeeded is queued; one with a failed or cancelled dependency
// is cancelled; otherwise it waits.
void SchedulerCore::enqueue_or_wait(TaskRecord& record, CallTime now) {
  int unfinished = 0;
  for (const std::string& dependency : record.spec.depends_on) {
    const TaskRecord* other = find_task(dependency);
    if (other == nullptr || other->state == TaskState::kSucceeded) continue;
    if (other->state == TaskState::kFailed || other->state == TaskState::kCancelled) {
      finish_failed(record, TaskState::kCancelled,
                    "dependency " + dependency + " " + std::string(task_state_name(other->state)),
                    now);
      return;
    }
    ++unfinished;
  }
  record.unfinished_dependencies = unfinished;
  if (unfinished > 0) {
    if (record.state != TaskState::kWaiting) {
      transition(
          record, TaskState::kWaiting,
          [&] { return "waiting for " + std::to_string(unfinished) + " dependencies"; }, now);
    }
    return;
  }
  transition(record, TaskState::kQueued,
             record.spec.depends_on.empty() ? "ready" : "dependencies succeeded", now);
  enqueue(record, now);
}

void SchedulerCore::enqueue(TaskRecord& record, CallTime now) {
  queue_->push(record.spec, record.core_index, now.ns());
  placement_dirty_ = true;
}

void SchedulerCore::release(TaskRecord& record) {
  TaskIndex index = record.core_index;
  for (const Assignment& assignment : record.assignments) {
    cluster_.release(assignment);
    allocated_ -= assignment.demand;
    leave_node(assignment.node_index, index);
  }
  if (!record.assignments.empty()) holding_by_expected_end_.erase({record.expected_end, index});
  record.assignments.clear();
  placement_dirty_ = true;
}

bool SchedulerCore::out_of_attempts(const TaskRecord& record) const {
  return record.max_attempts != kUnlimitedAttempts && record.attempt >= record.max_attempts;
}

void SchedulerCore::requeue(TaskRecord& record, const std::string& reason, bool count_attempt,
                            CallTime now) {
  if (holds_resources(record.state)) outbox_.stops.push_back(ref(record));
  if (count_attempt && out_of_attempts(record)) {
    finish_failed(record, TaskState::kFailed,
                  reason + "; no attempts left (" + std::to_string(record.max_attempts) + ")", now);
    return;
  }
  // The event names the node the task leaves, so it is sent before the release.
  if (count_attempt) {
    ++record.attempt;
    ++counters_.retries;
  }
  ++record.totals.requeues;
  transition(record, TaskState::kQueued, reason, now);
  release(record);
  enqueue(record, now);
}

void SchedulerCore::finish_failed(TaskRecord& record, TaskState final_state,
                                  const std::string& reason, CallTime now) {
  if (holds_resources(record.state) && std::find(outbox_.stops.begin(), outbox_.stops.end(),
                                                 record.spec.id) == outbox_.stops.end()) {
    outbox_.stops.push_back(ref(record));
  }
  queue_->remove(record.core_index);
  transition(record, final_state, reason, now);
  release(record);
  cancel_dependents(record, now);
}

void SchedulerCore::cancel_dependents(const TaskRecord& record, CallTime now) {
  const std::vector<TaskIndex>& dependents = dependents_[record.core_index];
  if (dependents.empty()) return;
  std::string reason =
      "dependency " + record.spec.id + " " + std::string(task_state_name(record.state));
  for (TaskIndex index : dependents) {
    TaskRecord& dependent = tasks_[index];
    if (is_terminal(dependent.state)) continue;
    finish_failed(dependent, TaskState::kCancelled, reason, now);
  }
}

void SchedulerCore::release_dependents(const TaskRecord& record, CallTime now) {
  for (TaskIndex index : dependents_[record.core_index]) {
    TaskRecord& dependent = tasks_[index];
    if (dependent.state != TaskState::kWaiting) continue;
    if (--dependent.unfinished_dependencies > 0) continue;
    transition(dependent, TaskState::kQueued, "dependencies succeeded", now);
    enqueue(dependent, now);
  }
}

Status SchedulerCore::cancel(std::string_view task_id, std::string_view reason, CallTime now) {
  TaskRecord* record = task(task_id);
  if (record == nullptr) return not_found("no task named \"" + std::string(task_id) + "\"");
  if (is_terminal(record->state)) {
    return {ErrorCode::kFailedPrecondition, "task \"" + std::string(task_id) + "\" is " +
                                                std::string(task_state_name(record->state)) +
                                                " already"};
  }
  finish_failed(*record, TaskState::kCancelled, std::string(reason), now);
  return {};
}

void SchedulerCore::task_started(std::string_view task_id, int attempt, CallTime now) {
  start(task(task_id), attempt, now);
}

void SchedulerCore::task_started(TaskRef task, int attempt, CallTime now) {
  start(&tasks_[task.index], attempt, now);
}

void SchedulerCore::start(TaskRecord* record, int attempt, CallTime now) {
  if (record == nullptr || record->attempt != attempt || record->state != TaskState::kPlaced) {
    return;
  }
  transition(*record, TaskState::kRunning, "started", now);
  expect_end(record->core_index, now.ns());
}

void SchedulerCore::task_finished(std::string_view task_id, int attempt, int exit_code,
                                  std::string_view reason, CallTime now) {
  finish(task(task_id), attempt, exit_code, reason, now);
}

void SchedulerCore::task_finished(uint32_t index, int attempt, int exit_code,
                                  std::string_view reason, CallTime now) {
  finish(&tasks_[index], attempt, exit_code, reason, now);
}

void SchedulerCore::finish(TaskRecord* record, int attempt, int exit_code, std::string_view reason,
                           CallTime now) {
  if (record == nullptr || record->attempt != attempt || !holds_resources(record->state)) return;
  record->exit_code = exit_code;
  if (exit_code == 0) {
    transition(*record, TaskState::kSucceeded, reason, now);
    release(*record);
    release_dependents(*record, now);
    return;
  }
  // The process is gone already: nothing to stop, so the stop requests are dropped.
  std::string why(reason);
  size_t stops_before = outbox_.stops.size();
  if (out_of_attempts(*record)) {
    finish_failed(*record, TaskState::kFailed,
                  why + "; no attempts left (" + std::to_string(record->max_attempts) + ")", now);
  } else {
    requeue(*record, why + "; retrying", true, now);
  }
  outbox_.stops.resize(stops_before);
}

// --- placement ---------------------------------------------------------------------------

bool SchedulerCore::try_place(TaskRecord& record, CallTime now) {
  Placement placement = placer_->place(cluster_, std::span<const Task>(&record.spec, 1));
  if (!placement.all_placed()) {
    if (keep_history_) record.waiting_reason = placement.unplaced.front().reason;
    return false;
  }
  commit_placement(record, std::move(placement.assignments), placer_->name(), now);
  return true;
}

namespace {

// "n1 gpus 0,1, n2": where a task's replicas were placed.
std::string placement_text(const std::vector<Assignment>& assignments) {
  std::string where;
  for (const Assignment& assignment : assignments) {
    if (!where.empty()) where += ", ";
    where += assignment.node_id;
    if (assignment.gpu_devices.empty()) continue;
    where += " gpus ";
    for (size_t i = 0; i < assignment.gpu_devices.size(); ++i) {
      where += (i > 0 ? "," : "") + std::to_string(assignment.gpu_devices[i]);
    }
  }
  return where;
}

}  // namespace

void SchedulerCore::commit_placement(TaskRecord& record, std::vector<Assignment> assignments,
                                     std::string_view placed_by, CallTime now) {
  TaskIndex index = record.core_index;
  record.waiting_reason.clear();
  record.assignments = std::move(assignments);
  for (const Assignment& assignment : record.assignments) {
    hold_on_node(assignment.node_index, index);
    allocated_ += assignment.demand;
  }
  queue_->remove(record.core_index);
  transition(
      record, TaskState::kPlaced,
      [&] {
        return "placed by " + std::string(placed_by) + " on " + placement_text(record.assignments);
      },
      now);
  expect_end(index, now.ns());
  outbox_.launches.push_back(ref(record));
  ++counters_.placements;
}

void SchedulerCore::expect_end(TaskIndex index, Nanos since) {
  if (!queue_->reserves_head()) return;
  TaskRecord& record = tasks_[index];
  holding_by_expected_end_.erase({record.expected_end, index});
  record.expected_end = since + std::chrono::milliseconds(record.spec.estimated_duration_ms);
  holding_by_expected_end_.emplace(record.expected_end, index);
}

bool SchedulerCore::try_preempt(TaskRecord& record, CallTime now) {
  if (auto level = queue_->preemption_level(record.core_index)) {
    return preempt_later_levels(record, *level, now);
  }
  return preemption_enabled_ && preempt_lower_priorities(record, now);
}

bool SchedulerCore::preempt_lower_priorities(TaskRecord& record, CallTime now) {
  std::vector<PreemptionCandidate> candidates;
  std::set<TaskIndex> seen;
  for (const std::vector<TaskIndex>& indices : tasks_on_node_) {
    for (TaskIndex index : indices) {
      const TaskRecord& other = tasks_[index];
      if (other.spec.priority >= record.spec.priority || !seen.insert(index).second) continue;
      int64_t run_ms = other.state == TaskState::kRunning ? now.ms() - other.started_ms : 0;
      candidates.push_back({other.spec.id, other.spec.priority, run_ms, other.assignments});
    }
  }
  auto choice = choose_victims(cluster_, record.spec, candidates, *placer_);
  if (!choice) return false;
  for (const std::string& victim : choice->victims) preempt(*task(victim), record, now);
  if (!try_place(record, now)) return false;  // choose_victims checked it fits: not reached
  outbox_.launch_after[record.spec.id] = choice->victims;
  return true;
}

bool SchedulerCore::preempt_later_levels(TaskRecord& record, int level, CallTime now) {
  const Task& wanted = record.spec;
  struct Candidate {
    int level;
    Nanos since;
    TaskIndex index;
  };
  std::vector<TaskIndex> best;
  for (size_t node_index = 0; node_index < cluster_.size(); ++node_index) {
    const Node& node = cluster_.node(node_index);
    if (!node.schedulable() || (wanted.needs_gpu() && !node.has_gpus())) continue;
    std::vector<Candidate> candidates;
    for (TaskIndex index : tasks_on_node_[node_index]) {
      int running_level = queue_->preemption_level(index).value_or(0);
      if (running_level > level) {
        candidates.push_back({running_level, tasks_[index].state_since, index});
      }
    }
    if (candidates.empty()) continue;
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(b.level, b.since, b.index) < std::tie(a.level, a.since, a.index);
    });
    std::vector<const std::vector<Assignment>*> held;
    held.reserve(candidates.size());
    for (const Candidate& candidate : candidates)
      held.push_back(&tasks_[candidate.index].assignments);
    size_t most = best.empty() ? candidates.size() : best.size() - 1;
    if (auto count = victims_to_make_room(node, wanted, held, most)) {
      best.clear();
      for (size_t i = 0; i < *count; ++i) best.push_back(candidates[i].index);
    }
    if (best.size() == 1) break;
  }
  if (best.empty()) return false;
  std::vector<std::string> victims;
  for (TaskIndex victim : best) {
    victims.push_back(tasks_[victim].spec.id);
    preempt(tasks_[victim], record, now);
  }
  if (!try_place(record, now)) return false;  // victims_to_make_room checked it fits
  outbox_.launch_after[record.spec.id] = std::move(victims);
  return true;
}

void SchedulerCore::preempt(TaskRecord& victim, const TaskRecord& preemptor, CallTime now) {
  if (Event* event = emit("preempted", now)) {
    event->task_id = victim.spec.id;
    if (!victim.assignments.empty()) event->node_id = victim.assignments.front().node_id;
    auto level = queue_->preemption_level(preemptor.core_index);
    event->reason =
        level
            ? "by " + preemptor.spec.id + " (las level " + std::to_string(*level) + " over " +
                  std::to_string(queue_->preemption_level(victim.core_index).value_or(0)) + ")"
            : "by " + preemptor.spec.id + " (priority " + std::to_string(preemptor.spec.priority) +
                  " over " + std::to_string(victim.spec.priority) + ")";
    event->attempt = victim.attempt;
  }
  outbox_.preempted.push_back(ref(victim));
  ++counters_.preemptions;
  ++victim.totals.preemptions;
  // The event names the node the task leaves, so it is sent before the release.
  transition(
      victim, TaskState::kQueued, [&] { return "preempted by " + preemptor.spec.id; }, now);
  release(victim);
  enqueue(victim, now);
}

std::optional<Nanos> SchedulerCore::shadow_time_of(const Task& head, Nanos now) const {
  std::vector<RunningTask> running;
  running.reserve(holding_by_expected_end_.size());
  for (const auto& [expected_end, index] : holding_by_expected_end_) {
    running.push_back({std::max(now, expected_end), &tasks_[index].assignments});
  }
  return shadow_time(cluster_, head, running);
}

size_t SchedulerCore::schedule(CallTime now) {
  if (queue_->reorder(now.ns())) placement_dirty_ = true;
  if (!placement_dirty_ || queue_->size() == 0) return 0;
  placement_dirty_ = false;
  PlacementPass pass(preemption_enabled_);
  size_t placed = 0;
  bool head_blocked = false;
  std::optional<Nanos> shadow;
  for (QueueHandle index : queue_->ordered(now.ns())) {
    TaskRecord* record = &tasks_[index];
    if (record->state != TaskState::kQueued) continue;
    if (head_blocked && !may_backfill(now.ns(), record->spec, shadow)) continue;
    if (pass.known_not_to_fit(record->spec)) continue;
    if (try_place(*record, now) || try_preempt(*record, now)) {
      ++placed;
      continue;
    }
    pass.mark_not_fitting(record->spec);
    if (queue_->reserves_head() && !head_blocked) {
      head_blocked = true;
      shadow = shadow_time_of(record->spec, now.ns());
    }
  }
  return placed;
}

std::optional<Nanos> SchedulerCore::next_pass_at() const {
  std::optional<Nanos> next = queue_->next_reorder();
  if (batch_window_since_ && placement_dirty_ && queue_->size() > 0) {
    Nanos window_end = *batch_window_since_ + std::chrono::milliseconds(batch_window_ms_);
    next = next ? std::min(*next, window_end) : window_end;
  }
  return next;
}

// --- placement in batches -------------------------------------------------------------------

std::optional<PlacementBatch> SchedulerCore::take_batch(CallTime now) {
  if (queue_->reorder(now.ns())) placement_dirty_ = true;
  if (!placement_dirty_ || queue_->size() == 0) {
    batch_window_since_.reset();
    return std::nullopt;
  }
  if (!batch_window_since_) batch_window_since_ = now.ns();
  if (queue_->size() < batch_window_count_ &&
      now.ns() - *batch_window_since_ < std::chrono::milliseconds(batch_window_ms_)) {
    return std::nullopt;
  }
  batch_window_since_.reset();
  placement_dirty_ = false;
  PlacementBatch batch;
  batch.cluster = cluster_;
  for (QueueHandle index : queue_->ordered(now.ns())) {
    if (batch.tasks.size() >= batch_window_count_) break;
    batch.tasks.push_back(tasks_[index].spec);
  }
  return batch;
}

size_t SchedulerCore::apply_batch(std::span<const Task> tasks, const Placement& placement,
                                  std::string_view placed_by, CallTime now) {
  std::map<std::string, std::vector<const Assignment*>> by_task = assignments_by_task(placement);
  size_t placed = 0;
  for (const Task& task : tasks) {
    TaskRecord* record = this->task(task.id);
    if (record == nullptr || record->state != TaskState::kQueued) continue;
    auto found = by_task.find(task.id);
    std::optional<std::vector<Assignment>> assignments;
    if (found != by_task.end()) {
      assignments = allocate_as_decided(cluster_, record->spec, found->second);
    }
    if (assignments) {
      commit_placement(*record, std::move(*assignments), placed_by, now);
      ++placed;
      continue;
    }
    if (keep_history_) {
      record->waiting_reason = "not placed by the last " + std::string(placed_by) + " batch";
    }
    if (try_preempt(*record, now)) ++placed;
  }
  return placed;
}

// --- autoscaling advice --------------------------------------------------------------------

void SchedulerCore::configure_scaling(int64_t window_ms, double low_utilization) {
  scale_window_ms_ = window_ms;
  scale_low_utilization_ = low_utilization;
}

void SchedulerCore::scale_event(std::string kind, std::string reason, CallTime now) {
  if (Event* event = emit(std::move(kind), now)) event->reason = std::move(reason);
}

// The dominant allocated share over the nodes that take work.
double SchedulerCore::allocated_share() const {
  ResourceVector capacity;
  ResourceVector allocated;
  for (const Node& node : cluster_.nodes()) {
    if (!node.schedulable()) continue;
    capacity += node.capacity;
    allocated += node.allocated;
  }
  auto share = [](int64_t used, int64_t total) {
    return total > 0 ? static_cast<double>(used) / static_cast<double>(total) : 0.0;
  };
  return std::max({share(allocated.cpu_millis, capacity.cpu_millis),
                   share(allocated.memory_bytes, capacity.memory_bytes),
                   share(allocated.gpu_milli, capacity.gpu_milli)});
}

namespace {

std::string percent(double share) {
  return std::to_string(static_cast<int>(std::lround(share * 100))) + "%";
}

}  // namespace

void SchedulerCore::check_scaling(CallTime now) {
  int64_t now_ms = now.ms();
  if (scale_window_ms_ <= 0) return;
  if (queue_->size() == 0) {
    queued_since_ms_.reset();
    scale_out_sent_ = false;
  } else if (!queued_since_ms_) {
    queued_since_ms_ = now_ms;
  }
  if (queued_since_ms_ && !scale_out_sent_ && now_ms - *queued_since_ms_ >= scale_window_ms_) {
    ResourceVector demand;
    int64_t gpu_model_tasks = 0;
    for (QueueHandle index : queue_->ordered(Nanos{0})) {
      const Task& spec = tasks_[index].spec;
      for (int replica = 0; replica < std::max(spec.replicas, 1); ++replica) demand += spec.demand;
      if (!spec.gpu_model.empty()) ++gpu_model_tasks;
    }
    std::string text = demand.to_string();
    scale_event("scale_out",
                std::to_string(queue_->size()) + " tasks queued for " +
                    std::to_string((now_ms - *queued_since_ms_) / 1000) + " s; demand " + text +
                    (gpu_model_tasks > 0
                         ? " (" + std::to_string(gpu_model_tasks) + " tasks need a GPU model)"
                         : ""),
                now);
    outbox_.scale_out_demand = text;
    scale_out_sent_ = true;
  }
  double share = allocated_share();
  if (queue_->size() > 0 || share >= scale_low_utilization_) {
    idle_since_ms_.reset();
    scale_in_sent_ = false;
    return;
  }
  if (!idle_since_ms_) idle_since_ms_ = now_ms;
  if (scale_in_sent_ || now_ms - *idle_since_ms_ < scale_window_ms_) return;
  std::string idle_nodes;
  for (const Node& node : cluster_.nodes()) {
    if (!node.schedulable() || !node.allocated.is_zero()) continue;
    idle_nodes += (idle_nodes.empty() ? "" : ", ") + node.id;
  }
  if (idle_nodes.empty()) return;
  scale_event("scale_in",
              "allocated " + percent(share) + " below " + percent(scale_low_utilization_) +
                  " for " + std::to_string((now_ms - *idle_since_ms_) / 1000) +
                  " s; nodes that could be emptied: " + idle_nodes,
              now);
  scale_in_sent_ = true;
}

// --- restore -----------------------------------------------------------------------------

Status SchedulerCore::restore_node(Node node, NodeRecord record) {
  std::string id = node.id;
  node.allocated = {};
  node.gpus = GpuDevices(node.gpus.count());
  FULCRUM_RETURN_IF_ERROR(cluster_.add_node(std::move(node)));
  tasks_on_node_.resize(cluster_.size());
  never_fits_by_shape_.clear();
  nodes_[id] = record;
  return {};
}

void SchedulerCore::restore_task(TaskRecord record) {
  record.state_since = std::chrono::milliseconds(record.updated_ms);
  remember(std::move(record));
}

TaskRecord& SchedulerCore::remember(TaskRecord record) {
  ++counters_.tasks_by_state[static_cast<size_t>(record.state)];
  ++counters_.submitted;
  auto index = static_cast<TaskIndex>(tasks_.size());
  record.core_index = index;
  TaskRecord& kept = tasks_.emplace_back(std::move(record));
  index_of_.emplace(kept.spec.id, index);
  dependents_.emplace_back();
  return kept;
}

void SchedulerCore::link_dependencies(TaskIndex index) {
  for (const std::string& dependency : tasks_[index].spec.depends_on) {
    auto found = index_of_.find(dependency);
    if (found != index_of_.end()) dependents_[found->second].push_back(index);
  }
}

void SchedulerCore::finish_restore(int64_t last_event_seq, CallTime now) {
  next_event_seq_ = last_event_seq + 1;
  for (TaskIndex index = 0; index < tasks_.size(); ++index) link_dependencies(index);
  for (TaskRecord& record : tasks_) {
    switch (record.state) {
      case TaskState::kPending:
      case TaskState::kWaiting: enqueue_or_wait(record, now); break;
      case TaskState::kQueued:
        queue_->push(record.spec, record.core_index, std::chrono::milliseconds(record.updated_ms));
        break;
      case TaskState::kPlaced:
      case TaskState::kRunning:
        // Its allocation was not restored, so there is nothing to release.
        record.assignments.clear();
        transition(
            record, TaskState::kQueued,
            [&] {
              return "scheduler restarted while the task was " +
                     std::string(task_state_name(record.state));
            },
            now);
        queue_->push(record.spec, record.core_index, now.ns());
        break;
      default: break;
    }
  }
  placement_dirty_ = true;
}

}  // namespace fulcrum
