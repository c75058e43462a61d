// Request routing: a Picker chooses one backend for a request from a snapshot of the backends.
// Pickers are pure: no I/O, no clock, no globals. Time reaches them only as arguments, randomness
// only through an Rng they own and that is seeded from config.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace fulcrum {

// Load a backend reported about itself (scraped from its /metrics), if any.
struct LoadReport {
  bool fresh = false;                // false: never scraped, or the last scrape is too old to trust
  double queue_depth = 0;            // requests waiting (vllm:num_requests_waiting)
  double running = 0;                // requests being served (vllm:num_requests_running)
  double kv_cache_usage = 0;         // 0..1 (vllm:kv_cache_usage_perc)
  double kv_blocks_total = 0;        // KV-cache capacity in blocks when the server says (else 0)
  double prefix_cache_hit_rate = 0;  // 0..1 over the server's recent requests, when it says
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

// The prompt is cut into blocks of this many bytes for prefix matching; only whole blocks count.
// About 16 tokens of English text, vLLM's default KV block size.
inline constexpr size_t kPrefixBlockBytes = 64;

// What a picker may know about the request. Fields a policy does not use may stay empty; the
// body-derived ones (model, prompt, prefix_blocks, affinity_key from `user`) are filled only when
// the picker says needs_request_body().
struct RequestView {
  uint64_t request_id = 0;        // unique per request within the gateway process; 0 = unknown
  uint64_t hash_key = 0;          // for hashing policies: hash of the configured key (header, ip..)
  std::string_view affinity_key;  // session / user id, when present
  std::string_view model;
  std::string_view prompt;  // the prompt text, or the messages' contents joined
  // prefix_blocks[i] hashes prompt bytes [0, (i+1) * kPrefixBlockBytes): equal prompts share the
  // hashes of their common whole blocks (chained, as vLLM's block hashes are).
  std::span<const uint64_t> prefix_blocks;
  uint32_t expected_output_tokens = 0;  // max_tokens when the request states it
};

// The outcome of a request, fed back to pickers that learn (peak_ewma, and pickers that keep
// per-request state such as active KV blocks: they match it by request_id).
struct Outcome {
  uint32_t backend_id = 0;
  Nanos latency{0};
  Nanos finished_at{0};
  bool success = true;
  uint64_t request_id = 0;
};

// One candidate's part in a decision, for X-Fulcrum-Debug and the debug log.
struct CandidateScore {
  uint32_t backend_id = 0;
  double score = 0;    // the policy's own scale; the doc of each policy says which way is better
  std::string detail;  // e.g. "prefix 12/20 blocks, queue 3, kv 0.41"
  // Leading prompt blocks the picker expects this backend to hold (pickers with a prefix index;
  // 0 for the others), for the gateway's predicted-versus-reported prefix hit metrics.
  std::size_t matched_blocks = 0;
};

// The index of the chosen backend in the span, or kUnavailable naming why none was eligible.
using PickResult = Result<std::size_t>;

class Picker {
 public:
  virtual ~Picker() = default;
  virtual std::string_view name() const = 0;
  virtual PickResult pick(const RequestView& request, std::span<const BackendView> backends) = 0;
  // pick() that also says how each candidate scored; pickers without scores add none.
  virtual PickResult pick_explained(const RequestView& request,
                                    std::span<const BackendView> backends,
                                    std::vector<CandidateScore>& /*scores*/) {
    return pick(request, backends);
  }
  // True when pick() reads the body-derived fields of RequestView; the gateway then buffers and
  // parses JSON request bodies (and answers 400 to bodies that are not JSON).
  virtual bool needs_request_body() const { return false; }
  // Called when the set of backends changes (added, removed, reweighted), before the next pick.
  virtual void on_backends_changed(std::span<const BackendView> /*backends*/) {}
  // The response head arrived (or the attempt failed before one did).
  virtual void observe(const Outcome& /*outcome*/) {}
  // The first byte of the response body arrived from `backend_id` (for a streamed completion, the
  // first token): the backend has done the request's prefill.
  virtual void first_byte(uint64_t /*request_id*/, uint32_t /*backend_id*/) {}
  // The request picked with `request_id` is over on `backend_id`: its response ended, failed or
  // was abandoned. Pickers that count per-request load release it here.
  virtual void request_finished(uint64_t /*request_id*/, uint32_t /*backend_id*/) {}
  // Estimated bytes held by the picker's prefix index (0 for pickers without one), for the
  // gateway's metrics; pickers keep it under their configured cap.
  virtual std::size_t prefix_index_bytes() const { return 0; }
};

// The error every picker returns when no backend is eligible: counts of why, e.g.
// "no eligible backend among 3: 2 unhealthy, 1 draining".
Status no_eligible_backend(std::span<const BackendView> backends);

}  // namespace fulcrum
