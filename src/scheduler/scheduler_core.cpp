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

Nanos millis(int64_t value) { return std::chrono::milliseconds(value); }

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
  auto found = tasks_.find(std::string(task_id));
  return found == tasks_.end() ? nullptr : &found->second;
}

const TaskRecord* SchedulerCore::find_task(std::string_view task_id) const {
  auto found = tasks_.find(std::string(task_id));
  return found == tasks_.end() ? nullptr : &found->second;
}

const NodeRecord* SchedulerCore::find_node(std::string_view node_id) const {
  auto found = nodes_.find(std::string(node_id));
  return found == nodes_.end() ? nullptr : &found->second;
}

Outbox SchedulerCore::take_outbox() { return std::exchange(outbox_, Outbox{}); }

Event& SchedulerCore::emit(std::string kind, int64_t now_ms) {
  Event& event = outbox_.events.emplace_back();
  event.seq = next_event_seq_++;
  event.time_ms = now_ms;
  event.kind = std::move(kind);
  return event;
}

void SchedulerCore::transition(TaskRecord& record, TaskState to, std::string reason,
                               int64_t now_ms) {
  Event& event = emit("task", now_ms);
  event.task_id = record.spec.id;
  if (!record.assignments.empty()) event.node_id = record.assignments.front().node_id;
  event.from_state = task_state_name(record.state);
  event.to_state = task_state_name(to);
  event.reason = reason;
  event.attempt = record.attempt;
  --counters_.tasks_by_state[static_cast<size_t>(record.state)];
  ++counters_.tasks_by_state[static_cast<size_t>(to)];
  record.state = to;
  record.reason = std::move(reason);
  record.updated_ms = now_ms;
  if (to == TaskState::kRunning) record.started_ms = now_ms;
  if (is_terminal(to)) record.finished_ms = now_ms;
  outbox_.changed_tasks.insert(record.spec.id);
}

void SchedulerCore::node_event(const Node& node, NodeState from, std::string reason,
                               int64_t now_ms) {
  Event& event = emit("node", now_ms);
  event.node_id = node.id;
  event.from_state = node_state_name(from);
  event.to_state = node_state_name(node.state);
  event.reason = std::move(reason);
  outbox_.changed_nodes.insert(node.id);
}

// --- nodes -------------------------------------------------------------------------------

Status SchedulerCore::add_node(Node node, int64_t now_ms, std::string_view reason) {
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
  nodes_[id].registered_ms = now_ms;
  const Node& added = cluster_.node(*cluster_.find(id));
  Event& event = emit("node", now_ms);
  event.node_id = id;
  event.to_state = node_state_name(state);
  event.reason = std::string(reason);
  outbox_.changed_nodes.insert(added.id);
  placement_dirty_ = true;
  return {};
}

Status SchedulerCore::set_node_state(std::string_view node_id, NodeState state,
                                     std::string_view reason, int64_t now_ms) {
  auto index = cluster_.find(node_id);
  if (!index) return not_found("no node named \"" + std::string(node_id) + "\"");
  NodeState from = cluster_.node(*index).state;
  if (from == state) return {};
  cluster_.set_state(*index, state);
  NodeRecord& record = nodes_[std::string(node_id)];
  if (state != NodeState::kDown) record.down_by_timeout = false;
  node_event(cluster_.node(*index), from, std::string(reason), now_ms);
  std::string id(node_id);
  if (state == NodeState::kDown) {
    evict_node_tasks(id, "node " + id + " down: " + std::string(reason), true, now_ms);
  } else if (state == NodeState::kDraining) {
    evict_node_tasks(id, "node " + id + " draining", false, now_ms);
  }
  placement_dirty_ = true;
  return {};
}

