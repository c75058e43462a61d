// Smooth weighted round robin (nginx ngx_http_upstream_get_peer). Each pick, over the eligible
// backends:
//   current[b] += weight[b];  chosen = argmax current (ties: first in span order);
//   current[chosen] -= sum of eligible weights
// Over any sum-of-weights picks each backend is chosen exactly weight times, interleaved.
#include "policy/weighted_round_robin.h"

#include <limits>
#include <memory>

namespace fulcrum {

PickResult WeightedRoundRobinPicker::pick(const RequestView& /*request*/,
                                          std::span<const BackendView> backends) {
  int64_t total_weight = 0;
  int64_t chosen_current = std::numeric_limits<int64_t>::min();
  std::size_t chosen = kNoBackend;
  for (std::size_t index = 0; index < backends.size(); ++index) {
    const BackendView& backend = backends[index];
    if (!backend.eligible()) continue;
    int64_t current = current_weight_[backend.id] += backend.weight;
    total_weight += backend.weight;
    if (current > chosen_current) {
      chosen_current = current;
      chosen = index;
    }
  }
  if (chosen == kNoBackend) return no_eligible_backend(backends);
  current_weight_[backends[chosen].id] -= total_weight;
  return chosen;
}

void WeightedRoundRobinPicker::on_backends_changed(std::span<const BackendView> /*backends*/) {
  current_weight_.clear();
}

PickerEntry weighted_round_robin_entry() {
  return {std::string(WeightedRoundRobinPicker::kName),
          "smooth weighted round robin (nginx): each backend in proportion to its weight",
          {},
          [](const PolicyParams& /*params*/) -> Result<std::unique_ptr<Picker>> {
            return std::unique_ptr<Picker>(std::make_unique<WeightedRoundRobinPicker>());
          }};
}

}  // namespace fulcrum
