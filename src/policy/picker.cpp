#include "policy/picker.h"

namespace fulcrum {

Status no_eligible_backend(std::span<const BackendView> backends) {
  if (backends.empty()) return unavailable("no eligible backend: the pool is empty");
  size_t unhealthy = 0;
  size_t draining = 0;
  size_t zero_weight = 0;
  for (const BackendView& backend : backends) {
    if (!backend.healthy) {
      ++unhealthy;
    } else if (backend.draining) {
      ++draining;
    } else if (backend.weight == 0) {
      ++zero_weight;
    }
  }
  std::string reasons;
  auto add = [&reasons](size_t count, const char* what) {
    if (count == 0) return;
    reasons += reasons.empty() ? ": " : ", ";
    reasons += std::to_string(count) + " " + what;
  };
  add(unhealthy, "unhealthy");
  add(draining, "draining");
  add(zero_weight, "weight 0");
  return unavailable("no eligible backend among " + std::to_string(backends.size()) + reasons);
}

}  // namespace fulcrum
