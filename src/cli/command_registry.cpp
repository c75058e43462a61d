// The list of self-registered subcommands (see CommandRegistration in commands.h).
#include <algorithm>
#include <utility>
#include <vector>

#include "cli/commands.h"

namespace fulcrum {
namespace {

std::vector<std::pair<int, CommandAdder>>& registered_commands() {
  static std::vector<std::pair<int, CommandAdder>> commands;
  return commands;
}

}  // namespace

CommandRegistration::CommandRegistration(int order, CommandAdder adder) {
  registered_commands().emplace_back(order, adder);
}

void add_registered_commands(CLI::App& app, int& exit_code) {
  auto commands = registered_commands();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, adder] : commands) adder(app, exit_code);
}

}  // namespace fulcrum
