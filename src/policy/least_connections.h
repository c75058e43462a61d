// least_connections: the eligible backend with the fewest requests in flight per unit of weight.
#pragma once

#include <string_view>

#include "policy/backend_scan.h"
#include "policy/registry.h"

namespace fulcrum {

enum class TieBreak { kRotation, kRandom };

struct LeastConnectionsConfig {
  TieBreak tie_break = TieBreak::kRotation;
  uint64_t seed = 1;  // for random tie-breaks
};

class LeastConnectionsPicker final : public Picker {
 public:
  static constexpr std::string_view kName = "least_connections";

  explicit LeastConnectionsPicker(const LeastConnectionsConfig& config)
      : tie_break_(config.tie_break), rng_(config.seed) {}

  std::string_view name() const override { return kName; }
  PickResult pick(const RequestView& request, std::span<const BackendView> backends) override;

 private:
  TieBreak tie_break_;
  Rotation rotation_;
  Rng rng_;
};

PickerEntry least_connections_entry();

}  // namespace fulcrum