Status SchedulerCore::remove_node(std::string_view node_id, int64_t now_ms) {
  auto index = cluster_.find(node_id);
  if (!index) return not_found("no node named \"" + std::string(node_id) + "\"");
  std::string id(node_id);
  evict_node_tasks(id, "node " + id + " removed", true, now_ms);
  // Cluster has no removal: rebuild it without the node (assignments keep node ids).
  Cluster rebuilt;
  for (const Node& node : cluster_.nodes()) {
    if (node.id != id) FULCRUM_RETURN_IF_ERROR(rebuilt.add_node(node));
  }
  cluster_ = std::move(rebuilt);
  nodes_.erase(id);
  tasks_on_node_.erase(id);
  Event& event = emit("node", now_ms);
  event.node_id = id;
  event.to_state = "removed";
  event.reason = "removed through the API";
  outbox_.removed_nodes.push_back(id);
  outbox_.changed_nodes.erase(id);
  return {};
}

Status SchedulerCore::heartbeat(std::string_view node_id, std::optional<Utilization> utilization,
                                int64_t now_ms) {
  auto index = cluster_.find(node_id);
  if (!index) return not_found("no node named \"" + std::string(node_id) + "\"");
  NodeRecord& record = nodes_[std::string(node_id)];
  record.last_heartbeat_ms = now_ms;
  if (utilization) record.utilization = utilization;
  outbox_.changed_nodes.insert(std::string(node_id));
  if (record.down_by_timeout && cluster_.node(*index).state == NodeState::kDown) {
    FULCRUM_RETURN_IF_ERROR(set_node_state(node_id, NodeState::kUp, "heartbeat resumed", now_ms));
  }
  return {};
}

void SchedulerCore::check_heartbeats(int64_t now_ms) {
  std::vector<std::string> late;
  for (const Node& node : cluster_.nodes()) {
    const NodeRecord& record = nodes_[node.id];
    if (!record.last_heartbeat_ms || node.state == NodeState::kDown) continue;
    if (now_ms - *record.last_heartbeat_ms > heartbeat_timeout_ms_) late.push_back(node.id);
  }
  for (const std::string& id : late) {
    int64_t silent_ms = now_ms - *nodes_[id].last_heartbeat_ms;
    (void)set_node_state(id, NodeState::kDown,
                         "no heartbeat for " + std::to_string(silent_ms) + " ms (timeout " +
                             std::to_string(heartbeat_timeout_ms_) + " ms)",
                         now_ms);
    nodes_[id].down_by_timeout = true;
  }
}

void SchedulerCore::evict_node_tasks(const std::string& node_id, const std::string& reason,
                                     bool count_attempt, int64_t now_ms) {
  auto found = tasks_on_node_.find(node_id);
  if (found == tasks_on_node_.end()) return;
  std::vector<std::string> evicted(found->second.begin(), found->second.end());
  for (const std::string& task_id : evicted) {
    if (TaskRecord* record = task(task_id)) requeue(*record, reason, count_attempt, now_ms);
  }
}

// --- tasks -------------------------------------------------------------------------------

std::optional<SubmitError> SchedulerCore::check_submission(std::span<const Task> tasks) const {
  std::unordered_map<std::string_view, size_t> batch;
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
    if (!batch.emplace(spec.id, i).second || tasks_.contains(spec.id)) {
      return SubmitError{SubmitErrorKind::kDuplicate,
                         at(i) + ".id: task \"" + spec.id + "\" exists already"};
    }
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (const std::string& dependency : tasks[i].depends_on) {
      if (!batch.contains(dependency) && !tasks_.contains(dependency)) {
        return SubmitError{SubmitErrorKind::kUnknownDependency,
                           at(i) + ".depends_on: unknown task \"" + dependency + "\""};
      }
    }
  }
  if (std::vector<size_t> cycle = find_dependency_cycle(tasks); !cycle.empty()) {
    std::string path;
    for (size_t index : cycle) path += tasks[index].id + " -> ";
    path += tasks[cycle.front()].id;
    return SubmitError{SubmitErrorKind::kCycle, "dependency cycle: " + path};
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (auto why = explain_never_fits(cluster_, tasks[i])) {
      return SubmitError{SubmitErrorKind::kUnschedulable, at(i) + ": unschedulable: " + *why};
    }
  }
  return std::nullopt;
}

