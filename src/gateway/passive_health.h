// Passive health: failures in a row eject a backend for a back-off that doubles each time, as
// Envoy's outlier detection does with consecutive 5xx.
#pragma once

#include <cstdint>

#include "gateway/backends.h"
#include "gateway/config.h"
#include "gateway/stats.h"

namespace fulcrum {

// Counts one attempt's outcome; the failure that completes `consecutive_failures` in a row ejects
// the backend until now + base_ejection << (ejections so far), at most max_ejection.
void record_backend_result(Backend& backend, bool success, const PassiveHealthConfig& passive,
                           int64_t now_ns, GatewayStats& stats);

}  // namespace fulcrum
