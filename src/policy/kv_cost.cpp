// KV cost (NVIDIA Dynamo KV router). With n the prompt's blocks, overlap[b] the leading blocks
// recorded for b in the prefix index and active[b] the KV blocks of b's requests in flight:
//   cost[b] = overlap_weight * (n - overlap[b]) + active[b]
// Lowest cost wins; equal costs go to fewer in flight, then by rotation. A request holds
// n + ceil(expected_output_tokens / 16) blocks from its pick until request_finished; requests
// with no id (0) are not tracked; a second pick of the same id (a retry) moves its blocks.
// prefill_cost is the same rule with active[b] the prompt blocks b had still to compute for the
// requests sent to it that have not answered yet: each holds n - overlap[b] from its pick until
// its first response byte (first_byte) or its end, whichever comes first.
#include "policy/kv_cost.h"

#include <memory>
#include <string>
#include <tuple>

#include "core/resources.h"
#include "policy/picker_params.h"

namespace fulcrum {

PickResult KvCostPicker::pick_explained(const RequestView& request,
                                        std::span<const BackendView> backends,
                                        std::vector<CandidateScore>& scores) {
  const std::size_t block_count = request.prefix_blocks.size();
  std::vector<double> costs(backends.size(), 0);
  std::vector<std::size_t> prefills(backends.size(), 0);
  for (std::size_t index = 0; index < backends.size(); ++index) {
    const BackendView& backend = backends[index];
    if (!backend.eligible()) continue;
    const std::size_t overlap = index_.matched_blocks(request.prefix_blocks, backend.id);
    const uint64_t active = active_blocks(backend.id);
    const std::size_t prefill = block_count - overlap;
    prefills[index] = prefill;
    costs[index] =
        config_.overlap_weight * static_cast<double>(prefill) + static_cast<double>(active);
    scores.push_back({backend.id, costs[index],
                      "prefill " + std::to_string(prefill) + "/" + std::to_string(block_count) +
                          " blocks, active " + std::to_string(active) + " blocks, cost " +
                          format_number(costs[index]),
                      overlap});
  }
  std::optional<std::size_t> chosen = lowest_eligible(
      backends, rotation_.start(backends.size()), [&costs, backends](std::size_t index) {
        return std::tuple(costs[index], backends[index].in_flight);
      });
  rotation_.advance_past(chosen);
  if (!chosen) return no_eligible_backend(backends);

  const uint32_t backend_id = backends[*chosen].id;
  index_.record(request.prefix_blocks, backend_id);
  if (request.request_id != 0) {
    const uint64_t output_blocks =
        (uint64_t{request.expected_output_tokens} + kTokensPerKvBlock - 1) / kTokensPerKvBlock;
    const uint64_t blocks = config_.prefill_only ? prefills[*chosen] : block_count + output_blocks;
    request_finished(request.request_id, backend_id);  // a retry moves the request
    active_requests_.emplace(request.request_id, ActiveRequest{backend_id, blocks});
    active_blocks_[backend_id] += blocks;
  }
  return *chosen;
}

void KvCostPicker::request_finished(uint64_t request_id, uint32_t /*backend_id*/) {
  auto found = active_requests_.find(request_id);
  if (found == active_requests_.end()) return;
  active_blocks_[found->second.backend_id] -= found->second.blocks;
  active_requests_.erase(found);
}

void KvCostPicker::first_byte(uint64_t request_id, uint32_t backend_id) {
  if (config_.prefill_only) request_finished(request_id, backend_id);
}

uint64_t KvCostPicker::active_blocks(uint32_t backend_id) const {
  const uint64_t* blocks = active_blocks_.find(backend_id);
  return blocks == nullptr ? 0 : *blocks;
}

namespace {

constexpr std::array<NumberParam<KvCostConfig>, 2> kKvCostParams{{
    {"overlap_weight", &KvCostConfig::overlap_weight, 0, 1000,
     "weight of the prefill blocks still to compute against active KV blocks"},
    {"max_index_bytes", &KvCostConfig::max_index_bytes, 4096, 1e12,
     "byte cap of the prefix index; least recently used entries are evicted past it"},
}};

}  // namespace

PickerEntry kv_cost_entry() {
  return {std::string(KvCostPicker::kName),
          "lowest weighted prefill blocks still to compute plus active KV blocks (Dynamo)",
          number_param_specs(kKvCostParams),
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<KvCostPicker>(read_number_params(params, kKvCostParams));
          }};
}

PickerEntry prefill_cost_entry() {
  return {std::string(KvCostPicker::kPrefillName),
          "lowest weighted prefill blocks still to compute plus the blocks still to prefill of "
          "requests not yet answering",
          number_param_specs(kKvCostParams),
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            Result<KvCostConfig> config = read_number_params(params, kKvCostParams);
            if (config.ok()) (*config).prefill_only = true;
            return picker_from_config<KvCostPicker>(config);
          }};
}

}  // namespace fulcrum
