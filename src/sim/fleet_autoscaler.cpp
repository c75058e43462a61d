// Scale out once load > scale_out_above held for window_s, in once load < scale_in_below held for
// window_s; either only cooldown_s after the previous action and within [min, max] replicas. A
// condition's clock restarts after each action, so one long spell of load scales step by step.
#include "sim/fleet_autoscaler.h"

#include <array>

#include "core/yaml_reader.h"
#include "policy/picker_params.h"

namespace fulcrum::sim {

namespace {

constexpr double kMaxSeconds = 1e7;
constexpr int64_t kMaxReplicas = 10000;

constexpr std::array<NumberParam<AutoscaleConfig>, 6> kNumberParams{{
    {"interval_s", &AutoscaleConfig::interval_s, 0.001, kMaxSeconds,
     "seconds between two looks at the load"},
    {"window_s", &AutoscaleConfig::window_s, 0, kMaxSeconds,
     "seconds a condition must hold before scaling"},
    {"cooldown_s", &AutoscaleConfig::cooldown_s, 0, kMaxSeconds,
     "seconds after a scaling action before the next"},
    {"scale_out_above", &AutoscaleConfig::scale_out_above, 0, 1e9,
     "scale out when the mean signal stays above this (queue: waiting requests per replica; kv: "
     "usage 0..1)"},
    {"scale_in_below", &AutoscaleConfig::scale_in_below, 0, 1e9,
     "scale in when the mean signal stays below this"},
    {"startup_s", &AutoscaleConfig::startup_s, 0, kMaxSeconds,
     "seconds from the decision until a new replica serves"},
}};

}  // namespace

std::string_view autoscale_signal_name(AutoscaleSignal signal) {
  return signal == AutoscaleSignal::kQueue ? "queue" : "kv";
}

Result<AutoscaleSignal> parse_autoscale_signal(std::string_view name) {
  if (name == "queue") return AutoscaleSignal::kQueue;
  if (name == "kv") return AutoscaleSignal::kKvCache;
  return invalid_argument("parameter \"signal\": expected queue or kv, got \"" + std::string(name) +
                          "\"");
}

Status AutoscaleConfig::validate() const {
  if (min_replicas < 1) {
    return invalid_argument("min_replicas: must be at least 1, got " +
                            std::to_string(min_replicas));
  }
  if (max_replicas < min_replicas) {
    return invalid_argument("max_replicas: must be at least min_replicas (" +
                            std::to_string(min_replicas) + "), got " +
                            std::to_string(max_replicas));
  }
  if (!(scale_in_below < scale_out_above)) {
    return invalid_argument("scale_in_below: must be below scale_out_above (" +
                            format_number(scale_out_above) + "), got " +
                            format_number(scale_in_below));
  }
  return Status::ok_status();
}

std::vector<ParamSpec> autoscale_param_specs() {
  std::vector<ParamSpec> specs = number_param_specs(kNumberParams);
  const AutoscaleConfig defaults;
  specs.push_back({"signal", std::string(autoscale_signal_name(defaults.signal)),
                   "queue (mean waiting requests per replica) or kv (mean KV-cache usage)"});
  specs.push_back({"min_replicas", std::to_string(defaults.min_replicas), "the fewest replicas"});
  specs.push_back({"max_replicas", std::to_string(defaults.max_replicas), "the most replicas"});
  return specs;
}

Result<AutoscaleConfig> autoscale_config_from_params(const PolicyParams& params) {
  FULCRUM_RETURN_IF_ERROR(params.check_known(autoscale_param_specs()));
  AutoscaleConfig config;
  FULCRUM_ASSIGN_OR_RETURN(config, read_number_params(params, kNumberParams));
  std::string signal;
  FULCRUM_ASSIGN_OR_RETURN(signal, params.get_string("signal", "queue"));
  FULCRUM_ASSIGN_OR_RETURN(config.signal, parse_autoscale_signal(signal));
  int64_t min_replicas = 0;
  int64_t max_replicas = 0;
  FULCRUM_ASSIGN_OR_RETURN(min_replicas,
                           params.get_int_in("min_replicas", config.min_replicas, 1, kMaxReplicas));
  FULCRUM_ASSIGN_OR_RETURN(max_replicas,
                           params.get_int_in("max_replicas", config.max_replicas, 1, kMaxReplicas));
  config.min_replicas = static_cast<int>(min_replicas);
  config.max_replicas = static_cast<int>(max_replicas);
  FULCRUM_RETURN_IF_ERROR(config.validate());
  return config;
}

ScaleAction FleetAutoscaler::tick(double now_s, double load, int replicas) {
  if (load > config_.scale_out_above) {
    if (!high_since_s_) high_since_s_ = now_s;
  } else {
    high_since_s_.reset();
  }
  if (load < config_.scale_in_below) {
    if (!low_since_s_) low_since_s_ = now_s;
  } else {
    low_since_s_.reset();
  }
  if (last_action_s_ && now_s - *last_action_s_ < config_.cooldown_s) return ScaleAction::kNone;
  ScaleAction action = ScaleAction::kNone;
  if (high_since_s_ && now_s - *high_since_s_ >= config_.window_s &&
      replicas < config_.max_replicas) {
    action = ScaleAction::kScaleOut;
  } else if (low_since_s_ && now_s - *low_since_s_ >= config_.window_s &&
             replicas > config_.min_replicas) {
    action = ScaleAction::kScaleIn;
  }
  if (action != ScaleAction::kNone) {
    last_action_s_ = now_s;
    high_since_s_.reset();
    low_since_s_.reset();
  }
  return action;
}

}  // namespace fulcrum::sim
