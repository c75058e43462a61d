// The scheduler's decision core: tasks and their state machine, the dependency graph, the ready
// queue, node states and heartbeats, and placement through a Placer. It does no I/O and reads no
// clock: every call takes the time, and every change it makes lands in an Outbox (events to
// record, rows to persist, processes to start or stop) that the service drains and acts on.
#pragma once

#include <array>
#include <cstdint>
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

// Everything a core call changed, for the service to persist, publish and act on.
struct Outbox {
  std::vector<Event> events;
  std::set<std::string> changed_tasks;
  std::set<std::string> changed_nodes;
  std::vector<std::string> removed_nodes;
  std::vector<std::string> launches;   // tasks placed now: start their processes
  std::vector<std::string> stops;      // tasks whose processes must stop (cancel, node lost)
  std::vector<std::string> preempted;  // tasks whose processes must stop with the preemption grace
  // Preemptor -> the victims whose processes must have ended before it starts.
  std::map<std::string, std::vector<std::string>> launch_after;
  std::optional<std::string> scale_out_demand;  // set with a scale_out event, for the hook

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
  int64_t preemptions = 0;  // tasks evicted for a higher-priority one
};

class SchedulerCore {
 public:
  SchedulerCore(std::unique_ptr<Placer> placer, std::unique_ptr<ReadyQueue> queue,
                int64_t heartbeat_timeout_ms);

  // Nodes.
  Status add_node(Node node, int64_t now_ms, std::string_view reason);
  // up (uncordon), cordoned (no new work), draining (running work is stopped and requeued),
  // down (running work is requeued with attempt + 1).
  Status set_node_state(std::string_view node_id, NodeState state, std::string_view reason,
                        int64_t now_ms);
  // Requeues what runs on the node, then forgets it.
  Status remove_node(std::string_view node_id, int64_t now_ms);
  Status heartbeat(std::string_view node_id, std::optional<Utilization> utilization,
                   int64_t now_ms);
  // Takes down watched nodes whose last heartbeat is older than the timeout.
  void check_heartbeats(int64_t now_ms);

  // Tasks. A batch is accepted whole or refused whole.
  std::optional<SubmitError> check_submission(std::span<const Task> tasks) const;
  // `max_attempts[i]` applies to `tasks[i]`.
  std::optional<SubmitError> submit(std::vector<Task> tasks, const std::vector<int>& max_attempts,
                                    int64_t now_ms);
  Status cancel(std::string_view task_id, std::string_view reason, int64_t now_ms);
  void task_started(std::string_view task_id, int attempt, int64_t now_ms);
  // A process (or simulation) of the task's `attempt` ended; stale attempts are ignored.
  void task_finished(std::string_view task_id, int attempt, int exit_code, std::string_view reason,
                     int64_t now_ms);
  // One placement pass over the ready queue; returns how many tasks were placed.
  size_t schedule(int64_t now_ms);

  // Placement in batches (instead of schedule): once tasks have been queued for `window_ms` or
  // `window_count` are queued, take_batch hands out up to `window_count` of them in queue order
  // (and nothing until something changes again); apply_batch places those the answer put on
  // nodes, as long as they are still queued and still fit, and leaves the rest queued.
  void configure_batching(int64_t window_ms, size_t window_count) {
    batch_window_ms_ = window_ms;
    batch_window_count_ = window_count;
  }
  std::optional<PlacementBatch> take_batch(int64_t now_ms);
  // The next schedule() considers the queue even if nothing changed (a batch was given up on).
  void request_placement_pass() { placement_dirty_ = true; }
  // `placement` was made for `tasks` on the batch's cluster; `placed_by` names what decided it.
  size_t apply_batch(std::span<const Task> tasks, const Placement& placement,
                     std::string_view placed_by, int64_t now_ms);

  // Autoscaling advice: with a window > 0, check_scaling emits one `scale_out` event (with the
  // queued demand) once tasks have stayed queued for the whole window, and one `scale_in` event
  // (naming the idle nodes) once the queue has been empty and the allocated share of the cluster
  // below `low_utilization` for the window. Each fires again only after its condition has ended.
  void configure_scaling(int64_t window_ms, double low_utilization);
  void check_scaling(int64_t now_ms);

  // Preemption (off by default): a queued task that fits nowhere may evict running or placed tasks
  // of strictly lower priority, chosen by choose_victims (scheduler/preemption.h). A victim is
  // requeued without spending an attempt, with a `preempted` event naming the preemptor.
  void configure_preemption(bool enabled) { preemption_enabled_ = enabled; }

