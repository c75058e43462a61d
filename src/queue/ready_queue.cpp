#include "queue/ready_queue.h"

#include <cstdint>
#include <map>
#include <set>
#include <tuple>

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

  void push(const Task& task, Nanos /*enqueued_at*/) override {
    Key key{by_duration_ ? task.estimated_duration_ms : 0, next_sequence_++, task.id};
    auto [position, inserted] = order_.insert(std::move(key));
    if (inserted) by_id_.emplace(task.id, position);
  }

  bool remove(std::string_view task_id) override {
    auto found = by_id_.find(task_id);
    if (found == by_id_.end()) return false;
    order_.erase(found->second);
    by_id_.erase(found);
    return true;
  }

  size_t size() const override { return order_.size(); }

  std::vector<std::string> ordered(Nanos /*now*/) const override {
    std::vector<std::string> ids;
    ids.reserve(order_.size());
    for (const Key& key : order_) ids.push_back(key.task_id);
    return ids;
  }

 private:
  struct Key {
    int64_t primary = 0;
    uint64_t sequence = 0;
    std::string task_id;
    bool operator<(const Key& other) const {
      return std::tie(primary, sequence) < std::tie(other.primary, other.sequence);
    }
  };
  using Order = std::set<Key>;

  std::string_view name_;
  bool by_duration_;
  bool reserves_head_;
  uint64_t next_sequence_ = 0;
  Order order_;
  std::map<std::string, Order::iterator, std::less<>> by_id_;
};

class PriorityQueue final : public ReadyQueue {
 public:
  explicit PriorityQueue(AgingPriorityQueue queue) : queue_(std::move(queue)) {}

  std::string_view name() const override { return "priority"; }
  void push(const Task& task, Nanos enqueued_at) override {
    (void)queue_.push(task.id, task.priority, enqueued_at);  // already queued: nothing to do
  }
  bool remove(std::string_view task_id) override { return queue_.remove(task_id); }
  size_t size() const override { return queue_.size(); }
  std::vector<std::string> ordered(Nanos now) const override {
    std::vector<std::string> ids;
    ids.reserve(queue_.size());
    for (RankedTask& ranked : queue_.snapshot(now)) ids.push_back(std::move(ranked.task.task_id));
    return ids;
  }

 private:
  AgingPriorityQueue queue_;
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
  };
  return entries;
}

Result<std::unique_ptr<ReadyQueue>> make_ready_queue(const std::string& name,
                                                     const PolicyParams& params) {
  return create_from_registry<ReadyQueue>("queue policy", ready_queue_registry(), name, params);
}

}  // namespace fulcrum