std::optional<SubmitError> SchedulerCore::submit(std::vector<Task> tasks,
                                                 const std::vector<int>& max_attempts,
                                                 int64_t now_ms) {
  if (auto refused = check_submission(tasks)) return refused;
  std::vector<std::string> ids;
  ids.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    Task& spec = tasks[i];
    TaskRecord record;
    record.max_attempts = max_attempts[i];
    record.submitted_ms = now_ms;
    record.updated_ms = now_ms;
    record.spec = std::move(spec);
    std::string id = record.spec.id;
    ids.push_back(id);
    Event& event = emit("task", now_ms);
    event.task_id = id;
    event.to_state = "pending";
    event.reason = "submitted";
    event.attempt = 1;
    outbox_.changed_tasks.insert(id);
    remember(std::move(record));
  }
  // Dependencies inside the batch may come later in it: evaluate once all are known.
  for (const std::string& id : ids) enqueue_or_wait(*task(id), now_ms);
  return std::nullopt;
}

// A task whose dependencies all succeeded is queued; one with a failed or cancelled dependency
// is cancelled; otherwise it waits.
void SchedulerCore::enqueue_or_wait(TaskRecord& record, int64_t now_ms) {
  int unfinished = 0;
  for (const std::string& dependency : record.spec.depends_on) {
    const TaskRecord* other = find_task(dependency);
    if (other == nullptr || other->state == TaskState::kSucceeded) continue;
    if (other->state == TaskState::kFailed || other->state == TaskState::kCancelled) {
      finish_failed(record, TaskState::kCancelled,
                    "dependency " + dependency + " " + std::string(task_state_name(other->state)),
                    now_ms);
      return;
    }
    ++unfinished;
  }
  record.unfinished_dependencies = unfinished;
  if (unfinished > 0) {
    if (record.state != TaskState::kWaiting) {
      transition(record, TaskState::kWaiting,
                 "waiting for " + std::to_string(unfinished) + " dependencies", now_ms);
    }
    return;
  }
  transition(record, TaskState::kQueued,
             record.spec.depends_on.empty() ? "ready" : "dependencies succeeded", now_ms);
  queue_->push(record.spec, millis(now_ms));
  placement_dirty_ = true;
}

void SchedulerCore::release(TaskRecord& record) {
  for (Assignment& assignment : record.assignments) {
    auto index = cluster_.find(assignment.node_id);
    if (index) {
      assignment.node_index = *index;
      cluster_.release(assignment);
    }
    auto on_node = tasks_on_node_.find(assignment.node_id);
    if (on_node != tasks_on_node_.end()) on_node->second.erase(record.spec.id);
  }
  record.assignments.clear();
  placement_dirty_ = true;
}

void SchedulerCore::requeue(TaskRecord& record, const std::string& reason, bool count_attempt,
                            int64_t now_ms) {
  if (holds_resources(record.state)) outbox_.stops.push_back(record.spec.id);
  if (count_attempt && record.attempt >= record.max_attempts) {
    finish_failed(record, TaskState::kFailed,
                  reason + "; no attempts left (" + std::to_string(record.max_attempts) + ")",
                  now_ms);
    return;
  }
  // The event names the node the task leaves, so it is sent before the release.
  if (count_attempt) {
    ++record.attempt;
    ++counters_.retries;
  }
  transition(record, TaskState::kQueued, reason, now_ms);
  release(record);
  queue_->push(record.spec, millis(now_ms));
}

void SchedulerCore::finish_failed(TaskRecord& record, TaskState final_state,
                                  const std::string& reason, int64_t now_ms) {
  if (holds_resources(record.state) && std::find(outbox_.stops.begin(), outbox_.stops.end(),
                                                 record.spec.id) == outbox_.stops.end()) {
    outbox_.stops.push_back(record.spec.id);
  }
  queue_->remove(record.spec.id);
  transition(record, final_state, reason, now_ms);
  release(record);
  cancel_dependents(record, now_ms);
}

