// `fulcrum place`: places independent tasks on a cluster once and prints where each went.
#include <iostream>
#include <set>

#include "cli/commands.h"
#include "cli/table.h"
#include "core/config.h"
#include "placement/registry.h"

namespace fulcrum {

namespace {

std::string join_devices(const std::vector<int>& devices) {
  if (devices.empty()) return "-";
  std::string text;
  for (int device : devices) {
    if (!text.empty()) text += ',';
    text += std::to_string(device);
  }
  return text;
}

struct PlaceOptions {
  std::string cluster_file;
  std::string tasks_file;
  std::string policy = "least_loaded";
  std::vector<std::string> params;
};

int run_place(const PlaceOptions& options) {
  auto cluster = load_cluster_file(options.cluster_file);
  if (!cluster.ok()) return report_bad_input(cluster.status());
  auto tasks = load_tasks_file(options.tasks_file);
  if (!tasks.ok()) return report_bad_input(tasks.status());
  auto params = parse_param_flags(options.params);
  if (!params.ok()) return report_bad_input(params.status());
  auto placer = make_placer(options.policy, *params);
  if (!placer.ok()) return report_bad_input(placer.status());

  Placement placement = (*placer)->place(*cluster, *tasks);
  print_placement(*cluster, placement, std::cout);
  return placement.all_placed() ? kExitOk : kExitUnplaced;
}

}  // namespace

int report_bad_input(const Status& status) {
  std::cerr << "error: " << status.message() << '\n';
  return kExitBadInput;
}

Result<PolicyParams> parse_param_flags(const std::vector<std::string>& flags) {
  PolicyParams params;
  for (const std::string& flag : flags) {
    size_t equals = flag.find('=');
    if (equals == std::string::npos || equals == 0) {
      return invalid_argument("--param \"" + flag + "\": expected key=value");
    }
    params.set(flag.substr(0, equals), flag.substr(equals + 1));
  }
  return params;
}

void print_placement(const Cluster& cluster, const Placement& placement, std::ostream& out) {
  TextTable table({"TASK", "NODE", "GPU DEVICES", "DEMAND", "FREE ON NODE AFTER"});
  std::set<std::string> gangs;
  for (const Assignment& assignment : placement.assignments) {
    if (assignment.replica > 0) gangs.insert(assignment.task_id);
  }
  for (const Assignment& assignment : placement.assignments) {
    std::string task = assignment.task_id;
    if (gangs.contains(task)) task += "/" + std::to_string(assignment.replica);
    const Node& node = cluster.node(assignment.node_index);
    table.add_row({task, node.id, join_devices(assignment.gpu_devices),
                   assignment.demand.to_string(), node.free().to_string()});
  }
  table.print(out);
  if (!placement.unplaced.empty()) {
    out << "\nNot placed:\n";
    for (const UnplacedTask& unplaced : placement.unplaced) {
      out << "  " << unplaced.task_id << ": " << unplaced.reason << '\n';
    }
  }
  size_t placed_tasks = placement.assignments.size() - [&] {
    size_t extra_replicas = 0;
    for (const Assignment& assignment : placement.assignments) {
      extra_replicas += assignment.replica > 0 ? 1 : 0;
    }
    return extra_replicas;
  }();
  out << '\n'
      << placed_tasks << " of " << placed_tasks + placement.unplaced.size() << " tasks placed\n";
}

void add_place_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PlaceOptions>();
  auto* command = app.add_subcommand(
      "place",
      "Place independent tasks on a cluster once and print the result (exit 3 if any "
      "task could not be placed). Dependencies between the tasks are not considered.");
  command->add_option("--cluster", options->cluster_file, "Cluster YAML file")->required();
  command->add_option("--tasks", options->tasks_file, "Task YAML file")->required();
  command->add_option("--policy", options->policy, "Placement policy (see `fulcrum policies`)")
      ->capture_default_str();
  command->add_option("--param", options->params, "Policy parameter key=value (repeatable)");
  command->callback([options, &exit_code] { exit_code = run_place(*options); });
}

}  // namespace fulcrum
