#include "gateway/backends.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace fulcrum {

std::shared_ptr<const BackendList> BackendRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  return backends_;
}

Result<std::shared_ptr<Backend>> BackendRegistry::add(const BackendConfig& config) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::resolver resolver(context);
  boost::system::error_code error;
  auto results = resolver.resolve(config.host, std::to_string(config.port), error);
  if (error || results.empty()) {
    return invalid_argument("backend \"" + config.name + "\": cannot resolve host \"" +
                            config.host + "\": " + error.message());
  }
  std::lock_guard lock(mutex_);
  for (const auto& backend : *backends_) {
    if (backend->config.name == config.name) {
      return Status(ErrorCode::kAlreadyExists, "backend \"" + config.name + "\" already exists");
    }
  }
  auto backend = std::make_shared<Backend>(next_id_++, config, results.begin()->endpoint());
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
