#include "gateway/backends.h"

#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace fulcrum {

std::shared_ptr<const BackendList> BackendRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  return backends_;
}

namespace {

Result<boost::asio::ip::tcp::endpoint> resolve(const BackendConfig& config) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::resolver resolver(context);
  boost::system::error_code error;
  auto results = resolver.resolve(config.host, std::to_string(config.port), error);
  if (error || results.empty()) {
    return invalid_argument("backend \"" + config.name + "\": cannot resolve host \"" +
                            config.host + "\": " + error.message());
  }
  return results.begin()->endpoint();
}

bool same_target(const BackendConfig& a, const BackendConfig& b) {
  return a.host == b.host && a.port == b.port && a.labels == b.labels;
}

}  // namespace

Result<std::vector<std::string>> BackendRegistry::sync(const std::vector<BackendConfig>& wanted) {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  for (const BackendConfig& config : wanted) {
    auto endpoint = resolve(config);
    if (!endpoint.ok()) return endpoint.status();
    endpoints.push_back(*endpoint);
  }
  std::lock_guard lock(mutex_);
  std::vector<std::string> changes;
  auto next = std::make_shared<BackendList>();
  for (size_t index = 0; index < wanted.size(); ++index) {
    const BackendConfig& config = wanted[index];
    std::shared_ptr<Backend> kept;
    for (const auto& backend : *backends_) {
      if (backend->config.name == config.name && same_target(backend->config, config)) {
        kept = backend;
      }
    }
    if (!kept) {
      const bool replaced = std::any_of(backends_->begin(), backends_->end(), [&](const auto& b) {
        return b->config.name == config.name;
      });
      changes.push_back("backend \"" + config.name + (replaced ? "\" replaced" : "\" added"));
      next->push_back(std::make_shared<Backend>(next_id_++, config, endpoints[index]));
      continue;
    }
    const uint32_t old_weight = kept->weight.exchange(config.weight, std::memory_order_relaxed);
    if (old_weight != config.weight) {
      changes.push_back("backend \"" + config.name + "\" weight " + std::to_string(old_weight) +
                        " -> " + std::to_string(config.weight));
    }
    next->push_back(std::move(kept));
  }
  for (const auto& backend : *backends_) {
    const bool still_there = std::any_of(wanted.begin(), wanted.end(), [&](const auto& config) {
      return config.name == backend->config.name;
    });
    if (!still_there) changes.push_back("backend \"" + backend->config.name + "\" removed");
  }
  backends_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
  return changes;
}

Result<std::shared_ptr<Backend>> BackendRegistry::add(const BackendConfig& config) {
  auto endpoint = resolve(config);
  if (!endpoint.ok()) return endpoint.status();
  std::lock_guard lock(mutex_);
  for (const auto& backend : *backends_) {
    if (backend->config.name == config.name) {
      return Status(ErrorCode::kAlreadyExists, "backend \"" + config.name + "\" already exists");
    }
  }
  auto backend = std::make_shared<Backend>(next_id_++, config, *endpoint);
  auto next = std::make_shared<BackendList>(*backends_);
  next->push_back(backend);
  backends_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
  return backend;
}

Status BackendRegistry::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<BackendList>();
  for (const auto& backend : *backends_) {
    if (backend->config.name != name) next->push_back(backend);
  }
  if (next->size() == backends_->size()) return not_found("no backend named \"" + name + "\"");
  backends_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
  return Status::ok_status();
}

std::shared_ptr<Backend> BackendRegistry::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& backend : *backends_) {
    if (backend->config.name == name) return backend;
  }
  return nullptr;
}

}  // namespace fulcrum
