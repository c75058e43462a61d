// Queued task ids ordered by (key, enqueue sequence), with removal by id: fifo is a constant key,
// shortest_first the estimated duration, las the service level.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace fulcrum {

class KeyedOrder {
 public:
  // Adds a task that is not queued yet (a queued one stays where it is).
  void push(int64_t key, const std::string& task_id) {
    if (by_id_.contains(task_id)) return;
    auto position = order_.insert({key, next_sequence_++, task_id}).first;
    by_id_.emplace(position->task_id, position);
  }

  bool remove(std::string_view task_id) {
    auto found = by_id_.find(task_id);
    if (found == by_id_.end()) return false;
    order_.erase(found->second);
    by_id_.erase(found);
    return true;
  }

  size_t size() const { return order_.size(); }

  std::vector<std::string> ordered() const {
    std::vector<std::string> ids;
    ids.reserve(order_.size());
    for (const Entry& entry : order_) ids.push_back(entry.task_id);
    return ids;
  }

 private:
  struct Entry {
    int64_t key = 0;
    uint64_t sequence = 0;
    std::string task_id;
    bool operator<(const Entry& other) const {
      return std::tie(key, sequence) < std::tie(other.key, other.sequence);
    }
  };
  using Order = std::set<Entry>;

  uint64_t next_sequence_ = 0;
  Order order_;
  std::map<std::string_view, Order::iterator> by_id_;  // keys view the entries' ids
};

}  // namespace fulcrum
