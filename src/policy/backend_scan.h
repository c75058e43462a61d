// Scans over the eligible backends of a span, shared by the pickers: rotating starts, lowest-key
// searches with rotating or random tie-breaks, and the in_flight/weight comparison.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/random.h"
#include "policy/picker.h"

namespace fulcrum {

inline constexpr std::size_t kNoBackend = static_cast<std::size_t>(-1);

// Where the next circular scan starts: just past the previous choice, so backends that stay equal
// take turns. O(1), no division.
class Rotation {
 public:
  std::size_t start(std::size_t count) const { return next_ < count ? next_ : 0; }
  void advance_past(std::optional<std::size_t> chosen) {
    if (chosen) next_ = *chosen + 1;
  }

 private:
  std::size_t next_ = 0;
};

// in_flight / weight, compared by cross-multiplication (exact, no division).
struct LoadPerWeight {
  uint64_t in_flight = 0;
  uint64_t weight = 1;

  friend std::strong_ordering operator<=>(const LoadPerWeight& left, const LoadPerWeight& right) {
    return left.in_flight * right.weight <=> right.in_flight * left.weight;
  }
  friend bool operator==(const LoadPerWeight& left, const LoadPerWeight& right) {
    return std::is_eq(left <=> right);
  }
};

inline LoadPerWeight load_per_weight(const BackendView& backend) {
  return {backend.in_flight, backend.weight};
}

// The chosen index, or the no-eligible-backend error when nothing was chosen.
PickResult pick_result(std::optional<std::size_t> chosen, std::span<const BackendView> backends);

std::size_t count_eligible(std::span<const BackendView> backends);

// The first eligible backend at or after `start` in circular order.
std::optional<std::size_t> first_eligible_from(std::span<const BackendView> backends,
                                               std::size_t start);

// The rank-th (0-based) eligible backend in span order.
std::optional<std::size_t> nth_eligible(std::span<const BackendView> backends, std::size_t rank);

// The eligible backend with the lowest key_of(index). Among equal keys, the first at or after
// `start` in circular order wins, so a Rotation shares ties out evenly. One pass, in span order.
template <typename KeyOf>
std::optional<std::size_t> lowest_eligible(std::span<const BackendView> backends, std::size_t start,
                                           KeyOf key_of) {
  std::size_t best = kNoBackend;
  decltype(key_of(std::size_t{0})) best_key{};
  for (std::size_t index = 0; index < backends.size(); ++index) {
    if (!backends[index].eligible()) continue;
    auto key = key_of(index);
    auto order = key <=> best_key;
    bool wins_tie = std::is_eq(order) && best < start && index >= start;
    if (best == kNoBackend || std::is_lt(order) || wins_tie) {
      best = index;
      best_key = key;
    }
  }
  if (best == kNoBackend) return std::nullopt;
  return best;
}

// The eligible backend with the lowest key_of(index); equal keys are chosen uniformly at random
// (reservoir sampling: the k-th tie found replaces the choice with probability 1/k).
template <typename KeyOf>
std::optional<std::size_t> lowest_eligible_random_tie(std::span<const BackendView> backends,
                                                      Rng& rng, KeyOf key_of) {
  std::size_t best = kNoBackend;
  decltype(key_of(std::size_t{0})) best_key{};
  uint64_t ties = 0;
  for (std::size_t index = 0; index < backends.size(); ++index) {
    if (!backends[index].eligible()) continue;
    auto key = key_of(index);
    auto order = key <=> best_key;
    if (best == kNoBackend || std::is_lt(order)) {
      best = index;
      best_key = key;
      ties = 1;
    } else if (std::is_eq(order) && rng.uniform(++ties) == 0) {
      best = index;
    }
  }
  if (best == kNoBackend) return std::nullopt;
  return best;
}

}  // namespace fulcrum
