#include "queue/ready_queue.h"

#include <string>
#include <unordered_map>

#include "queue/keyed_order.h"
#include "queue/las_queue.h"
#include "queue/priority_queue.h"

namespace fulcrum {

namespace {

// Orders by (key, enqueue sequence): fifo uses a constant key, shortest_first the duration.
class KeyedQueue final : public ReadyQueue {
 public:
  KeyedQueue(std::string_view name, bool by_duration, bool reserves_head = false)
      : name_(name), by_duration_(by_duration), reserves_head_(reserves_head) {}

  std::string_view name() const override { return name_; }
  bool reserves_head() const override { return reserves_head_; }
  void push(const Task& task, QueueHandle handle, Nanos /*enqueued_at*/) override {
    order_.push(by_duration_ ? task.estimated_duration_ms : 0, handle);
  }
  bool remove(QueueHandle handle) override { return order_.remove(handle); }
  size_t size() const override { return order_.size(); }
  std::vector<QueueHandle> ordered(Nanos /*now*/) const override { return order_.ordered(); }

 private:
  std::string_view name_;
  bool by_duration_;
  bool reserves_head_;
  KeyedOrder order_;
};

// The aging queue names its entries by task id (ties go to the smaller id): ids and handles are
// mapped both ways while queued.
class PriorityQueue final : public ReadyQueue {
 public:
  explicit PriorityQueue(AgingPriorityQueue queue) : queue_(std::move(queue)) {}

  std::string_view name() const override { return "priority"; }
  void push(const Task& task, QueueHandle handle, Nanos enqueued_at) override {
    if (!queue_.push(task.id, task.priority, enqueued_at).ok()) return;  // queued already
    handle_of_[task.id] = handle;
    id_of_[handle] = task.id;
  }
  bool remove(QueueHandle handle) override {
    auto found = id_of_.find(handle);
    if (found == id_of_.end()) return false;
    queue_.remove(found->second);
    handle_of_.erase(found->second);
    id_of_.erase(found);
    return true;
  }
  size_t size() const override { return queue_.size(); }
  std::vector<QueueHandle> ordered(Nanos now) const override {
    std::vector<QueueHandle> handles;
    handles.reserve(queue_.size());
    for (const RankedTask& ranked : queue_.snapshot(now)) {
      handles.push_back(handle_of_.at(ranked.task.task_id));
    }
    return handles;
  }

 private:
  AgingPriorityQueue queue_;
  std::unordered_map<std::string, QueueHandle> handle_of_;
  std::unordered_map<QueueHandle, std::string> id_of_;
};

Result<std::unique_ptr<ReadyQueue>> create_priority(const PolicyParams& params) {
  auto queue = AgingPriorityQueue::from_params(params);
  if (!queue.ok()) return queue.status();
  return std::unique_ptr<ReadyQueue>(std::make_unique<PriorityQueue>(std::move(*queue)));
}

}  // namespace

const std::vector<ReadyQueueEntry>& ready_queue_registry() {
  static const std::vector<ReadyQueueEntry> entries = {
      {"fifo",
       "tasks in the order they became ready",
       {},
       [](const PolicyParams&) -> Result<std::unique_ptr<ReadyQueue>> {
         return std::unique_ptr<ReadyQueue>(std::make_unique<KeyedQueue>("fifo", false));
       }},
      {"priority", "highest priority first; waiting raises priority so nothing starves",
       AgingPriorityQueue::param_specs(), create_priority},
      {"shortest_first",
       "smallest estimated duration first (lowest mean wait)",
       {},
       [](const PolicyParams&) -> Result<std::unique_ptr<ReadyQueue>> {
         return std::unique_ptr<ReadyQueue>(std::make_unique<KeyedQueue>("shortest_first", true));
       }},
      {"easy_backfill",
       "fifo; a later task starts ahead of a blocked head only if it ends by the head's shadow "
       "time",
       {},
       [](const PolicyParams&) -> Result<std::unique_ptr<ReadyQueue>> {
         return std::unique_ptr<ReadyQueue>(
             std::make_unique<KeyedQueue>("easy_backfill", false, true));
       }},
      {"las",
       "least attained service (GPU-seconds run) first, in levels; a task preempts running tasks "
       "of later levels",
       LasLevels::param_specs(), LasQueue::create},
  };
  return entries;
}

Result<std::unique_ptr<ReadyQueue>> make_ready_queue(const std::string& name,
                                                     const PolicyParams& params) {
  return create_from_registry<ReadyQueue>("queue policy", ready_queue_registry(), name, params);
}

}  // namespace fulcrum
