// `fulcrum serve`: starts the bodies a config names. Today that is the planning core: it validates
// the config, prints the policy catalogue and the plan of the configured tasks on the cluster.
#include <iostream>

#include "cli/commands.h"
#include "cli/table.h"
#include "core/config.h"
#include "placement/registry.h"
#include "policy/registry.h"

namespace fulcrum {

namespace {

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

int run_serve(const std::string& config_file) {
  auto config = load_serve_config(config_file);
  if (!config.ok()) return report_bad_input(config.status());
  auto router = make_picker(config->routing.name, config->routing.params);
  if (!router.ok()) {
    return report_bad_input(
        invalid_argument(config->routing.origin + ": " + router.error_message()));
  }
  auto placer = make_placer(config->placement.name, config->placement.params);
  if (!placer.ok()) {
    return report_bad_input(
        invalid_argument(config->placement.origin + ": " + placer.error_message()));
  }
  auto cluster = load_cluster_file(config->cluster_file);
  if (!cluster.ok()) return report_bad_input(cluster.status());

  std::cout << "fulcrum " << FULCRUM_VERSION << " serving " << config_file << "\n\n";
  print_policy_catalogue(false, std::cout);
  std::cout << "\nCluster " << config->cluster_file << ": " << cluster->size() << " nodes\n";
  std::cout << "Routing policy: " << config->routing.name
            << "; placement policy: " << config->placement.name << '\n';
  if (config->tasks_file.empty()) return kExitOk;

  auto tasks = load_tasks_file(config->tasks_file);
  if (!tasks.ok()) return report_bad_input(tasks.status());
  std::cout << "\nPlan for " << config->tasks_file << " (" << tasks->size()
            << " tasks, in dependency waves):\n";
  return print_wave_plan(*cluster, *tasks, **placer);
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto config_file = std::make_shared<std::string>();
  auto* command = app.add_subcommand("serve", "Start the bodies named in a config file");
  command->add_option("--config", *config_file, "Config YAML (see examples/quickstart.yaml)")
      ->required();
  command->callback([config_file, &exit_code] { exit_code = run_serve(*config_file); });
}

}  // namespace fulcrum
