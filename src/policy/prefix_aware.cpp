// Prefix-aware routing (SGLang cache-aware router, with bounded loads). With m[b] the leading
// prompt blocks recorded for backend b, n the prompt's blocks and cap the bounded-load cap:
//   imbalanced (max-min in_flight > abs and max > rel*min) -> least in_flight
//   max m / n > cache_threshold -> among backends under cap: max m, then least in_flight
//   otherwise -> rendezvous hash of the first hash_blocks blocks past the widely shared prefix
//                (the leading blocks at least two backends hold), skipping backends at cap
// Ties go to the higher rendezvous score, so gateways that share no state choose alike.
#include "policy/prefix_aware.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "policy/bounded_load.h"
#include "policy/picker_params.h"

namespace fulcrum {

bool load_imbalanced(std::span<const BackendView> backends, double abs_threshold,
                     double rel_threshold) {
  double lowest = std::numeric_limits<double>::infinity();
  double highest = 0;
  for (const BackendView& backend : backends) {
    if (!backend.eligible()) continue;
    lowest = std::min(lowest, static_cast<double>(backend.in_flight));
    highest = std::max(highest, static_cast<double>(backend.in_flight));
  }
  if (highest < lowest) return false;  // none eligible
  return highest - lowest > abs_threshold && highest > rel_threshold * lowest;
}

uint64_t leading_blocks_key(std::span<const uint64_t> prefix_blocks, std::size_t hash_blocks) {
  if (prefix_blocks.empty() || hash_blocks == 0) return 0;
  return prefix_blocks[std::min(hash_blocks, prefix_blocks.size()) - 1];
}

namespace {

// Least in_flight; equal loads go to the higher rendezvous score for `key`.
std::optional<std::size_t> least_in_flight(std::span<const BackendView> backends, uint64_t key) {
  return lowest_eligible(backends, 0, [backends, key](std::size_t index) {
    return std::tuple(backends[index].in_flight, ~rendezvous_score(key, backends[index].name));
  });
}

// Under cap first, then most matched blocks, least in_flight, highest rendezvous score.
std::optional<std::size_t> best_match_under_cap(std::span<const BackendView> backends,
                                                std::span<const std::size_t> matched, uint64_t cap,
                                                uint64_t key) {
  return lowest_eligible(backends, 0, [backends, matched, cap, key](std::size_t index) {
    const BackendView& backend = backends[index];
    return std::tuple(backend.in_flight >= cap,
                      std::numeric_limits<std::size_t>::max() - matched[index], backend.in_flight,
                      ~rendezvous_score(key, backend.name));
  });
}

// The most and the second most leading blocks any eligible backend holds.
std::pair<std::size_t, std::size_t> two_most_matched(std::span<const BackendView> backends,
                                                     std::span<const std::size_t> matched) {
  std::size_t most = 0;
  std::size_t second = 0;
  for (std::size_t index = 0; index < backends.size(); ++index) {
    if (!backends[index].eligible()) continue;
    second = std::max(second, std::min(most, matched[index]));
    most = std::max(most, matched[index]);
  }
  return {most, second};
}

}  // namespace

PickResult PrefixAwarePicker::pick_explained(const RequestView& request,
                                             std::span<const BackendView> backends,
                                             std::vector<CandidateScore>& scores) {
  uint64_t cap = bounded_load_cap(backends, config_.load_factor);
  if (cap == 0) return no_eligible_backend(backends);
  std::vector<std::size_t> matched(backends.size(), 0);
  for (std::size_t index = 0; index < backends.size(); ++index) {
    if (backends[index].eligible()) {
      matched[index] = index_.matched_blocks(request.prefix_blocks, backends[index].id);
    }
  }
  Choice choice = choose(request, backends, matched, cap);
  if (!choice.index) return no_eligible_backend(backends);
  index_.record(request.prefix_blocks, backends[*choice.index].id);

  const std::size_t block_count = request.prefix_blocks.size();
  for (std::size_t index = 0; index < backends.size(); ++index) {
    const BackendView& backend = backends[index];
    if (!backend.eligible()) continue;
    std::string detail = "prefix " + std::to_string(matched[index]) + "/" +
                         std::to_string(block_count) + " blocks, in_flight " +
                         std::to_string(backend.in_flight) + " (cap " + std::to_string(cap) + ")";
    if (index == *choice.index) detail += std::string(", chosen: ") + choice.rule;
    double score = block_count == 0
                       ? 0
                       : static_cast<double>(matched[index]) / static_cast<double>(block_count);
    scores.push_back({backend.id, score, std::move(detail), matched[index]});
  }
  return *choice.index;
}

PrefixAwarePicker::Choice PrefixAwarePicker::choose(const RequestView& request,
                                                    std::span<const BackendView> backends,
                                                    std::span<const std::size_t> matched,
                                                    uint64_t cap) {
  const std::span<const uint64_t> blocks = request.prefix_blocks;
  // A prefix two backends hold (a system prompt every request starts with) says nothing about
  // where the rest of this prompt lives: hashing it would send every new conversation to one
  // replica. The key covers hash_blocks blocks past it, which the turns of one conversation share.
  const auto [most, widely_shared] = two_most_matched(backends, matched);
  const uint64_t key =
      leading_blocks_key(blocks, widely_shared + static_cast<std::size_t>(config_.hash_blocks));
  if (blocks.empty()) {
    std::optional<std::size_t> chosen =
        lowest_eligible(backends, rotation_.start(backends.size()),
                        [backends](std::size_t index) { return backends[index].in_flight; });
    rotation_.advance_past(chosen);
    return {chosen, "no whole block to match, least in flight"};
  }
  if (load_imbalanced(backends, config_.balance_abs_threshold, config_.balance_rel_threshold)) {
    return {least_in_flight(backends, key), "load imbalanced, least in flight"};
  }
  const double match_ratio = static_cast<double>(most) / static_cast<double>(blocks.size());
  if (match_ratio > config_.cache_threshold) {
    return {best_match_under_cap(backends, matched, cap, key), "best prefix match under cap"};
  }
  return {rendezvous_under_cap(backends, key, cap), "rendezvous on leading blocks under cap"};
}

namespace {

constexpr std::array<NumberParam<PrefixAwareConfig>, 6> kPrefixAwareParams{{
    {"cache_threshold", &PrefixAwareConfig::cache_threshold, 0, 1,
     "match ratio (0..1) above which the best-matching backend is chosen"},
    {"balance_abs_threshold", &PrefixAwareConfig::balance_abs_threshold, 0, 1e9,
     "imbalanced when max - min in-flight exceeds this (and the relative test holds)"},
    {"balance_rel_threshold", &PrefixAwareConfig::balance_rel_threshold, 1, 1e9,
     "imbalanced when max in-flight exceeds this times the min (and the absolute test holds)"},
    {"max_tree_bytes", &PrefixAwareConfig::max_tree_bytes, 4096, 1e12,
     "byte cap of the prefix index; least recently used entries are evicted past it"},
    {"load_factor", &PrefixAwareConfig::load_factor, 1, 100,
     "c >= 1: no backend takes a request at ceil(c x average in-flight)"},
    {"hash_blocks", &PrefixAwareConfig::hash_blocks, 1, 1e6,
     "64-byte blocks past the prefix two backends hold, hashed to place a prompt no backend "
     "matches"},
}};

}  // namespace

PickerEntry prefix_aware_entry() {
  return {std::string(PrefixAwarePicker::kName),
          "best prompt-prefix match while load is balanced (SGLang cache-aware), bounded load",
          number_param_specs(kPrefixAwareParams),
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<PrefixAwarePicker>(
                read_number_params(params, kPrefixAwareParams));
          }};
}

}  // namespace fulcrum