void SchedulerCore::cancel_dependents(const TaskRecord& record, int64_t now_ms) {
  auto found = dependents_.find(record.spec.id);
  if (found == dependents_.end()) return;
  std::string reason =
      "dependency " + record.spec.id + " " + std::string(task_state_name(record.state));
  for (const std::string& dependent_id : found->second) {
    TaskRecord* dependent = task(dependent_id);
    if (dependent == nullptr || is_terminal(dependent->state)) continue;
    finish_failed(*dependent, TaskState::kCancelled, reason, now_ms);
  }
}

void SchedulerCore::release_dependents(const TaskRecord& record, int64_t now_ms) {
  auto found = dependents_.find(record.spec.id);
  if (found == dependents_.end()) return;
  for (const std::string& dependent_id : found->second) {
    TaskRecord* dependent = task(dependent_id);
    if (dependent == nullptr || dependent->state != TaskState::kWaiting) continue;
    if (--dependent->unfinished_dependencies > 0) continue;
    transition(*dependent, TaskState::kQueued, "dependencies succeeded", now_ms);
    queue_->push(dependent->spec, millis(now_ms));
    placement_dirty_ = true;
  }
}

Status SchedulerCore::cancel(std::string_view task_id, std::string_view reason, int64_t now_ms) {
  TaskRecord* record = task(task_id);
  if (record == nullptr) return not_found("no task named \"" + std::string(task_id) + "\"");
  if (is_terminal(record->state)) {
    return {ErrorCode::kFailedPrecondition, "task \"" + std::string(task_id) + "\" is " +
                                                std::string(task_state_name(record->state)) +
                                                " already"};
  }
  finish_failed(*record, TaskState::kCancelled, std::string(reason), now_ms);
  return {};
}

void SchedulerCore::task_started(std::string_view task_id, int attempt, int64_t now_ms) {
  TaskRecord* record = task(task_id);
  if (record == nullptr || record->attempt != attempt || record->state != TaskState::kPlaced) {
    return;
  }
  transition(*record, TaskState::kRunning, "started", now_ms);
}

void SchedulerCore::task_finished(std::string_view task_id, int attempt, int exit_code,
                                  std::string_view reason, int64_t now_ms) {
  TaskRecord* record = task(task_id);
  if (record == nullptr || record->attempt != attempt || !holds_resources(record->state)) return;
  record->exit_code = exit_code;
  if (exit_code == 0) {
    transition(*record, TaskState::kSucceeded, std::string(reason), now_ms);
    release(*record);
    release_dependents(*record, now_ms);
    return;
  }
  // The process is gone already: nothing to stop, so the stop requests are dropped.
  std::string why(reason);
  size_t stops_before = outbox_.stops.size();
  if (record->attempt >= record->max_attempts) {
    finish_failed(*record, TaskState::kFailed,
                  why + "; no attempts left (" + std::to_string(record->max_attempts) + ")",
                  now_ms);
  } else {
    requeue(*record, why + "; retrying", true, now_ms);
  }
  outbox_.stops.resize(stops_before);
}

// --- placement ---------------------------------------------------------------------------

bool SchedulerCore::try_place(TaskRecord& record, int64_t now_ms) {
  Placement placement = placer_->place(cluster_, std::span<const Task>(&record.spec, 1));
  if (!placement.all_placed()) {
    record.waiting_reason = placement.unplaced.front().reason;
    return false;
  }
  commit_placement(record, std::move(placement.assignments), placer_->name(), now_ms);
  return true;
}

void SchedulerCore::commit_placement(TaskRecord& record, std::vector<Assignment> assignments,
                                     std::string_view placed_by, int64_t now_ms) {
  record.waiting_reason.clear();
  record.assignments = std::move(assignments);
  std::string where;
  for (const Assignment& assignment : record.assignments) {
    tasks_on_node_[assignment.node_id].insert(record.spec.id);
    if (!where.empty()) where += ", ";
    where += assignment.node_id;
    if (!assignment.gpu_devices.empty()) {
      where += " gpus ";
      for (size_t i = 0; i < assignment.gpu_devices.size(); ++i) {
        where += (i > 0 ? "," : "") + std::to_string(assignment.gpu_devices[i]);
      }
    }
  }
  queue_->remove(record.spec.id);
  transition(record, TaskState::kPlaced, "placed by " + std::string(placed_by) + " on " + where,
             now_ms);
  outbox_.launches.push_back(record.spec.id);
  ++counters_.placements;
}

