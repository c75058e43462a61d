// peak_ewma: the eligible backend with the lowest expected wait, latency EWMA x (in_flight + 1),
// where the EWMA jumps up to any slower response at once and decays back slowly (Finagle, Linkerd).
#pragma once

#include <string_view>

#include "policy/backend_scan.h"
#include "policy/backend_state.h"
#include "policy/registry.h"

namespace fulcrum {

struct PeakEwmaConfig {
  double default_latency_ms = 30;  // the EWMA of a backend never observed (linkerd2-proxy's value)
  double decay_ms = 10000;         // tau: after tau, an old EWMA keeps 1/e of its weight
  double failure_penalty_ms = 0;   // a failed request counts as at least this slow; 0: off
};

class PeakEwmaPicker final : public Picker {
 public:
  static constexpr std::string_view kName = "peak_ewma";

  explicit PeakEwmaPicker(const PeakEwmaConfig& config);

  std::string_view name() const override { return kName; }
  PickResult pick(const RequestView& request, std::span<const BackendView> backends) override;
  void observe(const Outcome& outcome) override;

  // The latency estimate of a backend in milliseconds (the default until it is observed).
  double ewma_ms(uint32_t backend_id) const;

 private:
  struct LatencyEstimate {
    bool observed = false;
    double ewma_ns = 0;
    Nanos last_observed_at{0};
  };

  double ewma_ns(uint32_t backend_id) const;

  double default_latency_ns_;
  double decay_ns_;
  double failure_penalty_ns_;
  BackendStateTable<LatencyEstimate> estimates_;
  Rotation rotation_;
};

PickerEntry peak_ewma_entry();

}  // namespace fulcrum
