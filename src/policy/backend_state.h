// Per-backend state of a picker, keyed by BackendView::id (stable, small), grown on demand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fulcrum {

template <typename State>
class BackendStateTable {
 public:
  // The state of `id`, value-initialised the first time it is asked for.
  State& operator[](uint32_t id) {
    if (id >= states_.size()) [[unlikely]]
      grow_to_hold(id);
    return states_[id];
  }
  // The state of `id`, or nullptr if it was never asked for.
  const State* find(uint32_t id) const { return id < states_.size() ? &states_[id] : nullptr; }
  void clear() { states_.clear(); }

 private:
  void grow_to_hold(uint32_t id) { states_.resize(std::size_t{id} + 1); }

  std::vector<State> states_;
};

}  // namespace fulcrum
