// Consistent hashing with bounded loads. Each backend owns `vnodes` ring points
// hash_bytes(name + "#" + i). A request starts at mix64(hash_key) and walks clockwise to the first
// eligible backend b with
//   in_flight[b] < ceil(c * (sum of eligible in_flight + 1) / eligible count)
// The caps sum to more than the load, so the walk always ends within one lap. Weight only decides
// eligibility: the load bound treats every backend alike.
#include "policy/consistent_hash.h"

#include <algorithm>
#include <memory>
#include <string>

#include "core/hash.h"
#include "policy/bounded_load.h"
#include "policy/picker_params.h"

namespace fulcrum {

PickResult ConsistentHashPicker::pick(const RequestView& request,
                                      std::span<const BackendView> backends) {
  if (backends.size() != ring_backend_count_) build_ring(backends);
  uint64_t cap = bounded_load_cap(backends, config_.load_factor);
  if (cap == 0) return no_eligible_backend(backends);
  std::size_t point_count = ring_points_.size();
  std::size_t point = static_cast<std::size_t>(
      std::lower_bound(ring_points_.begin(), ring_points_.end(), mix64(request.hash_key)) -
      ring_points_.begin());
  for (std::size_t step = 0; step < point_count; ++step, ++point) {
    if (point == point_count) point = 0;
    std::size_t owner = ring_owners_[point];
    if (backends[owner].eligible() && backends[owner].in_flight < cap) return owner;
  }
  // Unreachable while the caps sum to more than the load; kept as a safe answer.
  return pick_result(first_eligible_from(backends, 0), backends);
}

void ConsistentHashPicker::on_backends_changed(std::span<const BackendView> backends) {
  build_ring(backends);
}

void ConsistentHashPicker::build_ring(std::span<const BackendView> backends) {
  std::size_t vnodes = static_cast<std::size_t>(config_.vnodes);
  std::vector<std::pair<uint64_t, uint32_t>> points;
  points.reserve(backends.size() * vnodes);
  for (std::size_t index = 0; index < backends.size(); ++index) {
    std::string prefix = std::string(backends[index].name) + "#";
    for (std::size_t vnode = 0; vnode < vnodes; ++vnode) {
      points.emplace_back(hash_bytes(prefix + std::to_string(vnode)), static_cast<uint32_t>(index));
    }
  }
  std::sort(points.begin(), points.end());
  ring_points_.resize(points.size());
  ring_owners_.resize(points.size());
  for (std::size_t point = 0; point < points.size(); ++point) {
    ring_points_[point] = points[point].first;
    ring_owners_[point] = points[point].second;
  }
  ring_backend_count_ = backends.size();
}

namespace {

constexpr int64_t kMaxVnodes = 1000;
constexpr double kMaxLoadFactor = 100;

}  // namespace

Result<ConsistentHashConfig> consistent_hash_config(const PolicyParams& params) {
  ConsistentHashConfig defaults;
  Result<int64_t> vnodes = params.get_int_in("vnodes", defaults.vnodes, 1, kMaxVnodes);
  if (!vnodes.ok()) return vnodes.status();
  Result<double> load_factor =
      params.get_double_in("load_factor", defaults.load_factor, 1.0, kMaxLoadFactor);
  if (!load_factor.ok()) return load_factor.status();
  return ConsistentHashConfig{*vnodes, *load_factor};
}

PickerEntry consistent_hash_entry() {
  ConsistentHashConfig defaults;
  return {std::string(ConsistentHashPicker::kName),
          "consistent hashing of the request key with a bound on load per backend",
          {{"vnodes", std::to_string(defaults.vnodes), "ring points per backend"},
           {"load_factor", format_number(defaults.load_factor),
            "c >= 1: a backend is passed over at ceil(c x average in-flight)"}},
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<ConsistentHashPicker>(consistent_hash_config(params));
          }};
}

}  // namespace fulcrum
