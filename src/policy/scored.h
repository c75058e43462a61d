// scored: the llm-d endpoint picker's rule. Each scorer rates every candidate in [0, 1] (queue,
// KV-cache use, prefix match from the picker's own prefix index, running requests) and the
// backend with the highest weighted sum wins.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "policy/backend_scan.h"
#include "policy/prefix_index.h"
#include "policy/registry.h"

namespace fulcrum {

struct ScoredConfig {
  // llm-d's default scheduling profile: queue-scorer 2, kv-cache-utilization-scorer 2,
  // prefix-cache-scorer 3; running requests are not in it.
  double queue_weight = 2;
  double kv_weight = 2;
  double prefix_weight = 3;
  double running_weight = 0;
  double max_index_bytes = 16777216;  // byte cap of the prefix index, as prefix_aware
};

class ScoredPicker final : public PrefixIndexPicker {
 public:
  static constexpr std::string_view kName = "scored";

  explicit ScoredPicker(const ScoredConfig& config)
      : PrefixIndexPicker(config.max_index_bytes), config_(config) {}

  std::string_view name() const override { return kName; }
  // score: the weighted sum (higher is better).
  PickResult pick_explained(const RequestView& request, std::span<const BackendView> backends,
                            std::vector<CandidateScore>& scores) override;

 private:
  ScoredConfig config_;
  Rotation rotation_;
};

PickerEntry scored_entry();

}  // namespace fulcrum
