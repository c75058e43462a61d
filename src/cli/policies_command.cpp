// `fulcrum policies`: every routing and placement policy, planner and objective with a one-line
// description.
#include <iostream>

#include "cli/commands.h"
#include "cli/table.h"
#include "milp/batch_placement.h"
#include "milp/batch_solver.h"
#include "placement/registry.h"
#include "planning/planner.h"
#include "policy/registry.h"

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

struct CatalogueEntry {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
};

// The placers, and the scheduler's batch mode that uses the MILP with one of them as fallback.
std::vector<CatalogueEntry> placement_catalogue() {
  std::vector<CatalogueEntry> entries;
  for (const PlacerEntry& entry : placer_registry()) {
    entries.push_back({entry.name, entry.description, entry.params});
  }
  entries.push_back({"milp",
                     "scheduler only: batches of queued tasks placed by the batch MILP (CBC), "
                     "a heuristic when it has no answer",
                     milp_placement_params()});
  return entries;
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
  print_catalogue("Placement policies (scheduler)", placement_catalogue(), with_params, out);
  out << '\n';
  print_catalogue("Planners (fulcrum plan --solver)", planner_registry(), with_params, out);
  out << '\n';
  print_objectives(out);
}

void add_policies_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "policies", "List every routing and placement policy, planner and objective");
  auto with_params = std::make_shared<bool>(false);
  command->add_flag("--params", *with_params, "Also list each policy's parameters");
  command->callback([&exit_code, with_params] {
    print_policy_catalogue(*with_params, std::cout);
    exit_code = kExitOk;
  });
}

}  // namespace fulcrum
