// The monitor loop as an autoscaler for a fleet of model-server replicas. Every interval it reads
// one load signal averaged over the serving replicas (as scraped: waiting requests, or KV-cache
// use) and scales out when the signal stayed above a threshold for a whole window, in when it
// stayed below another for a window; after any action it waits a cooldown, and the fleet stays
// within [min_replicas, max_replicas]. Pure: the caller passes time and load in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <vector>

#include "core/params.h"
#include "core/status.h"

namespace fulcrum::sim {

enum class AutoscaleSignal { kQueue, kKvCache };

std::string_view autoscale_signal_name(AutoscaleSignal signal);
Result<AutoscaleSignal> parse_autoscale_signal(std::string_view name);

struct AutoscaleConfig {
  AutoscaleSignal signal = AutoscaleSignal::kQueue;
  double interval_s = 10;       // how often the loop looks
  double window_s = 30;         // how long a condition must hold before acting
  double cooldown_s = 60;       // no action this long after the previous one
  double scale_out_above = 4;   // queue: waiting requests per replica; kv: usage 0..1
  double scale_in_below = 0.5;  // must be below scale_out_above
  int min_replicas = 1;
  int max_replicas = 16;
  double startup_s = 60;  // a new replica serves this long after the decision

  // The first field out of range, named, e.g. "min_replicas: must be at least 1, got 0".
  Status validate() const;
};

// The config from named parameters (the field names above; signal=queue|kv), defaults for the
// rest; unknown names and bad values are errors naming them.
Result<AutoscaleConfig> autoscale_config_from_params(const PolicyParams& params);
std::vector<ParamSpec> autoscale_param_specs();

enum class ScaleAction { kNone, kScaleOut, kScaleIn };

class FleetAutoscaler {
 public:
  explicit FleetAutoscaler(const AutoscaleConfig& config) : config_(config) {}

  // One tick of the loop at now_s: `load` is the signal averaged over the serving replicas,
  // `replicas` counts those serving or starting (not draining).
  ScaleAction tick(double now_s, double load, int replicas);

  const AutoscaleConfig& config() const { return config_; }

 private:
  AutoscaleConfig config_;
  std::optional<double> high_since_s_;
  std::optional<double> low_since_s_;
  std::optional<double> last_action_s_;
};

}  // namespace fulcrum::sim
