// The scheduler's decision core: tasks and their state machine, the dependency graph, the ready
// queue, node states and heartbeats, and placement through a Placer. It does no I/O and reads no
// clock: every call takes the time, and every change it makes lands in an Outbox (events to
// record, rows to persist, processes to start or stop) that the service drains and acts on. The
// service (wall clock) and the simulator (virtual time, sim/cluster_replay.h) both run it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/cluster.h"
#include "core/status.h"
#include "milp/batch_placement.h"
#include "placement/placer.h"
#include "queue/ready_queue.h"
#include "scheduler/task_record.h"

namespace fulcrum {

// When a core call happens. The service's wall clock passes milliseconds, the simulator's virtual
// clock nanoseconds; the core keeps nanoseconds.
class CallTime {
 public:
  CallTime(int64_t now_ms) : now_(std::chrono::milliseconds(now_ms)) {}  // NOLINT: implicit
  CallTime(Nanos now) : now_(now) {}                                     // NOLINT: implicit
  Nanos ns() const { return now_; }
  int64_t ms() const { return to_millis(now_); }

 private:
  Nanos now_;
};

// A task the outbox names: its id (reads as the id) and the core's index of it (task_at). Valid
// while the core lives.
struct TaskRef {
  const std::string* id = nullptr;
  uint32_t index = 0;

  operator const std::string&() const { return *id; }  // NOLINT: implicit, a task ref is its id
  friend bool operator==(const TaskRef& ref, const std::string& other) { return *ref.id == other; }
};

// Everything a core call changed, for the service to persist, publish and act on. Without history
// (configure_history) only launches, stops, preempted and launch_after are filled.
struct Outbox {
  std::vector<Event> events;
  std::set<std::string> changed_tasks;
  std::set<std::string> changed_nodes;
  std::vector<std::string> removed_nodes;
  std::vector<TaskRef> launches;   // tasks placed now: start their processes
  std::vector<TaskRef> stops;      // tasks whose processes must stop (cancel, node lost)
  std::vector<TaskRef> preempted;  // tasks whose processes must stop with the preemption grace
  // Preemptor -> the victims whose processes must have ended before it starts.
  std::map<std::string, std::vector<std::string>> launch_after;
  std::optional<std::string> scale_out_demand;  // set with a scale_out event, for the hook

  void clear() {
    events.clear();
    changed_tasks.clear();
    changed_nodes.clear();
    removed_nodes.clear();
    launches.clear();
    stops.clear();
    preempted.clear();
    launch_after.clear();
    scale_out_demand.reset();
  }

  bool empty() const {
    return events.empty() && changed_tasks.empty() && changed_nodes.empty() &&
           removed_nodes.empty() && launches.empty() && stops.empty() && preempted.empty() &&
           launch_after.empty() && !scale_out_demand;
  }
};

// Why a submission was refused; the service maps the kind to an HTTP status.
enum class SubmitErrorKind { kInvalid, kDuplicate, kUnknownDependency, kCycle, kUnschedulable };

struct SubmitError {
  SubmitErrorKind kind = SubmitErrorKind::kInvalid;
  std::string message;  // names the task, e.g. "tasks[1].depends_on: unknown task \"T9\""
};

struct SchedulerCounters {
  std::array<int64_t, 8> tasks_by_state{};  // indexed by TaskState
  int64_t submitted = 0;
  int64_t placements = 0;
  int64_t retries = 0;
  int64_t preemptions = 0;  // tasks evicted for a higher-priority one (or an earlier las level)
};

// max_attempts for a task that is retried for ever (the simulator's).
constexpr int kUnlimitedAttempts = 0;

class SchedulerCore {
 public:
  SchedulerCore(std::unique_ptr<Placer> placer, std::unique_ptr<ReadyQueue> queue,
                int64_t heartbeat_timeout_ms);

  // Nodes.
  Status add_node(Node node, CallTime now, std::string_view reason);
  // up (uncordon), cordoned (no new work), draining (running work is stopped and requeued),
  // down (running work is requeued with attempt + 1).
  Status set_node_state(std::string_view node_id, NodeState state, std::string_view reason,
                        CallTime now);
  // Requeues what runs on the node, then forgets it.
  Status remove_node(std::string_view node_id, CallTime now);
  Status heartbeat(std::string_view node_id, std::optional<Utilization> utilization, CallTime now);
  // Takes down watched nodes whose last heartbeat is older than the timeout.
  void check_heartbeats(CallTime now);

  // History (on by default): events, reasons and the changed rows in the outbox. Off (the
  // simulator), the core keeps states, counters and per-task totals only, which is much cheaper.
  void configure_history(bool keep) { keep_history_ = keep; }
  // Off by default: a batch with a task no node could ever hold is refused. On (the simulator),
  // such a task is accepted and fails at once (TaskRecord::unschedulable says why), and its
  // dependents are cancelled.
  void configure_accept_unschedulable(bool accept) { accept_unschedulable_ = accept; }

