// consistent_hash: a request key maps to the same backend while the pool stays the same, and only
// the keys of an added or removed backend move. A bound on load per backend (Mirrokni, Thorup,
// Zadimoghaddam) sends keys of hot backends onward round the ring instead of overloading them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "policy/backend_scan.h"
#include "policy/registry.h"

namespace fulcrum {

struct ConsistentHashConfig {
  // Ring points per backend. 160 as in ketama and nginx `hash ... consistent`: each backend's
  // share of the ring then varies by about 1/sqrt(160), some 8%.
  int64_t vnodes = 160;
  // c: no backend takes a request while it has ceil(c * (total in flight + 1) / n) in flight.
  double load_factor = 1.25;
};

class ConsistentHashPicker final : public Picker {
 public:
  static constexpr std::string_view kName = "consistent_hash";

  explicit ConsistentHashPicker(const ConsistentHashConfig& config) : config_(config) {}

  std::string_view name() const override { return kName; }
  // Walks the ring clockwise from mix64(request.hash_key).
  PickResult pick(const RequestView& request, std::span<const BackendView> backends) override;
  void on_backends_changed(std::span<const BackendView> backends) override;

 private:
  void build_ring(std::span<const BackendView> backends);

  ConsistentHashConfig config_;
  // The ring, sorted by point: ring_points_[i] belongs to backends[ring_owners_[i]]. Every backend
  // has points, eligible or not, so a backend that turns unhealthy moves only its own keys.
  std::vector<uint64_t> ring_points_;
  std::vector<uint32_t> ring_owners_;
  std::size_t ring_backend_count_ = 0;
};

PickerEntry consistent_hash_entry();

// `vnodes` and `load_factor` read from `params` and checked against their bounds.
Result<ConsistentHashConfig> consistent_hash_config(const PolicyParams& params);

}  // namespace fulcrum
