// least_load: the eligible backend whose own load report (queue, KV cache, running requests) and
// the gateway's in-flight count add up to the lowest weighted score.
#pragma once

#include <string_view>

#include "policy/backend_scan.h"
#include "policy/registry.h"

namespace fulcrum {

// How much each load signal counts. Queue, running and in-flight are divided by their maximum over
// the scored backends first, so every term lies in [0, weight].
struct LeastLoadWeights {
  double queue = 1.0;      // waiting requests: the strongest predictor of time to first token
  double kv_cache = 1.0;   // a full KV cache means preemption and recomputation
  double running = 0.5;    // batch size: slows decoding, but less than waiting does
  double in_flight = 1.0;  // the gateway's own count: current even between scrapes
};

class LeastLoadPicker final : public Picker {
 public:
  static constexpr std::string_view kName = "least_load";

  explicit LeastLoadPicker(const LeastLoadWeights& weights) : weights_(weights) {}

  std::string_view name() const override { return kName; }
  PickResult pick(const RequestView& request, std::span<const BackendView> backends) override;

 private:
  std::optional<std::size_t> lowest_score(std::span<const BackendView> backends, std::size_t start);

  LeastLoadWeights weights_;
  Rotation rotation_;
};

PickerEntry least_load_entry();

}  // namespace fulcrum
