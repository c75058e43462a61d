#include "policy/backend_scan.h"

namespace fulcrum {

PickResult pick_result(std::optional<std::size_t> chosen, std::span<const BackendView> backends) {
  if (!chosen) return no_eligible_backend(backends);
  return *chosen;
}

std::size_t count_eligible(std::span<const BackendView> backends) {
  std::size_t count = 0;
  for (const BackendView& backend : backends) count += backend.eligible() ? 1 : 0;
  return count;
}

std::optional<std::size_t> first_eligible_from(std::span<const BackendView> backends,
                                               std::size_t start) {
  std::size_t count = backends.size();
  for (std::size_t step = 0, index = start; step < count; ++step, ++index) {
    if (index >= count) index = 0;
    if (backends[index].eligible()) return index;
  }
  return std::nullopt;
}

std::optional<std::size_t> nth_eligible(std::span<const BackendView> backends, std::size_t rank) {
  for (std::size_t index = 0; index < backends.size(); ++index) {
    if (!backends[index].eligible()) continue;
    if (rank == 0) return index;
    --rank;
  }
  return std::nullopt;
}

}  // namespace fulcrum