bool SchedulerCore::try_preempt(TaskRecord& record, int64_t now_ms) {
  if (!preemption_enabled_) return false;
  std::vector<PreemptionCandidate> candidates;
  std::set<std::string> seen;
  for (const auto& [node_id, task_ids] : tasks_on_node_) {
    for (const std::string& task_id : task_ids) {
      const TaskRecord& other = tasks_.at(task_id);
      if (other.spec.priority >= record.spec.priority || !seen.insert(task_id).second) continue;
      int64_t run_ms = other.state == TaskState::kRunning ? now_ms - other.started_ms : 0;
      candidates.push_back({task_id, other.spec.priority, run_ms, other.assignments});
    }
  }
  auto choice = choose_victims(cluster_, record.spec, candidates, *placer_);
  if (!choice) return false;
  for (const std::string& victim : choice->victims) preempt(tasks_.at(victim), record, now_ms);
  if (!try_place(record, now_ms)) return false;  // choose_victims checked it fits: not reached
  outbox_.launch_after[record.spec.id] = choice->victims;
  return true;
}

void SchedulerCore::preempt(TaskRecord& victim, const TaskRecord& preemptor, int64_t now_ms) {
  Event& event = emit("preempted", now_ms);
  event.task_id = victim.spec.id;
  if (!victim.assignments.empty()) event.node_id = victim.assignments.front().node_id;
  event.reason = "by " + preemptor.spec.id + " (priority " +
                 std::to_string(preemptor.spec.priority) + " over " +
                 std::to_string(victim.spec.priority) + ")";
  event.attempt = victim.attempt;
  outbox_.preempted.push_back(victim.spec.id);
  ++counters_.preemptions;
  // The event names the node the task leaves, so it is sent before the release.
  transition(victim, TaskState::kQueued, "preempted by " + preemptor.spec.id, now_ms);
  release(victim);
  queue_->push(victim.spec, millis(now_ms));
}

std::optional<Nanos> SchedulerCore::shadow_time_of(const Task& head, int64_t now_ms) const {
  std::vector<std::pair<int64_t, std::vector<Assignment>>> by_end;
  std::set<std::string> seen;
  for (const auto& [node_id, task_ids] : tasks_on_node_) {
    for (const std::string& task_id : task_ids) {
      if (!seen.insert(task_id).second) continue;
      const TaskRecord& running = tasks_.at(task_id);
      int64_t since_ms = running.state == TaskState::kRunning ? running.started_ms : now_ms;
      std::vector<Assignment> held = running.assignments;
      for (Assignment& assignment : held) {
        if (auto index = cluster_.find(assignment.node_id)) assignment.node_index = *index;
      }
      by_end.emplace_back(std::max(now_ms, since_ms + running.spec.estimated_duration_ms),
                          std::move(held));
    }
  }
  std::sort(by_end.begin(), by_end.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RunningTask> running;
  running.reserve(by_end.size());
  for (const auto& [end_ms, held] : by_end) running.push_back({millis(end_ms), &held});
  return shadow_time(cluster_, head, running);
}

size_t SchedulerCore::schedule(int64_t now_ms) {
  if (!placement_dirty_ || queue_->size() == 0) return 0;
  placement_dirty_ = false;
  PlacementPass pass(preemption_enabled_);
  size_t placed = 0;
  bool head_blocked = false;
  std::optional<Nanos> shadow;
  for (const std::string& task_id : queue_->ordered(millis(now_ms))) {
    TaskRecord* record = task(task_id);
    if (record == nullptr) continue;
    if (head_blocked && !may_backfill(millis(now_ms), record->spec, shadow)) continue;
    if (pass.known_not_to_fit(record->spec)) continue;
    if (try_place(*record, now_ms) || try_preempt(*record, now_ms)) {
      ++placed;
      continue;
    }
    pass.mark_not_fitting(record->spec);
    if (queue_->reserves_head() && !head_blocked) {
      head_blocked = true;
      shadow = shadow_time_of(record->spec, now_ms);
    }
  }
  return placed;
}

// --- placement in batches -------------------------------------------------------------------

std::optional<PlacementBatch> SchedulerCore::take_batch(int64_t now_ms) {
  if (!placement_dirty_ || queue_->size() == 0) {
    batch_window_since_ms_.reset();
    return std::nullopt;
  }
  if (!batch_window_since_ms_) batch_window_since_ms_ = now_ms;
  if (queue_->size() < batch_window_count_ && now_ms - *batch_window_since_ms_ < batch_window_ms_) {
    return std::nullopt;
  }
  batch_window_since_ms_.reset();
  placement_dirty_ = false;
  PlacementBatch batch;
  batch.cluster = cluster_;
  for (const std::string& task_id : queue_->ordered(millis(now_ms))) {
    if (batch.tasks.size() >= batch_window_count_) break;
    batch.tasks.push_back(tasks_.at(task_id).spec);
  }
  return batch;
}

size_t SchedulerCore::apply_batch(std::span<const Task> tasks, const Placement& placement,
                                  std::string_view placed_by, int64_t now_ms) {
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
      commit_placement(*record, std::move(*assignments), placed_by, now_ms);
      ++placed;
      continue;
    }
    record->waiting_reason = "not placed by the last " + std::string(placed_by) + " batch";
    if (try_preempt(*record, now_ms)) ++placed;
  }
  return placed;
}