  // Room for this many tasks in all, when the caller knows (the simulator: the trace's jobs).
  void reserve_tasks(size_t count) { index_of_.reserve(count); }

  // Tasks. A batch is accepted whole or refused whole.
  std::optional<SubmitError> check_submission(std::span<const Task> tasks) const;
  // `max_attempts[i]` applies to `tasks[i]`; kUnlimitedAttempts retries for ever.
  std::optional<SubmitError> submit(std::vector<Task> tasks, const std::vector<int>& max_attempts,
                                    CallTime now);
  Status cancel(std::string_view task_id, std::string_view reason, CallTime now);
  void task_started(std::string_view task_id, int attempt, CallTime now);
  void task_started(TaskRef task, int attempt, CallTime now);
  // A process (or simulation) of the task's `attempt` ended; stale attempts are ignored.
  void task_finished(std::string_view task_id, int attempt, int exit_code, std::string_view reason,
                     CallTime now);
  // The same by the core's index of the task (TaskRef::index), without a lookup by id.
  void task_finished(uint32_t index, int attempt, int exit_code, std::string_view reason,
                     CallTime now);
  // One placement pass over the ready queue; returns how many tasks were placed.
  size_t schedule(CallTime now);
  // When a pass (schedule or take_batch) must run next even if nothing else happens: the end of
  // an open batch window, a running task reaching its next las level. nullopt: not before the
  // next change.
  std::optional<Nanos> next_pass_at() const;

  // Placement in batches (instead of schedule): once tasks have been queued for `window_ms` or
  // `window_count` are queued, take_batch hands out up to `window_count` of them in queue order
  // (and nothing until something changes again); apply_batch places those the answer put on
  // nodes, as long as they are still queued and still fit, and leaves the rest queued.
  void configure_batching(int64_t window_ms, size_t window_count) {
    batch_window_ms_ = window_ms;
    batch_window_count_ = window_count;
  }
  std::optional<PlacementBatch> take_batch(CallTime now);
  // The next schedule() considers the queue even if nothing changed (a batch was given up on).
  void request_placement_pass() { placement_dirty_ = true; }
  // `placement` was made for `tasks` on the batch's cluster; `placed_by` names what decided it.
  size_t apply_batch(std::span<const Task> tasks, const Placement& placement,
                     std::string_view placed_by, CallTime now);

  // Autoscaling advice: with a window > 0, check_scaling emits one `scale_out` event (with the
  // queued demand) once tasks have stayed queued for the whole window, and one `scale_in` event
  // (naming the idle nodes) once the queue has been empty and the allocated share of the cluster
  // below `low_utilization` for the window. Each fires again only after its condition has ended.
  void configure_scaling(int64_t window_ms, double low_utilization);
  void check_scaling(CallTime now);

  // Preemption (off by default): a queued task that fits nowhere may evict running or placed tasks
  // of strictly lower priority, chosen by choose_victims (scheduler/preemption.h). A victim is
  // requeued without spending an attempt, with a `preempted` event naming the preemptor.
  void configure_preemption(bool enabled) { preemption_enabled_ = enabled; }

  // Restoring from the store: add every node and task, then finish_restore once.
  Status restore_node(Node node, NodeRecord record);
  void restore_task(TaskRecord record);
  // Relinks the graph; tasks that were placed or running are requeued (their processes are gone).
  void finish_restore(int64_t last_event_seq, CallTime now);

  Outbox take_outbox();
  // The same into `into` (cleared first), which keeps its buffers: for callers that take the
  // outbox after every call.
  void take_outbox(Outbox& into);

  const Cluster& cluster() const { return cluster_; }
  const TaskRecord* find_task(std::string_view task_id) const;
  // Tasks by the core's index: 0 .. task_count() - 1 in submission order.
  const TaskRecord& task_at(uint32_t index) const { return tasks_[index]; }
  size_t task_count() const { return tasks_.size(); }
  const NodeRecord* find_node(std::string_view node_id) const;
  // Task ids in submission order.
  std::vector<std::string> task_ids() const;
  const SchedulerCounters& counters() const { return counters_; }
  // What placed and running tasks hold, summed over the cluster.
  const ResourceVector& allocated() const { return allocated_; }
  size_t queued_count() const { return queue_->size(); }
  std::string_view placer_name() const { return placer_->name(); }
  std::string_view queue_name() const { return queue_->name(); }

 private:
  using TaskIndex = uint32_t;  // dense, in submission order

