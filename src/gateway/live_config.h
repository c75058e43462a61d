// The gateway's configuration as it is now. A reload publishes a new version; every version stays
// alive until the gateway ends, so a request that started under one keeps valid references to it
// (reloads are rare and a config is small).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "gateway/config.h"

namespace fulcrum {

class LiveConfig {
 public:
  explicit LiveConfig(GatewayConfig initial) { publish(std::move(initial)); }

  std::shared_ptr<const GatewayConfig> current() const {
    std::lock_guard lock(mutex_);
    return versions_.back();
  }

  std::shared_ptr<const GatewayConfig> publish(GatewayConfig next) {
    auto version = std::make_shared<const GatewayConfig>(std::move(next));
    std::lock_guard lock(mutex_);
    versions_.push_back(version);
    return version;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const GatewayConfig>> versions_;
};

}  // namespace fulcrum
