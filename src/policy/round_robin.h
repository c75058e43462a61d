// round_robin: the eligible backends in turn, in span order.
#pragma once

#include <string_view>

#include "policy/backend_scan.h"
#include "policy/registry.h"

namespace fulcrum {

class RoundRobinPicker final : public Picker {
 public:
  static constexpr std::string_view kName = "round_robin";

  std::string_view name() const override { return kName; }
  PickResult pick(const RequestView& request, std::span<const BackendView> backends) override;

 private:
  Rotation rotation_;
};

PickerEntry round_robin_entry();

}  // namespace fulcrum
