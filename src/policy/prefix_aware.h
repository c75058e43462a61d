// prefix_aware: SGLang's cache-aware routing. Each request goes where most of its prompt prefix was
// sent before, while load is balanced; to the least loaded backend once it is not. Unmatched
// prefixes are placed by rendezvous hashing of their leading blocks past the prefix that several
// backends hold already (a shared system prompt), so gateways that share no state mostly agree,
// and no backend takes a request past its bounded-load cap, so a popular prefix spreads to more
// replicas instead of piling onto one.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "policy/backend_scan.h"
#include "policy/prefix_index.h"
#include "policy/registry.h"

namespace fulcrum {

struct PrefixAwareConfig {
  // SGLang router defaults (sgl-router README): match ratio above which the best match wins, and
  // the imbalance test (max - min) > abs AND max > rel * min over in-flight requests.
  double cache_threshold = 0.5;
  double balance_abs_threshold = 32;
  double balance_rel_threshold = 1.0001;
  // SGLang's max_tree_size (16777216), taken here as a byte cap on the whole index.
  double max_tree_bytes = 16777216;
  // c of the bounded-load cap, as consistent_hash.
  double load_factor = 1.25;
  // How many blocks (64 bytes each) past the prefix that two backends hold are hashed to place an
  // unmatched prompt.
  double hash_blocks = 8;
};

class PrefixAwarePicker final : public PrefixIndexPicker {
 public:
  static constexpr std::string_view kName = "prefix_aware";

  explicit PrefixAwarePicker(const PrefixAwareConfig& config)
      : PrefixIndexPicker(config.max_tree_bytes), config_(config) {}

  std::string_view name() const override { return kName; }
  // score: the fraction of the prompt's blocks matched on that backend (higher is better).
  PickResult pick_explained(const RequestView& request, std::span<const BackendView> backends,
                            std::vector<CandidateScore>& scores) override;

 private:
  struct Choice {
    std::optional<std::size_t> index;
    const char* rule;
  };
  Choice choose(const RequestView& request, std::span<const BackendView> backends,
                std::span<const std::size_t> matched, uint64_t cap);

  PrefixAwareConfig config_;
  Rotation rotation_;
};

PickerEntry prefix_aware_entry();

// True when (max - min) > abs_threshold and max > rel_threshold * min over the eligible backends'
// in_flight: SGLang's test for switching from cache affinity to shortest queue.
bool load_imbalanced(std::span<const BackendView> backends, double abs_threshold,
                     double rel_threshold);

// The rendezvous key of a prompt: the chained hash of its first min(hash_blocks, n) blocks.
uint64_t leading_blocks_key(std::span<const uint64_t> prefix_blocks, std::size_t hash_blocks);

}  // namespace fulcrum
