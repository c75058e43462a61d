// `fulcrum scheduler --config FILE`: the task scheduler with its REST API (docs/scheduler.md).
#include <csignal>
#include <cstdlib>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "cli/commands.h"
#include "scheduler/service.h"

namespace fulcrum {

namespace {

int run_scheduler(const std::string& config_file) {
  auto config = load_scheduler_config(config_file);
  if (!config.ok()) return report_bad_input(config.status());
  if (const char* token = std::getenv("FULCRUM_TOKEN"); token != nullptr && config->token.empty()) {
    config->token = token;
  }
  boost::asio::io_context context;
  auto service = SchedulerService::create(std::move(*config), context);
  if (!service.ok()) return report_bad_input(service.status());
  if (Status started = (*service)->start(); !started.ok()) {
    std::cerr << "error: " << started.message() << '\n';
    return started.code() == ErrorCode::kInvalidArgument ? kExitBadInput : kExitError;
  }
  boost::asio::signal_set signals(context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    (*service)->stop();
    context.stop();
  });
  const SchedulerConfig& settings = (*service)->config();
  const SchedulerCore& core = (*service)->core();
  std::string placement(core.placer_name());
  if (settings.milp) placement = "milp (fallback " + placement + ")";
  std::cout << "fulcrum scheduler listening on " << settings.address << ":" << (*service)->port()
            << " (" << core.cluster().size() << " nodes, " << core.task_ids().size() << " tasks, "
            << (*service)->restored_tasks() << " requeued after restart, placement " << placement
            << ", queue " << core.queue_name() << (settings.preemption ? ", preemption on" : "")
            << ")" << std::endl;
  context.run();
  return kExitOk;
}

}  // namespace

void add_scheduler_command(CLI::App& app, int& exit_code) {
  auto config_file = std::make_shared<std::string>();
  auto* command =
      app.add_subcommand("scheduler", "Run the task scheduler with its REST API under /v1");
  command->add_option("--config", *config_file, "Config YAML with a scheduler: section")
      ->required();
  command->callback([config_file, &exit_code] { exit_code = run_scheduler(*config_file); });
}

}  // namespace fulcrum
