// kv_cost: NVIDIA Dynamo's KV router. A backend costs the prefill blocks it would still have to
// compute for the request (those its cache does not hold, weighted) plus the KV blocks its
// requests in flight hold; the cheapest backend wins.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/backend_scan.h"
#include "policy/backend_state.h"
#include "policy/prefix_index.h"
#include "policy/registry.h"

namespace fulcrum {

struct KvCostConfig {
  double overlap_weight = 1.0;        // Dynamo's overlap_score_weight default
  double max_index_bytes = 16777216;  // byte cap of the prefix index, as prefix_aware
  // prefill_cost: a request holds only the prompt blocks its backend has to compute, and only
  // until its first response byte (its prefill is then done).
  bool prefill_only = false;
};

// KV blocks a request holds: its whole prompt blocks plus its output in blocks of this many
// tokens (vLLM's default block size; a 64-byte prompt block is about as many tokens).
inline constexpr uint32_t kTokensPerKvBlock = 16;

class KvCostPicker final : public PrefixIndexPicker {
 public:
  static constexpr std::string_view kName = "kv_cost";
  static constexpr std::string_view kPrefillName = "prefill_cost";

  explicit KvCostPicker(const KvCostConfig& config)
      : PrefixIndexPicker(config.max_index_bytes), config_(config) {}

  std::string_view name() const override { return config_.prefill_only ? kPrefillName : kName; }
  // score: the cost (lower is better).
  PickResult pick_explained(const RequestView& request, std::span<const BackendView> backends,
                            std::vector<CandidateScore>& scores) override;
  void request_finished(uint64_t request_id, uint32_t backend_id) override;
  void first_byte(uint64_t request_id, uint32_t backend_id) override;

  // KV blocks held by the tracked requests in flight on `backend_id` (prefill_cost: the blocks
  // still to prefill of those that have not answered).
  uint64_t active_blocks(uint32_t backend_id) const;

 private:
  struct ActiveRequest {
    uint32_t backend_id;
    uint64_t blocks;
  };

  KvCostConfig config_;
  BackendStateTable<uint64_t> active_blocks_;
  std::unordered_map<uint64_t, ActiveRequest> active_requests_;  // by request_id
  Rotation rotation_;
};

PickerEntry kv_cost_entry();
PickerEntry prefill_cost_entry();

}  // namespace fulcrum
