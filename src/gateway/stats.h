// Counters the gateway exposes on /metrics, shared by all workers (relaxed atomics).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace fulcrum {

struct GatewayStats {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_refused{0};
  // Keep-alive connections idle long enough to have given their buffers back (parked).
  std::atomic<uint64_t> connections_parked{0};
  std::atomic<uint64_t> requests{0};
  std::array<std::atomic<uint64_t>, 6> responses_by_class{};  // index: status / 100
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> upstream_connects{0};
  std::atomic<uint64_t> upstream_connect_errors{0};
  std::atomic<uint64_t> upstream_aborted{0};  // backend died mid-response
  std::atomic<uint64_t> ejections{0};
  std::atomic<uint64_t> bad_requests{0};
  // Prompt blocks (RequestView::prefix_blocks) of the picks made, and how many of them the chosen
  // backend was expected to hold (CandidateScore::matched_blocks): the predicted prefix hits.
  std::atomic<uint64_t> prefix_query_blocks{0};
  std::atomic<uint64_t> prefix_predicted_blocks{0};
  // Sum over the workers' pickers of Picker::prefix_index_bytes(); each worker adds its changes.
  std::atomic<int64_t> prefix_index_bytes{0};

  void count_response(int status) {
    int index = status / 100;
    if (index >= 0 && index < static_cast<int>(responses_by_class.size())) {
      responses_by_class[index].fetch_add(1, std::memory_order_relaxed);
    }
  }
};

inline void bump(std::atomic<uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace fulcrum
