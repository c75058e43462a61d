#include "gateway/gateway.h"

#include "gateway/admin.h"
#include "policy/registry.h"

namespace fulcrum {

Gateway::Gateway(GatewayConfig config) : config_(std::move(config)) {}

Gateway::~Gateway() = default;

Status Gateway::start() {
  for (const BackendConfig& backend : config_.backends) {
    auto added = registry_.add(backend);
    if (!added.ok()) return added.status();
  }
  int workers = config_.workers > 0
                    ? config_.workers
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int index = 0; index < workers; ++index) {
    PolicyParams params = config_.policy.params;
    // Each worker's picker gets its own seed so that random choices do not move in lockstep.
    if (params.has("seed")) {
      auto seed = params.get_int("seed", 1);
      if (seed.ok()) params.set("seed", std::to_string(*seed + index));
    }
    auto picker = make_picker(config_.policy.name, params);
    if (!picker.ok()) return picker.status();
    auto worker = std::make_unique<Worker>(index, config_, registry_, stats_, std::move(*picker));
    if (Status listening = worker->listen(config_.listeners); !listening.ok()) return listening;
    workers_.push_back(std::move(worker));
  }
  if (config_.admin.enabled) {
    admin_ = std::make_unique<AdminService>(config_, registry_, stats_);
    if (Status listening = admin_->listen(); !listening.ok()) return listening;
  }
  return Status::ok_status();
}

void Gateway::run() {
  if (admin_) admin_->run_in_background();
  std::vector<std::thread> threads;
  for (size_t index = 1; index < workers_.size(); ++index) {
    threads.emplace_back([worker = workers_[index].get()] { worker->run(); });
  }
  if (!workers_.empty()) workers_[0]->run();
  for (std::thread& thread : threads) thread.join();
  if (admin_) admin_->stop();
}

void Gateway::shutdown() {
  for (auto& worker : workers_) worker->begin_shutdown();
}

void Gateway::stop() {
  for (auto& worker : workers_) worker->stop();
}

}  // namespace fulcrum
