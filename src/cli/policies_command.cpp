// `fulcrum policies`: every routing and placement policy with a one-line description.
#include <iostream>

#include "cli/commands.h"
#include "cli/table.h"
#include "placement/registry.h"
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

}  // namespace

void print_policy_catalogue(bool with_params, std::ostream& out) {
  print_catalogue("Routing policies (gateway)", picker_registry(), with_params, out);
  out << '\n';
  print_catalogue("Placement policies (scheduler)", placer_registry(), with_params, out);
}

void add_policies_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("policies", "List every routing and placement policy");
  auto with_params = std::make_shared<bool>(false);
  command->add_flag("--params", *with_params, "Also list each policy's parameters");
  command->callback([&exit_code, with_params] {
    print_policy_catalogue(*with_params, std::cout);
    exit_code = kExitOk;
  });
}

}  // namespace fulcrum
