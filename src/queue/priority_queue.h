// The ready queue: tasks waiting to be placed, highest effective priority first, where waiting
// raises a task's priority so that low-priority work cannot starve.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/params.h"
#include "core/status.h"

namespace fulcrum {

struct QueuedTask {
  std::string task_id;
  int priority = 0;
  Nanos enqueued_at{0};
};

struct RankedTask {
  QueuedTask task;
  double effective_priority = 0;
};

// effective_priority(now) = priority + aging_per_minute * (now - enqueued_at) / 1 minute.
// Every entry ages at the same rate, so the order never changes with time and push, pop and remove
// are O(log n). Ties go to the earlier enqueued task, then to the smaller id. Times are arguments:
// the queue never reads a clock.
class AgingPriorityQueue {
 public:
  static constexpr double kDefaultAgingPerMinute = 1.0;

  explicit AgingPriorityQueue(double aging_per_minute = kDefaultAgingPerMinute);
  // Reads `aging_per_minute` (priority points gained per minute of waiting, >= 0).
  static Result<AgingPriorityQueue> from_params(const PolicyParams& params);
  static std::vector<ParamSpec> param_specs();

  double aging_per_minute() const { return aging_per_minute_; }

  // Fails with already_exists when `task_id` is queued already.
  Status push(std::string task_id, int priority, Nanos enqueued_at);
  std::optional<QueuedTask> pop();
  std::optional<QueuedTask> top() const;
  // False when `task_id` is not queued.
  bool remove(std::string_view task_id);

  size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }

  std::optional<double> effective_priority(std::string_view task_id, Nanos now) const;
  // Every queued task in pop order, with its effective priority at `now`.
  std::vector<RankedTask> snapshot(Nanos now) const;

 private:
  struct Entry {
    double rank = 0;  // effective priority at the queue's origin time; larger pops first
    QueuedTask task;
  };
  struct PopsFirst {
    bool operator()(const Entry& a, const Entry& b) const;
  };
  using Order = std::set<Entry, PopsFirst>;

  double aged_priority(const QueuedTask& task, Nanos now) const;

  double aging_per_minute_;
  std::optional<Nanos> origin_;  // first enqueue time; ranks are relative to it for precision
  Order order_;
  std::map<std::string, Order::iterator, std::less<>> by_id_;
};

}  // namespace fulcrum