  // Restoring from the store: add every node and task, then finish_restore once.
  Status restore_node(Node node, NodeRecord record);
  void restore_task(TaskRecord record);
  // Relinks the graph; tasks that were placed or running are requeued (their processes are gone).
  void finish_restore(int64_t last_event_seq, int64_t now_ms);

  Outbox take_outbox();

  const Cluster& cluster() const { return cluster_; }
  const TaskRecord* find_task(std::string_view task_id) const;
  const NodeRecord* find_node(std::string_view node_id) const;
  // Task ids in submission order.
  const std::vector<std::string>& task_ids() const { return task_order_; }
  const SchedulerCounters& counters() const { return counters_; }
  size_t queued_count() const { return queue_->size(); }
  std::string_view placer_name() const { return placer_->name(); }
  std::string_view queue_name() const { return queue_->name(); }

 private:
  TaskRecord* task(std::string_view task_id);
  // A new event with the next seq, the time and the kind, in the outbox; the caller fills it.
  Event& emit(std::string kind, int64_t now_ms);
  // Adds a task to the maps, the graph, the counters and the submission order.
  void remember(TaskRecord record);
  void transition(TaskRecord& record, TaskState to, std::string reason, int64_t now_ms);
  void node_event(const Node& node, NodeState from, std::string reason, int64_t now_ms);
  void enqueue_or_wait(TaskRecord& record, int64_t now_ms);
  void release(TaskRecord& record);
  // Stops the task where it runs and queues it again; with `count_attempt` the next try is
  // attempt + 1, and a task out of attempts fails instead.
  void requeue(TaskRecord& record, const std::string& reason, bool count_attempt, int64_t now_ms);
  void finish_failed(TaskRecord& record, TaskState final_state, const std::string& reason,
                     int64_t now_ms);
  void cancel_dependents(const TaskRecord& record, int64_t now_ms);
  void release_dependents(const TaskRecord& record, int64_t now_ms);
  void evict_node_tasks(const std::string& node_id, const std::string& reason, bool count_attempt,
                        int64_t now_ms);
  bool try_place(TaskRecord& record, int64_t now_ms);
  void commit_placement(TaskRecord& record, std::vector<Assignment> assignments,
                        std::string_view placed_by, int64_t now_ms);
  // Evicts lower-priority tasks when that lets `record` fit, then places it.
  bool try_preempt(TaskRecord& record, int64_t now_ms);
  // EASY backfilling: when `head` is the first task of a pass that does not fit, the time the
  // running tasks' expected ends (start + estimate, at least now) make room for it.
  std::optional<Nanos> shadow_time_of(const Task& head, int64_t now_ms) const;
  void preempt(TaskRecord& victim, const TaskRecord& preemptor, int64_t now_ms);

  std::unique_ptr<Placer> placer_;
  std::unique_ptr<ReadyQueue> queue_;
  int64_t heartbeat_timeout_ms_;
  Cluster cluster_;
  std::unordered_map<std::string, NodeRecord> nodes_;
  std::unordered_map<std::string, TaskRecord> tasks_;
  std::vector<std::string> task_order_;
  std::unordered_map<std::string, std::vector<std::string>> dependents_;
  std::unordered_map<std::string, std::set<std::string>> tasks_on_node_;
  void scale_event(std::string kind, std::string reason, int64_t now_ms);
  double allocated_share() const;

  int64_t scale_window_ms_ = 0;
  double scale_low_utilization_ = 0;
  std::optional<int64_t> queued_since_ms_;
  std::optional<int64_t> idle_since_ms_;
  bool scale_out_sent_ = false;
  bool scale_in_sent_ = false;
  bool preemption_enabled_ = false;
  int64_t batch_window_ms_ = 0;
  size_t batch_window_count_ = 1;
  std::optional<int64_t> batch_window_since_ms_;
  bool placement_dirty_ = true;  // something changed that could let a queued task fit
  int64_t next_event_seq_ = 1;
  SchedulerCounters counters_;
  Outbox outbox_;
};

// Why no node, even empty and up, could ever hold one replica of `task`; nullopt when one could.
// E.g. "needs 8 GPUs of model H100, largest node has 4 A100".
std::optional<std::string> explain_never_fits(const Cluster& cluster, const Task& task);

}  // namespace fulcrum
