// `fulcrum policies`: every routing and placement policy, queue, executor, planner and objective
// with a one-line description, read from their registries.
#include <iostream>

#include "cli/commands.h"
#include "milp/batch_placement.h"
#include "planning/planner.h"
#include "policy/registry.h"
#include "queue/ready_queue.h"
#include "scheduler/executor_registry.h"
#include "scheduler/scheduler_parts.h"

namespace fulcrum {

namespace {

template <typename Entry>
void print_catalogue(const std::string& title, const std::vector<Entry>& entries, bool with_params,
                     std::ostream& out) {
  out << title << ":\n";
  for (const Entry& entry : entries) {
    out << "  " << entry.name
        << std::string(entry.name.size() < 24 ? 24 - entry.name.size() : 1, ' ')
        << entry.description << '\n';
    if (!with_params) continue;
    for (const ParamSpec& param : entry.params) {
      out << "      " << param.name << " (default " << param.default_value
          << "): " << param.description << '\n';
    }
  }
}

void print_objectives(std::ostream& out) {
  out << "Objectives:\n";
  std::string plan_objectives;
  for (PlanObjective objective : {PlanObjective::kMakespan, PlanObjective::kWeightedCompletion}) {
    plan_objectives +=
        (plan_objectives.empty() ? "" : ", ") + std::string(plan_objective_name(objective));
  }
  std::string batch_objectives;
  for (BatchObjective objective : {BatchObjective::kPlacedWork, BatchObjective::kBalance,
                                   BatchObjective::kEnergy, BatchObjective::kThroughput}) {
    batch_objectives +=
        (batch_objectives.empty() ? "" : ", ") + std::string(batch_objective_name(objective));
  }
  out << "  fulcrum plan --objective              " << plan_objectives
      << ", and balance or energy placed wave by wave\n";
  out << "  placement: milp, params: {objective}   " << batch_objectives << '\n';
}

}  // namespace

void print_policy_catalogue(bool with_params, std::ostream& out) {
  print_catalogue("Routing policies (gateway)", picker_registry(), with_params, out);
  out << '\n';
  print_catalogue("Placement policies (scheduler)", scheduler_placement_registry(), with_params,
                  out);
  out << '\n';
  print_catalogue("Queue policies (scheduler)", ready_queue_registry(), with_params, out);
  out << '\n';
  print_catalogue("Executors (scheduler executor: {type: NAME})", executor_registry(), with_params,
                  out);
  out << '\n';
  print_catalogue("Planners (fulcrum plan --solver)", planner_registry(), with_params, out);
  out << '\n';
  print_objectives(out);
}

void add_policies_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "policies",
      "List every routing, placement and queue policy, executor, planner and objective");
  auto with_params = std::make_shared<bool>(false);
  command->add_flag("--params", *with_params, "Also list each policy's parameters");
  command->callback([&exit_code, with_params] {
    print_policy_catalogue(*with_params, std::cout);
    exit_code = kExitOk;
  });
}

}  // namespace fulcrum
