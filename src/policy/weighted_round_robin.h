// weighted_round_robin: smooth weighted round robin as nginx does it; weights 5,1,1 give
// a a b a c a a, spreading the heavy backend's turns instead of bunching them.
#pragma once

#include <cstdint>
#include <string_view>

#include "policy/backend_scan.h"
#include "policy/backend_state.h"
#include "policy/registry.h"

namespace fulcrum {

class WeightedRoundRobinPicker final : public Picker {
 public:
  static constexpr std::string_view kName = "weighted_round_robin";

  std::string_view name() const override { return kName; }
  PickResult pick(const RequestView& request, std::span<const BackendView> backends) override;
  // Weights or members changed: every backend starts again from current weight 0.
  void on_backends_changed(std::span<const BackendView> backends) override;

 private:
  BackendStateTable<int64_t> current_weight_;
};

PickerEntry weighted_round_robin_entry();

}  // namespace fulcrum
