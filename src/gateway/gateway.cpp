#include "gateway/gateway.h"

#include "core/log.h"
#include "gateway/admin.h"
#include "policy/registry.h"

namespace fulcrum {

namespace {

// Each worker's picker gets its own seed so that random choices do not move in lockstep.
Result<std::unique_ptr<Picker>> make_worker_picker(const PolicyChoice& policy, int worker_index) {
  PolicyParams params = policy.params;
  if (params.has("seed")) {
    auto seed = params.get_int("seed", 1);
    if (seed.ok()) params.set("seed", std::to_string(*seed + worker_index));
  }
  return make_picker(policy.name, params);
}

bool same_listeners(const std::vector<ListenAddress>& a, const std::vector<ListenAddress>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.address == y.address && x.port == y.port;
  });
}

std::vector<std::string> restart_only_changes(const GatewayConfig& now, const GatewayConfig& next) {
  std::vector<std::string> changes;
  if (!same_listeners(now.listeners, next.listeners)) changes.push_back("listen");
  if (now.workers != next.workers) changes.push_back("workers");
  if (now.accept != next.accept) changes.push_back("accept");
  const AdminConfig& a = now.admin;
  const AdminConfig& b = next.admin;
  if (a.enabled != b.enabled || a.listen.address != b.listen.address ||
      a.listen.port != b.listen.port || a.token != b.token) {
    changes.push_back("admin");
  }
  return changes;
}

}  // namespace

Gateway::Gateway(GatewayConfig config) : live_config_(std::move(config)) {}

Gateway::~Gateway() = default;

Status Gateway::start() {
  const std::shared_ptr<const GatewayConfig> config = live_config_.current();
  for (const BackendConfig& backend : config->backends) {
    auto added = registry_.add(backend);
    if (!added.ok()) return added.status();
  }
  int workers = config->workers > 0
                    ? config->workers
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int index = 0; index < workers; ++index) {
    auto picker = make_worker_picker(config->policy, index);
    if (!picker.ok()) return picker.status();
    auto worker = std::make_unique<Worker>(index, config, registry_, stats_, std::move(*picker));
    const bool shared = config->accept == GatewayConfig::AcceptMode::kShared;
    Status listening = shared && index > 0
                           ? worker->share_listeners(*workers_.front())
                           : worker->listen(config->listeners, /*reuse_port=*/!shared);
    if (!listening.ok()) return listening;
    if (Status opened = worker->open_access_log(); !opened.ok()) return opened;
    workers_.push_back(std::move(worker));
  }
  if (config->admin.enabled) {
    admin_ = std::make_unique<AdminService>(live_config_, registry_, stats_);
    if (Status listening = admin_->listen(); !listening.ok()) return listening;
  }
  return Status::ok_status();
}

void Gateway::run() {
  const std::shared_ptr<const GatewayConfig> config = live_config_.current();
  monitor_.start(config->health_check, config->scrape);
  if (admin_) admin_->run_in_background();
  std::vector<std::thread> threads;
  for (size_t index = 1; index < workers_.size(); ++index) {
    threads.emplace_back([worker = workers_[index].get()] { worker->run(); });
  }
  if (!workers_.empty()) workers_[0]->run();
  for (std::thread& thread : threads) thread.join();
  monitor_.stop();
  if (admin_) admin_->stop();
}

void Gateway::shutdown() {
  for (auto& worker : workers_) worker->begin_shutdown();
}

void Gateway::stop() {
  for (auto& worker : workers_) worker->stop();
}

Result<ReloadSummary> Gateway::reload(GatewayConfig next) {
  std::lock_guard lock(reload_mutex_);
  const std::shared_ptr<const GatewayConfig> now = live_config_.current();
  // Everything that can fail is prepared before anything changes.
  const bool policy_changed = now->policy.name != next.policy.name ||
                              now->policy.params.values() != next.policy.params.values();
  std::vector<std::unique_ptr<Picker>> pickers(workers_.size());
  if (policy_changed) {
    for (size_t index = 0; index < workers_.size(); ++index) {
      auto picker = make_worker_picker(next.policy, static_cast<int>(index));
      if (!picker.ok()) return picker.status();
      pickers[index] = std::move(*picker);
    }
  }
  ReloadSummary summary;
  summary.needs_restart = restart_only_changes(*now, next);
  auto backend_changes = registry_.sync(next.backends);
  if (!backend_changes.ok()) return backend_changes.status();
  summary.applied = std::move(*backend_changes);
  if (policy_changed)
    summary.applied.push_back("policy " + now->policy.name + " -> " + next.policy.name);
  // Restart-only settings keep their running values, so the published config tells the truth.
  next.listeners = now->listeners;
  next.workers = now->workers;
  next.admin = now->admin;
  const std::shared_ptr<const GatewayConfig> published = live_config_.publish(std::move(next));
  for (size_t index = 0; index < workers_.size(); ++index) {
    workers_[index]->apply(published, std::move(pickers[index]));
  }
  monitor_.update(published->health_check, published->scrape);
  return summary;
}

void reload_and_log(Gateway& gateway, Result<GatewayConfig> next, const std::string& file) {
  if (!next.ok()) {
    log_event(LogLevel::kError, "reload_rejected",
              {{"file", file}, {"reason", next.status().message()}});
    return;
  }
  auto summary = gateway.reload(std::move(*next));
  if (!summary.ok()) {
    log_event(LogLevel::kError, "reload_rejected",
              {{"file", file}, {"reason", summary.status().message()}});
    return;
  }
  std::string applied;
  for (const std::string& change : summary->applied)
    applied += (applied.empty() ? "" : "; ") + change;
  std::string ignored;
  for (const std::string& key : summary->needs_restart)
    ignored += (ignored.empty() ? "" : ", ") + key;
  log_event(LogLevel::kInfo, "reloaded",
            {{"file", file}, {"changes", applied.empty() ? "none" : applied}});
  if (!ignored.empty()) {
    log_event(LogLevel::kWarn, "reload_needs_restart", {{"file", file}, {"settings", ignored}});
  }
}

}  // namespace fulcrum
