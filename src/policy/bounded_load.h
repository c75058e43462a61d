// Bounded loads and rendezvous hashing, shared by the pickers that keep keys on a home backend:
// the same key reaches the same backend from any gateway, until that backend holds more than its
// share of the load (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with Bounded Loads").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "policy/picker.h"

namespace fulcrum {

// The in-flight count an eligible backend must stay below to take one more request:
//   ceil(load_factor * (sum of eligible in_flight + 1) / eligible count)
// 0 when no backend is eligible. With load_factor >= 1 the caps add up to more than the load, so
// some eligible backend is always under its cap.
uint64_t bounded_load_cap(std::span<const BackendView> backends, double load_factor);

// Rendezvous (highest random weight) score of a backend for a key: depends only on the key and
// the backend's name, so every gateway ranks the backends the same way for the same key.
uint64_t rendezvous_score(uint64_t key, std::string_view backend_name);

// The eligible backend under `cap` with the highest rendezvous score for `key`; nullopt if none.
std::optional<std::size_t> rendezvous_under_cap(std::span<const BackendView> backends, uint64_t key,
                                                uint64_t cap);

}  // namespace fulcrum
