// Queued tasks ordered by (key, enqueue sequence), with removal by handle: fifo is a constant key,
// shortest_first the estimated duration, las the service level.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

namespace fulcrum {

class KeyedOrder {
 public:
  // Adds a task that is not queued yet (a queued one stays where it is).
  void push(int64_t key, uint32_t handle) {
    if (handle >= position_.size()) position_.resize(handle + 1);
    if (position_[handle]) return;
    position_[handle] = order_.insert({key, next_sequence_++, handle}).first;
  }

  bool remove(uint32_t handle) {
    if (handle >= position_.size() || !position_[handle]) return false;
    order_.erase(*position_[handle]);
    position_[handle].reset();
    return true;
  }

  size_t size() const { return order_.size(); }

  std::vector<uint32_t> ordered() const {
    std::vector<uint32_t> handles;
    handles.reserve(order_.size());
    for (const Entry& entry : order_) handles.push_back(entry.handle);
    return handles;
  }

 private:
  struct Entry {
    int64_t key = 0;
    uint64_t sequence = 0;
    uint32_t handle = 0;
    bool operator<(const Entry& other) const {
      return std::tie(key, sequence) < std::tie(other.key, other.sequence);
    }
  };
  using Order = std::set<Entry>;

  uint64_t next_sequence_ = 0;
  Order order_;
  std::vector<std::optional<Order::iterator>> position_;  // by handle, while queued
};

}  // namespace fulcrum
