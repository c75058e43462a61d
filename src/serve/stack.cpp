#include "serve/stack.h"

#include <boost/asio/post.hpp>

#include "emulator/profile.h"
#include "emulator/server.h"
#include "gateway/gateway.h"
#include "scheduler/service.h"

namespace fulcrum {

struct ServeStack::Replica {
  boost::asio::io_context context;
  std::unique_ptr<emulator::EmulatorServer> server;
};

ServeStack::ServeStack(ServeConfig config) : config_(std::move(config)) {}

ServeStack::~ServeStack() {
  stop();
  if (gateway_thread_.joinable() || !threads_.empty()) shut_down(std::chrono::milliseconds(0));
}

GatewayConfig ServeStack::gateway_config_with_emulators(GatewayConfig gateway) const {
  for (size_t index = 0; index < replicas_.size(); ++index) {
    BackendConfig backend;
    backend.name = "emulator-" + std::to_string(index);
    backend.host = config_.emulators->address;
    backend.port = replicas_[index]->server->port();
    backend.labels["model"] = replicas_[index]->server->model_name();
    gateway.backends.push_back(std::move(backend));
  }
  return gateway;
}

Status ServeStack::start(std::ostream& out) {
  if (config_.emulators) {
    const EmulatorFleetConfig& fleet = *config_.emulators;
    auto profile = emulator::load_profile(fleet.profile_file);
    if (!profile.ok()) return profile.status();
    for (int index = 0; index < fleet.replicas; ++index) {
      auto replica = std::make_unique<Replica>();
      emulator::EmulatorOptions options;
      options.address = fleet.address;
      options.port = fleet.base_port == 0 ? 0 : static_cast<uint16_t>(fleet.base_port + index);
      options.speed = fleet.speed;
      options.served_model_name = fleet.model;
      replica->server =
          std::make_unique<emulator::EmulatorServer>(replica->context, *profile, options);
      if (Status started = replica->server->start(); !started.ok()) {
        return Status(started.code(), "emulator-" + std::to_string(index) + ": " + started.message());
      }
      out << "emulator-" << index << ": " << replica->server->model_name() << " on "
          << fleet.address << ":" << replica->server->port() << " (" << fleet.profile_file
          << ", speed " << fleet.speed << ")\n";
      replicas_.push_back(std::move(replica));
    }
  }
  if (config_.gateway) {
    gateway_ = std::make_unique<Gateway>(gateway_config_with_emulators(*config_.gateway));
    if (Status started = gateway_->start(); !started.ok()) {
      return Status(started.code(), "gateway: " + started.message());
    }
    const std::shared_ptr<const GatewayConfig> running = gateway_->config();
    for (const ListenAddress& listen : running->listeners) {
      out << "gateway: listening on " << listen.address << ":" << listen.port << " ("
          << running->policy.name << ", " << running->backends.size() << " backends)\n";
    }
    if (running->admin.enabled) {
      out << "gateway: admin API on " << running->admin.listen.address << ":"
          << running->admin.listen.port << "\n";
    }
  }
  if (config_.scheduler) {
    auto service = SchedulerService::create(*config_.scheduler, scheduler_context_);
    if (!service.ok()) return Status(service.status().code(), "scheduler: " + service.error_message());
    scheduler_ = std::move(*service);
    if (Status started = scheduler_->start(); !started.ok()) {
      return Status(started.code(), "scheduler: " + started.message());
    }
    out << "scheduler: listening on " << config_.scheduler->address << ":" << scheduler_->port()
        << " (" << scheduler_->core().cluster().size() << " nodes, placement "
        << scheduler_->core().placer_name() << ", queue " << scheduler_->core().queue_name()
        << ")\n";
    if (!config_.tasks_file.empty()) {
      auto tasks = load_tasks_file(config_.tasks_file);
      if (!tasks.ok()) return tasks.status();
      const size_t in_file = tasks->size();
      auto submitted = scheduler_->submit_initial_tasks(std::move(*tasks));
      if (!submitted.ok()) {
        return invalid_argument(config_.tasks_file + ": " + submitted.error_message());
      }
      out << "scheduler: submitted " << *submitted << " tasks from " << config_.tasks_file;
      if (*submitted < in_file) out << " (" << in_file - *submitted << " already in the store)";
      out << "\n";
    }
  }
  out.flush();
  start_threads();
  return Status::ok_status();
}

void ServeStack::start_threads() {
  for (auto& replica : replicas_) {
    threads_.emplace_back([context = &replica->context] { context->run(); });
  }
  if (scheduler_) threads_.emplace_back([this] { scheduler_context_.run(); });
  if (gateway_) {
    gateway_thread_ = std::thread([this] {
      gateway_->run();
      std::lock_guard lock(mutex_);
      gateway_done_ = true;
      changed_.notify_all();
    });
  }
}

void ServeStack::run(std::chrono::milliseconds grace) {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return stop_requested_; });
  }
  shut_down(grace);
}

void ServeStack::stop() {
  std::lock_guard lock(mutex_);
  stop_requested_ = true;
  changed_.notify_all();
}

void ServeStack::shut_down(std::chrono::milliseconds grace) {
  if (gateway_thread_.joinable()) {
    gateway_->shutdown();
    {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, grace, [this] { return gateway_done_; });
    }
    gateway_->stop();
    gateway_thread_.join();
  }
  if (scheduler_) {
    boost::asio::post(scheduler_context_, [this] {
      scheduler_->stop();
      scheduler_context_.stop();
    });
  }
  for (auto& replica : replicas_) replica->server->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

Result<GatewayConfig> ServeStack::read_gateway_again() const {
  auto next = load_serve_config(config_.file);
  if (!next.ok()) return next.status();
  if (!next->gateway) {
    return invalid_argument(config_.file + ": the gateway: section is gone (restart to remove it)");
  }
  return gateway_config_with_emulators(std::move(*next->gateway));
}

void ServeStack::reload() {
  if (gateway_) reload_and_log(*gateway_, read_gateway_again(), config_.file);
}

}  // namespace fulcrum
