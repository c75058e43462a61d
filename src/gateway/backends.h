// The backends every worker routes to. Membership changes (admin add/remove, reload) publish a new
// immutable list; live state (health, drain, weight, in-flight counts) is atomic so that workers
// read it without locks on every pick.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "core/status.h"
#include "gateway/config.h"

namespace fulcrum {

// Seconds from the start of a request's attempt on a backend (connect or pooled connection) to its
// response head, as the buckets of a Prometheus histogram. Workers record with relaxed atomics;
// /metrics reads whatever is there.
struct LatencyHistogram {
  static constexpr std::array<int64_t, 15> kBoundsUs = {
      1000,   2500,    5000,    10000,   25000,    50000,    100000,  250000,
      500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000};

  // Per bucket, not cumulative; the last counts what lies above every bound.
  std::array<std::atomic<uint64_t>, kBoundsUs.size() + 1> counts{};
  std::atomic<uint64_t> sum_us{0};

  void record(int64_t latency_ns) {
    int64_t latency_us = std::max<int64_t>(latency_ns / 1000, 0);
    size_t bucket = static_cast<size_t>(
        std::lower_bound(kBoundsUs.begin(), kBoundsUs.end(), latency_us) - kBoundsUs.begin());
    counts[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_us.fetch_add(static_cast<uint64_t>(latency_us), std::memory_order_relaxed);
  }

  uint64_t count() const {
    uint64_t total = 0;
    for (const auto& bucket : counts) total += bucket.load(std::memory_order_relaxed);
    return total;
  }
};

struct Backend {
  Backend(uint32_t backend_id, BackendConfig backend_config,
          boost::asio::ip::tcp::endpoint backend_endpoint)
      : id(backend_id),
        config(std::move(backend_config)),
        endpoint(backend_endpoint),
        weight(config.weight) {}

  const uint32_t id;  // stable while the backend exists; never reused by another backend
  const BackendConfig config;
  const boost::asio::ip::tcp::endpoint endpoint;

  std::atomic<uint32_t> weight;
  std::atomic<bool> draining{false};
  std::atomic<bool> check_healthy{true};     // the active health check's verdict
  std::atomic<int64_t> ejected_until_ns{0};  // passive ejection: unhealthy until then (steady)
  std::atomic<uint32_t> consecutive_failures{0};
  std::atomic<uint32_t> ejections{0};
  std::atomic<uint32_t> in_flight{0};
  std::atomic<uint64_t> health_check_failures{0};
  // The load the backend reports on its /metrics (scrape:), and when it was read (steady ns; 0:
  // never). Written by the monitor thread, read by every pick.
  std::atomic<double> reported_queue_depth{0};
  std::atomic<double> reported_running{0};
  std::atomic<double> reported_kv_cache_usage{0};
  std::atomic<double> reported_kv_blocks_total{0};
  std::atomic<double> reported_prefix_hit_rate{0};
  // The server's own prefix-cache counters (vLLM counts tokens), as last scraped.
  std::atomic<double> reported_prefix_queries{0};
  std::atomic<double> reported_prefix_hits{0};
  std::atomic<int64_t> reported_at_ns{0};
  std::atomic<uint64_t> scrape_failures{0};
  // On cache lines of their own: every response writes them, every pick reads the fields above.
  alignas(64) LatencyHistogram response_latency;
  std::array<std::atomic<uint64_t>, 6> responses_by_class{};  // index: status / 100

  void count_response(int status) {
    const int index = status / 100;
    if (index >= 1 && index < static_cast<int>(responses_by_class.size())) {
      responses_by_class[static_cast<size_t>(index)].fetch_add(1, std::memory_order_relaxed);
    }
  }

  bool healthy_at(int64_t now_ns) const {
    return check_healthy.load(std::memory_order_relaxed) &&
           ejected_until_ns.load(std::memory_order_relaxed) <= now_ns;
  }
};

using BackendList = std::vector<std::shared_ptr<Backend>>;

class BackendRegistry {
 public:
  // The current list; cheap to call when generation() has not changed since the last call.
  std::shared_ptr<const BackendList> snapshot() const;
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Resolves the host and adds the backend; fails on a duplicate name or an unresolvable host.
  Result<std::shared_ptr<Backend>> add(const BackendConfig& config);
  Status remove(const std::string& name);
  // Makes the pool exactly `wanted` (reload): a backend whose name, host, port and labels are
  // unchanged keeps its state (health, drain, counters) and takes the new weight; the others are
  // added, replaced or removed. Resolves every host first and changes nothing when one fails.
  // Returns what changed, e.g. "backend \"b\" weight 1 -> 3".
  Result<std::vector<std::string>> sync(const std::vector<BackendConfig>& wanted);
  std::shared_ptr<Backend> find(const std::string& name) const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const BackendList> backends_ = std::make_shared<const BackendList>();
  std::atomic<uint64_t> generation_{1};
  uint32_t next_id_ = 0;
};

}  // namespace fulcrum
