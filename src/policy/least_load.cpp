// Least load. Over the eligible backends whose load report is fresh:
//   score = queue_weight * queue/max_queue + running_weight * running/max_running
//         + inflight_weight * in_flight/max_in_flight + kv_weight * kv_cache_usage
//   (x/0 counts as 0)
// Lowest score wins, ties by rotation. Stale backends only win when no backend is fresh; then
// the choice falls back to least in_flight/weight.
#include "policy/least_load.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "policy/picker_params.h"

namespace fulcrum {

namespace {

struct FreshLoadMaxima {
  std::size_t fresh_count = 0;
  double queue = 0;
  double running = 0;
  double in_flight = 0;
};

FreshLoadMaxima fresh_load_maxima(std::span<const BackendView> backends) {
  FreshLoadMaxima maxima;
  for (const BackendView& backend : backends) {
    if (!backend.eligible() || !backend.load.fresh) continue;
    ++maxima.fresh_count;
    maxima.queue = std::max(maxima.queue, backend.load.queue_depth);
    maxima.running = std::max(maxima.running, backend.load.running);
    maxima.in_flight = std::max(maxima.in_flight, static_cast<double>(backend.in_flight));
  }
  return maxima;
}

// weight / maximum: what one unit of a signal adds to the score.
double per_unit(double weight, double maximum) { return maximum > 0 ? weight / maximum : 0; }

// The score as a linear function of the raw signals, for one pick.
struct ScoreCoefficients {
  double queue;
  double running;
  double in_flight;
  double kv_cache;

  double score(const BackendView& backend) const {
    const LoadReport& load = backend.load;
    return queue * load.queue_depth + running * load.running +
           in_flight * static_cast<double>(backend.in_flight) + kv_cache * load.kv_cache_usage;
  }
};

}  // namespace

PickResult LeastLoadPicker::pick(const RequestView& /*request*/,
                                 std::span<const BackendView> backends) {
  std::optional<std::size_t> chosen = lowest_score(backends, rotation_.start(backends.size()));
  rotation_.advance_past(chosen);
  return pick_result(chosen, backends);
}

std::optional<std::size_t> LeastLoadPicker::lowest_score(std::span<const BackendView> backends,
                                                         std::size_t start) {
  FreshLoadMaxima maxima = fresh_load_maxima(backends);
  if (maxima.fresh_count == 0) {
    return lowest_eligible(backends, start, [backends](std::size_t index) {
      return load_per_weight(backends[index]);
    });
  }
  ScoreCoefficients coefficients{per_unit(weights_.queue, maxima.queue),
                                 per_unit(weights_.running, maxima.running),
                                 per_unit(weights_.in_flight, maxima.in_flight), weights_.kv_cache};
  return lowest_eligible(backends, start, [backends, &coefficients](std::size_t index) {
    const BackendView& backend = backends[index];
    return backend.load.fresh ? coefficients.score(backend)
                              : std::numeric_limits<double>::infinity();
  });
}

namespace {

constexpr double kMaxSignalWeight = 1000;

constexpr std::array<NumberParam<LeastLoadWeights>, 4> kWeightParams{{
    {"queue_weight", &LeastLoadWeights::queue, 0, kMaxSignalWeight,
     "weight of queue depth / max queue depth"},
    {"kv_weight", &LeastLoadWeights::kv_cache, 0, kMaxSignalWeight,
     "weight of KV-cache usage (0..1)"},
    {"running_weight", &LeastLoadWeights::running, 0, kMaxSignalWeight,
     "weight of running requests / max running"},
    {"inflight_weight", &LeastLoadWeights::in_flight, 0, kMaxSignalWeight,
     "weight of in-flight / max in-flight"},
}};

}  // namespace

PickerEntry least_load_entry() {
  return {std::string(LeastLoadPicker::kName),
          "lowest weighted score of reported queue, KV cache, running and in-flight load",
          number_param_specs(kWeightParams),
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<LeastLoadPicker>(read_number_params(params, kWeightParams));
          }};
}

}  // namespace fulcrum
