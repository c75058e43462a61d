// The backends every worker routes to. Membership changes (admin add/remove, reload) publish a new
// immutable list; live state (health, drain, weight, in-flight counts) is atomic so that workers
// read it without locks on every pick.
#pragma once

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
  std::shared_ptr<Backend> find(const std::string& name) const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const BackendList> backends_ = std::make_shared<const BackendList>();
  std::atomic<uint64_t> generation_{1};
  uint32_t next_id_ = 0;
};

}  // namespace fulcrum
