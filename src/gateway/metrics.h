// The gateway's /metrics: its counters and per-backend state in the Prometheus text exposition
// format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
#pragma once

#include <string>
#include <string_view>

#include "gateway/backends.h"
#include "gateway/stats.h"
#include "http/prometheus.h"

namespace fulcrum {

// Everything /metrics shows, read from the shared counters and the current backends at `now_ns`
// (steady clock, as the workers use).
std::string render_gateway_metrics(const GatewayStats& stats, const BackendList& backends,
                                   std::string_view policy_name, int64_t now_ns);

}  // namespace fulcrum
