// Power of two choices (Mitzenmacher). Sample two distinct eligible backends a, b uniformly:
//   chosen = b if in_flight[b] / weight[b] < in_flight[a] / weight[a], else a
// (compared by cross-multiplication; a tie keeps the first sampled). Sampling draws random
// indices and retries a few times past ineligible ones before falling back to a count of the
// eligible backends, so a mostly healthy pool costs O(1) per pick.
#include "policy/power_of_two_choices.h"

#include <memory>

#include "policy/picker_params.h"

namespace fulcrum {

namespace {
constexpr int kSampleAttempts = 4;
}  // namespace

PickResult PowerOfTwoChoicesPicker::pick(const RequestView& /*request*/,
                                         std::span<const BackendView> backends) {
  std::optional<Pair> pair = sample_pair(backends);
  if (!pair) pair = sample_pair_among_eligible(backends);
  if (!pair) return pick_result(first_eligible_from(backends, 0), backends);
  bool second_is_lighter =
      load_per_weight(backends[pair->second]) < load_per_weight(backends[pair->first]);
  return second_is_lighter ? pair->second : pair->first;
}

// A random eligible index other than `excluded` (kNoBackend: none excluded), or kNoBackend
// when a few draws found none.
std::size_t PowerOfTwoChoicesPicker::sample_eligible(std::span<const BackendView> backends,
                                                     std::size_t excluded) {
  std::size_t candidates = backends.size() - (excluded == kNoBackend ? 0 : 1);
  for (int attempt = 0; attempt < kSampleAttempts; ++attempt) {
    std::size_t index = rng_.uniform(candidates);
    if (index >= excluded) ++index;
    if (backends[index].eligible()) return index;
  }
  return kNoBackend;
}

std::optional<PowerOfTwoChoicesPicker::Pair> PowerOfTwoChoicesPicker::sample_pair(
    std::span<const BackendView> backends) {
  if (backends.size() < 2) return std::nullopt;
  std::size_t first = sample_eligible(backends, kNoBackend);
  if (first == kNoBackend) return std::nullopt;
  std::size_t second = sample_eligible(backends, first);
  if (second == kNoBackend) return std::nullopt;
  return Pair{first, second};
}

// The slow path for pools with few eligible backends: two distinct ranks among the eligible.
std::optional<PowerOfTwoChoicesPicker::Pair> PowerOfTwoChoicesPicker::sample_pair_among_eligible(
    std::span<const BackendView> backends) {
  std::size_t eligible = count_eligible(backends);
  if (eligible < 2) return std::nullopt;
  std::size_t first_rank = rng_.uniform(eligible);
  std::size_t second_rank = rng_.uniform(eligible - 1);
  if (second_rank >= first_rank) ++second_rank;
  return Pair{*nth_eligible(backends, first_rank), *nth_eligible(backends, second_rank)};
}

PickerEntry power_of_two_choices_entry() {
  return {std::string(PowerOfTwoChoicesPicker::kName),
          "the less loaded of two eligible backends sampled at random",
          {seed_param_spec()},
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<PowerOfTwoChoicesPicker>(get_seed(params));
          }};
}

}  // namespace fulcrum
