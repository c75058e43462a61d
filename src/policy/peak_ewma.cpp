// Peak EWMA (Finagle / Linkerd). Per backend, on each observed latency x at time t:
//   w = exp(-(t - t_last) / tau);  ewma = x if x > ewma, else ewma * w + x * (1 - w)
// and at pick time: cost = ewma * (in_flight + 1); lowest cost wins, ties by rotation over a full
// scan (exact and deterministic, where Finagle samples two). Unobserved backends use
// default_latency_ms; decay happens only on observations, as pickers never read a clock.
#include "policy/peak_ewma.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "policy/picker_params.h"

namespace fulcrum {

namespace {
constexpr double kNanosPerMilli = 1e6;
}  // namespace

PeakEwmaPicker::PeakEwmaPicker(const PeakEwmaConfig& config)
    : default_latency_ns_(config.default_latency_ms * kNanosPerMilli),
      decay_ns_(config.decay_ms * kNanosPerMilli),
      failure_penalty_ns_(config.failure_penalty_ms * kNanosPerMilli) {}

PickResult PeakEwmaPicker::pick(const RequestView& /*request*/,
                                std::span<const BackendView> backends) {
  auto cost_of = [this, backends](std::size_t index) {
    const BackendView& backend = backends[index];
    return ewma_ns(backend.id) * (static_cast<double>(backend.in_flight) + 1.0);
  };
  std::optional<std::size_t> chosen =
      lowest_eligible(backends, rotation_.start(backends.size()), cost_of);
  rotation_.advance_past(chosen);
  return pick_result(chosen, backends);
}

void PeakEwmaPicker::observe(const Outcome& outcome) {
  double latency_ns = static_cast<double>(outcome.latency.count());
  if (!outcome.success) latency_ns = std::max(latency_ns, failure_penalty_ns_);
  LatencyEstimate& estimate = estimates_[outcome.backend_id];
  if (!estimate.observed || latency_ns > estimate.ewma_ns) {
    estimate.ewma_ns = latency_ns;
  } else {
    double elapsed_ns = std::max(
        0.0, static_cast<double>((outcome.finished_at - estimate.last_observed_at).count()));
    double old_weight = std::exp(-elapsed_ns / decay_ns_);
    estimate.ewma_ns = estimate.ewma_ns * old_weight + latency_ns * (1.0 - old_weight);
  }
  estimate.observed = true;
  estimate.last_observed_at = std::max(estimate.last_observed_at, outcome.finished_at);
}

double PeakEwmaPicker::ewma_ns(uint32_t backend_id) const {
  const LatencyEstimate* estimate = estimates_.find(backend_id);
  return estimate != nullptr && estimate->observed ? estimate->ewma_ns : default_latency_ns_;
}

double PeakEwmaPicker::ewma_ms(uint32_t backend_id) const {
  return ewma_ns(backend_id) / kNanosPerMilli;
}

namespace {

constexpr double kMaxMillis = 600'000;  // ten minutes

constexpr std::array<NumberParam<PeakEwmaConfig>, 3> kConfigParams{{
    {"default_latency_ms", &PeakEwmaConfig::default_latency_ms, 0, kMaxMillis,
     "latency assumed for a backend not yet observed"},
    {"decay_ms", &PeakEwmaConfig::decay_ms, 1, kMaxMillis,
     "EWMA time constant tau: older latencies fade as exp(-t/tau)"},
    {"failure_penalty_ms", &PeakEwmaConfig::failure_penalty_ms, 0, kMaxMillis,
     "a failed request counts as at least this slow (0: off)"},
}};

}  // namespace

PickerEntry peak_ewma_entry() {
  return {std::string(PeakEwmaPicker::kName),
          "lowest latency EWMA x (in-flight + 1); the EWMA follows latency peaks at once",
          number_param_specs(kConfigParams),
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<PeakEwmaPicker>(read_number_params(params, kConfigParams));
          }};
}

}  // namespace fulcrum
