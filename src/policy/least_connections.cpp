// Least connections, weighted. Over the eligible backends:
//   chosen = argmin in_flight[b] / weight[b]
// compared exactly as in_flight[a] * weight[b] < in_flight[b] * weight[a]. Ties go by rotation
// (one past the previous choice) or, with tie_break: random, uniformly at random among the tied
// backends by reservoir sampling.
#include "policy/least_connections.h"

#include <memory>

#include "policy/picker_params.h"

namespace fulcrum {

PickResult LeastConnectionsPicker::pick(const RequestView& /*request*/,
                                        std::span<const BackendView> backends) {
  auto key_of = [backends](std::size_t index) { return load_per_weight(backends[index]); };
  std::optional<std::size_t> chosen =
      tie_break_ == TieBreak::kRandom
          ? lowest_eligible_random_tie(backends, rng_, key_of)
          : lowest_eligible(backends, rotation_.start(backends.size()), key_of);
  rotation_.advance_past(chosen);
  return pick_result(chosen, backends);
}

namespace {

Result<TieBreak> get_tie_break(const PolicyParams& params) {
  Result<std::string> text = params.get_string("tie_break", "rotation");
  if (!text.ok()) return text.status();
  if (*text == "rotation") return TieBreak::kRotation;
  if (*text == "random") return TieBreak::kRandom;
  return invalid_argument("parameter \"tie_break\": expected rotation or random, got \"" + *text +
                          "\"");
}

Result<LeastConnectionsConfig> get_least_connections_config(const PolicyParams& params) {
  Result<TieBreak> tie_break = get_tie_break(params);
  if (!tie_break.ok()) return tie_break.status();
  Result<uint64_t> seed = get_seed(params);
  if (!seed.ok()) return seed.status();
  return LeastConnectionsConfig{*tie_break, *seed};
}

}  // namespace

PickerEntry least_connections_entry() {
  return {std::string(LeastConnectionsPicker::kName),
          "fewest requests in flight per unit of weight",
          {{"tie_break", "rotation", "how ties are broken: rotation or random"}, seed_param_spec()},
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<LeastConnectionsPicker>(get_least_connections_config(params));
          }};
}

}  // namespace fulcrum
