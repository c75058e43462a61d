#include "policy/bounded_load.h"

#include <cmath>

#include "core/hash.h"

namespace fulcrum {

uint64_t bounded_load_cap(std::span<const BackendView> backends, double load_factor) {
  uint64_t total_in_flight = 0;
  uint64_t eligible = 0;
  for (const BackendView& backend : backends) {
    if (!backend.eligible()) continue;
    total_in_flight += backend.in_flight;
    ++eligible;
  }
  if (eligible == 0) return 0;
  // Multiplying first keeps c * (total + 1) exact for binary fractions such as 1.25.
  double cap =
      load_factor * static_cast<double>(total_in_flight + 1) / static_cast<double>(eligible);
  return static_cast<uint64_t>(std::ceil(cap));
}

uint64_t rendezvous_score(uint64_t key, std::string_view backend_name) {
  return mix64(key ^ hash_bytes(backend_name));
}

std::optional<std::size_t> rendezvous_under_cap(std::span<const BackendView> backends, uint64_t key,
                                                uint64_t cap) {
  std::optional<std::size_t> best;
  uint64_t best_score = 0;
  for (std::size_t index = 0; index < backends.size(); ++index) {
    const BackendView& backend = backends[index];
    if (!backend.eligible() || backend.in_flight >= cap) continue;
    uint64_t score = rendezvous_score(key, backend.name);
    if (!best || score > best_score) {
      best = index;
      best_score = score;
    }
  }
  return best;
}

}  // namespace fulcrum
