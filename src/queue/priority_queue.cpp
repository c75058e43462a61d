// Aging priority queue: effective(t) = priority + aging_per_minute * (t - enqueued_at) / minute.
// For two queued tasks the difference of effective priorities does not depend on t, so entries are
// kept in a set by rank = effective(origin) = priority - aging_per_minute * (enqueued_at - origin)
// / minute (descending), then enqueued_at, then id. A task of priority p waiting since t0 overtakes
// a task of priority q > p enqueued at t1 exactly when t1 - t0 >= (q - p) / aging_per_minute.
#include "queue/priority_queue.h"

#include <chrono>
#include <tuple>
#include <utility>

namespace fulcrum {

namespace {

double minutes_between(Nanos from, Nanos to) {
  return std::chrono::duration<double, std::ratio<60>>(to - from).count();
}

}  // namespace

bool AgingPriorityQueue::PopsFirst::operator()(const Entry& a, const Entry& b) const {
  return std::tie(b.rank, a.task.enqueued_at, a.task.task_id) <
         std::tie(a.rank, b.task.enqueued_at, b.task.task_id);
}

AgingPriorityQueue::AgingPriorityQueue(double aging_per_minute)
    : aging_per_minute_(aging_per_minute) {}

std::vector<ParamSpec> AgingPriorityQueue::param_specs() {
  return {{"aging_per_minute", "1",
           "priority points a task gains per minute of waiting (0 disables aging)"}};
}

Result<AgingPriorityQueue> AgingPriorityQueue::from_params(const PolicyParams& params) {
  if (Status status = params.check_known(param_specs()); !status.ok()) return status;
  auto rate = params.get_double_in("aging_per_minute", kDefaultAgingPerMinute, 0.0, 1e4);
  if (!rate.ok()) return rate.status();
  return AgingPriorityQueue(*rate);
}

double AgingPriorityQueue::aged_priority(const QueuedTask& task, Nanos now) const {
  return task.priority + aging_per_minute_ * minutes_between(task.enqueued_at, now);
}

Status AgingPriorityQueue::push(std::string task_id, int priority, Nanos enqueued_at) {
  if (by_id_.contains(task_id)) {
    return Status(ErrorCode::kAlreadyExists, "task \"" + task_id + "\" is already queued");
  }
  if (!origin_) origin_ = enqueued_at;
  QueuedTask task{std::move(task_id), priority, enqueued_at};
  double rank = aged_priority(task, *origin_);
  auto position = order_.insert(Entry{rank, std::move(task)}).first;
  by_id_.emplace(position->task.task_id, position);
  return Status::ok_status();
}

std::optional<QueuedTask> AgingPriorityQueue::top() const {
  if (order_.empty()) return std::nullopt;
  return order_.begin()->task;
}

std::optional<QueuedTask> AgingPriorityQueue::pop() {
  std::optional<QueuedTask> first = top();
  if (first) remove(first->task_id);
  return first;
}

bool AgingPriorityQueue::remove(std::string_view task_id) {
  auto found = by_id_.find(task_id);
  if (found == by_id_.end()) return false;
  order_.erase(found->second);
  by_id_.erase(found);
  return true;
}

std::optional<double> AgingPriorityQueue::effective_priority(std::string_view task_id,
                                                             Nanos now) const {
  auto found = by_id_.find(task_id);
  if (found == by_id_.end()) return std::nullopt;
  return aged_priority(found->second->task, now);
}

std::vector<RankedTask> AgingPriorityQueue::snapshot(Nanos now) const {
  std::vector<RankedTask> ranked;
  ranked.reserve(order_.size());
  for (const Entry& entry : order_) ranked.push_back({entry.task, aged_priority(entry.task, now)});
  return ranked;
}

}  // namespace fulcrum
