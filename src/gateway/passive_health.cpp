#include "gateway/passive_health.h"

#include <algorithm>

#include "core/log.h"

namespace fulcrum {

void record_backend_result(Backend& backend, bool success, const PassiveHealthConfig& passive,
                           int64_t now_ns, GatewayStats& stats) {
  if (success) {
    backend.consecutive_failures.store(0, std::memory_order_relaxed);
    return;
  }
  if (passive.consecutive_failures == 0) return;
  uint32_t failures = backend.consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < static_cast<uint32_t>(passive.consecutive_failures)) return;
  backend.consecutive_failures.store(0, std::memory_order_relaxed);
  uint32_t previous = backend.ejections.fetch_add(1, std::memory_order_relaxed);
  int64_t ejection_ms = passive.base_ejection_ms << std::min<uint32_t>(previous, 20);
  ejection_ms = std::min(ejection_ms, passive.max_ejection_ms);
  backend.ejected_until_ns.store(now_ns + ejection_ms * 1000000, std::memory_order_relaxed);
  bump(stats.ejections);
  log_event(LogLevel::kWarn, "backend_ejected",
            {{"backend", backend.config.name},
             log_number("failures_in_row", passive.consecutive_failures),
             log_number("ejection_ms", static_cast<double>(ejection_ms))});
}

}  // namespace fulcrum
