// Request routing: a Picker chooses one backend for a request from a snapshot of the backends.
// Pickers are pure: no I/O, no clock, no globals. Time reaches them only as arguments, randomness
// only through an Rng they own and that is seeded from config.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace fulcrum {

// Load a backend reported about itself (scraped from its /metrics), if any.
struct LoadReport {
  bool fresh = false;          // false: never scraped, or the last scrape is too old to trust
  double queue_depth = 0;      // requests waiting (vllm:num_requests_waiting)
  double running = 0;          // requests being served (vllm:num_requests_running)
  double kv_cache_usage = 0;   // 0..1 (vllm:kv_cache_usage_perc)
  double cpu_utilization = 0;  // 0..1
  double gpu_utilization = 0;  // 0..1
};

// What a picker may know about one backend. `id` is stable for the backend's lifetime in its pool
// (pickers key per-backend state by it); positions in the span may change between calls.
struct BackendView {
  uint32_t id = 0;
  std::string_view name;
  uint32_t weight = 1;
  bool healthy = true;
  bool draining = false;
  uint32_t in_flight = 0;  // requests the gateway has outstanding on this backend
  LoadReport load;

  bool eligible() const { return healthy && !draining && weight > 0; }
};

// What a picker may know about the request. Fields a policy does not use may stay empty.
struct RequestView {
  uint64_t hash_key = 0;          // for hashing policies: hash of the configured key (header, ip..)
  std::string_view affinity_key;  // session / user id, when present
  std::string_view model;
  std::string_view prompt;
};

// The outcome of a request, fed back to pickers that learn (peak_ewma).
struct Outcome {
  uint32_t backend_id = 0;
  Nanos latency{0};
  Nanos finished_at{0};
  bool success = true;
};

// The index of the chosen backend in the span, or kUnavailable naming why none was eligible.
using PickResult = Result<std::size_t>;

class Picker {
 public:
  virtual ~Picker() = default;
  virtual std::string_view name() const = 0;
  virtual PickResult pick(const RequestView& request, std::span<const BackendView> backends) = 0;
  // Called when the set of backends changes (added, removed, reweighted), before the next pick.
  virtual void on_backends_changed(std::span<const BackendView> /*backends*/) {}
  virtual void observe(const Outcome& /*outcome*/) {}
};

// The error every picker returns when no backend is eligible: counts of why, e.g.
// "no eligible backend among 3: 2 unhealthy, 1 draining".
Status no_eligible_backend(std::span<const BackendView> backends);

}  // namespace fulcrum
