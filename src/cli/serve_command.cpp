// `fulcrum serve --config FILE`: starts the bodies a config names (emulated replicas, the gateway,
// the scheduler; see src/serve/serve_config.h) and runs them until SIGINT or SIGTERM; SIGHUP
// reloads the gateway: section. A config with none of them prints the plan of its tasks on its
// cluster. `--check` validates the config, prints what would start (and the plan) and exits.
#include <csignal>
#include <functional>
#include <iostream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "cli/commands.h"
#include "cli/table.h"
#include "placement/registry.h"
#include "policy/registry.h"
#include "scheduler/scheduler_parts.h"
#include "serve/serve_config.h"
#include "serve/stack.h"

namespace fulcrum {

namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(10);

// Places the tasks wave by wave: a wave starts when every task of the previous one has finished,
// so each wave gets the whole cluster.
int print_wave_plan(const Cluster& cluster, const std::vector<Task>& tasks, Placer& placer) {
  auto waves = dependency_waves(tasks);
  if (!waves.ok()) return report_bad_input(waves.status());
  int64_t wave_start_ms = 0;
  bool all_placed = true;
  for (size_t wave = 0; wave < waves->size(); ++wave) {
    std::vector<Task> wave_tasks;
    int64_t longest_ms = 0;
    for (size_t index : (*waves)[wave]) {
      wave_tasks.push_back(tasks[index]);
      longest_ms = std::max(longest_ms, tasks[index].estimated_duration_ms);
    }
    Cluster scratch = cluster;
    Placement placement = placer.place(scratch, wave_tasks);
    std::cout << "\nWave " << wave + 1 << " (starts at " << wave_start_ms / 60000 << " min):\n";
    print_placement(scratch, placement, std::cout);
    all_placed = all_placed && placement.all_placed();
    wave_start_ms += longest_ms;
  }
  std::cout << "\nEstimated makespan: " << wave_start_ms / 60000 << " min\n";
  return all_placed ? kExitOk : kExitUnplaced;
}

// The planning printout: the policy catalogue and the configured tasks placed wave by wave.
int print_plan(const ServeConfig& config, const std::string& cluster_file,
               const PolicyChoice& placement) {
  auto placer = make_placer(placement.name, placement.params);
  if (!placer.ok()) {
    return report_bad_input(invalid_argument(placement.origin + ": " + placer.error_message()));
  }
  auto cluster = load_cluster_file(cluster_file);
  if (!cluster.ok()) return report_bad_input(cluster.status());
  std::cout << '\n';
  print_policy_catalogue(false, std::cout);
  std::cout << "\nCluster " << cluster_file << ": " << cluster->size() << " nodes\n";
  // The gateway's own policy when it has one: config.routing is then only the unused default.
  const std::string& routing = config.gateway ? config.gateway->policy.name : config.routing.name;
  std::cout << "Routing policy: " << routing << "; placement policy: " << placement.name << '\n';
  if (config.tasks_file.empty()) return kExitOk;
  auto tasks = load_tasks_file(config.tasks_file);
  if (!tasks.ok()) return report_bad_input(tasks.status());
  std::cout << "\nPlan for " << config.tasks_file << " (" << tasks->size()
            << " tasks, in dependency waves):\n";
  return print_wave_plan(*cluster, *tasks, **placer);
}

// Runs the started stack until SIGINT or SIGTERM; SIGHUP reloads. The signal sets exist before
// the stack starts (see run_serve), so a signal sent as soon as "running" is printed is handled.
int run_services(ServeStack& stack, boost::asio::io_context& signal_context,
                 boost::asio::signal_set& stop_signals, boost::asio::signal_set& reload_signals) {
  stop_signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    reload_signals.cancel();
    stack.stop();
  });
  std::function<void(const boost::system::error_code&, int)> on_reload =
      [&](const boost::system::error_code& error, int) {
        if (error) return;
        stack.reload();
        reload_signals.async_wait(on_reload);
      };
  reload_signals.async_wait(on_reload);
  std::thread signal_thread([&signal_context] { signal_context.run(); });
  stack.run(kShutdownGrace);
  signal_context.stop();
  signal_thread.join();
  std::cout << "fulcrum serve: stopped" << std::endl;
  return kExitOk;
}

int run_serve(const std::string& config_file, bool check_only) {
  auto config = load_serve_config(config_file);
  if (!config.ok()) return report_bad_input(config.status());
  if (auto router = make_picker(config->routing.name, config->routing.params); !router.ok()) {
    return report_bad_input(
        invalid_argument(config->routing.origin + ": " + router.error_message()));
  }
  std::cout << "fulcrum " << FULCRUM_VERSION << " serving " << config_file << '\n';
  if (!config->starts_services())
    return print_plan(*config, config->cluster_file, config->placement);
  if (check_only) {
    if (config->emulators) {
      std::cout << "emulators: " << config->emulators->replicas << " x "
                << config->emulators->profile_file << '\n';
    }
    if (config->gateway) {
      std::cout << "gateway: " << config->gateway->policy.name << ", "
                << config->gateway->backends.size() << " configured backends\n";
    }
    if (!config->scheduler) return kExitOk;
    // The start makes the same parts (SchedulerService::create), so what passes here starts.
    if (auto parts = make_scheduler_parts(*config->scheduler); !parts.ok()) {
      return report_bad_input(parts.status());
    }
    std::cout << "scheduler: placement " << config->scheduler->placement.name << ", queue "
              << config->scheduler->queue.name << ", executor " << config->scheduler->executor.type
              << '\n';
    if (config->scheduler->cluster_file.empty()) return kExitOk;
    return print_plan(*config, config->scheduler->cluster_file, config->scheduler->placement);
  }
  boost::asio::io_context signal_context;
  boost::asio::signal_set stop_signals(signal_context, SIGINT, SIGTERM);
  boost::asio::signal_set reload_signals(signal_context, SIGHUP);
  ServeStack stack(std::move(*config));
  if (Status started = stack.start(std::cout); !started.ok()) {
    std::cerr << "error: " << started.message() << '\n';
    return started.code() == ErrorCode::kInvalidArgument ? kExitBadInput : kExitError;
  }
  std::cout << "fulcrum serve: running (SIGHUP reloads the gateway, SIGINT/SIGTERM stop)"
            << std::endl;
  return run_services(stack, signal_context, stop_signals, reload_signals);
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto config_file = std::make_shared<std::string>();
  auto check_only = std::make_shared<bool>(false);
  auto* command = app.add_subcommand("serve", "Start the bodies named in a config file");
  command->add_option("--config", *config_file, "Config YAML (see examples/quickstart.yaml)")
      ->required();
  command->add_flag("--check", *check_only,
                    "Validate the config, print what would start and the plan, then exit");
  command->callback(
      [config_file, check_only, &exit_code] { exit_code = run_serve(*config_file, *check_only); });
}

}  // namespace fulcrum