  TaskRecord* task(std::string_view task_id);
  // A new event with the next seq, the time and the kind, in the outbox, for the caller to fill;
  // nullptr without history.
  Event* emit(std::string kind, CallTime now);
  void mark_node_changed(const std::string& node_id);
  // Adds a task to the maps, the counters and the submission order; link_dependencies adds it to
  // the graph once its dependencies are known.
  TaskRecord& remember(TaskRecord record);
  void link_dependencies(TaskIndex index);
  // `reason` is text or a function that makes it, called only with history.
  template <typename Reason>
  void transition(TaskRecord& record, TaskState to, Reason&& reason, CallTime now);
  static TaskRef ref(const TaskRecord& record) { return {&record.spec.id, record.core_index}; }
  void start(TaskRecord* record, int attempt, CallTime now);
  void finish(TaskRecord* record, int attempt, int exit_code, std::string_view reason,
              CallTime now);
  void node_event(const Node& node, NodeState from, std::string reason, CallTime now);
  void enqueue_or_wait(TaskRecord& record, CallTime now);
  void enqueue(TaskRecord& record, CallTime now);
  void release(TaskRecord& record);
  bool out_of_attempts(const TaskRecord& record) const;
  // Stops the task where it runs and queues it again; with `count_attempt` the next try is
  // attempt + 1, and a task out of attempts fails instead.
  void requeue(TaskRecord& record, const std::string& reason, bool count_attempt, CallTime now);
  void finish_failed(TaskRecord& record, TaskState final_state, const std::string& reason,
                     CallTime now);
  void cancel_dependents(const TaskRecord& record, CallTime now);
  void release_dependents(const TaskRecord& record, CallTime now);
  void evict_node_tasks(const std::string& node_id, const std::string& reason, bool count_attempt,
                        CallTime now);
  // Node indices in assignments and tasks_on_node_ after the cluster was rebuilt without a node.
  void reindex_assignments();
  void hold_on_node(size_t node_index, TaskIndex index);
  void leave_node(size_t node_index, TaskIndex index);
  bool try_place(TaskRecord& record, CallTime now);
  void commit_placement(TaskRecord& record, std::vector<Assignment> assignments,
                        std::string_view placed_by, CallTime now);
  // The end easy_backfill expects for a task that holds resources since `since`.
  void expect_end(TaskIndex index, Nanos since);
  // Evicts tasks when that lets `record` fit (lower priorities, or later las levels), then places
  // it.
  bool try_preempt(TaskRecord& record, CallTime now);
  bool preempt_lower_priorities(TaskRecord& record, CallTime now);
  // las: on the node where the fewest running tasks of later levels make room (latest level,
  // then latest start first), evicts those.
  bool preempt_later_levels(TaskRecord& record, int level, CallTime now);
  // EASY backfilling: when `head` is the first task of a pass that does not fit, the time the
  // running tasks' expected ends (start + estimate, at least now) make room for it.
  std::optional<Nanos> shadow_time_of(const Task& head, Nanos now) const;
  void preempt(TaskRecord& victim, const TaskRecord& preemptor, CallTime now);
  // explain_never_fits, remembered per task shape until the nodes change.
  std::optional<std::string> never_fits(const Task& task) const;
  void scale_event(std::string kind, std::string reason, CallTime now);
  double allocated_share() const;

  std::unique_ptr<Placer> placer_;
  std::unique_ptr<ReadyQueue> queue_;
  int64_t heartbeat_timeout_ms_;
  Cluster cluster_;
  std::unordered_map<std::string, NodeRecord> nodes_;
  std::deque<TaskRecord> tasks_;  // by TaskIndex; a deque so records never move
  std::unordered_map<std::string_view, TaskIndex> index_of_;  // keys view the records' ids
  std::deque<std::vector<TaskIndex>> dependents_;             // by TaskIndex
  // By node index: the tasks holding resources there, ascending.
  std::vector<std::vector<TaskIndex>> tasks_on_node_;
  std::set<std::pair<Nanos, TaskIndex>> holding_by_expected_end_;  // easy_backfill only
  ResourceVector allocated_;
  using Shape = std::tuple<int64_t, int64_t, int64_t, std::string, std::map<std::string, int64_t>>;
  mutable std::map<Shape, std::optional<std::string>, std::less<>> never_fits_by_shape_;

  bool keep_history_ = true;
  bool accept_unschedulable_ = false;
  int64_t scale_window_ms_ = 0;
  double scale_low_utilization_ = 0;
  std::optional<int64_t> queued_since_ms_;
  std::optional<int64_t> idle_since_ms_;
  bool scale_out_sent_ = false;
  bool scale_in_sent_ = false;
  bool preemption_enabled_ = false;
  int64_t batch_window_ms_ = 0;
  size_t batch_window_count_ = 1;
  std::optional<Nanos> batch_window_since_;
  bool placement_dirty_ = true;  // something changed that could let a queued task fit
  int64_t next_event_seq_ = 1;
  SchedulerCounters counters_;
  Outbox outbox_;
};

// Why no node, even empty and up, could ever hold one replica of `task`; nullopt when one could.
// E.g. "needs 8 GPUs of model H100, largest node has 4 A100".
std::optional<std::string> explain_never_fits(const Cluster& cluster, const Task& task);

}  // namespace fulcrum