// --- autoscaling advice --------------------------------------------------------------------

void SchedulerCore::configure_scaling(int64_t window_ms, double low_utilization) {
  scale_window_ms_ = window_ms;
  scale_low_utilization_ = low_utilization;
}

void SchedulerCore::scale_event(std::string kind, std::string reason, int64_t now_ms) {
  emit(std::move(kind), now_ms).reason = std::move(reason);
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

void SchedulerCore::check_scaling(int64_t now_ms) {
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
    for (const std::string& task_id : queue_->ordered(Nanos{0})) {
      const Task& spec = tasks_.at(task_id).spec;
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
                now_ms);
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
              now_ms);
  scale_in_sent_ = true;
}

// --- restore -----------------------------------------------------------------------------

Status SchedulerCore::restore_node(Node node, NodeRecord record) {
  std::string id = node.id;
  node.allocated = {};
  node.gpus = GpuDevices(node.gpus.count());
  FULCRUM_RETURN_IF_ERROR(cluster_.add_node(std::move(node)));
  nodes_[id] = record;
  return {};
}

void SchedulerCore::restore_task(TaskRecord record) { remember(std::move(record)); }

void SchedulerCore::remember(TaskRecord record) {
  std::string id = record.spec.id;
  ++counters_.tasks_by_state[static_cast<size_t>(record.state)];
  ++counters_.submitted;
  for (const std::string& dependency : record.spec.depends_on) {
    dependents_[dependency].push_back(id);
  }
  task_order_.push_back(id);
  tasks_.emplace(id, std::move(record));
}

void SchedulerCore::finish_restore(int64_t last_event_seq, int64_t now_ms) {
  next_event_seq_ = last_event_seq + 1;
  for (const std::string& id : task_order_) {
    TaskRecord& record = tasks_.at(id);
    switch (record.state) {
      case TaskState::kPending:
      case TaskState::kWaiting: enqueue_or_wait(record, now_ms); break;
      case TaskState::kQueued: queue_->push(record.spec, millis(record.updated_ms)); break;
      case TaskState::kPlaced:
      case TaskState::kRunning:
        // Its allocation was not restored, so there is nothing to release.
        record.assignments.clear();
        transition(
            record, TaskState::kQueued,
            "scheduler restarted while the task was " + std::string(task_state_name(record.state)),
            now_ms);
        queue_->push(record.spec, millis(now_ms));
        break;
      default: break;
    }
  }
  placement_dirty_ = true;
}

}  // namespace fulcrum
